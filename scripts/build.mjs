// `npm run build`: src/ (with the generated Prisma client in src/generated) compiled file by file to
// ESM JavaScript in dist/, with the same layout, so that every `new URL('./…', import.meta.url)`
// resolves as it does from src/. Files other than TypeScript (GraphiQL's examples, the partner
// documents) are copied. esbuild only strips types; `npm run typecheck` is the type check.
//
// It also makes the embedded default's snapshot (dist/pglite-snapshot/, see src/startup.ts): a
// migrated PGlite data directory with the corpus loaded, which a cold start on an empty PGLITE_DIR
// copies instead of doing that work. It needs no database server; `--no-snapshot` skips it.
//
// Plain JavaScript, not TypeScript through tsx: `npm start` imports it to decide, in a few
// milliseconds, whether dist/ is current, and must not pay for a TypeScript loader to do so.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = path.join(ROOT, 'src');
export const DIST = path.join(ROOT, 'dist');
const STAMP = '.build-stamp';
/** Besides src/, what changes the output. */
const CONFIG_INPUTS = ['scripts/build.mjs', 'tsconfig.json'];

async function listFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** A fingerprint of every input's path, size and modification time: cheap, and it notices deletions. */
async function inputFingerprint() {
  const hash = createHash('sha256');
  for (const file of [...(await listFiles(SRC)), ...CONFIG_INPUTS]) {
    const info = await stat(path.join(ROOT, file)).catch(() => null);
    hash.update(`${file}\0${info ? `${info.size}\0${info.mtimeMs}` : 'missing'}\n`);
  }
  return hash.digest('hex');
}

/** Whether dist/ was built from the src/ that is there now. */
export async function isBuildCurrent() {
  const stamp = await readFile(path.join(DIST, STAMP), 'utf8').catch(() => null);
  return stamp !== null && stamp.trim() === (await inputFingerprint());
}

const EXTERNAL = ['@electric-sql/pglite', '@prisma/schema-engine-wasm', 'esbuild'];

/**
 * Every chunk lands in dist/ itself, but code in src/ finds its files relative to where it was
 * (`new URL('../../data/…', import.meta.url)`). Each source's import.meta.url becomes the URL its
 * own file would have in dist/, so those paths resolve as they do from src/.
 */
const importMetaAsInSource = {
  name: 'import-meta-url-as-in-source',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!args.path.startsWith(SRC + path.sep)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const own = `./${path.relative(SRC, args.path).split(path.sep).join('/').replace(/\.ts$/, '.js')}`;
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

/**
 * Runs the built code's writeEmbeddedSnapshot() in a child process, so that the WASM engines it
 * loads never stay in a process that goes on to serve (`npm start` builds in its own process).
 */
async function writeSnapshot(out) {
  const code = `const { writeEmbeddedSnapshot } = await import(${JSON.stringify(pathToFileURL(path.join(out, 'startup.js')).href)});
await writeEmbeddedSnapshot();`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
    cwd: ROOT,
    // The snapshot is the embedded default's: whatever database this shell points at is not used.
    env: { ...process.env, DATABASE_URL: '' },
  });
}

/**
 * Compiles src/ into a fresh dist/ (built next to it, then swapped in), with the embedded
 * snapshot (dist/pglite-snapshot/) unless `snapshot` is false. Returns the file count.
 */
export async function build({ snapshot = true } = {}) {
  const fingerprint = await inputFingerprint();
  const files = await listFiles(SRC);
  const sources = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  const assets = files.filter((file) => !file.endsWith('.ts'));
  const out = `${DIST}.tmp-${process.pid}`;
  await rm(out, { recursive: true, force: true });
  const esbuild = await import('esbuild');
  let outputs;
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      // Two entry points: the server, and startup.ts for the snapshot (see writeSnapshot).
      entryPoints: ['src/server.ts', 'src/startup.ts'],
      outbase: 'src',
      outdir: out,
      bundle: true,
      // Code shared by the entries, and every dynamic import (GraphiQL, PGlite and the startup
      // work only on the embedded default, the migration engine only when it runs), goes to its
      // own chunk in dist/, loaded when first imported.
      splitting: true,
      chunkNames: 'chunk-[hash]',
      // Packages that locate their own files (WASM, data) next to their modules stay in node_modules.
      external: EXTERNAL,
      format: 'esm',
      platform: 'node',
      target: 'node20.19',
      // CommonJS packages in the bundle still call require() for Node's built-in modules.
      banner: { js: "import { createRequire as __cfRequire } from 'node:module'; const require = __cfRequire(import.meta.url);" },
      plugins: [importMetaAsInSource],
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'warning',
    });
    outputs = Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.js')).length;
  } finally {
    await esbuild.stop();
  }
  for (const asset of assets) {
    const target = path.join(out, path.relative('src', asset));
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(path.join(ROOT, asset), target);
  }
  await writeFile(path.join(out, STAMP), `${fingerprint}\n`);
  if (snapshot) await writeSnapshot(out);
  await rm(DIST, { recursive: true, force: true });
  await rename(out, DIST);
  return { files: outputs + assets.length };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  const snapshot = !process.argv.includes('--no-snapshot');
  const { files } = await build({ snapshot });
  const what = snapshot ? ' and the prepared PGlite database (dist/pglite-snapshot/)' : '';
  console.log(`Built ${files} files${what} into dist/ in ${Math.round(performance.now() - started)} ms`);
}
