import { createHash } from 'node:crypto';
import { clip, escapeHtml, safeHref } from './html.js';

// The cards' HTML: server-rendered, no client framework, nothing fetched from anywhere (the CSP
// says `default-src 'none'`). One stylesheet and one script, both inline and allowed by their
// sha256 in the card's CSP. Every text passes through escapeHtml; every link through safeHref.
//
// Size budget (test/embed.test.ts measures it): a card page is at most CARD_SIZE_BUDGET_BYTES of
// HTML whatever the data, because every list and text is bounded: titles are cut at 80 characters,
// the first paragraph at 280, a citation at 300 (with an ellipsis), 5 achievements with 2 citations
// each, 100 episodes (the list scrolls inside the card), and a link's URL at 200 characters (a longer
// one is not linked): 63 KB at most. The corpus cards are 3.3–5.3 KB (1.8–2.3 KB gzipped).

export const CARD_SIZE_BUDGET_BYTES = 64 * 1024;
export const LIMITS = { title: 80, paragraph: 280, excerpt: 300, citationsPerAchievement: 2, href: 200 } as const;

export type CardKind = 'article' | 'organization' | 'series';
export type Theme = 'light' | 'dark' | 'auto';
export const THEMES: readonly Theme[] = ['light', 'dark', 'auto'];

/** An article as EmbedArticleCard returns it (src/http/trusted-documents/embed.graphql). */
export interface ArticleCardData {
  slug: string;
  title: string;
  episode: number | null;
  attribution: string | null;
  publishedAt: string | null;
  canonicalUrl: string | null;
  originalUrl: string | null;
  language: string;
  series: { slug: string; title: string } | null;
  body: { kind: string; text: string }[];
}

interface LinkedArticle {
  slug: string;
  title: string;
  canonicalUrl: string | null;
  originalUrl: string | null;
}

/** An organization as EmbedOrganizationCard returns it. */
export interface OrganizationCardData {
  slug: string;
  name: string;
  ancestors: { slug: string; name: string }[];
  achievements: {
    totalCount: number;
    edges: {
      node: { title: string; level: string | null; date: string | null; citations: { excerpt: string; article: LinkedArticle }[] };
    }[];
  };
}

/** A series as EmbedSeriesCard returns it. */
export interface SeriesCardData {
  slug: string;
  title: string;
  publisher: { name: string } | null;
  articles: {
    totalCount: number;
    edges: { node: LinkedArticle & { episode: number | null; publishedAt: string | null } }[];
  };
}

const LEVELS: Record<string, string> = { NATIONAL: '国家级', PROVINCIAL: '省级', MUNICIPAL: '市级', DISTRICT: '区县级' };

const CSS = `:root{color-scheme:light;--bg:#fff;--fg:#1f2328;--muted:#5a6370;--line:#d8dee4;--accent:#0a58ca;--chip:#eef1f5}
:root[data-theme=dark]{color-scheme:dark;--bg:#17191e;--fg:#e7e9ec;--muted:#a0a9b4;--line:#343a42;--accent:#8ab4f8;--chip:#262b33}
@media (prefers-color-scheme:dark){:root[data-theme=auto]{color-scheme:dark;--bg:#17191e;--fg:#e7e9ec;--muted:#a0a9b4;--line:#343a42;--accent:#8ab4f8;--chip:#262b33}}
*{box-sizing:border-box;margin:0;padding:0}
html{background:var(--bg);color:var(--fg);font:15px/1.75 system-ui,-apple-system,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif;-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{padding:14px 18px;overflow-wrap:anywhere;line-break:strict;word-break:normal}
h1{font-size:1.22em;line-height:1.45;font-weight:600;margin:.15em 0 .35em}
p{margin:.45em 0;text-align:justify}
a{color:var(--accent);text-decoration:none}a:hover,a:focus{text-decoration:underline}
.meta,.crumbs,footer,.date{color:var(--muted);font-size:.86em}
.crumbs span+span:before{content:" › "}
ol,ul{list-style:none}
.series ol{max-height:26em;overflow-y:auto;overscroll-behavior:contain}
li{padding:.45em 0;border-top:1px solid var(--line)}
.chip{display:inline-block;padding:0 .45em;margin-right:.4em;border-radius:4px;background:var(--chip);font-size:.8em;line-height:1.7}
.no{display:inline-block;min-width:3.2em;color:var(--muted);font-size:.86em}
blockquote{margin:.3em 0 0;padding-left:.7em;border-left:3px solid var(--line);font-size:.92em}
blockquote cite{display:block;font-style:normal;color:var(--muted);font-size:.9em}
footer{margin-top:.6em;padding-top:.45em;border-top:1px solid var(--line);display:flex;flex-wrap:wrap;justify-content:space-between;gap:.2em 1em}
.error h1{font-size:1.05em}
@media (max-width:400px){html{font-size:14px}body{padding:10px 12px}}`;

// Sends the card's height to the framing page, with the per-embed secret from the URL fragment
// (never sent to the server). The page's listener (oembed.ts) checks origin, frame and secret.
const SCRIPT = `(function(){var m=/[#&]secret=([A-Za-z0-9_-]{8,64})/.exec(location.hash);if(!m||parent===window)return;var s=m[1],last=0;function send(){var h=Math.ceil(document.documentElement.getBoundingClientRect().height);if(h!==last){last=h;parent.postMessage({type:"cf-embed:height",height:h,secret:s},"*")}}if(window.ResizeObserver)new ResizeObserver(send).observe(document.documentElement);addEventListener("load",send);send()})();`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The CSP sources that allow the cards' inline stylesheet and script, and nothing else. */
export const CARD_STYLE_SOURCE = sha256(CSS);
export const CARD_SCRIPT_SOURCE = sha256(SCRIPT);

/** A date (YYYY-MM-DD) or a timestamp, as 2024年5月1日 (timestamps on Beijing time). */
export function chineseDate(value: string | null): string | null {
  if (!value) return null;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : new Date(new Date(value).getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  const [y, m, d] = day.split('-').map(Number);
  return Number.isFinite(y) ? `${y}年${m}月${d}日` : null;
}

/** A link to the article's original copy when it has an absolute URL, else its title as text. */
function articleLink(article: LinkedArticle, text = clip(article.title, LIMITS.title)): string {
  const href = safeHref(article.canonicalUrl, LIMITS.href) ?? safeHref(article.originalUrl, LIMITS.href);
  return href ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${escapeHtml(text)}</a>` : escapeHtml(text);
}

interface PageParts {
  lang: string;
  title: string;
  theme: Theme;
  /** The oEmbed discovery URL for this card. */
  oembedUrl: string | null;
  bodyClass: string;
  body: string;
  footer: string;
}

function page({ lang, title, theme, oembedUrl, bodyClass, body, footer }: PageParts): string {
  const discovery = oembedUrl
    ? `<link rel="alternate" type="application/json+oembed" href="${escapeHtml(oembedUrl)}" title="${escapeHtml(title)}">`
    : '';
  return `<!doctype html>
<html lang="${escapeHtml(lang)}" data-theme="${theme}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
${discovery}
<style>${CSS}</style>
</head>
<body class="${bodyClass}">
${body}
<footer>${footer}</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

export interface RenderOptions {
  theme: Theme;
  oembedUrl: string | null;
  providerName: string;
}

export function renderArticleCard(article: ArticleCardData, { theme, oembedUrl, providerName }: RenderOptions): string {
  const first = article.body.find((block) => block.kind === 'PARAGRAPH') ?? article.body[0];
  const series = article.series
    ? `<div class="meta">${escapeHtml(clip(article.series.title, LIMITS.title))}${article.episode != null ? ` · 第 ${article.episode} 篇` : ''}</div>`
    : '';
  const byline = [article.attribution, chineseDate(article.publishedAt)].filter(Boolean).map((t) => escapeHtml(t!)).join(' · ');
  const href = safeHref(article.canonicalUrl, LIMITS.href) ?? safeHref(article.originalUrl, LIMITS.href);
  const original = href
    ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">阅读原文 →</a>`
    : article.originalUrl
      ? `<span>原文：${escapeHtml(clip(article.originalUrl, LIMITS.title))}</span>`
      : '';
  return page({
    lang: article.language || 'zh-CN',
    title: article.title,
    theme,
    oembedUrl,
    bodyClass: 'card article',
    body: `<article>
${series}<h1>${articleLink(article)}</h1>
${byline ? `<div class="meta">${byline}</div>` : ''}
${first ? `<p>${escapeHtml(clip(first.text, LIMITS.paragraph))}</p>` : ''}
</article>`,
    footer: `${original}<span>${escapeHtml(providerName)}</span>`,
  });
}

export function renderOrganizationCard(organization: OrganizationCardData, { theme, oembedUrl, providerName }: RenderOptions): string {
  const crumbs = organization.ancestors.length
    ? `<nav class="crumbs" aria-label="上级机构">${organization.ancestors.map((a) => `<span>${escapeHtml(clip(a.name, LIMITS.title))}</span>`).join('')}</nav>`
    : '';
  const items = organization.achievements.edges.map(({ node }) => {
    const level = node.level && LEVELS[node.level] ? `<span class="chip">${LEVELS[node.level]}</span>` : '';
    const date = chineseDate(node.date);
    const evidence = node.citations
      .slice(0, LIMITS.citationsPerAchievement)
      .map((c) => `<blockquote>“${escapeHtml(clip(c.excerpt, LIMITS.excerpt))}”<cite>—— ${articleLink(c.article)}</cite></blockquote>`)
      .join('');
    return `<li>${level}${date ? `<span class="date">${date}</span>` : ''}<div>${escapeHtml(clip(node.title, LIMITS.title))}</div>${evidence}</li>`;
  });
  const total = organization.achievements.totalCount;
  return page({
    lang: 'zh-CN',
    title: organization.name,
    theme,
    oembedUrl,
    bodyClass: 'card organization',
    body: `${crumbs}<h1>${escapeHtml(clip(organization.name, LIMITS.title))}</h1>
${items.length ? `<ul>${items.join('\n')}</ul>` : '<p class="meta">暂无成就记录</p>'}`,
    footer: `<span>${items.length ? `最新 ${items.length} 项，共 ${total} 项成就` : ''}</span><span>${escapeHtml(providerName)}</span>`,
  });
}

export function renderSeriesCard(series: SeriesCardData, { theme, oembedUrl, providerName }: RenderOptions): string {
  const items = series.articles.edges.map(({ node }) => {
    const date = chineseDate(node.publishedAt);
    const number = node.episode != null ? `<span class="no">第 ${node.episode} 篇</span>` : '';
    return `<li>${number}${articleLink(node)}${date ? ` <span class="date">${date}</span>` : ''}</li>`;
  });
  const more = series.articles.totalCount - items.length;
  const meta = [series.publisher?.name, `共 ${series.articles.totalCount} 篇`].filter(Boolean).map((t) => escapeHtml(t!)).join(' · ');
  return page({
    lang: 'zh-CN',
    title: series.title,
    theme,
    oembedUrl,
    bodyClass: 'card series',
    body: `<h1>${escapeHtml(clip(series.title, LIMITS.title))}</h1>
<div class="meta">${meta}</div>
${items.length ? `<ol>${items.join('\n')}</ol>` : '<p class="meta">暂无文章</p>'}`,
    footer: `<span>${more > 0 ? `另有 ${more} 篇未列出` : ''}</span><span>${escapeHtml(providerName)}</span>`,
  });
}

/** The small page every refused or failed card request gets: its status, in words. */
export function renderErrorCard(status: number, headline: string, detail: string, theme: Theme = 'auto'): string {
  return page({
    lang: 'zh-CN',
    title: headline,
    theme,
    oembedUrl: null,
    bodyClass: 'card error',
    body: `<h1>${escapeHtml(headline)}</h1>\n<p class="meta">${escapeHtml(detail)}</p>`,
    footer: `<span>HTTP ${status}</span>`,
  });
}
