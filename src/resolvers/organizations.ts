import type { ArticleOrganizationRole } from '../generated/prisma/enums.js';
import type { OrganizationArticlesPage } from '../loaders/organization-articles.js';
import { visibleArticleStatuses, type Viewer } from '../viewer.js';

/**
 * Splits the query Pothos plans for `Organization.articles` into the page (take, cursor) and the
 * nodes' selection, which the loader applies to every organization in the batch.
 */
export function organizationArticlesPage(
  query: { take?: number; skip?: number; cursor?: { id?: string } } & object,
  role: ArticleOrganizationRole | null,
  viewer: Viewer,
): OrganizationArticlesPage {
  const { take, skip: _skip, cursor, ...selection } = query;
  return {
    role,
    statuses: visibleArticleStatuses(viewer),
    take: take ?? 21,
    cursorId: cursor?.id ?? null,
    selection,
  };
}
