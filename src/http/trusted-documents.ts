import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  Kind,
  parse,
  print,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  validate,
} from 'graphql';

// Trusted documents (persisted operations): the operations partner pages may send by hash alone.
// The manifest, trusted-documents.json at the repository root, is built from the documents in the
// repository by `npm run build:trusted-documents` (also run by `postinstall`) and committed; CI
// fails when it is not current. Its format is Apollo's persisted query manifest.

/** The files the manifest is built from, relative to the repository root. */
export const TRUSTED_DOCUMENT_SOURCES = [
  'src/http/graphiql/examples.graphql',
  'src/http/trusted-documents/partner.graphql',
  'src/http/trusted-documents/embed.graphql',
  'test/operations/bench.graphql',
] as const;

/** The source of the embed cards' documents: the only ones an embed key may run. */
export const EMBED_DOCUMENTS_SOURCE = 'src/http/trusted-documents/embed.graphql';

export const TRUSTED_DOCUMENTS_FILE = 'trusted-documents.json';

export interface TrustedDocumentsManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: { id: string; name: string; type: 'query'; body: string; source: string }[];
}

const ROOT = new URL('../../', import.meta.url);

/** The sha256 (hex) a client sends for a document's text, as in Apollo's `persistedQuery`. */
export function documentHash(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** One self-contained document per operation: the operation and the fragments it spreads. */
function splitOperations(document: DocumentNode) {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const result: { name: string; operation: DefinitionNode; document: DocumentNode }[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (!definition.name) throw new Error('Every trusted document must be a named operation');
    // Trusted documents are reads that partners fetch by hash with GET (cacheable, no CSRF risk);
    // a mutation among the sources (GraphiQL's editor example) is not one of them.
    if (definition.operation !== 'query') continue;
    const used = new Map<string, FragmentDefinitionNode>();
    const collect = (node: DefinitionNode) =>
      visit(node, {
        FragmentSpread(spread) {
          const fragment = fragments.get(spread.name.value);
          if (fragment && !used.has(fragment.name.value)) {
            used.set(fragment.name.value, fragment);
            collect(fragment);
          }
        },
      });
    collect(definition);
    result.push({
      name: definition.name.value,
      operation: definition,
      document: { kind: Kind.DOCUMENT, definitions: [definition, ...used.values()] },
    });
  }
  return result;
}

/** Builds the manifest from TRUSTED_DOCUMENT_SOURCES, validating every operation against `schema`. */
export function buildTrustedDocuments(schema: GraphQLSchema): TrustedDocumentsManifest {
  const operations: TrustedDocumentsManifest['operations'] = [];
  const names = new Set<string>();
  for (const source of TRUSTED_DOCUMENT_SOURCES) {
    const text = readFileSync(new URL(source, ROOT), 'utf8');
    for (const { name, document } of splitOperations(parse(text))) {
      if (names.has(name)) throw new Error(`${source}: operation name ${name} is used twice`);
      names.add(name);
      const errors = validate(schema, document);
      if (errors.length) throw new Error(`${source}: ${name}: ${errors.map((e) => e.message).join('; ')}`);
      const body = print(document);
      operations.push({ id: documentHash(body), name, type: 'query', body, source });
    }
  }
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}

/** The manifest's text as written to disk. */
export function serializeTrustedDocuments(manifest: TrustedDocumentsManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const readManifest = (file: URL) => JSON.parse(readFileSync(file, 'utf8')) as TrustedDocumentsManifest;

/** The committed manifest as a map from hash to document text. */
export function loadTrustedDocuments(file = new URL(TRUSTED_DOCUMENTS_FILE, ROOT)): Map<string, string> {
  return new Map(readManifest(file).operations.map((operation) => [operation.id, operation.body]));
}

/** The embed cards' documents in the committed manifest, as a map from operation name to hash. */
export function loadEmbedDocuments(file = new URL(TRUSTED_DOCUMENTS_FILE, ROOT)): Map<string, string> {
  const operations = readManifest(file).operations.filter((operation) => operation.source === EMBED_DOCUMENTS_SOURCE);
  return new Map(operations.map((operation) => [operation.name, operation.id]));
}
