import { readableArticleWhere } from '../auth/scope.js';
import { builder } from './builder.js';
import { connectionGuard } from './connections.js';
import { SourceKindEnum } from './enums.js';

builder.prismaNode('Source', {
  // Not limited by partner scopes: a source is a portal or feed, not an organization's content.
  // Its articles are (see src/auth/scope.ts).
  description: 'Where content was federated from: a portal, a WeChat account, a feed or a partner.',
  id: { field: 'id' },
  // node(id:) answers null for an ID that matches nothing, as Relay expects.
  nullable: true,
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Stable identifier.' }),
    name: t.exposeString('name', { description: 'The source’s name.' }),
    kind: t.expose('kind', { type: SourceKindEnum, description: 'What kind of source.' }),
    url: t.exposeString('url', { nullable: true, description: 'Its home page or feed URL, where known.' }),
    attributionText: t.exposeString('attributionText', {
      nullable: true,
      description: 'How content from this source is to be credited.',
    }),
    articles: t.relatedConnection('articles', {
      description: 'Articles gathered from this source that the viewer can read, newest first.',
      cursor: 'id',
      totalCount: true,
      query: (_args, ctx) => ({
        where: readableArticleWhere(ctx.viewer),
        orderBy: [{ publishedAt: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }],
      }),
      ...connectionGuard('Article'),
    }),
  }),
});
