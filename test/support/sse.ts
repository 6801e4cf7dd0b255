// Reads GraphQL over SSE (distinct connections, as graphql-yoga serves it) from a fetch Response:
// `event: next` / `event: complete` blocks and `:` keep-alive comments. Every wait is bounded.

export interface SseMessage {
  event: 'next' | 'complete';
  data: any;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The next `next` or `complete` message, or null when none came within `timeoutMs` (or the stream ended without one). */
  read(timeoutMs?: number): Promise<SseMessage | null>;
  /** Keep-alive comments seen so far. */
  pings(): number;
  /** Whether the server has ended the response. */
  ended(): boolean;
  /** Cancels the response (the client goes away). */
  close(): Promise<void>;
}

export function readSse(response: Response): SseStream {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const messages: SseMessage[] = [];
  const waiters: (() => void)[] = [];
  let buffer = '';
  let pings = 0;
  let done = false;
  const wake = () => waiters.splice(0).forEach((resolve) => resolve());

  void (async () => {
    try {
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        buffer += decoder.decode(value, { stream: true });
        let at: number;
        while ((at = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          if (block.startsWith(':')) {
            pings++;
            continue;
          }
          const event = /^event: (\w+)$/m.exec(block)?.[1] as SseMessage['event'] | undefined;
          const data = /^data:(.*)$/m.exec(block)?.[1]?.trim() ?? '';
          if (event) messages.push({ event, data: data ? JSON.parse(data) : null });
          wake();
        }
      }
    } catch {
      // cancelled
    } finally {
      done = true;
      wake();
    }
  })();

  return {
    status: response.status,
    headers: response.headers,
    async read(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!messages.length && !done && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return messages.shift() ?? null;
    },
    pings: () => pings,
    ended: () => done,
    async close() {
      await reader.cancel().catch(() => undefined);
    },
  };
}

/** Waits until `check` holds, polling every 10 ms for at most `timeoutMs`; throws if it never does. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
