// The shared frame of the project's command-line scripts.

/** A mistake in the command line: the script prints it with its usage and exits 2. */
export class UsageError extends Error {}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Runs a script's `main` and always exits explicitly (the WASM schema engine and the database
 * drivers may leave timers behind). Usage errors exit 2 with the usage text; the `expected`
 * error classes exit 1 with their message; anything else exits 1 with its stack.
 */
export function runCli(main: (argv: string[]) => Promise<number>, usage: string, expected: ErrorClass[] = []) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`${error.message}\n\n${usage}`);
        process.exit(2);
      }
      if (expected.some((type) => error instanceof type)) {
        console.error(`Error: ${(error as Error).message}`);
        process.exit(1);
      }
      console.error(error);
      process.exit(1);
    },
  );
}
