import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaClient, type Prisma } from '../generated/prisma/client.js';
import { isDatabaseUnavailable, ServiceUnavailableError } from '../domain/errors.js';
import { log } from '../observability/log.js';
import { type DatabaseConfig, openPGlite } from './pglite.js';
import type { PoolCounts } from '../observability/metrics.js';

export { DEFAULT_PGLITE_DIR, type DatabaseConfig, databaseConfigFromEnv, openPGlite } from './pglite.js';

/** Splits a connection URL into discrete fields. node-postgres lets `connectionString` override
 * `database`, which once sent Prisma's shadow database work to the main database. */
export function pgConnectionFields(url: string) {
  const u = new URL(url);
  return {
    host: decodeURIComponent(u.hostname) || '127.0.0.1',
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || 'postgres',
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
    ssl: u.searchParams.get('sslmode') === 'require' ? { rejectUnauthorized: false } : undefined,
  };
}

/** An open database: the Prisma client, plus the embedded engine when there is one. */
export interface Database {
  config: DatabaseConfig;
  prisma: PrismaClient;
  /** The PGlite instance behind `prisma`, for migrations and raw SQL; absent on PostgreSQL. */
  pglite?: PGlite;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Called with every SQL statement the client sends (used by tests that pin query shapes). */
  onQuery?: (sql: string) => void;
  /** Pool size on PostgreSQL. */
  poolSize?: number;
  /**
   * PostgreSQL only: the server cancels any statement running longer than this (statement_timeout),
   * so one expensive query cannot hold a connection and a core for minutes. PGlite runs in-process
   * and has no such setting. Omitted: no limit (scripts such as the synthetic seed need none).
   */
  statementTimeoutMs?: number | null;
  /**
   * PostgreSQL only: how long a request waits for a new connection (the TCP connect and the
   * start-up exchange) before failing with SERVICE_UNAVAILABLE. Default 5000 ms.
   */
  connectTimeoutMs?: number;
}

/** The default of {@link OpenDatabaseOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Past the statement timeout, how much longer the client waits for PostgreSQL's answer before it
 * gives the connection up as lost: a cut network (no reset, no answer) must not hold a request
 * until TCP gives up, minutes later.
 */
const READ_TIMEOUT_MARGIN_MS = 2_000;

/** The one place that turns configuration into a Prisma client and its driver adapter. */
export async function openDatabase(
  config: DatabaseConfig,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  let adapter: SqlDriverAdapterFactory;
  let pglite: PGlite | undefined;
  let pool: pg.Pool | undefined;
  if (config.kind === 'postgres') {
    pool = new pg.Pool({
      ...pgConnectionFields(config.url),
      max: options.poolSize ?? 10,
      // Prisma sends timestamps as text without a zone, which PostgreSQL reads in the session's
      // time zone, while compiled reads send ISO strings with one: both agree only in UTC.
      options: '-c TimeZone=UTC',
      ...(options.statementTimeoutMs
        ? { statement_timeout: options.statementTimeoutMs, query_timeout: options.statementTimeoutMs + READ_TIMEOUT_MARGIN_MS }
        : {}),
      // A database that is down fails a request in this long, not after TCP's own minutes.
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      // Keep-alive probes find a connection whose peer vanished without a reset while it sits idle.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // PostgreSQL dropping a connection (a restart, a cut network, pg_terminate_backend) must not
    // end the process. An idle connection's error reaches the pool's listener, and the pool drops
    // it; a checked-out one's error fails its query, and pg-pool drops a client that is no longer
    // queryable when it comes back. The listener on each client covers the moment between two
    // statements of a transaction, when node-postgres would otherwise throw the error as
    // unhandled. The adapter's own listeners are there only while Prisma is connected; compiled
    // reads may use the pool before that.
    pool.on('error', (error) => log.warn({ err: error }, `PostgreSQL closed an idle connection: ${error.message}`));
    pool.on('connect', (client) => {
      client.on('error', (error) => log.warn({ err: error }, `A PostgreSQL connection failed: ${error.message}`));
    });
    adapter = new PrismaPg(pool);
  } else {
    pglite = await openPGlite(config);
    const { PrismaPGlite } = await import('pglite-prisma-adapter');
    adapter = new PrismaPGlite(pglite);
  }
  const prisma = new PrismaClient({
    adapter,
    log: options.onQuery ? [{ emit: 'event', level: 'query' }] : [],
  });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    prisma.$on('query' as never, (event: { query: string }) => onQuery(event.query));
  }
  if (pool) {
    readers.set(prisma, preparedReader(pool, options.onQuery));
    pools.set(prisma, pool);
  }
  if (pglite) readers.set(prisma, pgliteReader(pglite, options.onQuery));
  return {
    config,
    prisma,
    pglite,
    async close() {
      await prisma.$disconnect();
      await pool?.end();
      await pglite?.close();
    },
  };
}

const pools = new WeakMap<PrismaClient, pg.Pool>();

/** The PostgreSQL pool's counts behind `prisma` (for the metrics); null on PGlite, which has no pool. */
export function poolCounts(prisma: PrismaClient): PoolCounts | null {
  const pool = pools.get(prisma);
  return pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : null;
}

// ---------------------------------------------------------------------------------------------
// The compiled read path's statements (src/compiled/): one read returning one JSON text column.

/** Runs a read statement that returns one row with a `json` text column (or none). */
export type JsonReader = (statement: Prisma.Sql) => Promise<string | null>;

const readers = new WeakMap<PrismaClient, JsonReader>();

/**
 * How to run compiled reads on this client. On PostgreSQL, straight on the pool as named prepared
 * statements, so that PostgreSQL plans each shape once per connection instead of once per request;
 * on PGlite, straight on the PGlite instance; for a client not opened here, through Prisma's `$queryRaw`.
 */
export function jsonReader(prisma: PrismaClient): JsonReader {
  return readers.get(prisma) ?? (async (statement) => (await prisma.$queryRaw<{ json: string | null }[]>(statement))[0]?.json ?? null);
}

/** Dates as ISO instants: what PostgreSQL must read, whatever the process's time zone (as Prisma sends them). */
const statementValues = (statement: Prisma.Sql) => statement.values.map((value) => (value instanceof Date ? value.toISOString() : value));

/**
 * Compiled reads on PGlite without Prisma: the read needs none of its query compiler (whose first
 * use costs some 150–250 ms of a start), nor its row mapping. PGlite runs one statement at a time
 * and waits for an open transaction (Prisma's, through its adapter) to end before it runs this one,
 * so a read never sees another request's uncommitted writes.
 */
function pgliteReader(pglite: PGlite, onQuery?: (sql: string) => void): JsonReader {
  return async (statement) => {
    onQuery?.(statement.text);
    const result = await pglite.query<{ json: string | null }>(statement.text, statementValues(statement));
    return result.rows[0]?.json ?? null;
  };
}

/**
 * Statements prepared per connection and never released: only the first few hundred distinct texts
 * get a name (real clients send a handful of shapes), so that a caller varying its selection
 * cannot grow the server's memory. Later texts run unnamed, planned each time.
 */
const MAX_PREPARED = 500;

function preparedReader(pool: pg.Pool, onQuery?: (sql: string) => void): JsonReader {
  const names = new Map<string, string>();
  return async (statement) => {
    const { text } = statement;
    let name = names.get(text);
    if (!name && names.size < MAX_PREPARED) names.set(text, (name = `cf_read_${names.size + 1}`));
    onQuery?.(text);
    // pg writes a Date in the process's time zone; PostgreSQL must read the instant, as Prisma sends it.
    const values = statementValues(statement);
    try {
      const result = await pool.query<{ json: string | null }>({ ...(name ? { name } : {}), text, values });
      return result.rows[0]?.json ?? null;
    } catch (error) {
      // node-postgres' own errors, unlike Prisma's, carry no mark of where they came from.
      throw isDatabaseUnavailable(error) ? new ServiceUnavailableError(error) : error;
    }
  };
}
