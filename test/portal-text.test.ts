import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  normalizeSeriesTitle,
  parseChineseNumeral,
  parsePortalDate,
  parsePortalLines,
  parsePortalText,
  parseSeriesLine,
  PortalTextError,
  splitSeriesFromTitle,
} from '../src/ingest/portal-text.js';
import { blocksToText, contentHash } from '../src/domain/article-body.js';

const corpusPage = readFileSync(new URL('../data/corpus/liupanshui-procurators-50.txt', import.meta.url), 'utf8');

/** A page in the corpus page's style: chrome lines flush left, body lines indented, blank lines between. */
function page(parts: { header?: string[]; body: string[]; footer?: string[] }): string {
  return [
    ...(parts.header ?? ['1. 首页\u00a0>\u00a0国内资讯', '中国凉都----六盘水检察人系列报道之五十', '\u00a0', '一篇测试文章']),
    ...parts.body.map((line) => `\u3000\u3000${line}`),
    ...(parts.footer ?? ['本文采摘于网络,不代表本站立场,转载联系作者并注明出处:/showinfo-2-1-0.html', '联系我们']),
  ].join('\n\n');
}

describe('parsePortalText on the corpus page', () => {
  const parsed = parsePortalText(corpusPage);

  it('reads the category from the breadcrumb', () => {
    expect(parsed.breadcrumb).toEqual(['首页', '国内资讯']);
    expect(parsed.category).toBe('国内资讯');
  });

  it('reads the series title, normalized, and the episode number from the series line', () => {
    expect(parsed.series).toEqual({
      line: '中国凉都----六盘水检察人系列报道之五十',
      title: '中国凉都——六盘水检察人系列报道',
      episode: 50,
    });
  });

  it('reads the title verbatim', () => {
    expect(parsed.title).toBe('乘风破浪!六盘水市钟山区人民检察院脱“薄弱”争先进');
  });

  it('removes the breadcrumb, the reprint disclaimer and the contact lines from the body', () => {
    for (const chrome of ['首页', '本文采摘于网络', '不代表本站立场', 'showinfo', '联系我们', '在线咨询', '给我发消息']) {
      expect(parsed.bodyText).not.toContain(chrome);
    }
    expect(parsed.removed).toEqual([
      '1. 首页\u00a0>\u00a0国内资讯',
      '本文采摘于网络,不代表本站立场,转载联系作者并注明出处:/showinfo-2-10183-0.html',
      '联系我们',
      '在线咨询:点击这里给我发消息',
    ]);
  });

  it('keeps the path the disclaimer prints as provenance', () => {
    expect(parsed.originalPath).toBe('/showinfo-2-10183-0.html');
  });

  it('takes the trailing (凉都检察) off the last paragraph and returns it as the attribution', () => {
    expect(parsed.attribution).toBe('凉都检察');
    expect(parsed.blocks.at(-1)).toEqual({
      kind: 'PARAGRAPH',
      text: '迈步新征程,钟山区检察院将持续深入贯彻党的二十大精神,继续以滚石上山、逆水行舟的勇气,用过硬能力作风擦亮高质量发展底色,创造无愧于党、无愧于人民、无愧于时代的检察业绩。',
    });
    expect(parsed.bodyText).not.toContain('凉都检察');
  });

  it('makes the lead achievement lines list items, the ellipsis included, and the section lines headings', () => {
    expect(parsed.blocks.slice(0, 6).map((block) => block.kind)).toEqual([
      'LIST_ITEM',
      'LIST_ITEM',
      'LIST_ITEM',
      'LIST_ITEM',
      'LIST_ITEM',
      'PARAGRAPH',
    ]);
    expect(parsed.blocks[3]).toEqual({ kind: 'LIST_ITEM', text: '听证案件数位列全省第二;' });
    expect(parsed.blocks[4]).toEqual({ kind: 'LIST_ITEM', text: '…………' });
    expect(parsed.blocks.filter((block) => block.kind === 'HEADING').map((block) => block.text)).toEqual([
      '思想“破旧立新”。',
      '业务“破釜沉舟”。',
      '队伍“破浪乘风”。',
    ]);
    expect(parsed.blocks).toHaveLength(24);
  });

  it('trims the indentation but keeps every block text verbatim, and drops the blank and nbsp lines', () => {
    const pageLines = corpusPage.split('\n').map((line) => line.trim());
    for (const block of parsed.blocks.slice(0, -1)) expect(pageLines).toContain(block.text);
    for (const block of parsed.blocks) {
      expect(block.text).toBe(block.text.trim());
      expect(block.text).not.toBe('');
      expect(block.text).not.toMatch(/^[\u00a0\u3000 ]/);
    }
  });

  it('joins the block texts with blank lines into bodyText and hashes it with sha256', () => {
    expect(parsed.bodyText).toBe(blocksToText(parsed.blocks));
    expect(parsed.bodyText.startsWith('自创自导自演法治微课《青春航线法律课堂》')).toBe(true);
    expect(parsed.bodyText).toContain('听证案件数位列全省第二;\n\n…………\n\n这是六盘水市');
    expect(parsed.contentHash).toBe(createHash('sha256').update(parsed.bodyText, 'utf8').digest('hex'));
    expect(parsed.contentHash).toBe(contentHash(parsed.bodyText));
    expect(parsed.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('parseChineseNumeral', () => {
  it.each([
    ['五十', 50],
    ['十二', 12],
    ['一百零三', 103],
    ['二十', 20],
    ['十', 10],
    ['一', 1],
    ['两百', 200],
    ['一千零一', 1001],
    ['一万零二十', 10020],
    ['一〇三', 103],
    ['50', 50],
    ['１２', 12],
  ])('reads %s as %i', (numeral, value) => {
    expect(parseChineseNumeral(numeral)).toBe(value);
  });

  it.each(['', '五五十', '五十a', 'abc'])('rejects %j with a PortalTextError', (numeral) => {
    expect(() => parseChineseNumeral(numeral)).toThrow(PortalTextError);
  });
});

describe('parseSeriesLine', () => {
  it.each(['----', '——', '—', '|', ':', '：', ' | ', '｜', '·'])('normalizes the separator %j to ——', (separator) => {
    expect(parseSeriesLine(`中国凉都${separator}六盘水检察人系列报道之五十`)).toEqual({
      line: `中国凉都${separator}六盘水检察人系列报道之五十`.trim(),
      title: '中国凉都——六盘水检察人系列报道',
      episode: 50,
    });
  });

  it.each([
    ['中国凉都——六盘水检察人系列报道之一百零三', 103],
    ['中国凉都——六盘水检察人系列报道之十二', 12],
    ['中国凉都——六盘水检察人系列报道之二十', 20],
    ['中国凉都——六盘水检察人系列报道之50', 50],
    ['中国凉都——六盘水检察人系列报道 第7期', 7],
    ['中国凉都——六盘水检察人系列报道（三十一）', 31],
  ])('reads the episode of %s as %i', (line, episode) => {
    expect(parseSeriesLine(line)?.episode).toBe(episode);
  });

  it('strips separators that open a subtitle-style series line', () => {
    expect(parseSeriesLine('——中国凉都----六盘水检察人系列报道之五十')?.title).toBe('中国凉都——六盘水检察人系列报道');
    expect(normalizeSeriesTitle(' 中国凉都 — 六盘水检察人系列报道 ')).toBe('中国凉都——六盘水检察人系列报道');
  });

  it('accepts a series line without an episode number', () => {
    expect(parseSeriesLine('中国凉都----六盘水检察人系列报道')).toEqual({
      line: '中国凉都----六盘水检察人系列报道',
      title: '中国凉都——六盘水检察人系列报道',
      episode: null,
    });
  });

  it('does not take a title that ends in 第一 for a series line', () => {
    expect(parseSeriesLine('钟山区检察院考核位列全市第一')).toBeNull();
    expect(parseSeriesLine('乘风破浪!六盘水市钟山区人民检察院脱“薄弱”争先进')).toBeNull();
  });
});

describe('parsePortalText on other page shapes', () => {
  it('takes a full-width （凉都检察） credit off the last paragraph', () => {
    const parsed = parsePortalText(page({ body: ['第一段。', '最后一段。（凉都检察）'] }));
    expect(parsed.attribution).toBe('凉都检察');
    expect(parsed.blocks.at(-1)?.text).toBe('最后一段。');
  });

  it('takes a standalone 来源: line as the attribution', () => {
    const parsed = parsePortalText(page({ body: ['第一段。', '最后一段。', '来源:贵州检察'] }));
    expect(parsed.attribution).toBe('贵州检察');
    expect(parsed.blocks.map((block) => block.text)).toEqual(['第一段。', '最后一段。']);
  });

  it('takes a standalone full-width 来源： line as the attribution', () => {
    expect(parsePortalText(page({ body: ['第一段。', '最后一段。', '来源：凉都检察'] })).attribution).toBe('凉都检察');
  });

  it('drops a (完) end mark and still finds the credit before it', () => {
    const parsed = parsePortalText(page({ body: ['第一段。', '最后一段。(凉都检察)', '(完)'] }));
    expect(parsed.attribution).toBe('凉都检察');
    expect(parsed.blocks.map((block) => block.text)).toEqual(['第一段。', '最后一段。']);
  });

  it('leaves a closing document number in brackets in the text', () => {
    const last = '《国务院关于支持贵州在新时代西部大开发上闯新路的意见》(国发〔2022〕2号)';
    const parsed = parsePortalText(page({ body: ['第一段。', last] }));
    expect(parsed.attribution).toBeNull();
    expect(parsed.blocks.at(-1)?.text).toBe(last);
  });

  it('reads a page without breadcrumb, series line or footer', () => {
    const parsed = parsePortalText(page({ header: ['一篇独立文章'], body: ['唯一的一段正文。'], footer: [] }));
    expect(parsed).toMatchObject({ breadcrumb: [], category: null, series: null, title: '一篇独立文章', originalPath: null });
    expect(parsed.blocks).toEqual([{ kind: 'PARAGRAPH', text: '唯一的一段正文。' }]);
  });

  it('reads a 当前位置 breadcrumb and skips a trailing 正文 crumb', () => {
    const parsed = parsePortalText(
      page({ header: ['当前位置：首页 > 新闻中心 > 检察动态 > 正文', '标题'], body: ['正文一段。'] }),
    );
    expect(parsed.breadcrumb).toEqual(['首页', '新闻中心', '检察动态', '正文']);
    expect(parsed.category).toBe('检察动态');
  });

  it('reads a series line printed under the title and the meta line after it', () => {
    const parsed = parsePortalText(
      page({
        header: ['首页 / 国内资讯', '标题', '——中国凉都·六盘水检察人系列报道之十二', '发布时间：2022-11-02 10:00 来源：凉都检察'],
        body: ['正文一段。'],
      }),
    );
    expect(parsed.title).toBe('标题');
    expect(parsed.series).toMatchObject({ title: '中国凉都——六盘水检察人系列报道', episode: 12 });
    expect(parsed.meta).toEqual({ 发布时间: '2022-11-02 10:00', 来源: '凉都检察' });
    expect(parsed.attribution).toBe('凉都检察');
  });

  it('keeps an absolute URL from the disclaimer', () => {
    const parsed = parsePortalText(
      page({ body: ['正文一段。'], footer: ['本文采摘于网络,不代表本站立场,转载联系作者并注明出处:https://example.cn/showinfo-2-1-0.html'] }),
    );
    expect(parsed.originalPath).toBe('https://example.cn/showinfo-2-1-0.html');
  });

  it('keeps a lone ellipsis that does not follow a list as a paragraph', () => {
    const parsed = parsePortalText(page({ body: ['一段较长的话,后面跟着省略号。', '……', '收尾的一段话,也比较长。'] }));
    expect(parsed.blocks.map((block) => block.kind)).toEqual(['PARAGRAPH', 'PARAGRAPH', 'PARAGRAPH']);
  });

  it('makes a short line a heading only when a longer block follows it', () => {
    const parsed = parsePortalText(page({ body: ['一、思想破旧立新', '正文第一段,比标题长得多的一段话。', '短句。', '短句收尾。'] }));
    expect(parsed.blocks.map((block) => block.kind)).toEqual(['HEADING', 'PARAGRAPH', 'PARAGRAPH', 'PARAGRAPH']);
  });

  it('makes lines that open with a bullet list items', () => {
    const parsed = parsePortalText(page({ body: ['成绩如下:', '• 全市第一', '• 全省第二', '这是一段话。'] }));
    expect(parsed.blocks.map((block) => block.kind)).toEqual(['PARAGRAPH', 'LIST_ITEM', 'LIST_ITEM', 'PARAGRAPH']);
    expect(parsed.blocks[1]?.text).toBe('• 全市第一');
  });

  it('reads CRLF line endings and a byte order mark', () => {
    const parsed = parsePortalText(`\ufeff${corpusPage.replace(/\n/g, '\r\n')}`);
    expect(parsed.bodyText).toBe(parsePortalText(corpusPage).bodyText);
  });
});

describe('parsePortalText on bad input', () => {
  it('rejects an empty page', () => {
    expect(() => parsePortalText('')).toThrow(new PortalTextError('The page is empty: it has no line with any text'));
  });

  it('rejects a page of blank and nbsp lines as empty', () => {
    expect(() => parsePortalText('\n\u00a0\n\u3000\u3000\n  \n')).toThrow(/page is empty/);
  });

  it('rejects a page whose body starts where the title should be', () => {
    const text = page({ header: ['1. 首页 > 国内资讯', '中国凉都----六盘水检察人系列报道之五十'], body: ['正文第一段。', '正文第二段。'] });
    expect(() => parsePortalText(text)).toThrow(/has no title: .*"正文第一段。" on line 5/);
  });

  it('rejects a page that is only chrome', () => {
    expect(() => parsePortalText('1. 首页 > 国内资讯\n\n联系我们')).toThrow(/has no title/);
    expect(() => parsePortalText('1. 首页 > 国内资讯')).toThrow(/has no title/);
  });

  it('rejects a page with a title but no body', () => {
    expect(() => parsePortalText(page({ body: [] }))).toThrow(/has no body: nothing follows the title "一篇测试文章"/);
  });
});

describe('parsePortalText on the chrome of other portals', () => {
  it('reads a 当前位置 line that names no home page as the breadcrumb', () => {
    const parsed = parsePortalText(page({ header: ['当前位置：新闻中心 > 检察动态', '标题'], body: ['正文一段。'] }));
    expect(parsed.breadcrumb).toEqual(['新闻中心', '检察动态']);
    expect(parsed.category).toBe('检察动态');
    expect(parsed.removed).toContain('当前位置：新闻中心 > 检察动态');
  });

  it('drops font and print controls in the header and the body, and reads a meta line that carries them', () => {
    const parsed = parsePortalText(
      page({
        header: ['标题', '发布时间：2022-11-02 10:00 来源：凉都检察 【字体：大 中 小】', '【打印】【关闭】'],
        body: ['正文第一段。', '【打印本页】【关闭窗口】', '正文第二段。'],
        footer: [],
      }),
    );
    expect(parsed.meta).toEqual({ 发布时间: '2022-11-02 10:00', 来源: '凉都检察' });
    expect(parsed.publishedAt).toEqual(new Date('2022-11-02T10:00:00+08:00'));
    expect(parsed.blocks.map((block) => block.text)).toEqual(['正文第一段。', '正文第二段。']);
    expect(parsed.removed).toEqual(['【打印】【关闭】', '【打印本页】【关闭窗口】']);
  });

  it('reads a meta line that opens with a bare date', () => {
    const parsed = parsePortalText(page({ header: ['标题', '2023年3月15日 09:30 来源：石岭检察'], body: ['正文一段。'] }));
    expect(parsed.meta).toEqual({ 日期: '2023年3月15日 09:30', 来源: '石岭检察' });
    expect(parsed.publishedAt).toEqual(new Date('2023-03-15T01:30:00Z'));
    expect(parsed.blocks).toEqual([{ kind: 'PARAGRAPH', text: '正文一段。' }]);
  });

  it.each(['（责任编辑：周某）', '编辑：张三', '【责任编辑：李四】', '联系电话：0858-0000000', '黔ICP备00000000号'])(
    'starts the footer at an editor or contact line %s',
    (line) => {
      const parsed = parsePortalText(page({ body: ['正文一段。', '正文二段。'], footer: [line, '来源：凉都检察'] }));
      expect(parsed.blocks.map((block) => block.text)).toEqual(['正文一段。', '正文二段。']);
      expect(parsed.footer).toEqual([line, '来源：凉都检察']);
      expect(parsed.attribution).toBe('凉都检察');
    },
  );

  it('splits a series named in the title off it when no series line stands above', () => {
    const parsed = parsePortalText(page({ header: ['中国凉都——六盘水检察人系列报道之十二：水城区检察院护航发展'], body: ['正文一段。'] }));
    expect(parsed.title).toBe('水城区检察院护航发展');
    expect(parsed.series).toEqual({ line: '中国凉都——六盘水检察人系列报道之十二', title: '中国凉都——六盘水检察人系列报道', episode: 12 });
  });

  it('reads a series line with | and an Arabic episode number above the title', () => {
    const parsed = parsePortalText(page({ header: ['中国凉都|六盘水检察人系列报道之12', '标题'], body: ['正文一段。'] }));
    expect(parsed.series).toMatchObject({ title: '中国凉都——六盘水检察人系列报道', episode: 12 });
    expect(parsed.title).toBe('标题');
  });
});

describe('splitSeriesFromTitle', () => {
  it.each([
    ['中国凉都——六盘水检察人系列报道之十二：标题', '中国凉都——六盘水检察人系列报道', 12, '标题'],
    ['【青川检察人系列报道之二十】石岭区检察院：让司法救助温暖每一位困难群众', '青川检察人系列报道', 20, '石岭区检察院：让司法救助温暖每一位困难群众'],
    ['青川检察人系列报道之二十一｜石岭区检察院：“数字检察”赋能法律监督', '青川检察人系列报道', 21, '石岭区检察院：“数字检察”赋能法律监督'],
    ['钟山区检察院脱薄争先——中国凉都·六盘水检察人系列报道之一百零三', '中国凉都——六盘水检察人系列报道', 103, '钟山区检察院脱薄争先'],
    ['六盘水检察人系列报道 第7期 | 标题', '六盘水检察人系列报道', 7, '标题'],
  ])('splits %s', (title, series, episode, rest) => {
    expect(splitSeriesFromTitle(title)).toMatchObject({ series: { title: series, episode }, title: rest });
  });

  it.each(['人生之一：标题', '六盘水检察人系列报道之五十', '钟山区检察院考核位列全市第一', '乘风破浪!六盘水市钟山区人民检察院脱“薄弱”争先进'])(
    'leaves %s alone',
    (title) => {
      expect(splitSeriesFromTitle(title)).toBeNull();
    },
  );
});

describe('parsePortalDate', () => {
  it.each([
    ['2022-11-02', '2022-11-01T16:00:00.000Z'],
    ['2022-11-02 10:00', '2022-11-02T02:00:00.000Z'],
    ['2022-11-02 10:00:30', '2022-11-02T02:00:30.000Z'],
    ['2022/11/2', '2022-11-01T16:00:00.000Z'],
    ['2022.11.02', '2022-11-01T16:00:00.000Z'],
    ['2022年11月2日 10:05', '2022-11-02T02:05:00.000Z'],
    ['2022年11月2日10时05分', '2022-11-02T02:05:00.000Z'],
    ['2023-03-15T09:30:00+08:00', '2023-03-15T01:30:00.000Z'],
    ['2023-03-15T09:30:00Z', '2023-03-15T09:30:00.000Z'],
    ['2023-03-15T09:30:00+0530', '2023-03-15T04:00:00.000Z'],
  ])('reads %s (China Standard Time unless a zone is given)', (text, iso) => {
    expect(parsePortalDate(text)?.toISOString()).toBe(iso);
  });

  it.each(['2022-02-30', '2022-13-01', '2022-11-02 25:00', 'yesterday', '11/02/2022', ''])('rejects %j', (text) => {
    expect(parsePortalDate(text)).toBeNull();
  });
});

describe('parsePortalLines', () => {
  it('takes the marked title, treats what stands before it as chrome, and keeps the kinds markup states', () => {
    const parsed = parsePortalLines([
      { text: '网站名称' },
      { text: '首页 > 国内资讯' },
      { text: '一篇文章', title: true },
      { text: '第一段较长的正文内容。' },
      { text: '列表项', kind: 'LIST_ITEM' },
    ]);
    expect(parsed.title).toBe('一篇文章');
    expect(parsed.removed).toEqual(['网站名称', '首页 > 国内资讯']);
    expect(parsed.blocks).toEqual([
      { kind: 'PARAGRAPH', text: '第一段较长的正文内容。' },
      { kind: 'LIST_ITEM', text: '列表项' },
    ]);
  });
});
