import { describe, expect, it } from 'vitest';
import { searchDocument, snippetSources } from '../src/search/documents.js';
import { buildSnippet, SNIPPET_LENGTH, snippetHtml } from '../src/search/snippet.js';
import {
  exactKey,
  MAX_QUERY_LENGTH,
  parseSearchQuery,
  textTokens,
  tsvectorLiteral,
} from '../src/search/tokens.js';

const lexemes = (text: string) => textTokens(text).map((token) => token.lexeme);
const words = (text: string) => [...new Intl.Segmenter('zh', { granularity: 'word' }).segment(text)].map((s) => s.segment);

function badInput(run: () => unknown) {
  try {
    run();
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
  return 'no error';
}

describe('search tokens', () => {
  it('indexes a Han run as its characters and each pair of adjacent characters', () => {
    expect(lexemes('检察院')).toEqual(['检', '检察', '察', '察院', '院']);
    const [bigram] = textTokens('在检察院').filter((token) => token.lexeme === '检察');
    expect(bigram).toEqual({ lexeme: '检察', start: 1, end: 3 });
  });

  it('finds 司法救助 inside 国家司法救助案件, however this ICU version cuts the words', () => {
    // This Node's segmenter: 国家|司法|救助|案件. The bigrams do not depend on it.
    const indexed = new Set(lexemes('办理国家司法救助案件25件41人'));
    const query = parseSearchQuery('司法救助');
    expect(query.lexemes).toEqual(['司法', '法救', '救助']);
    expect(query.lexemes.every((lexeme) => indexed.has(lexeme))).toBe(true);
  });

  it('finds a word inside a compound that the segmenter keeps whole', () => {
    // Not cut by the segmenter: a word-based index would miss 法院 and 时代 here.
    expect(words('人民法院')).toEqual(['人民法院']);
    expect(words('新时代')).toEqual(['新时代']);
    for (const [word, compound] of [['法院', '人民法院'], ['时代', '新时代'], ['检察', '检察院']] as const) {
      const indexed = new Set(lexemes(compound));
      expect(parseSearchQuery(word).lexemes.every((lexeme) => indexed.has(lexeme)), word).toBe(true);
    }
  });

  it('matches every stretch of Han text inside the text it was taken from', () => {
    const text = '乘风破浪!六盘水市钟山区人民检察院脱“薄弱”争先进';
    const indexed = new Set(lexemes(text));
    for (const run of ['乘风破浪', '六盘水市钟山区人民检察院', '薄弱', '争先进']) {
      for (let start = 0; start < run.length; start += 1) {
        for (let end = start + 1; end <= run.length; end += 1) {
          const query = parseSearchQuery(run.slice(start, end));
          expect(query.lexemes.every((lexeme) => indexed.has(lexeme)), run.slice(start, end)).toBe(true);
        }
      }
    }
  });

  it('does not pair characters across punctuation or Latin words', () => {
    expect(lexemes('检察，院')).not.toContain('察院');
    expect(lexemes('检察App院')).toEqual(['检', '检察', '察', 'app', '院']);
  });

  it('lower-cases and NFKC-folds Latin words and digits, and keeps them whole', () => {
    expect(lexemes('ＡＰＰ App e-mail don’t 4.5% ＡＢＣ１２３')).toEqual(['app', 'app', 'e', 'mail', 'don’t', '4.5', 'abc123']);
  });

  it('turns a query into the AND of its words and bigrams', () => {
    const query = parseSearchQuery('App 检察');
    expect(query.terms).toEqual([
      { text: 'App', lexemes: ['app'] },
      { text: '检察', lexemes: ['检察'] },
    ]);
    expect(query.tsquery).toBe("'app' & '检察'");
    expect(parseSearchQuery('4+1').lexemes).toEqual(['4', '1']);
    expect(parseSearchQuery('院').lexemes).toEqual(['院']);
    expect(parseSearchQuery('检察 检察院').lexemes).toEqual(['检察', '察院']);
  });

  it('quotes lexemes, so that operators and quotes in a query are plain text', () => {
    expect(parseSearchQuery("it's a\\b").tsquery).toBe("'it''s' & 'a' & 'b'");
    expect(parseSearchQuery("'; DROP TABLE x; -- & | ! :*").tsquery).toBe("'drop' & 'table' & 'x'");
    expect(tsvectorLiteral([{ text: "it's", weight: 'A' }])).toBe("'it''s':1A");
  });

  it('rejects an empty, blank, over-long or unsearchable query as BAD_USER_INPUT', () => {
    expect(badInput(() => parseSearchQuery(''))).toBe('BAD_USER_INPUT');
    expect(badInput(() => parseSearchQuery(' \t\u3000\n'))).toBe('BAD_USER_INPUT');
    expect(badInput(() => parseSearchQuery('检'.repeat(MAX_QUERY_LENGTH + 1)))).toBe('BAD_USER_INPUT');
    expect(badInput(() => parseSearchQuery('！？…'))).toBe('BAD_USER_INPUT');
    expect(badInput(() => parseSearchQuery('检'.repeat(MAX_QUERY_LENGTH)))).toBe('no error');
    // Characters, not UTF-16 units: 200 characters outside the BMP are fine.
    expect(badInput(() => parseSearchQuery('𠀀'.repeat(MAX_QUERY_LENGTH)))).toBe('no error');
  });

  it('weights and places each field of a document in the tsvector', () => {
    expect(
      tsvectorLiteral([
        { text: '检察', weight: 'A' },
        { text: '检察', weight: 'D' },
      ]),
    ).toBe("'检':1A,4 '检察':1A,4 '察':2A,5");
  });

  it('keeps at most 256 positions per lexeme and no position above 16383', () => {
    const literal = tsvectorLiteral([{ text: '检 '.repeat(20_000), weight: 'D' }]);
    const positions = literal.replace(/^'检':/, '').split(',').map(Number);
    expect(positions).toHaveLength(256);
    expect(Math.max(...positions)).toBeLessThanOrEqual(16_383);
  });

  it('compares exact titles by NFKC, case and collapsed whitespace', () => {
    expect(exactKey('  Ｔhe  钟山\u3000检察 ')).toBe('the 钟山 检察');
  });
});

describe('search snippets', () => {
  const body = `${'前文。'.repeat(40)}办理国家司法救助案件25件41人、发放救助金52.2万元，切实为民解忧。${'后文。'.repeat(40)}`;

  it('marks the matched text in the passage with the most of the query', () => {
    const snippet = buildSnippet(snippetSources(searchDocument('Article', { title: '标题', bodyText: body })), parseSearchQuery('司法救助'));
    expect(snippet.field).toBe('BODY');
    expect(snippet.text.startsWith('…')).toBe(true);
    expect(snippet.text.endsWith('…')).toBe(true);
    expect(snippet.text.length).toBeLessThanOrEqual(SNIPPET_LENGTH + 2);
    const marked = snippet.highlights.map(({ start, end }) => snippet.text.slice(start, end));
    expect(marked).toContain('司法救助');
    expect(snippetHtml(snippet)).toContain('<mark>司法救助</mark>');
  });

  it('prefers the field that holds more of the query, and the body on a tie', () => {
    const doc = searchDocument('Article', { title: '钟山检察 App 上线', bodyText: '检察工作。' });
    expect(buildSnippet(snippetSources(doc), parseSearchQuery('App 检察')).field).toBe('TITLE');
    expect(buildSnippet(snippetSources(doc), parseSearchQuery('检察')).field).toBe('BODY');
  });

  it('escapes HTML in the text and collapses whitespace', () => {
    const snippet = buildSnippet([{ field: 'BODY', text: '<b>检察</b> &\n\n  "院"' }], parseSearchQuery('检察'));
    expect(snippet.text).toBe('<b>检察</b> & "院"');
    expect(snippetHtml(snippet)).toBe('&lt;b&gt;<mark>检察</mark>&lt;/b&gt; &amp; &quot;院&quot;');
  });
});
