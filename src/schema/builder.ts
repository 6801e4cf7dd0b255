import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ZodPlugin from '@pothos/plugin-zod';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import { GraphQLScalarType } from 'graphql';
import { DateResolver, DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { Context } from '../context.js';
import { BadUserInputError, ForbiddenError, UnauthenticatedError } from '../domain/errors.js';
import { canReadOrganization } from '../auth/scope.js';
import { decodeGlobalId, encodeGlobalId } from '../domain/global-id.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/paging.js';
import '../compiled/plugin.js';
import './connections.js';


const pageSize = (arg: 'first' | 'last') => ({
  description: `How many items to return: ${DEFAULT_PAGE_SIZE} when omitted, at most ${MAX_PAGE_SIZE}.`,
  validate: {
    int: true,
    min: [0, { message: `"${arg}" must not be negative` }] as [number, { message: string }],
    max: [MAX_PAGE_SIZE, { message: `"${arg}" must be at most ${MAX_PAGE_SIZE}` }] as [number, { message: string }],
  },
});

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  // `organization`: the viewer may read this organization (partner scopes, src/auth/scope.ts).
  AuthScopes: { public: boolean; partner: boolean; editor: boolean; admin: boolean; organization: string };
  Scalars: {
    ID: { Input: string; Output: string };
    Date: { Input: Date; Output: Date };
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  // Compiled reads (src/compiled/plugin.ts) wrap plugin-prisma, inside scope-auth and zod: a
  // compiled field is authorized and its arguments validated exactly as on the Prisma path.
  // Federation (src/schema/federation.ts) goes after the plugins that wrap resolvers, as its docs ask.
  plugins: [ScopeAuthPlugin, ZodPlugin, 'compiledReads', PrismaPlugin, RelayPlugin, 'connections', DirectivesPlugin, FederationPlugin],
  // graphql-tools (codegen's printer) reads directives keyed by name.
  directives: { useGraphQLToolsUnorderedDirectives: true },
  defaultFieldNullability: false,
  scopeAuth: {
    // Subscriptions are authorized once, when they are opened (importRunFinished: admins only).
    authorizeOnSubscribe: true,
    // From the viewer resolved once in createContext. `editor` means editors and up.
    authScopes: ({ viewer }) => ({
      public: true,
      partner: viewer.kind === 'partner',
      editor: viewer.kind === 'editor' || viewer.kind === 'admin',
      admin: viewer.kind === 'admin',
      // Unscoped viewers may read every organization: a constant, so their checks cost nothing.
      organization: viewer.organizationScopeId ? (id: string) => canReadOrganization(viewer, id) : true,
    }),
    // A field refused by its scopes: anonymous callers are asked to authenticate (401), everyone
    // else is refused (403). Fields that must look absent instead declare an unauthorizedResolver
    // (every field that checks `organization` does: null, as for a missing row).
    unauthorizedError: (_parent, context) =>
      context.viewer.kind === 'anonymous'
        ? new UnauthenticatedError('This operation needs a credential: present a token whose role allows it')
        : new ForbiddenError('Your credential does not allow this operation'),
  },
  prisma: {
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    defaultConnectionSize: DEFAULT_PAGE_SIZE,
    maxConnectionSize: MAX_PAGE_SIZE,
    // A resolver that forgets to spread `...query` loses the selection plan and causes N+1.
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'error',
  },
  relay: {
    cursorType: 'String',
    idFieldOptions: { description: 'Globally unique, opaque ID: pass it to `node(id:)` to fetch this object again.' },
    nodeTypeOptions: { description: 'An object with a globally unique ID (Relay Global Object Identification).' },
    nodeQueryOptions: {
      description: 'Any object by its global ID; null when there is none the viewer can read.',
      args: { id: { description: 'A global ID, as returned in any `id` field.' } },
    },
    nodesQueryOptions: {
      description: 'Several objects by global ID, in the order asked; null for each one not found.',
      args: { ids: { description: 'Global IDs, as returned in `id` fields.' } },
    },
    // Every subgraph with connections may define PageInfo too (federation).
    pageInfoTypeOptions: { description: 'Where a page sits in its connection.', shareable: true },
    hasNextPageFieldOptions: { description: 'Whether more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether items precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first item on this page.' },
    endCursorFieldOptions: { description: 'Cursor of the last item on this page: pass it as `after` for the next page.' },
    pageInfoFieldOptions: { description: 'Paging information.' },
    edgesFieldOptions: { nullable: false, description: 'The items on this page, each with its cursor.' },
    nodeFieldOptions: { description: 'The item.' },
    cursorFieldOptions: { description: 'Opaque position of this item, for `after` and `before`.' },
    defaultConnectionTypeOptions: { description: 'A page of items (Relay connection).' },
    defaultEdgeTypeOptions: { description: 'One item of a page, with its cursor.' },
    afterArgOptions: { description: 'Return items after this cursor (from `pageInfo.endCursor` of this same connection).' },
    beforeArgOptions: { description: 'Return items before this cursor (from `pageInfo.startCursor` of this same connection).' },
    clientMutationId: 'omit',
    firstArgOptions: pageSize('first'),
    lastArgOptions: pageSize('last'),
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: decodeGlobalId,
  },
  zod: {
    // One message per failing field, and the same list by path in `extensions.fields` so that a
    // form can put each message next to its input.
    validationError: (error) =>
      new BadUserInputError(error.issues.map((i) => i.message).join('; '), {
        fields: error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      }),
  },
});

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// graphql-scalars parses and validates input; Date values from the database serialize directly
// (its general-purpose serializer was a measurable share of a list's CPU time).
builder.addScalarType(
  'Date',
  new GraphQLScalarType({
    ...DateResolver.toConfig(),
    serialize: (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : DateResolver.serialize(value)),
  }),
  { description: 'A calendar date, `YYYY-MM-DD`.' },
);
builder.addScalarType(
  'DateTime',
  new GraphQLScalarType({
    ...DateTimeResolver.toConfig(),
    // Compiled reads hand over the string toISOString() would have written (src/compiled/compile.ts).
    serialize: (value) =>
      value instanceof Date ? value.toISOString() : typeof value === 'string' && ISO_UTC.test(value) ? value : DateTimeResolver.serialize(value),
  }),
  { description: 'A point in time, ISO 8601 with a UTC offset.' },
);

builder.addScalarType('JSONObject', JSONObjectResolver, {
  description: 'A JSON object, e.g. a snapshot of a row: field names to values (dates as ISO 8601 strings).',
});

builder.queryType({ description: 'Read access to report series, their articles, organizations and achievements.' });
builder.subscriptionType({
  description:
    'Live content: events of committed writes, over Server-Sent Events (POST /graphql with `Accept: text/event-stream`). Each event is loaded for you, under your own visibility. See docs/live.md.',
});
builder.mutationType({
  description:
    'Editorial writes, for editors and admins. Each runs in one transaction, checks the `expectedVersion` the client read (CONFLICT when the entity changed meanwhile), and writes an audit entry.',
});
