import { LRUCache } from 'lru-cache';

/**
 * An LRU cache keyed by GraphQL source text and bounded by the total length of those sources, not
 * only by the number of entries. Yoga's default keeps 1,024 parsed documents for an hour whatever
 * their size, and a document at the token limit parses into some 2.6 MB of AST: a thousand
 * distinct large documents, well within the rate limit, would hold gigabytes. Here a document
 * longer than `maxEntryChars` is parsed each time instead, and the least recently used entries go
 * once the sources add up to `maxTotalChars`.
 */
export function createBoundedSourceCache<T extends {}>({
  maxEntries = 1_024,
  maxEntryChars = 20_000,
  maxTotalChars = 1_000_000,
} = {}): LRUCache<string, T> {
  return new LRUCache<string, T>({
    max: maxEntries,
    maxSize: maxTotalChars,
    maxEntrySize: maxEntryChars,
    // lru-cache wants a positive size; the empty source counts as one character.
    sizeCalculation: (_value, key) => Math.max(1, key.length),
  });
}
