// `npm run build`: src/ (with the generated Prisma client in src/generated) compiled file by file to
// ESM JavaScript in dist/, with the same layout, so that every `new URL('./…', import.meta.url)`
// resolves as it does from src/. Files other than TypeScript (GraphiQL's examples, the partner
// documents) are copied. esbuild only strips types; `npm run typecheck` is the type check.
//
// Plain JavaScript, not TypeScript through tsx: `npm start` imports it to decide, in a few
// milliseconds, whether dist/ is current, and must not pay for a TypeScript loader to do so.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

/** Compiles src/ into a fresh dist/ (built next to it, then swapped in). Returns the file count. */
export async function build() {
  const fingerprint = await inputFingerprint();
  const files = await listFiles(SRC);
  const sources = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  const assets = files.filter((file) => !file.endsWith('.ts'));
  const out = `${DIST}.tmp-${process.pid}`;
  await rm(out, { recursive: true, force: true });
  const esbuild = await import('esbuild');
  try {
    await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: sources,
      outbase: 'src',
      outdir: out,
      bundle: false,
      format: 'esm',
      platform: 'node',
      target: 'node20.19',
      sourcemap: 'linked',
      logLevel: 'warning',
    });
  } finally {
    await esbuild.stop();
  }
  for (const asset of assets) {
    const target = path.join(out, path.relative('src', asset));
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(path.join(ROOT, asset), target);
  }
  await writeFile(path.join(out, STAMP), `${fingerprint}\n`);
  await rm(DIST, { recursive: true, force: true });
  await rename(out, DIST);
  return sources.length + assets.length;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  const count = await build();
  console.log(`Built ${count} files into dist/ in ${Math.round(performance.now() - started)} ms`);
}
