import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectFormat, parseDocument } from '../src/ingest/formats.js';
import { partnerJsonSchema } from '../src/ingest/partner-json.js';
import { parsePortalText } from '../src/ingest/portal-text.js';
import type { ImportedArticle, ParsedDocument, RawDocument } from '../src/ingest/types.js';
import { blocksToText, contentHash, normalizedHash, normalizeForHash } from '../src/domain/article-body.js';

const FIXTURES = new URL('./fixtures/import/', import.meta.url);
const CORPUS = new URL('../data/corpus/liupanshui-procurators-50.txt', import.meta.url);
const FETCHED_AT = new Date('2026-01-02T03:04:05Z');

function fixture(name: string): Uint8Array {
  return readFileSync(new URL(name, FIXTURES));
}

function raw(bytes: Uint8Array | string, overrides: Partial<RawDocument> = {}): RawDocument {
  return {
    locator: '/imports/page.bin',
    url: null,
    bytes: typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes,
    contentType: null,
    fetchedAt: FETCHED_AT,
    ...overrides,
  };
}

function parseFixture(name: string, overrides: Partial<RawDocument> = {}): ParsedDocument {
  return parseDocument(raw(fixture(name), { locator: `/imports/${name}`, ...overrides }));
}

function onlyArticle(result: ParsedDocument): ImportedArticle {
  expect(result.failures).toEqual([]);
  expect(result.articles).toHaveLength(1);
  return result.articles[0]!;
}

function onlyFailure(result: ParsedDocument): string {
  expect(result.articles).toEqual([]);
  expect(result.failures).toHaveLength(1);
  return result.failures[0]!.reason;
}

const CHROME = ['当前位置', '您的位置', '首页', '字体', '打印', '关闭窗口', '责任编辑', '编辑：', '版权所有', '相关文章', '热门文章', 'ICP', '联系电话', '分享到', '本文采摘于网络'];

function expectNoChrome(article: ImportedArticle) {
  for (const chrome of CHROME) expect(article.bodyText).not.toContain(chrome);
}

function expectConsistent(article: ImportedArticle) {
  expect(article.bodyText).toBe(blocksToText(article.blocks));
  expect(article.contentHash).toBe(contentHash(article.bodyText));
  expect(article.normalizedHash).toBe(normalizedHash(article.bodyText));
  expect(article.fetchedAt).toBe(FETCHED_AT);
}

const corpusText = readFileSync(CORPUS, 'utf8');

describe('parseDocument on portal text pages', () => {
  it('reads the corpus page exactly as parsePortalText does, with the fetched URL as source and original address', () => {
    const article = onlyArticle(
      parseDocument(raw(corpusText, { locator: 'https://www.example.cn/showinfo-2-10183-0.html', url: 'https://www.example.cn/showinfo-2-10183-0.html', contentType: 'text/plain; charset=utf-8' })),
    );
    const page = parsePortalText(corpusText);
    expect(article).toMatchObject({
      title: page.title,
      series: { title: '中国凉都——六盘水检察人系列报道', episode: 50 },
      blocks: page.blocks,
      bodyText: page.bodyText,
      contentHash: page.contentHash,
      attribution: '凉都检察',
      originalPath: '/showinfo-2-10183-0.html',
      originalUrl: 'https://www.example.cn/showinfo-2-10183-0.html',
      category: '国内资讯',
      source: { name: 'www.example.cn', kind: 'PORTAL', url: 'https://www.example.cn/' },
      language: 'zh-CN',
      publishedAt: null,
      organizations: [],
    });
    expectConsistent(article);
  });

  it('reads a series line that uses | with a 当前位置 breadcrumb, a meta line with font controls, and drops the footer', () => {
    const result = parseFixture('text-series-pipe.txt');
    expect(result.format).toBe('PORTAL_TEXT');
    const article = onlyArticle(result);
    expect(article.series).toEqual({ title: '青川风采——石岭检察人系列报道', episode: 12 });
    expect(article.title).toBe('石岭区检察院：守护一方碧水青山');
    expect(article.category).toBe('检察动态');
    expect(article.publishedAt).toEqual(new Date('2022-08-16T09:30:00+08:00'));
    expect(article.attribution).toBe('石岭检察');
    expect(article.source).toEqual({ name: 'unknown portal', kind: 'PORTAL', url: null });
    expect(article.blocks.at(-1)?.text).toBe('“守护好一方碧水青山，是检察机关的职责所在。”该院检察长说。');
    expect(article.blocks.filter((block) => block.kind === 'HEADING').map((block) => block.text)).toEqual([
      '以“诉前磋商”打开局面。',
      '以“跟进监督”确保实效。',
    ]);
    expectNoChrome(article);
    expectConsistent(article);
  });

  it('reports a text file cut inside its last character as truncated', () => {
    expect(onlyFailure(parseFixture('text-truncated.txt'))).toMatch(/^truncated: the file ends in the middle of a UTF-8 character \(after \d+ bytes\)$/);
  });

  it('reports a text page that ends mid-sentence with no footer as truncated, and reads the same page when it is complete', () => {
    expect(onlyFailure(parseFixture('text-cut-mid-sentence.txt'))).toBe(
      'truncated: the text ends in the middle of a sentence ("…队伍建设、深化检务公开等方面下功夫，推动") with no footer after it',
    );
    const complete = `${new TextDecoder().decode(fixture('text-cut-mid-sentence.txt'))}高质量发展。`;
    expect(onlyArticle(parseDocument(raw(complete, { locator: '/imports/complete.txt' }))).title).toBe('石岭区检察院召开年度工作推进会');
  });

  it('reports a page with no title or no body with the text rules’ reason', () => {
    expect(onlyFailure(parseDocument(raw('1. 首页 > 国内资讯\n\n联系我们', { locator: '/imports/chrome.txt' })))).toMatch(/has no title/);
    expect(onlyFailure(parseDocument(raw('', { locator: '/imports/empty.txt' })))).toBe('the document is empty');
  });
});

describe('parseDocument on portal HTML pages', () => {
  it('finds the article in a government CMS page: subtitle series line, h1 outside the body, info line, TRS body', () => {
    const article = onlyArticle(parseFixture('portal-trs.html'));
    expect(article.title).toBe('一院一品 擦亮“石岭检察”品牌');
    expect(article.series).toEqual({ title: '青川风采——石岭检察人系列报道', episode: 103 });
    expect(article.category).toBe('检察动态');
    expect(article.publishedAt).toEqual(new Date('2023-06-08T09:30:00+08:00'));
    expect(article.attribution).toBe('石岭检察');
    expect(article.tags).toEqual(['石岭检察', '系列报道', '公益诉讼']);
    expect(article.blocks).toEqual([
      { kind: 'PARAGRAPH', text: '近年来，青川市石岭区人民检察院立足法律监督职能，以“一院一品”建设为抓手，推动各项检察工作提质增效，“石岭检察”品牌影响力不断提升。' },
      { kind: 'HEADING', text: '打造公益诉讼品牌。' },
      { kind: 'PARAGRAPH', text: expect.stringMatching(/^该院围绕辖区河湖保护.*相关做法被省级检察机关转发推广。$/) },
      { kind: 'HEADING', text: '打造未检工作品牌。' },
      { kind: 'PARAGRAPH', text: expect.stringMatching(/^该院组建“青苗”未成年人检察团队.*帮教成功率达百分之百。$/) },
      { kind: 'PARAGRAPH', text: '下一步，石岭区检察院将持续深化“一院一品”建设，以高质量检察履职服务辖区高质量发展。' },
    ]);
    expectNoChrome(article);
    expectConsistent(article);
  });

  it('reads an HTML5 page: series in a 【】 title prefix, breadcrumb list, byline date, h2 headings and list items', () => {
    const article = onlyArticle(parseFixture('portal-article.html'));
    expect(article.title).toBe('石岭区检察院：让司法救助温暖每一位困难群众');
    expect(article.series).toEqual({ title: '青川检察人系列报道', episode: 20 });
    expect(article.category).toBe('系列报道');
    expect(article.publishedAt).toEqual(new Date('2023-03-15T01:30:00Z'));
    expect(article.attribution).toBe('石岭检察');
    expect(article.source).toEqual({ name: 'www.qcjc.example.cn', kind: 'PORTAL', url: 'https://www.qcjc.example.cn/' });
    expect(article.originalUrl).toBe('https://www.qcjc.example.cn/news/2023/0315/20.html');
    expect(article.blocks.map((block) => block.kind)).toEqual([
      'PARAGRAPH', 'HEADING', 'PARAGRAPH', 'HEADING', 'PARAGRAPH', 'LIST_ITEM', 'LIST_ITEM', 'LIST_ITEM', 'PARAGRAPH',
    ]);
    expect(article.blocks[1]).toEqual({ kind: 'HEADING', text: '主动排查救助线索' });
    expect(article.bodyText).not.toContain('青川检察网');
    expect(article.bodyText).not.toContain('2023年3月15日');
    expectNoChrome(article);
    expectConsistent(article);
  });

  it('takes the source and original address from the fetched URL over the canonical link', () => {
    const article = onlyArticle(parseFixture('portal-article.html', { url: 'https://mirror.example.org/a/20.html', contentType: 'text/html' }));
    expect(article.source).toEqual({ name: 'mirror.example.org', kind: 'PORTAL', url: 'https://mirror.example.org/' });
    expect(article.originalUrl).toBe('https://mirror.example.org/a/20.html');
  });

  it('decodes a GB2312-declared page as GB18030 and reads its table layout and <br>-separated body', () => {
    const article = onlyArticle(parseFixture('portal-gbk.html'));
    expect(article.title).toBe('石岭区检察院开展“检察开放日”活动');
    expect(article.category).toBe('工作动态');
    expect(article.publishedAt).toEqual(new Date('2021-06-08T00:00:00+08:00'));
    expect(article.attribution).toBe('青川市石岭区人民检察院');
    expect(article.blocks).toHaveLength(4);
    expect(article.blocks[0]).toEqual({
      kind: 'PARAGRAPH',
      text: '6月8日，石岭区人民检察院举办“检察开放日”活动，邀请人大代表、政协委员、人民监督员及群众代表共30余人走进检察机关，零距离感受检察工作。',
    });
    expectNoChrome(article);
  });

  it('reads the GBK page the same when only the HTTP header declares the charset', () => {
    const bytes = fixture('portal-gbk.html');
    const withoutMeta = new TextDecoder('latin1').decode(bytes).includes('charset=gb2312')
      ? Uint8Array.from(Buffer.from(Buffer.from(bytes).toString('latin1').replace('; charset=gb2312', ''), 'latin1'))
      : bytes;
    expect(Buffer.from(withoutMeta).includes('charset')).toBe(false);
    const fromHeader = onlyArticle(parseDocument(raw(withoutMeta, { locator: 'https://x.example.cn/1.html', url: 'https://x.example.cn/1.html', contentType: 'text/html; charset=GBK' })));
    expect(fromHeader.bodyText).toBe(onlyArticle(parseFixture('portal-gbk.html')).bodyText);
  });

  it('reports a page that declares utf-8 but is GBK, naming the declaration and what the bytes look like', () => {
    expect(onlyFailure(parseFixture('html-misdeclared.html'))).toMatch(
      /^encoding: its <meta charset> declares charset "utf-8", but the bytes are not utf-8 \(the first invalid byte is at offset \d+\): the bytes look like GBK\/GB18030 Chinese text$/,
    );
  });

  it('reports a list page with no article in it', () => {
    expect(onlyFailure(parseFixture('html-no-article.html'))).toBe('no article found in the page');
  });

  it('reports a page cut before its article ends as truncated', () => {
    expect(onlyFailure(parseFixture('html-truncated.html'))).toBe(
      'truncated: the page ends before the article does (<div class="TRS_Editor"> is never closed, and there is no </body> or </html>)',
    );
  });

  it('reports a page that ends inside a tag as truncated', () => {
    const cut = `${new TextDecoder().decode(fixture('portal-trs.html')).split('<div class="editor">')[0]}<div class="edi`;
    expect(onlyFailure(parseDocument(raw(cut, { locator: '/imports/cut.html' })))).toBe('truncated: the page ends inside a tag');
  });

  it('keeps the path of a disclaimer printed outside the article region', () => {
    const html = `<html><body><div class="content"><h1>标题</h1><p>${'正文内容很长。'.repeat(10)}</p></div>
      <div class="foot"><p>本文采摘于网络,不代表本站立场,转载联系作者并注明出处:/showinfo-2-77-0.html</p></div></body></html>`;
    const article = onlyArticle(parseDocument(raw(html, { locator: '/imports/d.html' })));
    expect(article.originalPath).toBe('/showinfo-2-77-0.html');
    expect(article.bodyText).toBe('正文内容很长。'.repeat(10));
  });

  it('takes the original address and the source from an absolute URL in the disclaimer when the page has no URL', () => {
    const html = `<html><body><h1>标题</h1><div class="content"><p>${'正文内容很长。'.repeat(10)}</p>
      <p>本文采摘于网络,不代表本站立场,转载联系作者并注明出处:https://www.example.cn/showinfo-2-77-0.html</p></div></body></html>`;
    const article = onlyArticle(parseDocument(raw(html, { locator: '/imports/d.html' })));
    expect(article.originalUrl).toBe('https://www.example.cn/showinfo-2-77-0.html');
    expect(article.source.name).toBe('www.example.cn');
  });
});

describe('the corpus story republished by another portal', () => {
  const corpus = onlyArticle(parseDocument(raw(corpusText, { locator: '/imports/corpus.txt' })));
  const republished = onlyArticle(parseFixture('corpus-republished.html'));

  it('reads the other portal’s chrome: a —— subtitle series line with ｜, a 日期 meta line, 您的位置 breadcrumb', () => {
    expect(republished.title).toBe('乘风破浪！六盘水市钟山区人民检察院脱“薄弱”争先进');
    expect(republished.series).toEqual({ title: '中国凉都——六盘水检察人系列报道', episode: 50 });
    expect(republished.category).toBe('检察风采');
    expect(republished.publishedAt).toEqual(new Date('2022-11-02T10:30:00+08:00'));
    expect(republished.attribution).toBe('凉都检察');
    expect(republished.blocks.map((block) => block.kind)).toEqual(corpus.blocks.map((block) => block.kind));
    expectNoChrome(republished);
  });

  it('hashes differently as served but equal once normalized', () => {
    expect(republished.contentHash).not.toBe(corpus.contentHash);
    expect(republished.normalizedHash).toBe(corpus.normalizedHash);
  });
});

describe('normalizedHash', () => {
  const body = parsePortalText(corpusText).bodyText;
  const fullWidth = body.replace(/[!-~]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0));

  it('is equal for the corpus text and a full-width version of it (digits and letters too)', () => {
    expect(fullWidth).not.toBe(body);
    expect(fullWidth).toContain('１９８８年５月');
    expect(normalizedHash(fullWidth)).toBe(normalizedHash(body));
  });

  it('is equal when spacing, indentation and paragraph breaks differ', () => {
    const respaced = body.replace(/\n\n/g, '\n').replace(/，/g, '， ').replace(/^/gm, '\u3000\u3000');
    expect(normalizedHash(respaced)).toBe(normalizedHash(body));
    expect(normalizedHash(body.replace(/\n\n/g, ''))).toBe(normalizedHash(body));
  });

  it('is equal when one copy keeps a trailing credit, in brackets or as a 来源 line, or an end mark', () => {
    for (const suffix of ['(凉都检察)', '（凉都检察）', '\n\n来源：凉都检察', '（完）', '(凉都检察)\n\n(完)']) {
      expect(normalizedHash(body + suffix), suffix).toBe(normalizedHash(body));
    }
  });

  it('differs when a word differs, and is not fooled by text that only looks like punctuation', () => {
    expect(normalizedHash(body.replace('位列全市第二', '位列全市第三'))).not.toBe(normalizedHash(body));
    expect(normalizedHash(body.replace('52.2万元', '52.3万元'))).not.toBe(normalizedHash(body));
    expect(normalizedHash('甲乙')).not.toBe(normalizedHash('乙甲'));
  });

  it('keeps only letters and numbers, NFKC-folded and lower-cased', () => {
    expect(normalizeForHash('Ａｂ，ｃ１２！\u3000“引号”')).toBe('abc12引号');
  });
});

describe('parseDocument on feeds', () => {
  it('makes an RSS item with content:encoded an article and a summary-only item a page to fetch', () => {
    const result = parseFixture('feed-rss.xml');
    expect(result.format).toBe('RSS');
    expect(result.failures).toEqual([]);
    expect(result.articles).toHaveLength(1);
    const article = result.articles[0]!;
    expect(article).toMatchObject({
      locator: '/imports/feed-rss.xml#qcjc-series-21',
      title: '石岭区检察院：“数字检察”赋能法律监督',
      series: { title: '青川检察人系列报道', episode: 21 },
      originalUrl: 'https://www.qcjc.example.cn/news/2023/0412/21.html',
      publishedAt: new Date('2023-04-12T10:00:00+08:00'),
      category: '系列报道',
      tags: ['系列报道', '数字检察'],
      attribution: '石岭检察',
      source: { name: '青川检察网 - 系列报道', kind: 'FEED', url: 'https://www.qcjc.example.cn/series/' },
    });
    expect(article.blocks.map((block) => block.kind)).toEqual(['PARAGRAPH', 'HEADING', 'PARAGRAPH', 'HEADING', 'PARAGRAPH']);
    expect(article.bodyText.endsWith('实现“办理一案、治理一片”。')).toBe(true);
    expectConsistent(article);
    expect(result.pagesToFetch).toEqual([
      {
        locator: '/imports/feed-rss.xml#qcjc-series-22',
        url: 'https://www.qcjc.example.cn/news/2023/0520/22.html',
        entry: {
          title: '青川检察人系列报道之二十二｜石岭区检察院：做实“高质效办好每一个案件”',
          publishedAt: new Date('2023-05-20T09:00:00+08:00'),
          tags: ['系列报道'],
          category: '系列报道',
          source: { name: '青川检察网 - 系列报道', kind: 'FEED', url: 'https://www.qcjc.example.cn/series/' },
          attribution: null,
        },
      },
    ]);
  });

  it('reads Atom entries with html and xhtml content, and makes a summary-only entry a page to fetch', () => {
    const result = parseFixture('feed-atom.xml');
    expect(result.format).toBe('ATOM');
    expect(result.failures).toEqual([]);
    expect(result.articles.map((article) => article.title)).toEqual(['石岭区检察院召开未成年人检察工作座谈会', '石岭区检察院开展“检察护企”专项行动']);
    const [html, xhtml] = result.articles as [ImportedArticle, ImportedArticle];
    expect(html).toMatchObject({
      locator: '/imports/feed-atom.xml#tag:sl.qcjc.example.cn,2023:wjzt',
      publishedAt: new Date('2023-06-30T15:00:00+08:00'),
      attribution: '石岭检察',
      category: '未成年人检察',
      source: { name: '石岭检察', kind: 'FEED', url: 'https://sl.qcjc.example.cn/' },
    });
    expect(html.blocks).toHaveLength(2);
    expect(xhtml.publishedAt).toEqual(new Date('2023-06-20T10:00:00+08:00'));
    expect(xhtml.blocks[1]?.text).toBe('行动中，该院走访辖区企业26家，收集法律需求41条，办理涉企案件17件，为企业挽回损失230余万元。');
    expect(result.pagesToFetch.map((page) => page.url)).toEqual(['https://sl.qcjc.example.cn/2023/06/08/kfr.html']);
  });

  it('reports broken XML with the parser’s line and column', () => {
    const result = parseFixture('feed-broken.xml');
    expect(result.format).toBe('RSS');
    expect(onlyFailure(result)).toBe(
      "broken XML at line 10, column 5: Expected closing tag 'item' (opened in line 6, col 5) instead of closing tag 'channel'.",
    );
  });

  it('reports a feed cut before its end as truncated', () => {
    const text = new TextDecoder().decode(fixture('feed-rss.xml'));
    const reason = onlyFailure(parseDocument(raw(text.slice(0, text.indexOf('<item>', 500)), { locator: '/imports/cut.xml' })));
    expect(reason).toMatch(/^truncated: the XML ends before its root element is closed \(no <\/rss> at the end; the parser stopped at line \d+/);
  });

  it('reports an entry without a link or a title on its own and keeps the others', () => {
    const feed = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://t.example.cn/</link>
      <item><title>有链接</title><link>/a/1.html</link><guid>g1</guid><description>摘要</description></item>
      <item><guid>g2</guid><description>没有标题和链接</description></item>
      <item><title>没有链接</title></item>
      <item><title>链接不是网址</title><link>mailto:someone@example.cn</link><guid>g4</guid></item>
    </channel></rss>`;
    const result = parseDocument(raw(feed, { locator: 'https://t.example.cn/rss.xml', url: 'https://t.example.cn/rss.xml' }));
    expect(result.failures).toEqual([
      { locator: 'https://t.example.cn/rss.xml#g2', reason: 'the feed item has no title and no link' },
      { locator: 'https://t.example.cn/rss.xml#entry 3', reason: 'the feed item has no link' },
      { locator: 'https://t.example.cn/rss.xml#g4', reason: 'the entry\'s link "mailto:someone@example.cn" is not an http(s) address' },
    ]);
    expect(result.pagesToFetch.map((page) => page.url)).toEqual(['https://t.example.cn/a/1.html']);
  });

  it('reports an entry whose content has no text and keeps the others', () => {
    const feed = `<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>
      <entry><title>空内容</title><link href="https://f.example.cn/1"/><id>e1</id><content type="html">&lt;p&gt; &lt;/p&gt;</content></entry>
      <entry><title>有内容</title><link href="https://f.example.cn/2"/><id>e2</id><content type="text">第一段文字。</content></entry>
    </feed>`;
    const result = parseDocument(raw(feed, { locator: '/imports/f.atom' }));
    expect(result.failures).toEqual([
      { locator: '/imports/f.atom#e1', reason: 'the entry\'s content cannot be read: The page has no body: nothing follows the title "空内容"' },
    ]);
    expect(result.articles.map((article) => article.blocks)).toEqual([[{ kind: 'PARAGRAPH', text: '第一段文字。' }]]);
  });

  it('reports XML that is not a feed', () => {
    expect(onlyFailure(parseDocument(raw('<?xml version="1.0"?><urlset><url/></urlset>', { locator: '/imports/sitemap.xml' })))).toBe(
      'not a feed: the root element is <urlset>, expected RSS 2.0 <rss> or Atom <feed>',
    );
  });
});

describe('parseDocument on partner JSON', () => {
  it('reads each article with its blocks or its text, series, dates, tags and organizations', () => {
    const result = parseFixture('partner-valid.json');
    expect(result.format).toBe('PARTNER_JSON');
    expect(result.failures).toEqual([]);
    const [first, second] = result.articles as [ImportedArticle, ImportedArticle];
    expect(first).toMatchObject({
      locator: '/imports/partner-valid.json#fz-2023-0412',
      source: { name: '青川法治在线', kind: 'PARTNER', url: 'https://fz.qc.example.cn/' },
      originalUrl: 'https://fz.qc.example.cn/a/2023/0412.html',
      series: { title: '青川检察人系列报道', episode: 21 },
      publishedAt: new Date('2023-04-12T02:00:00Z'),
      category: '系列报道',
      tags: ['数字检察', '法律监督'],
      attribution: '石岭检察',
      organizations: [
        { name: '青川市石岭区人民检察院', role: 'SUBJECT' },
        { name: '青川市人民检察院', role: 'MENTIONED' },
      ],
    });
    expect(first.blocks.map((block) => block.kind)).toEqual(['PARAGRAPH', 'HEADING', 'PARAGRAPH', 'LIST_ITEM', 'LIST_ITEM']);
    expectConsistent(first);
    expect(second.publishedAt).toEqual(new Date('2023-06-08T00:00:00+08:00'));
    expect(second.blocks.map((block) => block.kind)).toEqual(['PARAGRAPH', 'PARAGRAPH']);
    expect(second.attribution).toBeNull();
  });

  it('reports an article that fails the schema with each issue, and imports the others', () => {
    const result = parseFixture('partner-invalid-item.json');
    expect(result.articles.map((article) => article.locator)).toEqual(['/imports/partner-invalid-item.json#fz-ok-1', '/imports/partner-invalid-item.json#fz-ok-3']);
    expect(result.failures).toHaveLength(1);
    const failure = result.failures[0]!;
    expect(failure.locator).toBe('/imports/partner-invalid-item.json#fz-bad-2');
    expect(failure.reason).toMatch(/^article 2 fails the partner schema: /);
    for (const part of ['title: Too small', 'publishedAt: Invalid input', 'body.0.kind: Invalid option', '(root): Unrecognized key: "editor"']) {
      expect(failure.reason).toContain(part);
    }
  });

  it('requires exactly one of body and text', () => {
    const doc = { version: 1, source: { name: 'P' }, articles: [{ title: '两者都有', text: '正文。', body: [{ kind: 'PARAGRAPH', text: '正文。' }] }, { title: '都没有' }] };
    const result = parseDocument(raw(JSON.stringify(doc), { locator: '/imports/p.json' }));
    expect(result.failures.map((failure) => failure.reason)).toEqual([
      'article 1 fails the partner schema: body: give exactly one of body (blocks) or text (paragraphs separated by blank lines)',
      'article 2 fails the partner schema: body: give exactly one of body (blocks) or text (paragraphs separated by blank lines)',
    ]);
  });

  it('reports truncated JSON', () => {
    const text = new TextDecoder().decode(fixture('partner-valid.json'));
    expect(onlyFailure(parseDocument(raw(text.slice(0, 400), { locator: '/imports/p.json' })))).toMatch(/^truncated or malformed JSON: /);
  });

  it('reports an envelope that fails the schema as a whole', () => {
    const doc = { version: 2, source: { name: 'P' }, articles: [] };
    expect(onlyFailure(parseDocument(raw(JSON.stringify(doc), { locator: '/imports/p.json' })))).toBe(
      'the document fails the partner schema: version: Invalid input: expected 1; articles: Too small: expected array to have >=1 items',
    );
  });

  it('has its JSON Schema committed as generated from the zod schema (UPDATE_SCHEMAS=1 rewrites it)', () => {
    const path = new URL('../schemas/partner-articles.schema.json', import.meta.url);
    const generated = `${JSON.stringify(partnerJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(path, generated);
    expect(readFileSync(path, 'utf8'), 'schemas/partner-articles.schema.json is stale: run UPDATE_SCHEMAS=1 npx vitest run test/import-formats.test.ts').toBe(generated);
    expect(partnerJsonSchema()).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      required: ['version', 'source', 'articles'],
      additionalProperties: false,
    });
  });
});

describe('format detection', () => {
  const html = new TextEncoder().encode('<!doctype html><html><body><p>x</p></body></html>');

  it('goes by the Content-Type first, then the extension, then the first bytes', () => {
    expect(detectFormat({ locator: '/a.txt', url: null, contentType: 'text/html; charset=utf-8', bytes: html })).toBe('PORTAL_HTML');
    expect(detectFormat({ locator: '/a.txt', url: null, contentType: null, bytes: html })).toBe('PORTAL_TEXT');
    expect(detectFormat({ locator: '/a', url: null, contentType: null, bytes: html })).toBe('PORTAL_HTML');
    expect(detectFormat({ locator: 'https://x.cn/feed', url: null, contentType: 'application/atom+xml', bytes: html })).toBe('ATOM');
    expect(detectFormat({ locator: 'https://x.cn/a.json?x=1', url: null, contentType: null, bytes: html })).toBe('PARTNER_JSON');
    expect(detectFormat({ locator: '/a', url: null, contentType: 'application/octet-stream', bytes: new TextEncoder().encode('<?xml version="1.0"?>\n<feed>') })).toBe('ATOM');
    expect(detectFormat({ locator: '/a', url: null, contentType: null, bytes: new TextEncoder().encode(' {"version":1}') })).toBe('PARTNER_JSON');
    expect(detectFormat({ locator: '/a', url: null, contentType: null, bytes: new TextEncoder().encode('标题\n\n正文') })).toBe('PORTAL_TEXT');
  });

  it('reads a feed or JSON that the server labels text/html or text/plain by its first bytes', () => {
    const rss = new TextEncoder().encode('<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>');
    expect(detectFormat({ locator: '/a', url: null, contentType: 'text/html; charset=utf-8', bytes: rss })).toBe('FEED');
    expect(detectFormat({ locator: '/a', url: null, contentType: 'text/plain', bytes: new TextEncoder().encode('<rss version="2.0">') })).toBe('RSS');
    expect(detectFormat({ locator: '/a', url: null, contentType: 'text/plain', bytes: new TextEncoder().encode('{"version":1}') })).toBe('PARTNER_JSON');
    expect(detectFormat({ locator: '/a', url: null, contentType: 'text/html', bytes: new TextEncoder().encode('{"version":1}') })).toBe('PORTAL_HTML');
  });

  it('never throws: bytes that are nothing report a reason', () => {
    const noise = Uint8Array.from({ length: 64 }, (_, index) => (index * 151 + 7) % 256);
    for (const locator of ['/n.html', '/n.txt', '/n.xml', '/n.json', '/n']) {
      const result = parseDocument(raw(noise, { locator }));
      expect(result.articles).toEqual([]);
      expect(result.failures).toHaveLength(1);
      expect(result.failures[0]!.reason.length).toBeGreaterThan(10);
    }
  });
});

describe('parseDocument on HTML pages without an h1', () => {
  it('takes the <title> before its site-name suffix, and marks a body line that repeats it as the title', () => {
    const body = `<p>${'一段足够长的正文内容，用来构成文章。'.repeat(3)}</p>`;
    const withoutTitleLine = `<html><head><title>一篇文章_某某网</title></head><body><div class="content">${body}</div></body></html>`;
    const withTitleLine = `<html><head><title>一篇文章_某某网</title></head><body><div class="content"><p><strong>一篇文章</strong></p>${body}</div></body></html>`;
    for (const html of [withoutTitleLine, withTitleLine]) {
      const article = onlyArticle(parseDocument(raw(html, { locator: '/imports/t.html' })));
      expect(article.title).toBe('一篇文章');
      expect(article.blocks).toEqual([{ kind: 'PARAGRAPH', text: '一段足够长的正文内容，用来构成文章。'.repeat(3) }]);
    }
  });
});

describe('parseDocument on HTML bodies written as <div> lines', () => {
  it('takes the element holding the <div> paragraphs as the article, not the longest single line', () => {
    const html = `<html><body><div class="nav"><a href="/">首页</a></div>
      <div class="box"><h1>石岭区检察院召开年度工作推进会</h1>
      <div class="text"><div>2月10日，石岭区检察院召开年度工作推进会，总结去年工作，部署今年重点任务，全院干警参加会议。</div>
      <div>会议要求，全院上下要进一步统一思想，推动工作。</div>
      <div>会议还对党风廉政建设工作作了部署。</div></div></div>
      </body></html>`;
    const article = onlyArticle(parseDocument(raw(html, { locator: '/imports/divs.html' })));
    expect(article.title).toBe('石岭区检察院召开年度工作推进会');
    expect(article.blocks).toHaveLength(3);
    expect(article.blocks[2]?.text).toBe('会议还对党风廉政建设工作作了部署。');
  });
});
