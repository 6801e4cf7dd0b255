import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy that a test can cut, to play a database or Redis going away without
 * touching the shared server behind it.
 *
 * - `cut()`: every open connection is destroyed (both sides see a reset) and new ones are refused
 *   (nothing listens on the port): a crash, or a restart in progress.
 * - `blackhole()`: connections stay open and new ones are accepted, but nothing is forwarded in
 *   either direction: a network that went silent, where only timeouts notice.
 * - `restore()`: forwards again, on the same port.
 */
export interface TcpProxy {
  port: number;
  /** The local ports of the proxy's connections to the upstream server (PostgreSQL's client_port). */
  upstreamPorts(): number[];
  cut(): Promise<void>;
  blackhole(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

function reset(socket: Socket) {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy(); // not connected yet
  }
}

export async function startTcpProxy(upstream: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'forward' | 'blackhole' = 'forward';
  const pairs = new Set<{ client: Socket; server: Socket }>();
  let server: Server | null = null;

  const onConnection = (client: Socket) => {
    const upstreamSocket = connect(upstream);
    const pair = { client, server: upstreamSocket };
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => {
        if (mode === 'forward' && !to.destroyed) to.write(chunk);
      });
    };
    forward(client, upstreamSocket);
    forward(upstreamSocket, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstreamSocket.destroy();
    };
    client.on('close', end).on('error', end);
    upstreamSocket.on('close', end).on('error', end);
  };

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const next = createServer(onConnection);
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        server = next;
        resolve((next.address() as { port: number }).port);
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      const current = server;
      server = null;
      if (!current) return resolve();
      current.close(() => resolve());
    });

  const port = await listen(0);
  return {
    port,
    upstreamPorts: () => [...pairs].map((pair) => pair.server.localPort).filter((p): p is number => p !== undefined),
    async cut() {
      const closing = stopListening();
      for (const pair of pairs) for (const socket of [pair.client, pair.server]) reset(socket);
      pairs.clear();
      await closing;
    },
    blackhole() {
      mode = 'blackhole';
    },
    async restore() {
      // Bytes dropped while silent leave those connections' protocol state broken: reset them.
      if (mode === 'blackhole') for (const pair of pairs) for (const socket of [pair.client, pair.server]) reset(socket);
      mode = 'forward';
      if (!server) await listen(port);
    },
    async close() {
      const closing = stopListening();
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server.destroy();
      }
      pairs.clear();
      await closing;
    },
  };
}
