// importContent queues its run (src/jobs/): tests poll the run as a client does, until it ends.
import type { TestApi } from './api.js';

/**
 * Runs `query` (which must select `node(id: $id) { ... on ImportRun { status } }`) until the run is
 * no longer RUNNING, and returns its `node`. Fails after `timeoutMs`.
 */
export async function awaitRun<T extends { status: string }>(
  api: Pick<TestApi, 'execute'>,
  query: string,
  id: string,
  headers: Record<string, string>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await api.execute(query, { id }, headers);
    if (result.errors) throw new Error(`polling run ${id}: ${JSON.stringify(result.errors)}`);
    const node = (result.data as { node: T | null }).node;
    if (!node) throw new Error(`run ${id} not found`);
    if (node.status !== 'RUNNING') return node;
    if (Date.now() > deadline) throw new Error(`run ${id} still RUNNING after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
