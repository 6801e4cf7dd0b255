import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Readable, Transform } from 'node:stream';
import zlib from 'node:zlib';
import pLimit, { type LimitFunction } from 'p-limit';
import { DEFAULT_USER_AGENT } from './config.js';
import type { RawDocument } from './types.js';

// HTTP for the importer, on node:http rather than fetch(): it needs a DNS hook to refuse private
// addresses after resolution (Node 20 exposes no undici Agent to hand fetch a `connect.lookup`),
// manual redirects, and a byte count that stops a download as soon as it passes the limit.

/** Why a fetch failed, for callers that branch; the message says it in words. */
export type FetchErrorCode =
  | 'INVALID_URL'
  | 'UNSUPPORTED_SCHEME'
  | 'PRIVATE_ADDRESS'
  | 'TIMEOUT'
  | 'HTTP_STATUS'
  | 'TOO_LARGE'
  | 'TOO_MANY_REDIRECTS'
  | 'BAD_REDIRECT'
  | 'BAD_RESPONSE'
  | 'NETWORK';

/** A URL could not be fetched. The message is the reason an import item records, e.g. "timed out after 200 ms". */
export class FetchError extends Error {
  constructor(
    readonly code: FetchErrorCode,
    message: string,
    /** The URL of the request that failed (after redirects). */
    readonly url: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

/** The validators of a stored copy: sent back as If-None-Match and If-Modified-Since. */
export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export type FetchResult =
  | { kind: 'document'; doc: RawDocument; validators: Validators }
  | { kind: 'not-modified' };

/** Resolves a host name to its addresses (dns.lookup by default; tests map names to loopback). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface FetcherOptions {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  hostConcurrency: number;
  /** False refuses any address that is not public (loopback, private, link-local, CGNAT, …). */
  allowPrivateNetworks: boolean;
  userAgent?: string;
  resolve?: Resolver;
}

export interface Fetcher {
  /**
   * Fetches `url`, following redirects. With `validators`, the request is conditional and a 304
   * answers `not-modified`. Throws a FetchError for everything else that is not a 2xx document.
   */
  fetchDocument(url: string, options?: { validators?: Validators | null }): Promise<FetchResult>;
  /** Closes kept-alive connections. */
  close(): void;
}

const ACCEPT = [
  'text/html',
  'application/xhtml+xml',
  'application/rss+xml',
  'application/atom+xml',
  'application/xml;q=0.9',
  'text/xml;q=0.9',
  'application/json;q=0.9',
  'text/plain;q=0.8',
  '*/*;q=0.5',
].join(', ');

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

// Addresses a URL given to the server must not reach: this machine, private networks, the cloud
// metadata range (169.254.169.254), carrier-grade NAT, multicast and reserved space. BlockList also
// matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against the IPv4 rules.
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
// IPv6 forms that carry an IPv4 address (IPv4-compatible ::a.b.c.d, 6to4, Teredo) are refused
// whole: the IPv4 inside could be private, and public content does not need them.
for (const [network, prefix] of [
  ['::', 96],
  ['::1', 128],
  ['2001::', 32],
  ['2002::', 16],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address is anything but a public unicast address. Non-addresses count as private. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const defaultResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true });

/** A `lookup` for net.connect that resolves, then refuses non-public addresses when asked to. */
function guardedLookup(resolve: Resolver, allowPrivate: boolean, url: string): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const addresses = wanted ? found.filter((a) => a.family === wanted) : found;
        const blocked = allowPrivate ? undefined : found.find((a) => isPrivateAddress(a.address));
        process.nextTick(() => {
          if (blocked) {
            callback(privateAddressError(hostname, blocked.address, url), '');
          } else if (!addresses.length) {
            callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
          } else if (options.all) {
            callback(null, addresses);
          } else {
            callback(null, addresses[0]!.address, addresses[0]!.family);
          }
        });
      },
      (error: NodeJS.ErrnoException) => process.nextTick(() => callback(error, '')),
    );
  };
}

function privateAddressError(host: string, address: string, url: string): FetchError {
  const named = host === address ? address : `${host} (${address})`;
  return new FetchError(
    'PRIVATE_ADDRESS',
    `refused: ${named} is not a public address; private networks are not allowed here (IMPORT_ALLOW_PRIVATE_NETWORKS)`,
    url,
  );
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
};

function networkError(error: NodeJS.ErrnoException, url: string): FetchError {
  const known = error.code ? NETWORK_CODES[error.code] : undefined;
  const detail = known ? `${known} (${error.code})` : error.code ? `${error.message} (${error.code})` : error.message;
  return new FetchError('NETWORK', `network error: ${detail}`, url);
}

/** Parses a URL the importer may fetch: http or https only. */
export function parseHttpUrl(input: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new FetchError('INVALID_URL', `not a valid URL: "${input}"`, input);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError('UNSUPPORTED_SCHEME', `unsupported scheme ${url.protocol} (only http and https)`, input);
  }
  return url;
}

type Exchange =
  | { kind: 'redirect'; location: string | undefined; status: number }
  | { kind: 'not-modified' }
  | { kind: 'body'; bytes: Uint8Array; contentType: string | null; validators: Validators };

/** Drops a response whose body is not wanted. Draining it instead could keep reading forever. */
function discard(response: http.IncomingMessage) {
  response.on('error', () => undefined);
  response.destroy();
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? null;

function decoder(encoding: string): Transform | null | undefined {
  switch (encoding) {
    case '':
    case 'identity':
      return null;
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/**
 * Creates a fetcher with its own connection pool and per-host queue. The timeout covers each
 * request (connecting, the headers and the whole body); each redirect is a new request.
 */
export function createFetcher(options: FetcherOptions): Fetcher {
  // A FIFO queue per host that lets at most `hostConcurrency` requests to it run at once. A host's
  // queue goes once it is idle, so a long run over many hosts keeps none it is done with.
  const hosts = new Map<string, LimitFunction>();
  function perHost<T>(host: string, task: () => Promise<T>): Promise<T> {
    const limit = hosts.get(host) ?? pLimit(Math.max(1, options.hostConcurrency));
    hosts.set(host, limit);
    return limit(task).finally(() => {
      if (limit.activeCount === 0 && limit.pendingCount === 0) hosts.delete(host);
    });
  }
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: options.hostConcurrency }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: options.hostConcurrency }),
  };
  const resolve = options.resolve ?? defaultResolver;
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;

  function exchange(url: URL, headers: Record<string, string>): Promise<Exchange> {
    return new Promise((resolvePromise, reject) => {
      const href = url.href;
      const hostAddress = url.hostname.replace(/^\[|\]$/g, '');
      // net.connect skips `lookup` for IP literals, so those are checked here.
      if (!options.allowPrivateNetworks && isIP(hostAddress) && isPrivateAddress(hostAddress)) {
        reject(privateAddressError(hostAddress, hostAddress, href));
        return;
      }
      const transport = url.protocol === 'https:' ? https : http;
      let settled = false;
      let body: Readable | null = null;
      const request = transport.request(url, {
        method: 'GET',
        headers,
        agent: agents[url.protocol as 'http:' | 'https:'],
        lookup: guardedLookup(resolve, options.allowPrivateNetworks, href),
      });
      const timer = setTimeout(() => fail(new FetchError('TIMEOUT', `timed out after ${options.timeoutMs} ms`, href)), options.timeoutMs);
      function fail(error: FetchError) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        body?.destroy();
        request.destroy();
        reject(error);
      }
      function succeed(value: Exchange) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolvePromise(value);
      }

      request.on('error', (error: NodeJS.ErrnoException) => fail(error instanceof FetchError ? error : networkError(error, href)));
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        if (REDIRECT_STATUSES.has(status)) {
          discard(response);
          succeed({ kind: 'redirect', location: header(response.headers.location) ?? undefined, status });
          return;
        }
        if (status === 304) {
          discard(response);
          succeed({ kind: 'not-modified' });
          return;
        }
        if (status < 200 || status > 299) {
          discard(response);
          const text = response.statusMessage ? ` ${response.statusMessage}` : '';
          fail(new FetchError('HTTP_STATUS', `HTTP ${status}${text}`, href, status));
          return;
        }
        const declared = Number(header(response.headers['content-length']) ?? NaN);
        if (declared > options.maxBytes) {
          fail(new FetchError('TOO_LARGE', `too large: ${declared} bytes (Content-Length), the limit is ${options.maxBytes}`, href));
          return;
        }
        const encoding = (header(response.headers['content-encoding']) ?? '').trim().toLowerCase();
        const decode = decoder(encoding);
        if (decode === undefined) {
          fail(new FetchError('BAD_RESPONSE', `unsupported Content-Encoding "${encoding}"`, href));
          return;
        }
        const stream: Readable = decode ? response.pipe(decode) : response;
        body = stream;
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            fail(new FetchError('TOO_LARGE', `too large: more than ${options.maxBytes} bytes, the download was stopped`, href));
            return;
          }
          chunks.push(chunk);
        });
        stream.on('end', () =>
          succeed({
            kind: 'body',
            bytes: new Uint8Array(Buffer.concat(chunks)),
            contentType: header(response.headers['content-type']),
            validators: { etag: header(response.headers.etag), lastModified: header(response.headers['last-modified']) },
          }),
        );
        stream.on('error', (error: NodeJS.ErrnoException) =>
          fail(decode ? new FetchError('BAD_RESPONSE', `could not decode the ${encoding} body: ${error.message}`, href) : networkError(error, href)),
        );
        response.on('error', (error: NodeJS.ErrnoException) => fail(networkError(error, href)));
        response.on('close', () => {
          if (!response.complete) fail(new FetchError('NETWORK', 'network error: the connection closed before the whole body arrived', href));
        });
      });
      request.end();
    });
  }

  async function fetchDocument(input: string, { validators }: { validators?: Validators | null } = {}): Promise<FetchResult> {
    const start = parseHttpUrl(input);
    const headers: Record<string, string> = {
      'user-agent': userAgent,
      accept: ACCEPT,
      'accept-encoding': 'gzip, deflate, br',
      'accept-language': 'zh-CN, zh;q=0.9, en;q=0.5',
    };
    if (validators?.etag) headers['if-none-match'] = validators.etag;
    if (validators?.lastModified) headers['if-modified-since'] = validators.lastModified;
    const conditional = Boolean(validators?.etag || validators?.lastModified);

    let url = start;
    for (let redirects = 0; ; redirects += 1) {
      const result = await perHost(url.host, () => exchange(url, headers));
      if (result.kind === 'redirect') {
        if (!result.location) {
          throw new FetchError('BAD_REDIRECT', `HTTP ${result.status} redirect without a Location header`, url.href, result.status);
        }
        if (redirects >= options.maxRedirects) {
          throw new FetchError('TOO_MANY_REDIRECTS', `too many redirects (more than ${options.maxRedirects})`, url.href, result.status);
        }
        let next: URL;
        try {
          next = new URL(result.location, url);
        } catch {
          throw new FetchError('BAD_REDIRECT', `redirect to an invalid address "${result.location}"`, url.href, result.status);
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new FetchError('BAD_REDIRECT', `redirect to ${next.protocol} refused (only http and https are followed)`, url.href, result.status);
        }
        url = next;
        continue;
      }
      if (result.kind === 'not-modified') {
        if (!conditional) throw new FetchError('HTTP_STATUS', 'HTTP 304 to a request that was not conditional', url.href, 304);
        return { kind: 'not-modified' };
      }
      return {
        kind: 'document',
        doc: { locator: start.href, url: url.href, bytes: result.bytes, contentType: result.contentType, fetchedAt: new Date() },
        validators: result.validators,
      };
    }
  }

  return {
    fetchDocument,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
