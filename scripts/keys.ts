// Partner API keys, publishable embed keys and editor/admin tokens, in DATABASE_URL, else in the
// embedded PGlite:
//   npm run keys -- create --kind partner|embed|editor|admin --name NAME [--expires 2027-01-01]
//                          [--organization SLUG] [--origin https://partner.example ...]
//   npm run keys -- list
//   npm run keys -- revoke KEYID
// `create` prints the secret once; it cannot be shown again. Bad arguments exit with 2.
import { parseArgs } from 'node:util';
import type { Console } from 'node:console';
import { type CliIo, isEntryPoint, runAsScript, runCommand, UsageError } from './cli.js';
import { isKeyId } from '../src/auth/keys.js';
import { databaseConfigFromEnv, openDatabase, type Database } from '../src/db/client.js';
import type { CredentialKind } from '../src/generated/prisma/enums.js';
import { migrateDatabase } from '../src/db/migrations.js';
import {
  createCredential,
  CredentialInputError,
  listCredentials,
  revokeCredential,
  type CreateCredentialInput,
} from '../src/auth/credentials.js';

const USAGE = `Usage:
  npm run keys -- create --kind partner|embed|editor|admin --name NAME [--expires YYYY-MM-DD]
                         [--organization SLUG] [--origin https://… (repeatable)]
                         [--trusted-documents-only]
  npm run keys -- list
  npm run keys -- revoke KEYID

--organization and --origin are for partner and embed keys: the organization subtree the key may
read, and the browser origins it may be used from. An embed key is publishable (it goes into
partner pages' HTML), needs at least one --origin (the sites that may frame its cards) and runs
only the embed cards (docs/embeds.md).`;


const KINDS: Record<string, CredentialKind> = { partner: 'PARTNER', embed: 'EMBED', editor: 'EDITOR', admin: 'ADMIN' };

/** An origin as browsers send it: scheme, host and port, nothing else. */
function parseOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--origin "${value}" is not a URL`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== value.replace(/\/$/, '')) {
    throw new UsageError(`--origin "${value}" must be an origin such as https://partner.example (no path)`);
  }
  return url.origin;
}

function parseExpiry(value: string): Date {
  const date = /^\d{4}-\d{2}-\d{2}(T.+)?$/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--expires "${value}" is not a date such as 2027-01-01`);
  if (date.getTime() <= Date.now()) throw new UsageError(`--expires "${value}" is not in the future`);
  return date;
}

function parseCreate(args: string[]): CreateCredentialInput {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        kind: { type: 'string' },
        name: { type: 'string' },
        expires: { type: 'string' },
        organization: { type: 'string' },
        origin: { type: 'string', multiple: true },
        'trusted-documents-only': { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const kind = values.kind ? KINDS[values.kind.toLowerCase()] : undefined;
  if (!kind) throw new UsageError(values.kind ? `--kind must be partner, embed, editor or admin, not "${values.kind}"` : '--kind is required');
  if (!values.name?.trim()) throw new UsageError('--name is required');
  if ((kind === 'EDITOR' || kind === 'ADMIN') && (values.organization || values.origin || values['trusted-documents-only'])) {
    throw new UsageError('--organization, --origin and --trusted-documents-only are for partner and embed keys only');
  }
  if (kind === 'EMBED' && !values.origin?.length) {
    throw new UsageError('An embed key needs --origin: the partner site whose pages may frame the cards');
  }
  if (kind === 'EMBED' && values['trusted-documents-only']) {
    throw new UsageError('--trusted-documents-only is implied for embed keys: they run only the cards');
  }
  return {
    kind,
    name: values.name,
    expiresAt: values.expires ? parseExpiry(values.expires) : null,
    organizationSlug: values.organization ?? null,
    allowedOrigins: (values.origin ?? []).map(parseOrigin),
    trustedDocumentsOnly: values['trusted-documents-only'] ?? false,
  };
}

async function withDatabase<T>(env: NodeJS.ProcessEnv, run: (db: Database) => Promise<T>): Promise<T> {
  const config = databaseConfigFromEnv(env);
  const db = await openDatabase(config);
  try {
    // The embedded database is brought up to date, as the server does on start.
    if (config.kind === 'pglite') await migrateDatabase(db);
    return await run(db);
  } finally {
    await db.close();
  }
}

const day = (date: Date | null) => (date ? date.toISOString().slice(0, 16).replace('T', ' ') : '-');

async function run(argv: string[], io: CliIo, console: Console): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'create': {
      const input = parseCreate(args);
      const created = await withDatabase(io.env, (db) => createCredential(db.prisma, input));
      if (input.kind === 'EMBED') {
        console.log(`Created embed key ${created.keyId} for "${input.name.trim()}" (${input.allowedOrigins!.join(', ')}).`);
        console.log('It is publishable: it goes into your pages as key= in a card or oEmbed URL, for example');
        console.log('');
        console.log(`  /embed/article/SLUG?key=${created.secret}`);
        console.log(`  /oembed?url=<card URL>&key=${created.secret}`);
        console.log('');
        console.log('It runs only the embed cards, only in pages of the origins above. See docs/embeds.md.');
        return 0;
      }
      const what = input.kind === 'PARTNER' ? 'API key' : 'token';
      console.log(`Created ${input.kind.toLowerCase()} ${what} ${created.keyId} for "${input.name.trim()}".`);
      console.log('The secret is shown this once; store it now:');
      console.log('');
      console.log(`  ${created.secret}`);
      console.log('');
      console.log('Send it as `Authorization: Bearer <secret>` or `x-api-key: <secret>`.');
      return 0;
    }
    case 'list': {
      if (args.length) throw new UsageError('list takes no arguments');
      const credentials = await withDatabase(io.env, (db) => listCredentials(db.prisma));
      if (!credentials.length) {
        console.log('No keys or tokens.');
        return 0;
      }
      const now = Date.now();
      console.table(
        credentials.map((c) => ({
          keyId: c.keyId,
          kind: c.kind.toLowerCase(),
          name: c.name,
          status: c.revokedAt ? 'revoked' : c.expiresAt && c.expiresAt.getTime() <= now ? 'expired' : 'active',
          organization: c.organizationSlug ?? '-',
          origins: c.allowedOrigins.join(' ') || '-',
          trustedOnly: c.trustedDocumentsOnly ? 'yes' : '-',
          created: day(c.createdAt),
          expires: day(c.expiresAt),
          lastUsed: day(c.lastUsedAt),
        })),
      );
      return 0;
    }
    case 'revoke': {
      if (args.length !== 1 || !isKeyId(args[0]!)) throw new UsageError('revoke takes one key id (16 hex digits, as `list` shows)');
      const keyId = args[0]!;
      const revoked = await withDatabase(io.env, (db) => revokeCredential(db.prisma, keyId));
      console.log(revoked ? `Revoked ${keyId}: it is refused from now on.` : `${keyId} was already revoked.`);
      return 0;
    }
    default:
      throw new UsageError(command ? `Unknown command "${command}"` : 'No command given');
  }
}

/** `npm run keys -- …`: writes to `io` and returns the exit code (2 for bad arguments). */
export function main(argv: string[], io: CliIo): Promise<number> {
  return runCommand(run, argv, io, USAGE, [CredentialInputError]);
}

if (isEntryPoint(import.meta.url)) runAsScript(main);
