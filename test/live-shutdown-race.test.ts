// A subscription whose subscribe resolver was still running when shutdown began (endAll) must end
// too: it was not among the streams endAll saw.
import { parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../src/auth/viewer.js';
import { DEFAULT_LIMITS } from '../src/http/limits.js';
import { createLiveSubscriptions } from '../src/http/live.js';

describe('live subscriptions at shutdown', () => {
  it('end a stream subscribed after endAll began', async () => {
    const live = createLiveSubscriptions(DEFAULT_LIMITS);
    const onSubscribe = live.plugin.onSubscribe as (payload: unknown) => { onSubscribeResult(p: unknown): void } | void;
    const hooks = onSubscribe({
      args: {
        contextValue: { viewer: ANONYMOUS, request: new Request('http://x/graphql') },
        document: parse('subscription { articlePublished { version } }'),
      },
      setResultAndStopExecution: () => {
        throw new Error('refused');
      },
    })!;
    // Shutdown begins while the resolver awaits the database.
    live.endAll();
    const never: AsyncIterableIterator<ExecutionResult> = {
      next: () => new Promise(() => {}),
      return: async () => ({ value: undefined, done: true }),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    let wrapped: AsyncIterableIterator<ExecutionResult> | undefined;
    hooks.onSubscribeResult({ result: never, setResult: (r: AsyncIterableIterator<ExecutionResult>) => (wrapped = r) });
    const outcome = await Promise.race([wrapped!.next(), new Promise((resolve) => setTimeout(() => resolve('still open'), 500))]);
    expect(outcome).toEqual({ value: undefined, done: true });
    expect(live.open()).toBe(0);
  });
});
