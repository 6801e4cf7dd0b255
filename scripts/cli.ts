// The shared frame of the project's command-line scripts. A script exports
// `main(argv, io): Promise<number>`, which writes only to `io` and returns its exit code, and runs
// itself through runAsScript() only when it is the process's entry point, so that tests can call
// `main` in-process.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { Console } from 'node:console';
import { fileURLToPath } from 'node:url';

/** A mistake in the command line: the script prints it with its usage and exits 2. */
export class UsageError extends Error {}

type ErrorClass = abstract new (...args: never[]) => Error;

/** An output stream of a script: process.stdout/stderr, or a capturing stream in tests. */
export type CliStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Where a script's `main` writes, and the environment it reads. */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  env: NodeJS.ProcessEnv;
}

/** A script's entry: takes its arguments (without node and the script) and returns the exit code. */
export type CliMain = (argv: string[], io: CliIo) => Promise<number>;

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** A console that writes to `io` (console.log, console.table and console.error, formatted as usual). */
export function cliConsole(io: CliIo): Console {
  return new Console({ stdout: io.stdout, stderr: io.stderr });
}

/**
 * Runs `run` and turns what it throws into an exit code: usage errors print their message with
 * the usage text and give 2; the `expected` error classes print their message and give 1;
 * anything else prints its stack and gives 1.
 */
export async function runCommand(
  run: (argv: string[], io: CliIo, console: Console) => Promise<number>,
  argv: string[],
  io: CliIo,
  usage: string,
  expected: ErrorClass[] = [],
): Promise<number> {
  const console = cliConsole(io);
  try {
    return await run(argv, io, console);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${usage}`);
      return 2;
    }
    if (expected.some((type) => error instanceof type)) {
      console.error(`Error: ${(error as Error).message}`);
      return 1;
    }
    console.error(error);
    return 1;
  }
}

/** Whether the module at `moduleUrl` (its `import.meta.url`) is the script node was started with. */
export function isEntryPoint(moduleUrl: string): boolean {
  const started = process.argv[1];
  if (!started) return false;
  try {
    return realpathSync(path.resolve(started)) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * Runs `main` on the process's arguments and streams, and always exits explicitly with its code
 * (the WASM schema engine and the database drivers may leave timers behind).
 */
export function runAsScript(main: CliMain): void {
  main(process.argv.slice(2), processIo()).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** For scripts that write to the global console (scripts/db.ts): runs `main` and exits with its code. */
export function runCli(main: (argv: string[]) => Promise<number>, usage: string, expected: ErrorClass[] = []) {
  runAsScript((argv, io) => runCommand((args) => main(args), argv, io, usage, expected));
}
