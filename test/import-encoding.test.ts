import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalCharset, charsetFromContentType, decodeBytes, declaredCharset } from '../src/ingest/encoding.js';

// GBK bytes of 中国检察 (D6D0 B9FA BCEC B2EC), checked against Node's own GB18030 decoder below.
const GBK_ZHONGGUO_JIANCHA = [0xd6, 0xd0, 0xb9, 0xfa, 0xbc, 0xec, 0xb2, 0xec];
const gbkPage = readFileSync(new URL('./fixtures/import/portal-gbk.html', import.meta.url));

function ascii(text: string): number[] {
  return [...Buffer.from(text, 'latin1')];
}

function bytes(...parts: (string | number[])[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? [...Buffer.from(part, 'utf8')] : part)));
}

describe('charset labels', () => {
  it('reads the charset parameter of a Content-Type header', () => {
    expect(charsetFromContentType('text/html; charset=GBK')).toBe('GBK');
    expect(charsetFromContentType('text/html;charset="utf-8"')).toBe('utf-8');
    expect(charsetFromContentType('text/html')).toBeNull();
    expect(charsetFromContentType(null)).toBeNull();
  });

  it('decodes GB2312 and GBK labels as GB18030, their superset, and knows no made-up charset', () => {
    for (const label of ['gb2312', 'GBK', 'gb18030', 'x-gbk', 'cp936']) expect(canonicalCharset(label)).toBe('gb18030');
    expect(canonicalCharset('UTF8')).toBe('utf-8');
    expect(canonicalCharset('big5')).toBe('big5');
    expect(canonicalCharset('klingon-1')).toBeNull();
  });

  it('finds <meta charset>, <meta http-equiv> and the XML declaration, ignoring a commented-out one', () => {
    expect(declaredCharset(bytes('<html><head><meta charset="gb2312">'), 'html')).toEqual({ label: 'gb2312', from: 'meta' });
    expect(declaredCharset(bytes('<meta http-equiv="Content-Type" content="text/html; charset=GBK" />'), 'html')).toEqual({ label: 'GBK', from: 'meta' });
    expect(declaredCharset(bytes('<!-- <meta charset="big5"> --><meta charset="utf-8">'), 'html')).toEqual({ label: 'utf-8', from: 'meta' });
    expect(declaredCharset(bytes('<?xml version="1.0" encoding="GB2312"?><rss/>'), 'xml')).toEqual({ label: 'GB2312', from: 'xml' });
    expect(declaredCharset(bytes('<meta charset="gbk">'), 'none')).toBeNull();
  });
});

describe('decodeBytes', () => {
  it('decodes GBK bytes that Node’s ICU GB18030 decoder reads as 中国检察', () => {
    expect(new TextDecoder('gbk', { fatal: true }).decode(Uint8Array.from(GBK_ZHONGGUO_JIANCHA))).toBe('中国检察');
    expect(decodeBytes(bytes('<meta charset="gbk">', GBK_ZHONGGUO_JIANCHA), null, 'html')).toEqual({
      ok: true,
      text: '<meta charset="gbk">中国检察',
      charset: 'gb18030',
      from: 'meta',
    });
  });

  it('lets a byte order mark win and strips it', () => {
    const result = decodeBytes(bytes([0xef, 0xbb, 0xbf], '<meta charset="gbk">中国'), 'text/html; charset=gbk', 'html');
    expect(result).toEqual({ ok: true, text: '<meta charset="gbk">中国', charset: 'utf-8', from: 'bom' });
    const utf16 = Uint8Array.from([0xff, 0xfe, ...Buffer.from('中国', 'utf16le')]);
    expect(decodeBytes(utf16, null, 'none')).toMatchObject({ ok: true, text: '中国', charset: 'utf-16le' });
  });

  it('takes the HTTP header over the document’s own declaration', () => {
    expect(decodeBytes(bytes('<meta charset="utf-8">', GBK_ZHONGGUO_JIANCHA), 'text/html; charset=gb2312', 'html')).toMatchObject({
      ok: true,
      charset: 'gb18030',
      from: 'http',
    });
  });

  it('takes the declaration the bytes fit when the header and the document disagree', () => {
    const page = bytes('<meta charset="gbk">', GBK_ZHONGGUO_JIANCHA);
    expect(decodeBytes(page, 'text/html; charset=utf-8', 'html')).toMatchObject({ ok: true, text: '<meta charset="gbk">中国检察', from: 'meta' });
    expect(decodeBytes(page, 'text/html; charset=ISO-8859-1', 'html')).toMatchObject({ ok: true, charset: 'gb18030', from: 'meta' });
  });

  it('refuses Chinese text declared in a single-byte charset, which would decode to mojibake', () => {
    expect(decodeBytes(bytes('<p>', GBK_ZHONGGUO_JIANCHA, '</p>'), 'text/html; charset=iso-8859-1', 'html')).toEqual({
      ok: false,
      reason: 'encoding: the HTTP Content-Type header declares charset "iso-8859-1", but the bytes are not windows-1252: the bytes look like GBK/GB18030 Chinese text',
    });
    expect(decodeBytes(bytes('<p>caf', [0xe9], '</p>'), 'text/html; charset=iso-8859-1', 'html')).toMatchObject({ ok: true, text: '<p>café</p>' });
  });

  it('reads an XML declaration’s encoding', () => {
    const xml = bytes('<?xml version="1.0" encoding="GBK"?><rss>', GBK_ZHONGGUO_JIANCHA, '</rss>');
    expect(decodeBytes(xml, null, 'xml')).toMatchObject({ ok: true, text: '<?xml version="1.0" encoding="GBK"?><rss>中国检察</rss>', from: 'xml' });
  });

  it('sniffs UTF-8, then GBK Chinese text, when nothing is declared', () => {
    expect(decodeBytes(bytes('标题\n正文'), null, 'none')).toEqual({ ok: true, text: '标题\n正文', charset: 'utf-8', from: 'sniffed' });
    const page = gbkPage.subarray(gbkPage.indexOf('<table'));
    const sniffed = decodeBytes(page, null, 'html');
    expect(sniffed).toMatchObject({ ok: true, charset: 'gb18030', from: 'sniffed' });
    expect(sniffed.ok && sniffed.text).toContain('石岭区检察院开展“检察开放日”活动');
  });

  it('does not take undeclared Big5 bytes, which GB18030 decodes without error, for GBK text', () => {
    // 本院在履職中發現轄區一條河流沿岸存在生活垃圾堆放問題，… in Big5 (iconv -t BIG5).
    const big5 = Buffer.from(
      'a5bbb07ca662bc69c2bea4a4b56fb27bc1d2b0cfa440b1f8aa65ac79aa75a9a4a673a662a5cdaca1a955a7a3b0efa9f1b0ddc344a141c048a759a5dfaed7bdd5ac64a141a8c3bb50acdbc3f6c2beafe0b3a1aaf9b67dae69b644ab65bd52b0d3a143',
      'hex',
    );
    expect(() => new TextDecoder('gb18030', { fatal: true }).decode(big5)).not.toThrow();
    expect(decodeBytes(big5, null, 'none')).toMatchObject({ ok: false, reason: expect.stringMatching(/^encoding: no charset is declared/) });
    expect(decodeBytes(big5, 'text/plain; charset=big5', 'none')).toMatchObject({ ok: true, text: expect.stringMatching(/^本院在履職中發現/) });
  });

  it('does not take undeclared bytes that decode to rare ideographs only for GBK text', () => {
    // GB2312 level-2 ideographs (lead bytes D8–F7): valid GBK, but not what Chinese prose is made of.
    const rare = Uint8Array.from(Array.from({ length: 24 }, (_, index) => [0xd8 + (index % 16), 0xa1 + index * 3]).flat());
    const decoded = new TextDecoder('gb18030', { fatal: true }).decode(rare);
    expect(decoded).toMatch(/^[\u4e00-\u9fff]{24}$/);
    expect(decodeBytes(rare, null, 'none')).toMatchObject({ ok: false, reason: expect.stringMatching(/^encoding: no charset is declared/) });
  });

  it('refuses undeclared bytes that are neither UTF-8 nor Chinese GBK text', () => {
    // Valid GB18030 four-byte sequences that decode to rare symbols, not text.
    const symbols = Array.from({ length: 8 }, () => [0x81, 0x30, 0x81, 0x30]).flat();
    expect(decodeBytes(Uint8Array.from([...ascii('x'), ...symbols]), null, 'none')).toEqual({
      ok: false,
      reason: 'encoding: no charset is declared and the bytes are neither valid UTF-8 (first invalid byte at offset 1) nor GBK/GB18030 Chinese text',
    });
  });

  it('refuses a page declared utf-8 whose bytes are GBK, and says so', () => {
    const result = decodeBytes(bytes('<meta charset="utf-8"><p>', GBK_ZHONGGUO_JIANCHA, '</p>'), null, 'html');
    expect(result).toEqual({
      ok: false,
      reason: 'encoding: its <meta charset> declares charset "utf-8", but the bytes are not utf-8 (the first invalid byte is at offset 26): the bytes look like GBK/GB18030 Chinese text',
    });
  });

  it('refuses a page declared GBK whose bytes are UTF-8, which GBK would turn into mojibake', () => {
    const result = decodeBytes(bytes('中国检察院'), 'text/plain; charset=gbk', 'none');
    expect(result).toEqual({
      ok: false,
      reason: 'encoding: the HTTP Content-Type header declares charset "gbk", but the bytes are not GBK/GB18030: the bytes are valid UTF-8',
    });
  });

  it('refuses a charset it cannot decode', () => {
    expect(decodeBytes(bytes('<meta charset="klingon-1">'), null, 'html')).toEqual({
      ok: false,
      reason: 'encoding: its <meta charset> declares charset "klingon-1", which is not supported',
    });
  });

  it('reports bytes that end inside a character as truncated, for UTF-8 and for GBK', () => {
    const utf8 = bytes('检察').subarray(0, 5);
    expect(decodeBytes(utf8, null, 'none')).toEqual({ ok: false, reason: 'truncated: the file ends in the middle of a UTF-8 character (after 5 bytes)' });
    const gbk = Uint8Array.from(GBK_ZHONGGUO_JIANCHA.slice(0, 7));
    expect(decodeBytes(gbk, 'text/plain; charset=gbk', 'none')).toEqual({
      ok: false,
      reason: 'truncated: the file ends in the middle of a GBK/GB18030 character (after 7 bytes)',
    });
  });
});
