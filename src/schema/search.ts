import { queryFromInfo } from '@pothos/plugin-prisma';
import { resolveCursorConnection } from '@pothos/plugin-relay';
import {
  countSearchHits,
  decodeSearchCursor,
  encodeSearchCursor,
  loadSearchNodes,
  type SearchHit,
  type SearchScope,
  searchHits,
} from '../resolvers/search.js';
import { type SearchModel, SEARCH_MODELS } from '../search/documents.js';
import { type Highlight, type Snippet, snippetHtml, SNIPPET_LENGTH } from '../search/snippet.js';
import { MAX_QUERY_LENGTH, parseSearchQuery } from '../search/tokens.js';
import { Achievement } from './achievement.js';
import { Article } from './article.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/paging.js';
import { builder } from './builder.js';
import { Organization } from './organization.js';

const SearchTypeEnum = builder.enumType('SearchType', {
  description: 'A kind of object `search` can find.',
  values: {
    ARTICLE: { value: 'Article', description: 'Articles, by title and body text.' },
    ORGANIZATION: { value: 'Organization', description: 'Organizations, by name, short name, aliases and description.' },
    ACHIEVEMENT: { value: 'Achievement', description: 'Achievements, by title and description.' },
  } as const,
});

const SearchFieldEnum = builder.enumType('SearchField', {
  description: 'The field of a search hit that a snippet was taken from.',
  values: {
    TITLE: { description: 'An article’s or achievement’s title.' },
    BODY: { description: 'An article’s body text.' },
    NAME: { description: 'An organization’s full name.' },
    SHORT_NAME: { description: 'An organization’s short name.' },
    ALIAS: { description: 'One of an organization’s aliases.' },
    DESCRIPTION: { description: 'An organization’s or achievement’s description.' },
  } as const,
});

const SearchHighlight = builder.objectRef<Highlight>('SearchHighlight').implement({
  description: 'A stretch of a snippet’s `text` that matches the query.',
  fields: (t) => ({
    start: t.exposeInt('start', { description: 'Where it starts in `text`, in UTF-16 code units (a JavaScript string index).' }),
    end: t.exposeInt('end', { description: 'Where it ends in `text` (exclusive), in UTF-16 code units.' }),
  }),
});

const SearchSnippet = builder.objectRef<Snippet>('SearchSnippet').implement({
  description: `The passage of a hit that best shows why it matched: about ${SNIPPET_LENGTH} characters of one field, with the matching text marked.`,
  fields: (t) => ({
    field: t.field({ type: SearchFieldEnum, description: 'The field it was taken from.', resolve: (s) => s.field }),
    text: t.exposeString('text', {
      description: 'Plain text, verbatim but for whitespace runs shown as one space; `…` marks where the field was cut.',
    }),
    html: t.string({
      description: '`text` as HTML: escaped, with each highlight wrapped in `<mark>…</mark>`. Safe to insert as markup.',
      resolve: (s) => snippetHtml(s),
    }),
    highlights: t.field({
      type: [SearchHighlight],
      description: 'The stretches of `text` that match the query, in order, not overlapping.',
      resolve: (s) => s.highlights,
    }),
  }),
});

// Search rows come back from three findMany calls; this remembers which model each row is.
const rowModels = new WeakMap<object, SearchModel>();

const SearchResult = builder.unionType('SearchResult', {
  description: 'Something `search` found: an article, an organization or an achievement.',
  types: [Article, Organization, Achievement],
  resolveType: (row) => rowModels.get(row) ?? null,
});

builder.queryField('search', (t) =>
  t.connection(
    {
      type: SearchResult,
      description:
        'Full-text search over articles (title, body), organizations (names, aliases, description) and achievements (title, description), best match first. Chinese text is matched by character pairs, so a word is found inside longer compounds (检察 finds 检察院); Latin words match whole, case-insensitively; all parts of the query must match. An exact title or name match ranks first. Finds only what the viewer can read: published articles (editors also drafts), and for a partner key limited to an organization subtree, only content in that subtree.',
      args: {
        query: t.arg.string({
          required: true,
          description: `What to look for, e.g. \`司法救助\` or \`App 检察\`: 1 to ${MAX_QUERY_LENGTH} characters, not blank.`,
        }),
        types: t.arg({
          type: [SearchTypeEnum],
          required: false,
          description: 'Only find these kinds of object; all of them when omitted or empty.',
        }),
      },
      resolve: async (_root, args, ctx, info) => {
        const types: readonly SearchModel[] = args.types?.length ? [...new Set(args.types)] : SEARCH_MODELS;
        const scope: SearchScope = { query: parseSearchQuery(args.query), types, viewer: ctx.viewer };
        // Checked before any SQL runs; an empty string is no cursor either.
        const after = args.after != null ? decodeSearchCursor(scope, args.after, 'after') : undefined;
        const before = args.before != null ? decodeSearchCursor(scope, args.before, 'before') : undefined;
        const nodeQuery = (typeName: SearchModel) => () =>
          queryFromInfo({ context: ctx, info, typeName, path: ['edges', 'node'] });
        let nodes: Awaited<ReturnType<typeof loadSearchNodes>> = new Map();
        const page = await resolveCursorConnection<Promise<SearchHit[]>>(
          {
            args,
            defaultSize: DEFAULT_PAGE_SIZE,
            maxSize: MAX_PAGE_SIZE,
            toCursor: (hit: SearchHit) => encodeSearchCursor(scope, hit),
          },
          async ({ limit, inverted }) => {
            const hits = await searchHits(ctx.prisma, scope, { after, before, limit, inverted });
            nodes = await loadSearchNodes(ctx.prisma, ctx.viewer, hits.slice(0, limit - 1), {
              Article: nodeQuery('Article'),
              Organization: nodeQuery('Organization'),
              Achievement: nodeQuery('Achievement'),
            });
            return hits;
          },
        );
        // A hit whose row went away (or out of sight) since it was ranked is left out of the page.
        const edges = page.edges.flatMap(({ cursor, node: hit }) => {
          const found = nodes.get(`${hit.model}:${hit.id}`);
          if (!found) return [];
          rowModels.set(found.row, found.model);
          return [{ cursor, node: found.row, rank: hit.rank, snippet: hit.snippet }];
        });
        return { pageInfo: page.pageInfo, edges, totalCount: () => countSearchHits(ctx.prisma, scope) };
      },
    },
    {
      name: 'SearchConnection',
      description: 'A page of search hits, best first.',
      fields: (c) => ({
        totalCount: c.int({
          description: 'How many hits the search has, across all pages.',
          resolve: (connection) => connection.totalCount(),
        }),
      }),
    },
    {
      name: 'SearchEdge',
      description: 'One search hit: the object found, how well it matched, and the passage that matched.',
      fields: (e) => ({
        rank: e.float({
          description:
            'Relevance, higher first: PostgreSQL `ts_rank` scaled into [0, 1) (titles and names weigh most), plus 1 for an exact title or name match.',
          resolve: (edge) => edge.rank,
        }),
        snippet: e.field({
          type: SearchSnippet,
          description: 'The passage that best shows the match, with the matching text marked.',
          resolve: (edge) => edge.snippet,
        }),
      }),
    },
  ),
);
