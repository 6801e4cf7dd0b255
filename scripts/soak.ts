// npm run soak -- --duration 60 --rate N [--url http://HOST:PORT] [--cache on|off] [--rate-limit N|off]
//                 [--max-in-flight 256] [--timeout-ms 10000]
//
// Holds a fixed arrival rate (open loop: a request is sent every 1/N s whether or not the earlier
// ones have answered) of a mix of the benchmark shapes Q1–Q4, searches and trusted-document GETs,
// from loopback, for a bounded time. Every 10 s and at the end it prints the answers by status,
// p50/p99 latency and the server's RSS, so that a run shows the rate this machine holds with no
// 5xx, whether memory stays flat, and what happens past that rate.
//
// Without --url it starts the built server (dist/server.js, `npm run build`) itself on a free
// loopback port: on DATABASE_URL when set, else on a fresh PGlite directory (filled from the
// build's prepared database), with the response cache off and no rate limit unless asked (one
// loopback client is one caller: the default per-caller limit would answer 429 after 300
// requests). With --url the server's RSS is sampled only when --pid names its process.
//
// Exits 0 when no answer was a 5xx, a network error or a timeout; 1 otherwise; 2 on bad arguments.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Console } from 'node:console';
import { type CliIo, isEntryPoint, runAsScript, runCommand, UsageError } from './cli.js';

const USAGE = `Usage: npm run soak -- --duration SECONDS --rate REQUESTS_PER_SECOND
                     [--url http://127.0.0.1:4000] [--pid PID]
                     [--cache on|off] [--rate-limit N|off] [--max-in-flight 256] [--timeout-ms 10000]

--duration 1..3600, --rate 1..5000. Without --url the built server (dist/server.js) is started on a
free port (DATABASE_URL when set, else a fresh PGlite), with --cache (default off) and --rate-limit
(requests per minute per caller, default off).`;

export interface SoakOptions {
  durationS: number;
  rate: number;
  url: string | null;
  pid: number | null;
  cache: 'on' | 'off';
  rateLimit: number | 'off';
  maxInFlight: number;
  timeoutMs: number;
}

function wholeNumberArg(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${value}"`);
  return n;
}

export function parseSoakArgs(argv: string[]): SoakOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string' },
        rate: { type: 'string' },
        url: { type: 'string' },
        pid: { type: 'string' },
        cache: { type: 'string' },
        'rate-limit': { type: 'string' },
        'max-in-flight': { type: 'string' },
        'timeout-ms': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.duration === undefined || values.rate === undefined) throw new UsageError('--duration and --rate are required');
  const cache = values.cache ?? 'off';
  if (cache !== 'on' && cache !== 'off') throw new UsageError(`--cache must be on or off, not "${cache}"`);
  if (values.url !== undefined && !/^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/.test(values.url)) {
    throw new UsageError(`--url must be a loopback http://127.x.x.x:PORT, http://localhost:PORT or http://[::1]:PORT, not "${values.url}"`);
  }
  const rateLimit = values['rate-limit'] === undefined || values['rate-limit'] === 'off'
    ? 'off'
    : wholeNumberArg('rate-limit', values['rate-limit'], 0, 1, 10_000_000);
  return {
    durationS: wholeNumberArg('duration', values.duration, 60, 1, 3600),
    rate: wholeNumberArg('rate', values.rate, 10, 1, 5000),
    url: values.url?.replace(/\/$/, '') ?? null,
    pid: values.pid === undefined ? null : wholeNumberArg('pid', values.pid, 0, 1, 2 ** 22),
    cache,
    rateLimit,
    maxInFlight: wholeNumberArg('max-in-flight', values['max-in-flight'], 256, 1, 10_000),
    timeoutMs: wholeNumberArg('timeout-ms', values['timeout-ms'], 10_000, 100, 120_000),
  };
}

/** One request of the mix: a POST of an operation, or a GET of a trusted document by its hash. */
interface SoakRequest {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

interface Manifest {
  operations: { id: string; name: string; body: string }[];
}

const SEARCH_TERMS = ['检察', '司法救助', '公益诉讼', '未成年人', '荣誉', '检察院', '案件', '先进'];

/** The mix, by weight: what a front-end, a partner page and a GraphiQL user send. */
function mixFrom(manifest: Manifest, orgSlugs: string[], seriesSlugs: string[]) {
  const byName = new Map(manifest.operations.map((operation) => [operation.name, operation]));
  const operation = (name: string) => {
    const found = byName.get(name);
    if (!found) throw new Error(`trusted-documents.json has no operation ${name}`);
    return found;
  };
  const pick = <T>(list: T[], i: number) => list[i % list.length]!;
  const post = (name: string, variables: Record<string, unknown>): SoakRequest => ({
    name,
    method: 'POST',
    path: '/graphql',
    body: JSON.stringify({ query: operation(name).body, operationName: name, variables }),
  });
  const get = (name: string, variables: Record<string, unknown>): SoakRequest => ({
    name: `GET ${name}`,
    method: 'GET',
    path: `/graphql?${new URLSearchParams({
      extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: operation(name).id } }),
      variables: JSON.stringify(variables),
    })}`,
  });
  const levels = ['NATIONAL', 'PROVINCIAL', 'MUNICIPAL', 'DISTRICT'];
  const weighted: [number, (i: number) => SoakRequest][] = [
    [2, (i) => post('BenchQ1', { slug: pick(orgSlugs, i) })],
    [1, () => post('BenchQ2', {})],
    [2, (i) => post('BenchQ3', { slug: pick(seriesSlugs, i) })],
    [2, (i) => post('BenchQ4', { level: [pick(levels, i)], yearFrom: 2015 + (i % 5), yearTo: 2024 })],
    [2, (i) => post('Search', { q: pick(SEARCH_TERMS, i) })],
    [1, (i) => get('OrganizationProfile', { slug: pick(orgSlugs, i) })],
    [1, (i) => get('Search', { q: pick(SEARCH_TERMS, i + 3) })],
  ];
  const wheel = weighted.flatMap(([weight, make]) => Array.from({ length: weight }, () => make));
  return (i: number) => wheel[i % wheel.length]!(Math.floor(i / wheel.length));
}

interface Answer {
  status: number | 'timeout' | 'network';
  ms: number;
}

function send(agent: Agent, base: URL, req: SoakRequest, timeoutMs: number): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (status: Answer['status']) => resolve({ status, ms: performance.now() - started });
    const outgoing = request(
      {
        agent,
        host: base.hostname.replace(/^\[|\]$/g, ''),
        port: base.port || 80,
        method: req.method,
        path: req.path,
        headers: {
          accept: 'application/json',
          ...(req.body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(req.body) } : {}),
        },
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.on('end', () => done(response.statusCode ?? 0));
        response.on('error', () => done('network'));
      },
    );
    outgoing.on('timeout', () => {
      outgoing.destroy();
      done('timeout');
    });
    outgoing.on('error', () => done('network'));
    outgoing.end(req.body);
  });
}

async function graphql<T>(base: URL, query: string): Promise<T> {
  const response = await fetch(new URL('/graphql', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query }),
  });
  const answer = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (!answer.data) throw new Error(`the server answered ${response.status}: ${JSON.stringify(answer.errors)}`);
  return answer.data;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes, from /proc; null when it cannot be read. */
function rssOf(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds used by a process (user + system), from /proc; 0 when it cannot be read. */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by the processes named `name` (PostgreSQL's server and its backends), from /proc. */
function cpuSecondsOfProcessesNamed(name: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== name) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/** The machine's busy CPU seconds so far, all cores together, from /proc/stat. */
function machineBusySeconds(): number {
  const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
  return ticks.slice(0, 8).reduce((sum, value, i) => (i === 3 || i === 4 ? sum : sum + (value || 0)), 0) / 100;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const mb = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 2 ** 20).toFixed(0)} MB`);

/** Starts dist/server.js on a free port and waits until it answers. */
async function startServer(options: SoakOptions, io: CliIo, console: Console) {
  if (!existsSync('dist/server.js')) throw new UsageError('dist/server.js is missing: run `npm run build` first, or pass --url');
  const port = await freePort();
  const pgliteDir = io.env.DATABASE_URL ? null : mkdtempSync(path.join(tmpdir(), 'cf-soak-pglite-'));
  const child: ChildProcess = spawn(process.execPath, ['dist/server.js'], {
    env: {
      ...io.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      RESPONSE_CACHE: options.cache === 'on' ? 'on' : 'off',
      RATE_LIMIT: options.rateLimit === 'off' ? 'off' : String(options.rateLimit),
      LOG_LEVEL: io.env.LOG_LEVEL ?? 'warn',
      ...(pgliteDir ? { PGLITE_DIR: pgliteDir } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const base = new URL(`http://127.0.0.1:${port}`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}: ${stderr}`);
    try {
      await graphql(base, '{ __typename }');
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the server did not answer within 120 s: ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const where = io.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite (fresh copy in ${pgliteDir})`;
  console.log(`Started dist/server.js (pid ${child.pid}) on ${base.origin}, ${where}`);
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
  };
  return { base, pid: child.pid ?? null, stop, where };
}

/** What a soak measured; `main` prints it, tests read it. */
export interface SoakReport {
  scheduled: number;
  /** Requests not sent because --max-in-flight were already waiting (the server was queueing). */
  notSent: number;
  byStatus: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  rssMb: { start: number | null; end: number | null; max: number | null };
  serverErrors: number;
}

export async function soak(options: SoakOptions, io: CliIo, console: Console): Promise<SoakReport> {
  const server = options.url ? null : await startServer(options, io, console);
  const base = server?.base ?? new URL(options.url!);
  const pid = server?.pid ?? options.pid;
  const agent = new Agent({ keepAlive: true, maxSockets: Math.min(options.maxInFlight, 64) });
  try {
    const manifest = JSON.parse(readFileSync('trusted-documents.json', 'utf8')) as Manifest;
    const data = await graphql<{
      organizations: { edges: { node: { slug: string } }[] };
      seriesList: { edges: { node: { slug: string } }[] };
      articles: { totalCount: number };
    }>(base, '{ organizations(first: 50) { edges { node { slug } } } seriesList(first: 50) { edges { node { slug } } } articles(first: 1) { totalCount } }');
    const orgSlugs = data.organizations.edges.map((edge) => edge.node.slug);
    const seriesSlugs = data.seriesList.edges.map((edge) => edge.node.slug);
    if (!orgSlugs.length || !seriesSlugs.length) throw new Error('the database has no organizations or series to ask for: load the corpus or synthetic data first');
    const next = mixFrom(manifest, orgSlugs, seriesSlugs);

    console.log(
      `Soak: ${options.rate} req/s for ${options.durationS} s against ${base.origin}; Node ${process.version}; ` +
        `${cpus().length} cores; ${server?.where ?? 'server given by --url'}; ${data.articles.totalCount} published articles; ` +
        `response cache ${server ? options.cache : 'as configured'}; rate limit ${server ? options.rateLimit : 'as configured'}; ` +
        `load average before ${(loadavg()[0] ?? 0).toFixed(2)}`,
    );
    console.log('  time   sent  2xx  429  5xx  other  in-flight  p50 ms  p99 ms  server RSS');

    const latencies: number[] = [];
    let window: number[] = [];
    const byStatus: Record<string, number> = {};
    const windowStatus = { ok: 0, limited: 0, server: 0, other: 0 };
    let scheduled = 0;
    let notSent = 0;
    let inFlight = 0;
    const rss: number[] = [];
    const startRss = pid ? rssOf(pid) : null;
    const busyBefore = machineBusySeconds();
    const serverCpuBefore = pid ? cpuSecondsOf(pid) : 0;
    const ownCpuBefore = process.cpuUsage();
    const postgresCpuBefore = cpuSecondsOfProcessesNamed('postgres');
    const started = performance.now();
    const total = options.durationS * options.rate;
    const pending = new Set<Promise<void>>();

    const record = (answer: Answer) => {
      latencies.push(answer.ms);
      window.push(answer.ms);
      const key = String(answer.status);
      byStatus[key] = (byStatus[key] ?? 0) + 1;
      if (typeof answer.status === 'number' && answer.status >= 200 && answer.status < 300) windowStatus.ok++;
      else if (answer.status === 429) windowStatus.limited++;
      else if (typeof answer.status === 'number' && answer.status >= 500) windowStatus.server++;
      else windowStatus.other++;
    };
    let lastReport = 0;
    const report = (label: string) => {
      const sorted = window.sort((a, b) => a - b);
      const current = pid ? rssOf(pid) : null;
      if (current !== null) rss.push(current);
      console.log(
        `${label.padStart(6)} ${String(scheduled).padStart(6)} ${String(windowStatus.ok).padStart(4)} ${String(windowStatus.limited).padStart(4)} ` +
          `${String(windowStatus.server).padStart(4)} ${String(windowStatus.other).padStart(6)} ${String(inFlight).padStart(10)} ` +
          `${percentile(sorted, 50).toFixed(1).padStart(7)} ${percentile(sorted, 99).toFixed(1).padStart(7)}  ${mb(current)}`,
      );
      window = [];
      Object.assign(windowStatus, { ok: 0, limited: 0, server: 0, other: 0 });
    };

    // Sends what is due every few milliseconds: the schedule is fixed, so a slow server shows as
    // requests in flight (and, past --max-in-flight, requests not sent), never as a lower rate.
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsedS = (performance.now() - started) / 1000;
        const due = Math.min(total, Math.floor(elapsedS * options.rate));
        while (scheduled < due) {
          const req = next(scheduled++);
          if (inFlight >= options.maxInFlight) {
            notSent++;
            continue;
          }
          inFlight++;
          const sent = send(agent, base, req, options.timeoutMs).then((answer) => {
            inFlight--;
            record(answer);
            pending.delete(sent);
          });
          pending.add(sent);
        }
        if (elapsedS - lastReport >= 10) {
          lastReport = Math.floor(elapsedS / 10) * 10;
          report(`${lastReport} s`);
        }
        if (scheduled >= total) {
          clearInterval(tick);
          resolve();
        }
      }, 2);
    });
    await Promise.all(pending);
    const elapsed = (performance.now() - started) / 1000;
    // The answers that came after the last scheduled request was sent.
    if (window.length) report('drain');

    const own = process.cpuUsage(ownCpuBefore);
    const ownCpu = (own.user + own.system) / 1e6;
    const serverCpu = pid ? cpuSecondsOf(pid) - serverCpuBefore : 0;
    // PostgreSQL on this machine is part of the system under test, not other load (its backends
    // that ended during the run are missed, so this is a floor).
    const postgresCpu = cpuSecondsOfProcessesNamed('postgres') - postgresCpuBefore;
    const otherCores = Math.max(0, (machineBusySeconds() - busyBefore - ownCpu - serverCpu - postgresCpu) / elapsed);
    const sorted = latencies.sort((a, b) => a - b);
    const serverErrors = Object.entries(byStatus)
      .filter(([status]) => status === 'timeout' || status === 'network' || Number(status) >= 500)
      .reduce((sum, [, count]) => sum + count, 0);
    const result: SoakReport = {
      scheduled,
      notSent,
      byStatus,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1) ?? NaN,
      rssMb: {
        start: startRss === null ? null : Math.round(startRss / 2 ** 20),
        end: rss.length ? Math.round(rss.at(-1)! / 2 ** 20) : null,
        max: rss.length ? Math.round(Math.max(...rss) / 2 ** 20) : null,
      },
      serverErrors,
    };
    console.log(
      `\nSent ${scheduled - notSent} of ${scheduled} scheduled in ${elapsed.toFixed(1)} s (${notSent} not sent: ${options.maxInFlight} already in flight)` +
        `\nAnswers by status: ${Object.entries(byStatus).map(([status, count]) => `${status} ${count}`).join(', ') || 'none'}` +
        `\nLatency: p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, max ${result.maxMs.toFixed(1)} ms` +
        `\nServer RSS: ${result.rssMb.start ?? 'n/a'} MB before, ${result.rssMb.end ?? 'n/a'} MB at the end, ${result.rssMb.max ?? 'n/a'} MB at most` +
        `\nCPU: server ${(serverCpu / elapsed).toFixed(2)} cores, PostgreSQL ${(postgresCpu / elapsed).toFixed(2)} cores, this client ${(ownCpu / elapsed).toFixed(2)} cores, ` +
        `other processes ${otherCores.toFixed(2)} cores` +
        `\n${serverErrors ? `FAILED: ${serverErrors} answers were 5xx, timeouts or network errors` : 'OK: no 5xx, timeout or network error'}`,
    );
    return result;
  } finally {
    agent.destroy();
    await server?.stop();
  }
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  return runCommand(
    async (args, cliIo, console) => {
      const options = parseSoakArgs(args);
      const result = await soak(options, cliIo, console);
      return result.serverErrors || result.scheduled === 0 ? 1 : 0;
    },
    argv,
    io,
    USAGE,
  );
}

if (isEntryPoint(import.meta.url)) runAsScript(main);
