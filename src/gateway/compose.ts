import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import type { Logger } from '../observability/log.js';
import type { SubgraphSource } from './config.js';

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** What a composition saw: the supergraph, or why there is none, and which subgraphs answered. */
export type Composition =
  | { ok: true; supergraphSdl: string; composed: string[]; unreachable: string[] }
  | { ok: false; errors: string[]; composed: string[]; unreachable: string[] };

/** One subgraph's SDL, from `{ _service { sdl } }`; `headers` only for that request. */
export async function fetchSubgraphSdl(fetch: Fetch, source: SubgraphSource, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(source.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json().catch(() => null)) as { data?: { _service?: { sdl?: string } }; errors?: { message: string }[] } | null;
  const sdl = body?.data?._service?.sdl;
  if (!sdl) {
    const why = body?.errors?.map((e) => e.message).join('; ') || `HTTP ${response.status}`;
    throw new Error(`${source.name} (${source.url}) gave no SDL: ${why}`);
  }
  return sdl;
}

/**
 * Reads every subgraph's SDL and composes the supergraph with @theguild/federation-composition.
 * A subgraph that does not answer is left out (and named in `unreachable`), so the others are
 * served meanwhile; `required` (this content service) must answer. A composition error is not a
 * supergraph: the caller keeps serving the last good one.
 */
export async function composeSupergraph(
  fetch: Fetch,
  required: SubgraphSource,
  others: SubgraphSource[],
  { requiredHeaders = {} }: { requiredHeaders?: Record<string, string> } = {},
): Promise<Composition> {
  const sources = [required, ...others];
  const answers = await Promise.allSettled(sources.map((source) => fetchSubgraphSdl(fetch, source, source === required ? requiredHeaders : {})));
  const unreachable = sources.filter((_, i) => answers[i]!.status === 'rejected').map((s) => s.name);
  const reasons = answers.flatMap((a) => (a.status === 'rejected' ? [(a.reason as Error).message] : []));
  const services = sources.flatMap((source, i) => {
    const answer = answers[i]!;
    return answer.status === 'fulfilled' ? [{ name: source.name, url: source.url, typeDefs: parse(answer.value) }] : [];
  });
  const composed = services.map((s) => s.name);
  if (unreachable.includes(required.name)) return { ok: false, errors: reasons, composed, unreachable };
  const result = composeServices(services);
  if (result.errors) return { ok: false, errors: result.errors.map((e) => e.message), composed, unreachable };
  return { ok: true, supergraphSdl: result.supergraphSdl, composed, unreachable };
}

/**
 * The gateway's `supergraph` source: composes on every call (the runtime calls it at start and
 * then every poll interval), and hands back the last good supergraph when a composition fails, so
 * that a subgraph going down, or a breaking deploy of one, does not take the gateway down with it.
 * A subgraph that was down at start joins at the first poll after it comes up.
 */
export function supergraphSource(compose: () => Promise<Composition>, logger: Logger) {
  let lastGood: string | null = null;
  let lastSummary = '';
  return async (): Promise<string> => {
    const composition = await compose();
    const summary = composition.ok
      ? `composed ${composition.composed.join(', ')}${composition.unreachable.length ? `; unreachable: ${composition.unreachable.join(', ')}` : ''}`
      : `composition failed: ${composition.errors.join('; ')}`;
    // Logged when it changes, not at every poll.
    if (summary !== lastSummary) {
      lastSummary = summary;
      if (composition.ok && !composition.unreachable.length) logger.info(`Supergraph ${summary}`);
      else logger.warn(`Supergraph ${summary}${lastGood && !composition.ok ? ' (serving the last good supergraph)' : ''}`);
    }
    if (composition.ok) lastGood = composition.supergraphSdl;
    if (lastGood) return lastGood;
    throw new Error(`No supergraph yet: ${summary}`);
  };
}
