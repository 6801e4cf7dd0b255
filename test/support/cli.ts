// Runs the command-line scripts: in-process through their `main(argv, io)`, or, once per script,
// as a child process the way `npm run …` starts them.
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CliMain } from '../../scripts/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Calls a script's `main` with `args` and exactly the environment `env`, capturing its output. */
export async function runMain(main: CliMain, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      decodeStrings: false,
      write(chunk: string | Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await main(args, {
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
    env,
  });
  return { code, stdout, stderr };
}

/**
 * Runs `scripts/<script>` in a child process through tsx, as `npm run` does, with the parent's
 * environment minus DATABASE_URL and PGLITE_DIR, plus `env`.
 */
export function spawnScript(script: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const { DATABASE_URL: _url, PGLITE_DIR: _dir, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', `scripts/${script}`, ...args],
      { cwd: ROOT, env: { ...inherited, ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
