// The soak script (npm run soak): its arguments, that it counts every answer by status and fails
// on a 5xx, and one short run against the built server on the embedded default.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, parseSoakArgs } from '../scripts/soak.js';
import { runMain } from './support/cli.js';

describe('npm run soak', () => {
  it('refuses bad arguments with its usage and exit code 2', async () => {
    for (const args of [
      [],
      ['--duration', '10'],
      ['--duration', '0', '--rate', '5'],
      ['--duration', '10', '--rate', 'fast'],
      ['--duration', '10', '--rate', '5', '--url', 'http://192.0.2.1:4000'],
      ['--duration', '10', '--rate', '5', '--cache', 'maybe'],
      ['--duration', '10', '--rate', '5', '--bogus', '1'],
    ]) {
      const result = await runMain(main, args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('Usage: npm run soak');
    }
    expect(parseSoakArgs(['--duration', '60', '--rate', '40'])).toMatchObject({ durationS: 60, rate: 40, cache: 'off', rateLimit: 'off', url: null });
  });

  describe('against a loopback server that fails every fifth request', () => {
    let server: Server;
    let url: string;
    const seen: string[] = [];
    beforeAll(async () => {
      let operations = 0;
      server = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          seen.push(`${request.method} ${request.url?.split('?')[0]}`);
          // The first request reads the slugs; the soak's own requests follow.
          if (body.includes('seriesList(first: 50)')) {
            response.setHeader('content-type', 'application/json');
            response.end(JSON.stringify({
              data: {
                organizations: { edges: [{ node: { slug: 'o' } }] },
                seriesList: { edges: [{ node: { slug: 's' } }] },
                articles: { totalCount: 1 },
              },
            }));
            return;
          }
          operations += 1;
          response.statusCode = operations % 5 === 0 ? 500 : 200;
          response.end('{}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('sends exactly duration × rate requests of the mix, counts them by status and exits 1', async () => {
      const result = await runMain(main, ['--duration', '2', '--rate', '10', '--url', url]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('Answers by status: 200 16, 500 4');
      expect(result.stdout).toContain('FAILED: 4 answers were 5xx');
      // The mix holds POSTs of the operations and GETs of trusted documents.
      expect(seen.filter((line) => line === 'POST /graphql').length).toBeGreaterThan(1);
      expect(seen).toContain('GET /graphql');
      expect(seen).toHaveLength(21);
    });
  });

  it('starts the built server on a fresh embedded database, holds a low rate with no error and samples its RSS', async () => {
    const { DATABASE_URL: _url, PGLITE_DIR: _dir, ...env } = process.env;
    const result = await runMain(main, ['--duration', '2', '--rate', '10'], { ...env, LOG_LEVEL: 'silent' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Answers by status: 200 20');
    expect(result.stdout).toMatch(/Server RSS: \d+ MB before, \d+ MB at the end/);
    expect(result.stdout).toContain('OK: no 5xx, timeout or network error');
  }, 120_000);
});
