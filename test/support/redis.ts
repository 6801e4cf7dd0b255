import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer, Socket } from 'node:net';

/** The Redis the tests use: TEST_REDIS_URL, else the local service. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisAnswers(): Promise<boolean> {
  const { hostname, port } = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false)).once('timeout', () => resolve(false));
    socket.connect(Number(port || 6379), hostname, () => socket.end());
  });
}

/** The stores to run a suite against: memory always, Redis when it answers (and always in CI). */
export async function testStores(): Promise<('memory' | 'redis')[]> {
  return process.env.CI === 'true' || (await redisAnswers()) ? ['memory', 'redis'] : ['memory'];
}

/** Whether `redis-server` can be run here (the fault tests start private ones); in CI it must. */
export function redisServerAvailable(): boolean {
  return process.env.CI === 'true' || spawnSync('redis-server', ['--version']).status === 0;
}

/** A free TCP port on the loopback interface (free when asked; tests bind it at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A private `redis-server` on a free loopback port, that a test may kill, pause and start again. */
export interface PrivateRedis {
  url: string;
  port: number;
  /** Starts it (again, on the same port, empty: nothing is saved) and waits until it answers. */
  start(): Promise<void>;
  /** Kills it and waits until it is gone. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: connections stay open, nothing answers. */
  pause(): void;
  resume(): void;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const answers = () =>
    new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.setTimeout(500);
      let reply = '';
      socket.on('data', (chunk) => {
        reply += chunk.toString();
        if (reply.includes('\r\n')) {
          socket.destroy();
          resolve(reply.startsWith('+PONG'));
        }
      });
      socket.once('error', () => resolve(false)).once('timeout', () => (socket.destroy(), resolve(false)));
      socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    });
  const redis: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      const started = Date.now();
      while (!(await answers())) {
        if (Date.now() - started > 10_000 || child.exitCode !== null) throw new Error(`redis-server on port ${port} did not start`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async kill() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGCONT');
      running.kill('SIGKILL');
      await exited;
    },
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
  };
  await redis.start();
  return redis;
}
