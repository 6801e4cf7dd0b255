import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `npm start` as a new user runs it: the embedded default on a fresh data directory, over real
// HTTP on loopback, then SIGTERM.

describe('the server', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('migrates a fresh PGlite directory, loads the corpus, serves it, and exits cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cf-server-'));
    dirs.push(dir);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const metricsPort = port + 1;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      // A nested directory that does not exist yet, as .data/pglite on a fresh clone.
      env: { ...process.env, PORT: String(port), PGLITE_DIR: path.join(dir, 'nested', 'pglite'), DATABASE_URL: '', LOG_LEVEL: 'info', METRICS_PORT: String(metricsPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const started = Date.now();
      while (!output.includes(`http://127.0.0.1:${port}/graphql`)) {
        if (Date.now() - started > 90_000 || child.exitCode !== null) throw new Error(`server did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ series(slug: "liupanshui-procurators") { episode(number: 50) { attribution } } }' }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ data: { series: { episode: { attribution: '凉都检察' } } } });
      expect(response.headers.get('x-request-id')).toBeTruthy();
      // Ready; the metrics on their own port (loopback), not on the API's (docs/operations.md).
      expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toMatchObject({ status: 'ready' });
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      expect(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).toContain('graphql_envelop_phase_execute_bucket');
      // The log is JSON lines; the access line of the query above carries its request id (the
      // child's stdout may reach us after its answer).
      const accessLine = () =>
        output
          .split('\n')
          .slice(0, -1) // the last line may be incomplete
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .find((line) => line.msg === 'request' && line.path === '/graphql');
      for (const waitUntil = Date.now() + 5000; !accessLine() && Date.now() < waitUntil; ) await new Promise((r) => setTimeout(r, 50));
      expect(accessLine()?.requestId).toBe(response.headers.get('x-request-id'));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toMatch(/SIGTERM/);
  }, 120_000);
});
