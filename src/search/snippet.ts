import { type SearchQuery, textTokens } from './tokens.js';

// Snippets: the passage of a search hit that best shows why it matched, with the matched text
// marked. Computed in JavaScript from the same tokens as the index: ts_headline would parse the
// text with PostgreSQL's parser, which does not know our Han bigrams.

/** Which field of a hit a snippet was taken from. */
export type SearchField = 'TITLE' | 'BODY' | 'NAME' | 'SHORT_NAME' | 'ALIAS' | 'DESCRIPTION';

/** A field's text, in the order snippets prefer them on a tie. */
export interface SnippetSource {
  field: SearchField;
  text: string;
}

/** A marked stretch of a snippet's text: UTF-16 offsets, `end` exclusive. */
export interface Highlight {
  start: number;
  end: number;
}

export interface Snippet {
  field: SearchField;
  /** Plain text: a verbatim passage, whitespace runs shown as one space, `…` where it was cut. */
  text: string;
  highlights: Highlight[];
}

/** About two lines of Chinese. */
export const SNIPPET_LENGTH = 80;
/** How much text a snippet shows before its first match. */
const LEAD = 16;
const WORD_CHAR = /[\p{L}\p{N}]/u;
const HAN = /\p{Script=Han}/u;

interface Candidate {
  source: SnippetSource;
  start: number;
  end: number;
  /** Distinct query lexemes inside the window, then marked characters: higher is better. */
  score: [number, number];
}

function merge(spans: Highlight[]): Highlight[] {
  const merged: Highlight[] = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

const better = (a: [number, number], b: [number, number]) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

/** The best window of one field, or null when nothing of the query occurs in it. */
function bestWindow(source: SnippetSource, lexemes: ReadonlySet<string>): Candidate | null {
  const matches = textTokens(source.text).filter((token) => lexemes.has(token.lexeme));
  if (!matches.length) return null;
  let best: Candidate | null = null;
  // Enough anchors for any real passage; a one-character query in a long text has thousands.
  for (const anchor of matches.slice(0, 200)) {
    let start = Math.max(0, anchor.start - LEAD);
    const end = Math.min(source.text.length, start + SNIPPET_LENGTH);
    start = Math.max(0, Math.min(start, end - SNIPPET_LENGTH));
    const inside = matches.filter((token) => token.start >= start && token.end <= end);
    const marked = merge(inside).reduce((sum, span) => sum + span.end - span.start, 0);
    const score: [number, number] = [new Set(inside.map((token) => token.lexeme)).size, marked];
    if (!best || better(score, best.score)) best = { source, start, end, score };
  }
  return best;
}

const isWordChar = (char: string | undefined) => !!char && WORD_CHAR.test(char) && !HAN.test(char);
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Moves a cut point off the middle of a Latin word or a surrogate pair, within a few characters. */
function settle(text: string, at: number, direction: -1 | 1): number {
  let position = at;
  for (let steps = 0; steps < 12 && position > 0 && position < text.length; steps += 1) {
    if (!isWordChar(text[position - 1]) || !isWordChar(text[position])) break;
    position += direction;
  }
  if (position > 0 && position < text.length && isLowSurrogate(text.charCodeAt(position))) position += direction;
  return position;
}

/**
 * The snippet of a hit: the window of about {@link SNIPPET_LENGTH} characters, across its fields,
 * that holds the most distinct query lexemes (then the most marked text); earlier sources win
 * ties. Without any match (a row indexed before its text changed), the start of the first
 * non-empty field, unmarked.
 */
export function buildSnippet(sources: readonly SnippetSource[], query: Pick<SearchQuery, 'lexemes'>): Snippet {
  const lexemes = new Set(query.lexemes);
  let best: Candidate | null = null;
  for (const source of sources) {
    const candidate = bestWindow(source, lexemes);
    if (candidate && (!best || better(candidate.score, best.score))) best = candidate;
  }
  if (!best) {
    const source = sources.find((s) => s.text.trim()) ?? sources[0] ?? { field: 'TITLE', text: '' };
    best = { source, start: 0, end: Math.min(source.text.length, SNIPPET_LENGTH), score: [0, 0] };
  }
  const { text } = best.source;
  const start = settle(text, best.start, -1);
  const end = settle(text, best.end, 1);
  const spans = merge(
    textTokens(text.slice(start, end))
      .filter((token) => lexemes.has(token.lexeme))
      .map(({ start: s, end: e }) => ({ start: s, end: e })),
  );

  // Collapse whitespace, carrying the marked spans over to the new offsets.
  let out = start > 0 ? '…' : '';
  const map: number[] = [];
  const passage = text.slice(start, end);
  for (let i = 0; i < passage.length; i += 1) {
    map[i] = out.length;
    const char = passage[i]!;
    if (/\s/u.test(char)) {
      if (!/\s$/u.test(out) && out !== '' && out !== '…') out += ' ';
    } else {
      out += char;
    }
  }
  map[passage.length] = out.length;
  const trimmed = out.replace(/\s+$/u, '');
  const highlights = spans
    .map((span) => ({ start: map[span.start]!, end: Math.min(map[span.end]!, trimmed.length) }))
    .filter((span) => span.end > span.start);
  return { field: best.source.field, text: end < text.length ? `${trimmed}…` : trimmed, highlights };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The snippet as HTML: its text escaped, each highlight wrapped in `<mark>…</mark>`. */
export function snippetHtml(snippet: Snippet): string {
  const escape = (text: string) => text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
  let html = '';
  let at = 0;
  for (const { start, end } of snippet.highlights) {
    html += `${escape(snippet.text.slice(at, start))}<mark>${escape(snippet.text.slice(start, end))}</mark>`;
    at = end;
  }
  return html + escape(snippet.text.slice(at));
}
