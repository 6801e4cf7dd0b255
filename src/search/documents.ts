import type { SearchField, SnippetSource } from './snippet.js';
import type { SearchDocumentField, SearchWeight } from './tokens.js';

// What each searchable model contributes to its search document, and with what weight. The
// index (refreshSearchVectors) and the snippets (the search resolver) both read it from here.

/** The models `search` covers. */
export type SearchModel = 'Article' | 'Organization' | 'Achievement';

export const SEARCH_MODELS: readonly SearchModel[] = ['Article', 'Organization', 'Achievement'];

/** The columns each model's search document is made of. */
export interface SearchableRow {
  Article: { title: string; bodyText: string };
  Organization: { name: string; shortName: string | null; aliases: string[]; description: string | null };
  Achievement: { title: string; description: string | null };
}

/** One field of a search document: indexed with `weight`, shown in snippets as `field`. */
export interface SearchFieldText extends SearchDocumentField, SnippetSource {}

const field = (name: SearchField, weight: SearchWeight, text: string | null): SearchFieldText[] =>
  text ? [{ field: name, weight, text }] : [];

/**
 * A row's search document, in index order: titles and names first (weight A, so that a title
 * match outranks any number of body matches), aliases B, bodies and descriptions D.
 */
export function searchDocument<M extends SearchModel>(model: M, row: SearchableRow[M]): SearchFieldText[] {
  switch (model) {
    case 'Article': {
      const article = row as SearchableRow['Article'];
      return [...field('TITLE', 'A', article.title), ...field('BODY', 'D', article.bodyText)];
    }
    case 'Organization': {
      const org = row as SearchableRow['Organization'];
      return [
        ...field('NAME', 'A', org.name),
        ...field('SHORT_NAME', 'A', org.shortName),
        ...org.aliases.flatMap((alias) => field('ALIAS', 'B', alias)),
        ...field('DESCRIPTION', 'D', org.description),
      ];
    }
    default: {
      const achievement = row as SearchableRow['Achievement'];
      return [...field('TITLE', 'A', achievement.title), ...field('DESCRIPTION', 'D', achievement.description)];
    }
  }
}

/** Snippet sources of a document: running text first, so that it wins a tie with a title. */
export function snippetSources(document: readonly SearchFieldText[]): SnippetSource[] {
  const running = (f: SearchFieldText) => f.field === 'BODY' || f.field === 'DESCRIPTION';
  return [...document.filter(running), ...document.filter((f) => !running(f))];
}
