// Content is data, never markup: every text that reaches a card or an oEmbed `html` goes through
// these helpers, and a link's target only when it is an absolute http(s) URL.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML, safe in element content and in quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * A value inside an inline `<script>` as a JavaScript literal: JSON, with `<`, `>`, `&` and the
 * line separators escaped, so that no `</script>` or `<!--` can end or bend the script.
 */
export function scriptLiteral(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `url` when it is an absolute http(s) URL (no `javascript:`, `data:`, relative paths) of at most
 * `maxLength` characters; else null.
 */
export function safeHref(url: string | null | undefined, maxLength = 2048): string | null {
  if (!url || url.length > maxLength) return null;
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.href.length <= maxLength ? parsed.href : null;
  } catch {
    return null;
  }
}

/** `text` cut to `max` characters (code points, so no surrogate pair is split), with an ellipsis. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
