import { getOperationAST, GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { LiveUnavailableError, TooManySubscriptionsError } from '../domain/errors.js';
import { liveStreamsEnded, liveSubscriptions } from '../observability/metrics.js';
import type { Limits } from './limits.js';
import { addressBucket, clientAddress } from './rate-limit.js';

// The subscriptions an instance holds open (docs/live.md): how many each caller may open, and how
// they end. Yoga serves them over SSE on /graphql (Accept: text/event-stream) and sends a keep-alive
// comment every 12 s. This plugin
//
// - counts open subscriptions per credential, or per client address for anonymous callers, and
//   refuses one past the limit with 429 TOO_MANY_SUBSCRIPTIONS (the request was counted against the
//   rate limit when it arrived, like every request);
// - ends a stream whose events failed (EVENTS_LOST, the database) with one last event carrying the
//   error, then `complete`, rather than cutting the connection: the client learns why;
// - ends every stream cleanly (`complete`) when the server shuts down, so the drain does not wait
//   for them (src/http/shutdown.ts).

export interface LiveSubscriptions {
  plugin: Plugin;
  /** Ends every open stream with `complete` (shutdown); new ones are refused from then on. */
  endAll(): void;
  /** Streams open now. */
  open(): number;
}

type Ending = { kind: 'done' } | { kind: 'error'; error: GraphQLError };

/** The subscriptions of one server, limited by `limits.subscriptions`. */
export function createLiveSubscriptions(limits: Pick<Limits, 'subscriptions' | 'trustProxy'>): LiveSubscriptions {
  const counts = new Map<string, number>();
  const streams = new Set<() => void>();
  let stopping = false;

  const take = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const give = (key: string) => {
    const left = (counts.get(key) ?? 1) - 1;
    if (left > 0) counts.set(key, left);
    else counts.delete(key);
  };

  /** Wraps a subscription's result stream: it can be ended from outside, and its failure becomes a last event. */
  function live(source: AsyncIterableIterator<ExecutionResult>, release: () => void): AsyncIterableIterator<ExecutionResult> {
    let ending: Ending | null = null;
    let wake: (() => void) | null = null;
    const stopped = new Promise<void>((resolve) => (wake = resolve));
    const end = () => {
      if (ending || finished) return;
      ending = { kind: 'done' };
      liveStreamsEnded.inc({ reason: 'shutdown' });
      wake?.();
    };
    streams.add(end);
    let finished = false;
    // Opened before shutdown began but subscribed (its resolver awaited the database) after endAll:
    // it ends at once too, or the drain would wait SHUTDOWN_TIMEOUT_MS for it.
    if (stopping) queueMicrotask(end);
    const finish = () => {
      if (finished) return;
      finished = true;
      streams.delete(end);
      release();
      void source.return?.().catch(() => undefined);
    };
    return {
      async next(): Promise<IteratorResult<ExecutionResult>> {
        if (finished) return { value: undefined, done: true };
        if (!ending) {
          try {
            const result = await Promise.race([source.next(), stopped.then(() => null)]);
            if (result && !result.done) return result;
          } catch (error) {
            // The error goes out as the stream's last event, masked like any other by the server.
            ending = { kind: 'error', error: error instanceof GraphQLError ? error : new GraphQLError('Unexpected error.', { originalError: error as Error }) };
          }
        }
        const last = ending;
        finish();
        if (last?.kind === 'error') return { value: { errors: [last.error] }, done: false };
        return { value: undefined, done: true };
      },
      async return(): Promise<IteratorResult<ExecutionResult>> {
        if (!finished) liveStreamsEnded.inc({ reason: 'client' });
        finish();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  const plugin: Plugin = {
    onSubscribe({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as unknown as Context & { request: Request };
      const viewer = ctx.viewer;
      const key = viewer.credentialId
        ? `credential:${viewer.credentialId}`
        : `address:${addressBucket(clientAddress(ctx.request, ctx, limits.trustProxy) ?? 'unknown')}`;
      const limit = viewer.credentialId ? limits.subscriptions.perCredential : limits.subscriptions.perAddress;
      const open = counts.get(key) ?? 0;
      if (stopping) {
        setResultAndStopExecution({ errors: [new LiveUnavailableError()] });
        return;
      }
      if (open >= limit) {
        const whose = viewer.credentialId ? 'This credential' : 'Your address';
        setResultAndStopExecution({
          errors: [
            new TooManySubscriptionsError(
              `${whose} has ${open} subscription(s) open on this server, the most allowed (${limit}): close one before opening another.`,
              limit,
            ),
          ],
        });
        return;
      }
      // Taken now, so that many opened at once cannot all pass the check.
      take(key);
      const operation = getOperationAST(args.document, args.operationName);
      const selection = operation?.selectionSet.selections[0];
      const field = selection?.kind === 'Field' ? selection.name.value : 'unknown';
      const gauge = liveSubscriptions.labels({ field });
      gauge.inc();
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        give(key);
        gauge.dec();
      };
      return {
        onSubscribeResult({ result, setResult }) {
          if (!(Symbol.asyncIterator in result)) {
            // Refused when it was opened (NOT_FOUND, FORBIDDEN, SERVICE_UNAVAILABLE): never open.
            release();
            return;
          }
          setResult(live(result as AsyncIterableIterator<ExecutionResult>, release));
        },
      };
    },
  };

  return {
    plugin,
    endAll() {
      stopping = true;
      for (const end of [...streams]) end();
    },
    open: () => streams.size,
  };
}
