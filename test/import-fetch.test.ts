// Fetching over HTTP for the importer (src/ingest/fetch.ts), the settings it reads
// (src/ingest/config.ts) and the expansion of file and directory inputs (src/ingest/inputs.ts),
// against a local server on 127.0.0.1.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMPORT_CONFIG, importConfigFromEnv, ImportConfigError } from '../src/ingest/config.js';
import { createFetcher, FetchError, isPrivateAddress, type Fetcher, type FetcherOptions } from '../src/ingest/fetch.js';
import { expandInputs, readInputFile, type FileAccess, type InputEntry } from '../src/ingest/inputs.js';
import { pause, startTestServer, type TestServer } from './fixtures/fetch/server.js';

// Generous for pages that answer at once (the machine may be busy); the timeout tests set 200 ms.
const OPTIONS: FetcherOptions = {
  timeoutMs: 5_000,
  maxBytes: 64 * 1024,
  maxRedirects: 3,
  hostConcurrency: 2,
  allowPrivateNetworks: true,
};

let server: TestServer;
const fetchers: Fetcher[] = [];
/** A fetcher closed after the file's tests. */
function fetcher(options: Partial<FetcherOptions> = {}): Fetcher {
  const created = createFetcher({ ...OPTIONS, ...options });
  fetchers.push(created);
  return created;
}

const unique = (name: string) => `/${name}-${randomUUID()}`;
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/** The FetchError a promise rejects with (fails the test when it resolves or throws anything else). */
async function fetchError(promise: Promise<unknown>): Promise<FetchError> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a FetchError, got ${JSON.stringify(value)}`);
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(FetchError);
  return error as FetchError;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const f of fetchers) f.close();
  await server?.close();
});

describe('fetchDocument', () => {
  it('fetches a page with its bytes, content type, validators and the service’s headers', async () => {
    const url = server.route(unique('page'), (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', etag: '"v1"', 'last-modified': 'Wed, 02 Nov 2022 10:00:00 GMT' });
      response.end('一篇文章');
    });
    const result = await fetcher().fetchDocument(url);
    expect(result.kind).toBe('document');
    if (result.kind !== 'document') return;
    expect(text(result.doc.bytes)).toBe('一篇文章');
    expect(result.doc).toMatchObject({ locator: url, url, contentType: 'text/plain; charset=utf-8' });
    expect(result.validators).toEqual({ etag: '"v1"', lastModified: 'Wed, 02 Nov 2022 10:00:00 GMT' });
    const sent = server.requests.find((r) => url.endsWith(r.path))!.headers;
    expect(sent['user-agent']).toMatch(/^content-federation-importer\//);
    expect(sent.accept).toContain('application/rss+xml');
    expect(sent['if-none-match']).toBeUndefined();
  });

  it('decodes a gzip-encoded body', async () => {
    const url = server.route(unique('gzip'), (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(gzipSync('<p>压缩</p>'));
    });
    const result = await fetcher().fetchDocument(url);
    expect(result.kind === 'document' && text(result.doc.bytes)).toBe('<p>压缩</p>');
  });

  it('gives up on a page that does not answer in time, with the reason "timed out after 200 ms"', async () => {
    const url = server.route(unique('slow'), async (_request, response) => {
      await pause(response, 5_000);
      response.end('too late');
    });
    const started = performance.now();
    const error = await fetchError(fetcher({ timeoutMs: 200 }).fetchDocument(url));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toBe('timed out after 200 ms');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('gives up on a body that stalls half-way', async () => {
    const url = server.route(unique('stall'), async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('the first half');
      await pause(response, 5_000);
      response.end();
    });
    expect((await fetchError(fetcher({ timeoutMs: 200 }).fetchDocument(url))).message).toBe('timed out after 200 ms');
  });

  it('refuses a page whose Content-Length is over the limit before reading it', async () => {
    const url = server.route(unique('declared'), (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(OPTIONS.maxBytes + 1) });
      response.end('x'.repeat(OPTIONS.maxBytes + 1));
    });
    const error = await fetchError(fetcher().fetchDocument(url));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toBe(`too large: ${OPTIONS.maxBytes + 1} bytes (Content-Length), the limit is ${OPTIONS.maxBytes}`);
  });

  it('stops downloading a chunked body as soon as it passes the limit', async () => {
    let written = 0;
    let handled!: (completed: boolean) => void;
    const served = new Promise<boolean>((resolve) => (handled = resolve));
    const chunk = Buffer.alloc(4096, 'a');
    const url = server.route(unique('chunked'), async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      // Up to 4 MiB, slowly enough that the client's abort is seen long before the end.
      for (let i = 0; i < 1024 && !response.destroyed; i++) {
        response.write(chunk);
        written += chunk.length;
        if (i % 8 === 7) await pause(response, 5);
      }
      handled(!response.destroyed);
      response.end();
    });
    const error = await fetchError(fetcher().fetchDocument(url));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toBe(`too large: more than ${OPTIONS.maxBytes} bytes, the download was stopped`);
    expect(await served).toBe(false);
    expect(written).toBeLessThan(1024 * 1024);
  });

  it('counts the limit on the decompressed bytes', async () => {
    const url = server.route(unique('bomb'), (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(OPTIONS.maxBytes * 4)));
    });
    expect((await fetchError(fetcher().fetchDocument(url))).code).toBe('TOO_LARGE');
  });

  it('reports a body cut short by the server as a network error', async () => {
    const url = server.route(unique('cut'), (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      response.write('only a little', () => response.destroy());
    });
    const error = await fetchError(fetcher().fetchDocument(url));
    expect(error.code).toBe('NETWORK');
  });

  describe('redirects', () => {
    /** A chain of `length` redirects with relative Locations, ending at a page. */
    function chain(length: number): string {
      const base = unique('chain');
      server.route(`${base}/0`, (_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('end of the chain'));
      for (let i = 1; i <= length; i++) {
        server.route(`${base}/${i}`, (_request, response) => response.writeHead(i % 2 ? 302 : 301, { location: `${i - 1}` }).end());
      }
      return `${server.origin}${base}/${length}`;
    }

    it('follows relative redirects up to the limit and reports the final URL', async () => {
      const url = chain(3);
      const result = await fetcher().fetchDocument(url);
      expect(result.kind).toBe('document');
      if (result.kind !== 'document') return;
      expect(text(result.doc.bytes)).toBe('end of the chain');
      expect(result.doc.locator).toBe(url);
      expect(result.doc.url).toBe(url.replace(/\/3$/, '/0'));
    });

    it('refuses one redirect more than the limit', async () => {
      const url = chain(4);
      const error = await fetchError(fetcher().fetchDocument(url));
      expect(error.code).toBe('TOO_MANY_REDIRECTS');
      expect(error.message).toBe('too many redirects (more than 3)');
      expect(server.count(new URL(url.replace(/\/4$/, '/0')).pathname)).toBe(0);
    });

    it('refuses a redirect to file: or to another scheme', async () => {
      for (const location of ['file:///etc/passwd', 'ftp://127.0.0.1/feed.xml', 'javascript:alert(1)']) {
        const url = server.route(unique('elsewhere'), (_request, response) => response.writeHead(302, { location }).end());
        const error = await fetchError(fetcher().fetchDocument(url));
        expect(error.code).toBe('BAD_REDIRECT');
        expect(error.message).toBe(`redirect to ${new URL(location).protocol} refused (only http and https are followed)`);
      }
    });

    it('does not read the body of a redirect, however long it is', async () => {
      let handled!: (completed: boolean) => void;
      const served = new Promise<boolean>((resolve) => (handled = resolve));
      const target = server.route(unique('target'), (_request, response) => response.end('arrived'));
      const url = server.route(unique('chatty'), async (_request, response) => {
        response.writeHead(302, { location: target });
        for (let i = 0; i < 400 && !response.destroyed; i++) {
          response.write(Buffer.alloc(1024, 'r'));
          await pause(response, 5);
        }
        handled(!response.destroyed);
        response.end();
      });
      const result = await fetcher().fetchDocument(url);
      expect(result.kind === 'document' && text(result.doc.bytes)).toBe('arrived');
      expect(await served).toBe(false);
    });

    it('refuses a redirect without a Location', async () => {
      const url = server.route(unique('nowhere'), (_request, response) => response.writeHead(307).end());
      expect((await fetchError(fetcher().fetchDocument(url))).message).toBe('HTTP 307 redirect without a Location header');
    });
  });

  it('refuses a URL that is not http or https, and one that is not a URL', async () => {
    expect((await fetchError(fetcher().fetchDocument('ftp://127.0.0.1/feed.xml'))).message).toBe('unsupported scheme ftp: (only http and https)');
    expect((await fetchError(fetcher().fetchDocument('file:///etc/passwd'))).code).toBe('UNSUPPORTED_SCHEME');
    expect((await fetchError(fetcher().fetchDocument('http://'))).code).toBe('INVALID_URL');
  });

  it('reports 404 and 500 with their status', async () => {
    const missing = await fetchError(fetcher().fetchDocument(`${server.origin}${unique('missing')}`));
    expect(missing).toMatchObject({ code: 'HTTP_STATUS', status: 404, message: 'HTTP 404 Not Found' });
    const url = server.route(unique('broken'), (_request, response) => response.writeHead(500).end('oops'));
    expect(await fetchError(fetcher().fetchDocument(url))).toMatchObject({ status: 500, message: 'HTTP 500 Internal Server Error' });
  });

  it('reports a refused connection as a network error', async () => {
    const closed = await startTestServer();
    await closed.close();
    const error = await fetchError(fetcher().fetchDocument(`${closed.origin}/`));
    expect(error.code).toBe('NETWORK');
    expect(error.message).toBe('network error: connection refused (ECONNREFUSED)');
  });

  describe('conditional requests', () => {
    it('sends the stored ETag as If-None-Match and answers a 304 as not-modified', async () => {
      const path = unique('etag');
      const url = server.route(path, (request, response) => {
        if (request.headers['if-none-match'] === '"v7"') response.writeHead(304).end();
        else response.writeHead(200, { etag: '"v7"', 'content-type': 'text/plain' }).end('version 7');
      });
      const first = await fetcher().fetchDocument(url);
      expect(first.kind === 'document' && first.validators.etag).toBe('"v7"');
      const second = await fetcher().fetchDocument(url, { validators: { etag: '"v7"', lastModified: null } });
      expect(second).toEqual({ kind: 'not-modified' });
      expect(server.count(path)).toBe(2);
      expect(server.requests.filter((r) => r.path === path).map((r) => r.headers['if-none-match'] ?? null)).toEqual([null, '"v7"']);
    });

    it('sends the stored Last-Modified as If-Modified-Since', async () => {
      const stamp = 'Wed, 02 Nov 2022 10:00:00 GMT';
      const url = server.route(unique('modified'), (request, response) => {
        if (request.headers['if-modified-since'] === stamp) response.writeHead(304).end();
        else response.writeHead(200, { 'last-modified': stamp }).end('body');
      });
      expect(await fetcher().fetchDocument(url, { validators: { etag: null, lastModified: stamp } })).toEqual({ kind: 'not-modified' });
      expect((await fetcher().fetchDocument(url, { validators: { etag: null, lastModified: 'Tue, 01 Nov 2022 10:00:00 GMT' } })).kind).toBe(
        'document',
      );
    });

    it('treats a 304 to an unconditional request as an error', async () => {
      const url = server.route(unique('odd304'), (_request, response) => response.writeHead(304).end());
      expect(await fetchError(fetcher().fetchDocument(url))).toMatchObject({ code: 'HTTP_STATUS', status: 304 });
    });
  });

  describe('concurrency per host', () => {
    function slowPages(group: string, count: number, origin = server.origin): string[] {
      return Array.from({ length: count }, (_, i) => {
        const path = `/${group}/${i}`;
        server.route(
          path,
          async (_request, response) => {
            await pause(response, 40);
            response.writeHead(200, { 'content-type': 'text/plain' }).end(`page ${i}`);
          },
          group,
        );
        return `${origin}${path}`;
      });
    }

    it('never has more than 2 requests in flight to one host, and does reach 2', async () => {
      const group = `limit-${randomUUID()}`;
      const shared = fetcher();
      const results = await Promise.all(slowPages(group, 6).map((url) => shared.fetchDocument(url)));
      expect(results.map((r) => r.kind === 'document' && text(r.doc.bytes))).toEqual([0, 1, 2, 3, 4, 5].map((i) => `page ${i}`));
      expect(server.maxInFlight(group)).toBe(2);
    });

    it('queues per fetcher and per host: the same fetcher with a limit of 1 sends one at a time', async () => {
      const group = `one-${randomUUID()}`;
      const one = fetcher({ hostConcurrency: 1 });
      await Promise.all(slowPages(group, 4).map((url) => one.fetchDocument(url)));
      expect(server.maxInFlight(group)).toBe(1);
    });

    it('does not hold back one host for another', async () => {
      const group = `hosts-${randomUUID()}`;
      // Two names for the one local server, so that its in-flight count sees both hosts.
      const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
      const one = fetcher({ hostConcurrency: 1, timeoutMs: 5_000, resolve });
      const urls = [...slowPages(group, 2, `http://first.test:${server.port}`), ...slowPages(group, 2, `http://second.test:${server.port}`)];
      await Promise.all(urls.map((url) => one.fetchDocument(url)));
      expect(server.maxInFlight(group)).toBe(2);
    });
  });

  describe('private networks', () => {
    it('refuses loopback addresses unless allowed, without sending a request', async () => {
      const path = unique('private');
      const url = server.route(path, (_request, response) => response.end('secret'));
      const error = await fetchError(fetcher({ allowPrivateNetworks: false }).fetchDocument(url));
      expect(error.code).toBe('PRIVATE_ADDRESS');
      expect(error.message).toMatch(/^refused: 127\.0\.0\.1 is not a public address/);
      expect(server.count(path)).toBe(0);
    });

    it('checks the address a name resolves to, not the name', async () => {
      const path = unique('resolved');
      server.route(path, (_request, response) => response.end('secret'));
      const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
      const url = `http://public-looking.example:${server.port}${path}`;
      const error = await fetchError(fetcher({ allowPrivateNetworks: false, resolve }).fetchDocument(url));
      expect(error.message).toMatch(/^refused: public-looking\.example \(127\.0\.0\.1\) is not a public address/);
      expect(server.count(path)).toBe(0);
      // The same name, allowed, reaches the server through the same resolver.
      const allowed = await fetcher({ allowPrivateNetworks: true, resolve }).fetchDocument(url);
      expect(allowed.kind === 'document' && text(allowed.doc.bytes)).toBe('secret');
      expect(server.requests.find((r) => r.path === path)?.headers.host).toBe(`public-looking.example:${server.port}`);
    });

    it('classifies addresses', () => {
      for (const address of ['127.0.0.1', '10.1.2.3', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::ffff:127.0.0.1', 'fd00::1', 'fe80::1', '::7f00:1', '2002:7f00:1::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', 'not-an-address']) {
        expect(isPrivateAddress(address), address).toBe(true);
      }
      for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
        expect(isPrivateAddress(address), address).toBe(false);
      }
    });
  });
});

describe('importConfigFromEnv', () => {
  it('uses the defaults when nothing is set', () => {
    expect(importConfigFromEnv({})).toEqual(DEFAULT_IMPORT_CONFIG);
  });

  it('reads every variable', () => {
    expect(
      importConfigFromEnv({
        IMPORT_TIMEOUT_MS: '2500',
        IMPORT_MAX_BYTES: '2048',
        IMPORT_MAX_REDIRECTS: '0',
        IMPORT_HOST_CONCURRENCY: '3',
        IMPORT_CONCURRENCY: '8',
        IMPORT_ALLOW_PRIVATE_NETWORKS: 'false',
        IMPORT_FILE_ROOT: '/srv/import',
        IMPORT_USER_AGENT: 'test-agent/1',
      }),
    ).toEqual({
      timeoutMs: 2500,
      maxBytes: 2048,
      maxRedirects: 0,
      hostConcurrency: 3,
      concurrency: 8,
      allowPrivateNetworks: false,
      fileRoot: '/srv/import',
      userAgent: 'test-agent/1',
    });
  });

  it('names every bad variable in one error', () => {
    const read = () => importConfigFromEnv({ IMPORT_TIMEOUT_MS: 'soon', IMPORT_HOST_CONCURRENCY: '0', IMPORT_ALLOW_PRIVATE_NETWORKS: 'maybe' });
    expect(read).toThrow(ImportConfigError);
    expect(read).toThrow(/IMPORT_TIMEOUT_MS must be a whole number from 100 to 600000, not "soon"/);
    expect(read).toThrow(/IMPORT_HOST_CONCURRENCY must be a whole number from 1 to 32, not "0"/);
    expect(read).toThrow(/IMPORT_ALLOW_PRIVATE_NETWORKS must be true or false, not "maybe"/);
  });
});

describe('expandInputs and readInputFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cf-inputs-'));
    const files: Record<string, string> = {
      'b.txt': 'b',
      'A.HTML': 'a',
      'feed.atom': 'feed',
      'z.json': '{}',
      'notes.md': 'not importable',
      '.hidden.txt': 'hidden',
      '.git/config.txt': 'hidden directory',
      'sub/c.xml': '<c/>',
      'sub/deeper/d.rss': '<rss/>',
      'empty/.keep': '',
    };
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), content);
    }
    // A link back up would loop forever if followed.
    await symlink(dir, path.join(dir, 'sub', 'loop'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function expand(inputs: string[], files: FileAccess = 'any'): Promise<InputEntry[]> {
    const entries: InputEntry[] = [];
    for await (const entry of expandInputs(inputs, files)) entries.push(entry);
    return entries;
  }

  it('walks a directory recursively in name order, importable extensions only, hidden entries skipped', async () => {
    expect(await expand([dir])).toEqual(
      ['A.HTML', 'b.txt', 'feed.atom', 'sub/c.xml', 'sub/deeper/d.rss', 'z.json'].map((name) => ({ kind: 'file', locator: path.join(dir, name) })),
    );
  });

  it('keeps the order of the arguments and reports a bad argument as a failure', async () => {
    expect(
      await expand([path.join(dir, 'notes.md'), 'https://example.org/a?b=1', path.join(dir, 'missing.txt'), 'ftp://example.org/x', path.join(dir, 'empty')]),
    ).toEqual([
      { kind: 'file', locator: path.join(dir, 'notes.md') },
      { kind: 'url', locator: 'https://example.org/a?b=1' },
      { kind: 'failure', locator: path.join(dir, 'missing.txt'), reason: 'cannot read: no such file or directory' },
      { kind: 'failure', locator: 'ftp://example.org/x', reason: 'unsupported scheme ftp: (only http and https URLs, files and directories)' },
      { kind: 'failure', locator: path.join(dir, 'empty'), reason: 'no importable files (.txt .html .htm .xml .rss .atom .json) in this directory' },
    ]);
  });

  it('reads no files when file access is none, and only files under the root with a root', async () => {
    expect(await expand([path.join(dir, 'b.txt')], 'none')).toEqual([
      { kind: 'failure', locator: path.join(dir, 'b.txt'), reason: 'files can only be imported from the command line (IMPORT_FILE_ROOT is not set)' },
    ]);
    const root = { root: path.join(dir, 'sub') };
    expect(await expand(['c.xml', '../b.txt', path.join(dir, 'b.txt')], root)).toEqual([
      { kind: 'file', locator: path.join(dir, 'sub', 'c.xml') },
      { kind: 'failure', locator: '../b.txt', reason: expect.stringMatching(/^outside the import directory .*sub \(IMPORT_FILE_ROOT\)$/) },
      { kind: 'failure', locator: path.join(dir, 'b.txt'), reason: expect.stringMatching(/^outside the import directory/) },
    ]);
    // A link inside the root that points outside it is outside.
    expect((await expand(['loop/b.txt'], root))[0]).toMatchObject({ kind: 'failure', reason: expect.stringMatching(/^outside the import directory/) });
  });

  it('refuses a file linked from inside the root to outside it when walking a directory under a root', async () => {
    const inner = await mkdtemp(path.join(os.tmpdir(), 'cf-root-'));
    try {
      await writeFile(path.join(inner, 'own.txt'), 'own');
      await symlink(path.join(dir, 'b.txt'), path.join(inner, 'secret.txt'));
      expect(await expand(['.'], { root: inner })).toEqual([
        { kind: 'file', locator: path.join(inner, 'own.txt') },
        { kind: 'failure', locator: path.join(inner, 'secret.txt'), reason: expect.stringMatching(/^outside the import directory .*a symbolic link leads out of it$/) },
      ]);
      // The command line (no root) follows the link as before.
      expect(await expand([inner])).toEqual([
        { kind: 'file', locator: path.join(inner, 'own.txt') },
        { kind: 'file', locator: path.join(inner, 'secret.txt') },
      ]);
    } finally {
      await rm(inner, { recursive: true, force: true });
    }
  });

  it('reads a file within the size limit and refuses a larger one', async () => {
    const doc = await readInputFile(path.join(dir, 'z.json'), 1024);
    expect(doc).toMatchObject({ locator: path.join(dir, 'z.json'), url: null, contentType: null });
    expect(text(doc.bytes)).toBe('{}');
    const big = path.join(dir, 'big.bin');
    await writeFile(big, Buffer.alloc(2048));
    await expect(readInputFile(big, 1024)).rejects.toThrow('too large: 2048 bytes, the limit is 1024');
    await expect(readInputFile(path.join(dir, 'sub'), 1024)).rejects.toThrow('cannot read: not a regular file');
    await expect(readInputFile(path.join(dir, 'nope.txt'), 1024)).rejects.toThrow('cannot read: no such file or directory');
  });
});
