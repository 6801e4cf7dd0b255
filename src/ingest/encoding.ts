// Turns the bytes of a document into text, strictly: a byte sequence the charset cannot decode is
// a failure with a reason, never replacement characters or mojibake stored as an article.
//
// Where the charset comes from:
//   1. a byte order mark (UTF-8, UTF-16LE/BE): the bytes themselves say it, as in the HTML standard;
//   2. the charset parameter of the HTTP Content-Type header;
//   3. the document: <meta charset>, <meta http-equiv="Content-Type" content="…charset=…"> (HTML,
//      in the first 4 KiB), or the XML declaration's encoding="…" (feeds);
//   4. nothing declared: UTF-8 when the bytes are valid UTF-8, else GB18030 when they decode as
//      such and read as Chinese text, else a failure that names what was tried.
// When declarations disagree (a server's default `charset=utf-8` or `iso-8859-1` header on a page
// whose <meta> says gbk), the first one in that order that the bytes fit wins, multi-byte charsets
// before single-byte ones, which fit any bytes. GB2312 and GBK labels decode as GB18030, their superset.
// When the bytes fit no declaration (a page that says utf-8 but is GBK, says gbk but is UTF-8, or
// says iso-8859-1 but is Chinese) the document fails with a reason that names the declaration and
// what the bytes look like: the declaration is wrong, and guessing past it would store whatever
// the guess made of the text.

/** The bytes decoded, and how the charset was chosen. */
export interface DecodedText {
  text: string;
  /** The WHATWG name of the charset used, e.g. `utf-8`, `gb18030`. */
  charset: string;
  /** Where it came from. */
  from: 'bom' | 'http' | 'meta' | 'xml' | 'sniffed';
}

export type DecodeResult = ({ ok: true } & DecodedText) | { ok: false; reason: string };

export type MarkupKind = 'html' | 'xml' | 'none';

const GB_LABELS = new Set(['gb2312', 'gbk', 'gb18030', 'x-gbk', 'cp936', 'ms936', 'windows-936', 'csgb2312', 'chinese', 'euc-cn']);

/** The charset a label names, as TextDecoder knows it (GB2312/GBK → gb18030), or null when unsupported. */
export function canonicalCharset(label: string): string | null {
  const name = label.trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (GB_LABELS.has(name)) return 'gb18030';
  try {
    return new TextDecoder(name).encoding;
  } catch {
    return null;
  }
}

/** The charset parameter of a Content-Type header value, e.g. `gbk` from `text/html; charset=GBK`. */
export function charsetFromContentType(contentType: string | null): string | null {
  const match = contentType ? /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType) : null;
  return match ? match[1]! : null;
}

/** The media type of a Content-Type header value, lower-cased, without parameters. */
export function mediaType(contentType: string | null): string | null {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type || null;
}

function bomCharset(bytes: Uint8Array): { charset: string; length: number } | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { charset: 'utf-8', length: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { charset: 'utf-16le', length: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { charset: 'utf-16be', length: 2 };
  return null;
}

const META_CHARSET = /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([\w.:-]+)/i;
const XML_ENCODING = /^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([\w.:-]+)["']/;

/** The charset the document declares in its markup (read as ASCII from its first 4 KiB), or null. */
export function declaredCharset(bytes: Uint8Array, markup: MarkupKind): { label: string; from: 'meta' | 'xml' } | null {
  if (markup === 'none') return null;
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
  if (markup === 'xml') {
    const xml = XML_ENCODING.exec(head);
    return xml ? { label: xml[1]!, from: 'xml' } : null;
  }
  const meta = META_CHARSET.exec(head.replace(/<!--[\s\S]*?-->/g, ''));
  return meta ? { label: meta[1]!, from: 'meta' } : null;
}

const TRUNCATED = Symbol('truncated');

/** Decodes strictly; null when the bytes are not valid in the charset, TRUNCATED when only the end is cut. */
function strictDecode(bytes: Uint8Array, charset: string): string | typeof TRUNCATED | null {
  const decoder = new TextDecoder(charset, { fatal: true, ignoreBOM: false });
  let text: string;
  try {
    text = decoder.decode(bytes, { stream: true });
  } catch {
    return null;
  }
  try {
    return text + decoder.decode();
  } catch {
    // Everything decoded but the last few bytes, which start a character that never ends.
    return TRUNCATED;
  }
}

// Chinese text decoded as GB18030 is mostly CJK ideographs and punctuation, and most of its
// ideographs are among the few hundred most frequent ones (about three in four in news text). Bytes
// of another charset (Big5, UTF-8, Shift_JIS) that happen to decode as GB18030 give ideographs too,
// but rare ones, mixed with kana and symbols.
const CJK_TEXT = /[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2010-\u2027\u00b7]/u;
const IDEOGRAPH = /[\u4e00-\u9fff]/u;
const FREQUENT = new Set(
  '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴切检察督监案诉讼审判益推坚群省层织',
);

function readsAsChinese(text: string): boolean {
  let foreign = 0;
  let cjk = 0;
  let ideographs = 0;
  let frequent = 0;
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) continue;
    if (!CJK_TEXT.test(ch)) {
      foreign += 1;
      continue;
    }
    cjk += 1;
    if (IDEOGRAPH.test(ch)) {
      ideographs += 1;
      if (FREQUENT.has(ch)) frequent += 1;
    }
  }
  return cjk > 0 && cjk >= 9 * foreign && frequent >= 0.4 * ideographs;
}

function hasHighBytes(bytes: Uint8Array): boolean {
  return bytes.some((byte) => byte >= 0x80);
}

// What bytes that do not fit a declaration look like, for the failure's reason.
const VALID_UTF8 = 'the bytes are valid UTF-8';
const GB_TEXT = 'the bytes look like GBK/GB18030 Chinese text';
const NEITHER = 'the bytes fit neither UTF-8 nor GBK/GB18030';

function describeBytes(bytes: Uint8Array, except: string): string {
  if (except !== 'utf-8' && hasHighBytes(bytes) && typeof strictDecode(bytes, 'utf-8') === 'string') return VALID_UTF8;
  if (except !== 'gb18030') {
    const gb = strictDecode(bytes, 'gb18030');
    if (typeof gb === 'string' && hasHighBytes(bytes) && readsAsChinese(gb)) return GB_TEXT;
  }
  return NEITHER;
}

function invalidAt(bytes: Uint8Array, charset: string): number {
  // The offset of the first byte the decoder refuses, found by bisection on prefixes.
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    const prefix = strictDecode(bytes.subarray(0, mid), charset);
    if (prefix === null) high = mid - 1;
    else low = mid;
  }
  return low;
}

const SOURCE_NAMES = { bom: 'its byte order mark', http: 'the HTTP Content-Type header', meta: 'its <meta charset>', xml: 'its XML declaration' };

const SINGLE_BYTE = /^(?:windows-\d+|iso-8859-\d+|koi8-[ru]|ibm866|macintosh|x-mac-cyrillic)$/;

function decodeDeclared(
  bytes: Uint8Array,
  declaration: { label: string; from: 'bom' | 'http' | 'meta' | 'xml' },
): { singleByte: boolean; result: DecodeResult } {
  const charset = canonicalCharset(declaration.label);
  const declares = `encoding: ${SOURCE_NAMES[declaration.from]} declares charset "${declaration.label}"`;
  if (charset === null) return { singleByte: false, result: { ok: false, reason: `${declares}, which is not supported` } };
  const singleByte = SINGLE_BYTE.test(charset);
  const text = strictDecode(bytes, charset);
  if (text === TRUNCATED) return { singleByte, result: { ok: false, reason: truncatedReason(charset, bytes.length) } };
  // GBK decodes most UTF-8 byte pairs without error, and a single-byte charset decodes anything:
  // Chinese text in those is a wrong declaration, not text to store as it decodes.
  const looksElse = (charset === 'gb18030' || singleByte) && describeBytes(bytes, charset);
  const mismatch = text === null || (looksElse && looksElse !== NEITHER && (singleByte || looksElse === VALID_UTF8));
  if (mismatch) {
    const where = text === null ? ` (the first invalid byte is at offset ${invalidAt(bytes, charset)})` : '';
    const name = charset === 'gb18030' ? 'GBK/GB18030' : charset;
    return { singleByte, result: { ok: false, reason: `${declares}, but the bytes are not ${name}${where}: ${describeBytes(bytes, charset)}` } };
  }
  return { singleByte, result: { ok: true, text: text.replace(/^\ufeff/, ''), charset, from: declaration.from } };
}

/**
 * Decodes a document's bytes as described at the top of this file.
 * @param markup which in-document declaration to look for: an HTML meta tag, an XML declaration, or none (JSON, text).
 */
export function decodeBytes(bytes: Uint8Array, contentType: string | null, markup: MarkupKind): DecodeResult {
  const declarations: { label: string; from: 'bom' | 'http' | 'meta' | 'xml' }[] = [];
  const bom = bomCharset(bytes);
  if (bom) declarations.push({ label: bom.charset, from: 'bom' });
  const http = charsetFromContentType(contentType);
  if (http) declarations.push({ label: http, from: 'http' });
  const declared = declaredCharset(bytes, markup);
  if (declared) declarations.push(declared);

  if (declarations.length > 0) {
    const results = declarations.map((declaration) => decodeDeclared(bytes, declaration));
    // Declarations that disagree: the first one the bytes fit, multi-byte charsets before single-byte
    // ones (which fit any bytes, and are what a server's default Content-Type says more often than not).
    const order = results.map((_, index) => index).sort((a, b) => Number(results[a]!.singleByte) - Number(results[b]!.singleByte));
    for (const index of order) {
      const result = results[index]!.result;
      if (result.ok) return result;
    }
    return results[0]!.result;
  }

  const utf8 = strictDecode(bytes, 'utf-8');
  if (typeof utf8 === 'string') return { ok: true, text: utf8, charset: 'utf-8', from: 'sniffed' };
  // Valid UTF-8 up to a cut in its last character: GB18030 would read those bytes as mojibake.
  if (utf8 === TRUNCATED) return { ok: false, reason: truncatedReason('utf-8', bytes.length) };
  const gb = strictDecode(bytes, 'gb18030');
  if (typeof gb === 'string' && readsAsChinese(gb)) return { ok: true, text: gb, charset: 'gb18030', from: 'sniffed' };
  if (gb === TRUNCATED) return { ok: false, reason: truncatedReason('gb18030', bytes.length) };
  return {
    ok: false,
    reason: `encoding: no charset is declared and the bytes are neither valid UTF-8 (first invalid byte at offset ${invalidAt(bytes, 'utf-8')}) nor GBK/GB18030 Chinese text`,
  };
}

function truncatedReason(charset: string, length: number): string {
  return `truncated: the file ends in the middle of a ${charset === 'gb18030' ? 'GBK/GB18030' : charset.toUpperCase()} character (after ${length} bytes)`;
}
