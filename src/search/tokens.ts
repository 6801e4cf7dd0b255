import { BadUserInputError } from '../domain/errors.js';

// Search tokens, shared by the write path (tsvector) and the read path (tsquery, snippets), so
// that a query is cut exactly the way the text was.
//
// Text is segmented with Intl.Segmenter('zh', { granularity: 'word' }). Each word-like segment
// is split into Han and non-Han pieces:
//   - a non-Han piece (Latin, digits, kana, …) is one lexeme, NFKC-normalised and lower-cased —
//     what PostgreSQL's 'simple' configuration does, without its parser (see `tsvectorLiteral`);
//   - consecutive Han pieces form a run (punctuation, spaces and non-Han words end it), and a run
//     is indexed as every character (unigram) and every pair of adjacent characters (bigram).
// A query run of two or more characters becomes the AND of its bigrams, a one-character run its
// unigram. Any stretch of Han text is therefore found inside any longer one — 检察 inside 检察院,
// 司法救助 inside 国家司法救助案件 — whatever word boundaries this Node's ICU data draws
// (it cuts 检察院 into 检察|院 and 六盘水 into 六|盘|水, and another version may not).
// Han words from the segmenter are not indexed on their own: one or two characters long they
// are the unigrams and bigrams already, and a longer one is matched by its bigrams.

/** Queries longer than this many characters are refused. */
export const MAX_QUERY_LENGTH = 200;

/** Only this many characters of a document are indexed (a tsvector holds at most 1 MB). */
export const MAX_INDEXED_CHARS = 50_000;

/** A longer non-Han word is cut to this many characters, on both sides alike. */
const MAX_WORD_LENGTH = 60;

/** PostgreSQL keeps at most 256 positions per lexeme, and clamps positions at 16383. */
const MAX_POSITIONS_PER_LEXEME = 256;
const MAX_POSITION = 16_383;

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
const HAN = /^\p{Script=Han}$/u;
const SEARCHABLE = /[\p{L}\p{N}]/u;

/** One lexeme found in a text, with where it came from (UTF-16 offsets, end exclusive). */
export interface Token {
  lexeme: string;
  start: number;
  end: number;
}

interface HanChar {
  char: string;
  start: number;
  end: number;
}

type Piece = { kind: 'word'; token: Token } | { kind: 'run'; chars: HanChar[] };

/** The words and Han runs of `text`, in order. */
function pieces(text: string): Piece[] {
  const result: Piece[] = [];
  let run: HanChar[] = [];
  const endRun = () => {
    if (run.length) result.push({ kind: 'run', chars: run });
    run = [];
  };
  for (const { segment, index, isWordLike } of segmenter.segment(text)) {
    if (!isWordLike) {
      endRun();
      continue;
    }
    let word = '';
    let wordStart = index;
    const endWord = (at: number) => {
      const lexeme = [...word.normalize('NFKC').toLowerCase()].slice(0, MAX_WORD_LENGTH).join('');
      if (SEARCHABLE.test(lexeme)) result.push({ kind: 'word', token: { lexeme, start: wordStart, end: at } });
      word = '';
    };
    let offset = index;
    for (const char of segment) {
      // NFKC folds compatibility ideographs and Kangxi radicals onto the unified characters.
      const folded = char.normalize('NFKC');
      if (HAN.test(folded)) {
        if (word) endWord(offset);
        run.push({ char: folded, start: offset, end: offset + char.length });
      } else {
        if (!word) {
          endRun();
          wordStart = offset;
        }
        word += char;
      }
      offset += char.length;
    }
    if (word) endWord(offset);
  }
  endRun();
  return result;
}

function unigrams(chars: HanChar[]): Token[] {
  return chars.map(({ char, start, end }) => ({ lexeme: char, start, end }));
}

function bigrams(chars: HanChar[]): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i + 1 < chars.length; i += 1) {
    tokens.push({ lexeme: chars[i]!.char + chars[i + 1]!.char, start: chars[i]!.start, end: chars[i + 1]!.end });
  }
  return tokens;
}

/** Every lexeme of a stored text, in order of position: words, and Han unigrams and bigrams. */
export function textTokens(text: string): Token[] {
  const tokens: Token[] = [];
  for (const piece of pieces(text)) {
    if (piece.kind === 'word') tokens.push(piece.token);
    else tokens.push(...unigrams(piece.chars), ...bigrams(piece.chars));
  }
  return tokens.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** One part of a query: all of its lexemes must occur in a document. */
export interface QueryTerm {
  /** The query text it came from, e.g. `司法救助` or `App`. */
  text: string;
  lexemes: string[];
}

/** A parsed search query. */
export interface SearchQuery {
  terms: QueryTerm[];
  /** Every lexeme of every term, once. */
  lexemes: string[];
  /** A `tsquery` literal: the AND of `lexemes`. */
  tsquery: string;
  /** The query as an exact title is compared with it: NFKC, lower case, single spaces. */
  exact: string;
}

/** `text` as an exact-match key: NFKC, lower case, whitespace runs as one space, trimmed. */
export function exactKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/**
 * Parses what a user typed into the search box.
 * @throws BadUserInputError when it is empty, blank, longer than {@link MAX_QUERY_LENGTH}
 *   characters, or has nothing searchable in it (only punctuation or symbols).
 */
export function parseSearchQuery(input: string): SearchQuery {
  if (!input.trim()) throw new BadUserInputError('"query" must not be empty', { argument: 'query' });
  if ([...input].length > MAX_QUERY_LENGTH) {
    throw new BadUserInputError(`"query" must be at most ${MAX_QUERY_LENGTH} characters`, { argument: 'query' });
  }
  const terms: QueryTerm[] = pieces(input).map((piece) => {
    if (piece.kind === 'word') return { text: input.slice(piece.token.start, piece.token.end), lexemes: [piece.token.lexeme] };
    const text = piece.chars.map((c) => c.char).join('');
    const tokens = piece.chars.length === 1 ? unigrams(piece.chars) : bigrams(piece.chars);
    return { text, lexemes: [...new Set(tokens.map((t) => t.lexeme))] };
  });
  const lexemes = [...new Set(terms.flatMap((term) => term.lexemes))];
  if (!lexemes.length) {
    throw new BadUserInputError('"query" has no words or characters to search for', { argument: 'query' });
  }
  return { terms, lexemes, tsquery: lexemes.map(quoteLexeme).join(' & '), exact: exactKey(input) };
}

/** A lexeme quoted for a tsvector or tsquery literal. */
export function quoteLexeme(lexeme: string): string {
  return `'${lexeme.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** tsvector weights: A ranks highest (titles, names), D lowest (bodies). */
export type SearchWeight = 'A' | 'B' | 'C' | 'D';

/** One field of a document, as it is indexed. */
export interface SearchDocumentField {
  text: string;
  weight: SearchWeight;
}

/**
 * A document as a `tsvector` literal: every lexeme with its positions and weights. Fields follow
 * one another, a position apart; a token's position is 1 + its field's offset + its UTF-16 offset.
 *
 * The literal is cast to tsvector as it is, rather than built by to_tsvector('simple', …): the
 * 'simple' configuration's parser would cut the lexemes again (e-mail → e-mail, e, mail), and how
 * it treats Han text depends on the database's locale, which differs between PGlite and servers.
 * Lower-casing without stemming or stop words — all that 'simple' does — happens here instead.
 */
export function tsvectorLiteral(fields: readonly SearchDocumentField[]): string {
  const positions = new Map<string, Map<number, SearchWeight>>();
  let base = 0;
  let budget = MAX_INDEXED_CHARS;
  for (const { text, weight } of fields) {
    if (budget <= 0) break;
    const indexed = text.length > budget ? text.slice(0, budget) : text;
    budget -= indexed.length;
    for (const token of textTokens(indexed)) {
      const position = Math.min(1 + base + token.start, MAX_POSITION);
      let entry = positions.get(token.lexeme);
      if (!entry) positions.set(token.lexeme, (entry = new Map()));
      if (entry.size < MAX_POSITIONS_PER_LEXEME && !entry.has(position)) entry.set(position, weight);
    }
    base += indexed.length + 1;
  }
  return [...positions]
    .map(([lexeme, entry]) => {
      const list = [...entry].map(([position, weight]) => (weight === 'D' ? `${position}` : `${position}${weight}`));
      return `${quoteLexeme(lexeme)}:${list.join(',')}`;
    })
    .join(' ');
}
