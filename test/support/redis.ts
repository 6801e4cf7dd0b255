import { Socket } from 'node:net';

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
