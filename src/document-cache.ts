/** What Yoga's parser and validation cache needs of a cache. */
export interface SourceKeyedCache<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
}

/**
 * An LRU cache keyed by GraphQL source text and bounded by the total length of those sources, not
 * only by the number of entries. Yoga's default keeps 1,024 parsed documents for an hour whatever
 * their size, and a document at the token limit parses into some 2.6 MB of AST: a thousand
 * distinct large documents, well within the rate limit, would hold gigabytes. Here a document
 * longer than `maxEntryChars` is parsed each time instead, and the oldest entries go once the
 * sources add up to `maxTotalChars`.
 */
export function createBoundedSourceCache<T>({
  maxEntries = 1_024,
  maxEntryChars = 20_000,
  maxTotalChars = 1_000_000,
} = {}): SourceKeyedCache<T> {
  const entries = new Map<string, T>();
  let totalChars = 0;
  return {
    get(key) {
      const value = entries.get(key);
      if (value !== undefined) {
        // Re-inserting keeps the Map in order of last use, oldest first.
        entries.delete(key);
        entries.set(key, value);
      }
      return value;
    },
    set(key, value) {
      if (key.length > maxEntryChars) return;
      if (entries.delete(key)) totalChars -= key.length;
      entries.set(key, value);
      totalChars += key.length;
      for (const oldest of entries.keys()) {
        if (totalChars <= maxTotalChars && entries.size <= maxEntries) break;
        entries.delete(oldest);
        totalChars -= oldest.length;
      }
    },
  };
}
