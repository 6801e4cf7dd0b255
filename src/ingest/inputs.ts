import { createHash } from 'node:crypto';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PrismaClient } from '../generated/prisma/client.js';
import { parseHttpUrl, type Fetcher, type Validators } from './fetch.js';
import type { RawDocument } from './types.js';

// Turns the arguments of `npm run import` and of importContent (`<file|dir|url>...`) into
// documents: files are read, directories walked, URLs fetched, conditionally when a stored copy
// has validators.

/** The extensions a directory walk picks up; a file named explicitly is read whatever its name. */
export const IMPORTABLE_EXTENSIONS = ['.txt', '.html', '.htm', '.xml', '.rss', '.atom', '.json'] as const;

/** An input that cannot be read. The message is the reason its import item records. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** One document to import, or an argument that names none. */
export type InputEntry =
  | { kind: 'file'; locator: string }
  | { kind: 'url'; locator: string }
  | { kind: 'failure'; locator: string; reason: string };

/**
 * Which files a run may read. `any`: whatever the process can (the CLI). `{ root }`: only files
 * under that directory, relative paths resolved against it. `none`: no files (the mutation when
 * IMPORT_FILE_ROOT is unset), so that an API caller cannot read the server's disk.
 */
export type FileAccess = 'any' | 'none' | { root: string };

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many symbolic links',
};

function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code && FS_REASONS[code]) ?? (error as Error).message;
}

const importable = (name: string) =>
  (IMPORTABLE_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The importable files under `dir`, depth first in name order; hidden entries and symlinked
 * directories are skipped. With a file `root` (the mutation's IMPORT_FILE_ROOT), a file whose real
 * path leads outside it (a symbolic link) is refused like a path outside it.
 */
async function* walk(dir: string, root: string | null): AsyncGenerator<InputEntry> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort(byName);
  } catch (error) {
    yield { kind: 'failure', locator: dir, reason: `cannot read the directory: ${fsReason(error)}` };
    return;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const full = path.join(dir, name);
    let info;
    try {
      info = await stat(full);
    } catch (error) {
      yield { kind: 'failure', locator: full, reason: `cannot read: ${fsReason(error)}` };
      continue;
    }
    if (info.isDirectory()) {
      // A symlink to a directory could loop; only real subdirectories are walked.
      if ((await realpath(full)) === path.join(await realpath(dir), name)) yield* walk(full, root);
    } else if (info.isFile() && importable(name)) {
      if (root && !isInside(root, await realpath(full).catch(() => full))) {
        yield { kind: 'failure', locator: full, reason: `outside the import directory ${root} (IMPORT_FILE_ROOT): a symbolic link leads out of it` };
        continue;
      }
      yield { kind: 'file', locator: full };
    }
  }
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** One argument as a path the run may read, or the reason it may not. */
async function localPath(input: string, files: FileAccess): Promise<string | InputError> {
  if (files === 'none') {
    return new InputError('files can only be imported from the command line (IMPORT_FILE_ROOT is not set)');
  }
  if (files === 'any') return path.resolve(input);
  const root = await realpath(files.root).catch(() => path.resolve(files.root));
  const target = path.resolve(root, input);
  const real = await realpath(target).catch(() => target);
  if (!isInside(root, real)) return new InputError(`outside the import directory ${root} (IMPORT_FILE_ROOT)`);
  return target;
}

/**
 * Expands the arguments, in order, into the documents they name. Never throws for a bad
 * argument: it becomes a `failure` entry with its reason.
 */
export async function* expandInputs(inputs: readonly string[], files: FileAccess): AsyncGenerator<InputEntry> {
  for (const raw of inputs) {
    const input = raw.trim();
    if (!input) {
      yield { kind: 'failure', locator: raw, reason: 'an empty input' };
      continue;
    }
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(input)?.[1]?.toLowerCase();
    if (scheme === 'http' || scheme === 'https') {
      try {
        yield { kind: 'url', locator: parseHttpUrl(input).href };
      } catch (error) {
        yield { kind: 'failure', locator: input, reason: (error as Error).message };
      }
      continue;
    }
    // A single letter is a Windows drive (C:\…), not a scheme.
    if (scheme && scheme !== 'file' && scheme.length > 1) {
      yield { kind: 'failure', locator: input, reason: `unsupported scheme ${scheme}: (only http and https URLs, files and directories)` };
      continue;
    }
    let given = input;
    if (scheme === 'file') {
      try {
        given = fileURLToPath(input);
      } catch (error) {
        yield { kind: 'failure', locator: input, reason: `not a file URL: ${(error as Error).message}` };
        continue;
      }
    }
    const resolved = await localPath(given, files);
    if (resolved instanceof InputError) {
      yield { kind: 'failure', locator: input, reason: resolved.message };
      continue;
    }
    let info;
    try {
      info = await stat(resolved);
    } catch (error) {
      yield { kind: 'failure', locator: resolved, reason: `cannot read: ${fsReason(error)}` };
      continue;
    }
    if (info.isDirectory()) {
      let found = false;
      const root = typeof files === 'object' ? await realpath(files.root).catch(() => path.resolve(files.root)) : null;
      for await (const entry of walk(resolved, root)) {
        found = true;
        yield entry;
      }
      if (!found) {
        yield { kind: 'failure', locator: resolved, reason: `no importable files (${IMPORTABLE_EXTENSIONS.join(' ')}) in this directory` };
      }
    } else {
      yield { kind: 'file', locator: resolved };
    }
  }
}

/** Reads a file, refusing anything but a regular file of at most `maxBytes`. Throws an InputError. */
export async function readInputFile(file: string, maxBytes: number): Promise<RawDocument> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new InputError(`cannot read: ${fsReason(error)}`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new InputError('cannot read: not a regular file');
    if (info.size > maxBytes) throw new InputError(`too large: ${info.size} bytes, the limit is ${maxBytes}`);
    // Read at most one byte past the limit: the file may have grown since stat().
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw new InputError(`too large: more than ${maxBytes} bytes, the limit is ${maxBytes}`);
      if (length === buffer.length) break;
    }
    return { locator: file, url: null, bytes: new Uint8Array(buffer.subarray(0, length)), contentType: null, fetchedAt: new Date() };
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read: ${fsReason(error)}`);
  } finally {
    await handle.close();
  }
}

export const bytesHash = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A fetched URL, with what to store in FetchedResource once it has been imported. */
export type FetchedUrl =
  | { kind: 'document'; doc: RawDocument; remember: { url: string; validators: Validators; contentHash: string } }
  | { kind: 'unchanged' };

/**
 * Fetches a URL, conditionally when FetchedResource holds validators for it (`conditional: false`
 * fetches in full). Unchanged means a 304, or the same bytes as last time. Throws a FetchError.
 */
export async function fetchUrl(
  prisma: PrismaClient,
  fetcher: Fetcher,
  url: string,
  { conditional = true }: { conditional?: boolean } = {},
): Promise<FetchedUrl> {
  url = parseHttpUrl(url).href;
  const stored = conditional ? await prisma.fetchedResource.findUnique({ where: { url } }) : null;
  const result = await fetcher.fetchDocument(url, { validators: stored });
  if (result.kind === 'not-modified') return { kind: 'unchanged' };
  const contentHash = bytesHash(result.doc.bytes);
  if (stored?.contentHash === contentHash) {
    await rememberFetch(prisma, { url, validators: result.validators, contentHash });
    return { kind: 'unchanged' };
  }
  return { kind: 'document', doc: result.doc, remember: { url, validators: result.validators, contentHash } };
}

/**
 * Stores a URL's validators and content hash, for the next run's conditional request. The
 * importer calls it only once everything the document held was imported: a document with a
 * failed item is fetched in full again next time, so that the failure is retried.
 */
export async function rememberFetch(
  prisma: PrismaClient,
  { url, validators, contentHash }: { url: string; validators: Validators; contentHash: string },
): Promise<void> {
  const data = { etag: validators.etag, lastModified: validators.lastModified, contentHash, fetchedAt: new Date() };
  await prisma.fetchedResource.upsert({ where: { url }, create: { url, ...data }, update: data });
}
