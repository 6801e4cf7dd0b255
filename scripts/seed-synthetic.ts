import type { Console } from 'node:console';
import { parseArgs } from 'node:util';
import { type CliIo, type CliStream, cliConsole, isEntryPoint, runAsScript, UsageError } from './cli.js';
import { databaseConfigFromEnv, openDatabase, type DatabaseConfig } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrations.js';
import {
  DEFAULT_SYNTHETIC_SEED,
  MAX_SYNTHETIC_SCALE,
  seedSynthetic,
  SyntheticDataExistsError,
  type SyntheticProgress,
  SyntheticSeedError,
} from './synthetic/generate.js';

// npm run seed:synthetic -- --scale N [--seed S] [--reset]
// Applies pending migrations, then writes synthetic data (slugs `syn-…`) into DATABASE_URL, or
// into the embedded PGlite (PGLITE_DIR, default .data/pglite). Exit codes: 0 done, 1 failed or
// refused (synthetic rows exist and --reset was not given), 2 bad arguments (nothing opened).

const USAGE = `Usage: npm run seed:synthetic -- --scale N [--seed S] [--reset]

  --scale N   how much data: 1 is ~50 organizations, 20 series, 2,000 articles and
              5,000 achievements; 10 is ten times that (a number > 0, at most 100)
  --seed S    PRNG seed, a non-negative integer (default ${DEFAULT_SYNTHETIC_SEED}); same seed and scale, same rows
  --reset     delete the synthetic rows (slugs syn-…) already present first; other rows stay

Writes to DATABASE_URL, or to the embedded PGlite at PGLITE_DIR (default .data/pglite).`;

interface SyntheticArgs {
  scale: number;
  seed: number;
  reset: boolean;
  help: boolean;
}

function parseNumber(name: string, text: string | undefined): number {
  // Number('') is 0 and Number('1e1') is 10: accept plain decimals only.
  if (text === undefined || !/^\d+(\.\d+)?$|^\.\d+$/.test(text.trim())) {
    throw new UsageError(`--${name} must be a number, not ${JSON.stringify(text ?? '')}`);
  }
  return Number(text);
}

function parseCommandLine(argv: string[]): SyntheticArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        scale: { type: 'string' },
        seed: { type: 'string' },
        reset: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return { scale: 1, seed: DEFAULT_SYNTHETIC_SEED, reset: false, help: true };
  if (values.scale === undefined) throw new UsageError('--scale is required');
  const scale = parseNumber('scale', values.scale);
  if (scale <= 0 || scale > MAX_SYNTHETIC_SCALE) {
    throw new UsageError(`--scale must be greater than 0 and at most ${MAX_SYNTHETIC_SCALE}, not ${values.scale}`);
  }
  const seed = values.seed === undefined ? DEFAULT_SYNTHETIC_SEED : parseNumber('seed', values.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be a non-negative integer, not ${values.seed}`);
  return { scale, seed, reset: values.reset, help: false };
}

function describeTarget(config: DatabaseConfig): string {
  if (config.kind === 'pglite') return `PGlite at ${config.dataDir ?? '(memory)'}`;
  const url = new URL(config.url);
  return `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`;
}

/** A progress bar on stderr when it is a terminal; otherwise a line per phase and every 10 %. */
function progressReporter(stderr: CliStream, started: number): (progress: SyntheticProgress) => void {
  const tty = stderr.isTTY;
  let lastDraw = 0;
  let lastPhase = '';
  let lastTenth = -1;
  return ({ phase, done, total }) => {
    const fraction = total ? done / total : 1;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const counts = `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows`;
    if (tty) {
      const now = performance.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round(fraction * width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      stderr.write(`\r${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${counts} · ${phase.padEnd(13)} ${seconds} s`);
      if (done >= total) stderr.write('\n');
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (phase !== lastPhase || tenth !== lastTenth) {
      stderr.write(`${(fraction * 100).toFixed(0).padStart(3)}% ${counts} · ${phase} · ${seconds} s\n`);
      lastPhase = phase;
      lastTenth = tenth;
    }
  };
}

/**
 * `npm run seed:synthetic -- …`: writes to `io` and returns the exit code (0 done, 1 failed or
 * refused, 2 bad arguments).
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const console = cliConsole(io);
  try {
    return await run(argv, io, console);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 1;
  }
}

async function run(argv: string[], io: CliIo, console: Console): Promise<number> {
  let args: SyntheticArgs;
  try {
    args = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }

  const config = databaseConfigFromEnv(io.env);
  const db = await openDatabase(config);
  try {
    const applied = await migrateDatabase(db);
    if (applied.length) console.log(`Applied migrations: ${applied.join(', ')}`);
    const started = performance.now();
    const counts = await seedSynthetic(db.prisma, {
      scale: args.scale,
      seed: args.seed,
      reset: args.reset,
      onProgress: progressReporter(io.stderr, started),
    });
    const seconds = (performance.now() - started) / 1000;
    const rows = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(`Wrote synthetic data (scale ${args.scale}, seed ${args.seed}) into ${describeTarget(config)}`);
    console.table(counts);
    console.log(`${rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s (${Math.round(rows / seconds).toLocaleString('en-US')} rows/s)`);
    return 0;
  } catch (error) {
    if (error instanceof SyntheticDataExistsError || error instanceof SyntheticSeedError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await db.close();
  }
}

// The schema engine leaves a timer running, so the script ends explicitly.
if (isEntryPoint(import.meta.url)) runAsScript(main);
