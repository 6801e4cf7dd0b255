// The layers of src/, top to bottom. A module may import its own layer and the layers below it,
// never one above: `npm run check:layers` (run by CI) fails on a back-edge. test/architecture.test.ts
// proves the check catches one.
const LAYERS = [
  // [name, modules, a module's path in it (for test/architecture.test.ts)]
  // listens; opens the database. src/gateway/ is a program of its own (`npm run gateway`, the
  // federation gateway), at the same level: see the rule `gateway-is-its-own-program` below.
  ['entry', '^src/(server|startup)\\.ts$|^src/gateway/', 'src/server.ts'],
  ['http', '^src/http/', 'src/http/yoga.ts'], // the Yoga server, its plugins and limits
  ['schema', '^src/schema/', 'src/schema/index.ts'], // the GraphQL schema, declarative
  ['resolvers', '^src/(resolvers|loaders|compiled)/|^src/context\\.ts$', 'src/resolvers/search.ts'], // business logic, data access
  ['jobs', '^src/jobs/', 'src/jobs/queue.ts'], // background jobs (imports) on BullMQ, and their worker
  ['auth', '^src/auth/', 'src/auth/viewer.ts'], // keys, credentials, the viewer, the access policy
  ['ingest', '^src/ingest/', 'src/ingest/import.ts'], // importing content, the corpus
  ['store', '^src/store/', 'src/store/articles.ts'], // the one write path of each entity
  ['search', '^src/search/', 'src/search/vectors.ts'], // search vectors, tokens, snippets
  ['db', '^src/db/', 'src/db/client.ts'], // the Prisma client, migrations, SQL helpers
  ['observability', '^src/observability/', 'src/observability/log.ts'], // the structured log and the metrics registry
  ['domain', '^src/(domain|generated)/', 'src/domain/errors.ts'], // rules everything may use; the generated client
];

const forbidden = LAYERS.flatMap(([name, path], rank) =>
  rank === 0
    ? []
    : [
        {
          name: `no-import-up-from-${name}`,
          comment: `${name} may import only its own layer and the ones below it`,
          severity: 'error',
          from: { path },
          to: { path: LAYERS.slice(0, rank).map(([, above]) => `(${above})`).join('|') },
        },
      ],
);

module.exports = {
  forbidden: [
    ...forbidden,
    {
      name: 'gateway-is-its-own-program',
      comment: 'the federation gateway (src/gateway/) and the service are separate programs: neither imports the other',
      severity: 'error',
      from: { pathNot: '^src/gateway/' },
      to: { path: '^src/gateway/' },
    },
    {
      name: 'gateway-does-not-import-the-server',
      comment: 'the gateway reaches the service over HTTP only; it may reuse the http layer and below',
      severity: 'error',
      from: { path: '^src/gateway/' },
      to: { path: '^src/(server|startup)\\.ts$' },
    },
    {
      name: 'no-tooling-in-product',
      comment: 'src/ never imports scripts, tests or benchmarks',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(scripts|test|bench)/' },
    },
    {
      name: 'every-module-has-a-layer',
      comment: 'a new top-level module of src/ must be given a layer above',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map(([, path]) => `(${path})`).join('|') },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};

// For test/architecture.test.ts; not enumerable, since dependency-cruiser refuses unknown keys.
Object.defineProperty(module.exports, 'layers', { value: LAYERS, enumerable: false });
