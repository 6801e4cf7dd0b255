// Microbenchmark: the service's GCRA rate limiter (src/http/rate-limit.ts) against rate-limiter-flexible
// (RateLimiterMemory, RateLimiterRedis on ioredis), in this process's memory and on Redis.
//
//   npm --prefix bench/rate-limit ci
//   node --expose-gc --import tsx bench/rate-limit/bench.ts [--redis redis://127.0.0.1:6379] [--rounds 3]
//
// Each case times `consume()` calls and prints the best of `--rounds` rounds as calls per second
// and microseconds per call; the memory cases also print the heap that 100,000 callers hold.
// Redis keys carry a prefix of their own and are deleted at the end. Not a test: timings vary
// with the machine; run it on an idle one.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { createMemoryRateLimitStore, createRedisRateLimitStore, type RateLimitStore } from '../../src/http/rate-limit.js';

const { values } = parseArgs({
  options: { redis: { type: 'string', default: 'redis://127.0.0.1:6379' }, rounds: { type: 'string', default: '3' } },
});
const ROUNDS = Number(values.rounds);
const WINDOW_MS = 60_000;

/** One limiter under test: takes one request from `key`; true when allowed. */
type Consume = (key: string, max: number) => Promise<boolean>;

const gcra =
  (store: RateLimitStore): Consume =>
  async (key, max) =>
    (await store.consume(key, max, WINDOW_MS)).allowed;

/** rate-limiter-flexible sets `points` per limiter, so one limiter per `max`. */
function flexible(create: (points: number) => RateLimiterMemory | RateLimiterRedis): Consume {
  const limiters = new Map<number, RateLimiterMemory | RateLimiterRedis>();
  return async (key, max) => {
    let limiter = limiters.get(max);
    if (!limiter) limiters.set(max, (limiter = create(max)));
    try {
      await limiter.consume(key);
      return true;
    } catch (error) {
      // A refusal rejects with the limiter's answer; anything else is a store failure.
      if (error instanceof RateLimiterRes) return false;
      throw error;
    }
  };
}

/** Runs `calls` consumes, `inFlight` at a time; returns calls per second. */
async function time(consume: Consume, calls: number, inFlight: number, key: (i: number) => string, max: number) {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < calls) await consume(key(next++), max);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return calls / seconds;
}

async function best(name: string, run: (round: number) => Promise<number>) {
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) rates.push(await run(round));
  const rate = Math.max(...rates);
  console.log(`${name.padEnd(58)} ${Math.round(rate).toLocaleString('en').padStart(10)} calls/s ${(1e6 / rate).toFixed(2).padStart(8)} µs/call`);
}

function heapMb() {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function memoryCases() {
  const limiters: [string, () => Consume][] = [
    ['gcra (src/http/rate-limit.ts)', () => gcra(createMemoryRateLimitStore())],
    ['rate-limiter-flexible RateLimiterMemory', () => flexible((points) => new RateLimiterMemory({ points, duration: WINDOW_MS / 1000 }))],
  ];
  for (const [name, create] of limiters) {
    await best(`memory  ${name}: one key, allowed`, () => time(create(), 200_000, 1, () => 'hot', 1e9));
    await best(`memory  ${name}: one key, refused`, () => time(create(), 200_000, 1, () => 'hot', 10));
    await best(`memory  ${name}: 100,000 keys`, () => time(create(), 200_000, 1, (i) => `k${i % 100_000}`, 100));
    const before = heapMb();
    const limiter = create();
    await time(limiter, 100_000, 1, (i) => `k${i}`, 100);
    console.log(`memory  ${name}: heap held by 100,000 callers`.padEnd(58), `${(heapMb() - before).toFixed(1).padStart(10)} MB`);
  }
}

async function redisCases(url: string) {
  const prefix = `bench:ratelimit:${randomUUID()}`;
  const ours = createRedisRateLimitStore(url, { prefix: `${prefix}:gcra:` });
  // The same client settings as the service's own store.
  const client = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 500 });
  const limiters: [string, Consume][] = [
    ['gcra (src/http/rate-limit.ts)', gcra(ours)],
    [
      'rate-limiter-flexible RateLimiterRedis',
      flexible((points) => new RateLimiterRedis({ storeClient: client, keyPrefix: `${prefix}:flexible:${points}`, points, duration: WINDOW_MS / 1000 })),
    ],
  ];
  try {
    for (const [name, consume] of limiters) {
      await best(`redis   ${name}: one key, 1 in flight`, (round) => time(consume, 5_000, 1, () => `hot${round}`, 1e9));
      await best(`redis   ${name}: one key, refused, 1 in flight`, (round) => time(consume, 5_000, 1, () => `full${round}`, 10));
      await best(`redis   ${name}: 10,000 keys, 50 in flight`, (round) => time(consume, 50_000, 50, (i) => `r${round}k${i % 10_000}`, 100));
    }
  } finally {
    let cursor = '0';
    let deleted = 0;
    do {
      const [nextCursor, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) deleted += await client.del(...keys);
      cursor = nextCursor;
    } while (cursor !== '0');
    console.log(`redis   cleaned up ${deleted} keys under ${prefix}:`);
    await client.quit();
    await ours.close();
  }
}

console.log(`node ${process.version}, best of ${ROUNDS} rounds${globalThis.gc ? '' : ' (run with --expose-gc for the heap figures)'}`);
await memoryCases();
await redisCases(values.redis!);
