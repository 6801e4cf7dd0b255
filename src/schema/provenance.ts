import { Article } from './article.js';
import { builder } from './builder.js';
import { connectionGuard } from './connections.js';

// Where an article's copies came from, and every version of its text. README "Import"
// has the rules: deduplication, the canonical copy, revisions.

builder.prismaObject('ArticleProvenance', {
  description:
    'One copy of an article as one source served it: a portal page, a feed entry, a partner push. The same story from two sources is one article with two provenance records.',
  fields: (t) => ({
    source: t.relation('source', { description: 'The source this copy came from.' }),
    originalUrl: t.exposeString('originalUrl', { nullable: true, description: 'The copy’s own address, where known.' }),
    locator: t.exposeString('locator', {
      description: 'Where the importer read it: a URL, `<feed URL>#<entry id>`, a file path, or `corpus:<file>` for the curated corpus. Editors and admins only.',
      authScopes: { editor: true },
    }),
    fetchedAt: t.expose('fetchedAt', { type: 'DateTime', description: 'When this content of the copy was fetched (importing it again unchanged does not move it).' }),
    contentHash: t.exposeString('contentHash', { description: 'sha256 of the text as this source served it, hex.' }),
    attribution: t.exposeString('attribution', { nullable: true, description: 'The credit line this copy printed, e.g. 凉都检察.' }),
    isCanonical: t.exposeBoolean('isCanonical', {
      description: 'Whether this is the canonical copy: the one whose text and source the article shows. At most one copy is (exactly one for articles created by an import or the corpus).',
    }),
  }),
});

builder.prismaObject('ArticleRevision', {
  description: 'One version of an article’s text. Every version is kept, the current one included (the highest number).',
  fields: (t) => ({
    number: t.exposeInt('number', { description: '1 for the first version, counting up.' }),
    title: t.exposeString('title', { description: 'The headline of this version.' }),
    bodyText: t.exposeString('bodyText', { description: 'The text of this version, blocks separated by blank lines.' }),
    contentHash: t.exposeString('contentHash', { description: 'sha256 of `bodyText`, hex.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When this version was stored.' }),
    importRun: t.relation('importRun', {
      nullable: true,
      description: 'The import run that stored it; null for versions written otherwise (the corpus loader, editors). Admins only.',
      authScopes: { admin: true },
    }),
  }),
});

builder.prismaObjectFields(Article, (t) => ({
  provenance: t.relation('provenances', {
    description: 'Every copy of the article the importer has seen, the canonical one first, then in the order they were stored.',
    query: { orderBy: [{ isCanonical: 'desc' }, { createdAt: 'asc' }, { id: 'asc' }] },
  }),
  revisions: t.relatedConnection('revisions', {
    description: 'Every version of its text, newest first. Editors and admins only.',
    cursor: 'id',
    ...connectionGuard('ArticleRevision'),
    totalCount: true,
    authScopes: { editor: true },
    query: { orderBy: [{ number: 'desc' }] },
  }),
}));
