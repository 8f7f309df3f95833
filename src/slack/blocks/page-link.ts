/**
 * The page a visitor is on, as Slack mrkdwn. Pure functions, no I/O.
 *
 * Both the title and the URL come from the visitor's browser (the widget's hello and
 * `HandoffWidget.setPage`), so neither may shape a link: a title saying
 * "https://ws.slack.com/admin/billing" over a link to https://evil.example/phish is a phishing
 * lure in our own card. So the title is only ever escaped plain text, and an http(s) URL is linked
 * with its own address as the label (the host always whole, punycode for international names);
 * any other URL (javascript:, data:, credentials, unparsable, too long) is text, never a link.
 */
import { escapeForSlack, truncateEscaped } from '../text';

/** A longer URL is shown as text, not linked: the link would dominate the message. */
export const MAX_LINK_URL = 1000;

const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;

/**
 * Escaped, on one line, cut to `max`. A value carrying bidi controls is wrapped in an isolate
 * (FSI…PDI) so it cannot reorder our own words after it; the value itself is kept as typed.
 */
function inline(text: string, max: number): string {
  const value = truncateEscaped(escapeForSlack(text.replace(/[\r\n\u2028\u2029\t]+/g, ' ').replace(/ {2,}/g, ' ').trim()), max);
  return BIDI_CONTROL.test(value) ? `\u2068${value}\u2069` : value;
}

/** The URL when it may be a link: http(s), no credentials; parsed, so its `href` is normalised. */
function parseLinkable(raw: string | null): URL | null {
  if (raw === null) return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return url;
}

/**
 * The parsed address with nothing Slack reads as markup: the URL parser percent-encodes `<`, `>`,
 * spaces and controls (and refuses them in a host); `|` (which would end a link's target) is
 * encoded here.
 */
function safeHref(url: URL): string {
  return url.href.replace(/\|/g, '%7C');
}

/** A link target only for http(s); returned ready for `<url|label>` (no `|`, `<` or `>`; entities escaped). */
export function linkableUrl(raw: string | null): string | null {
  const url = parseLinkable(raw);
  return url === null ? null : escapeForSlack(safeHref(url));
}

/**
 * The address itself as a link's label, escaped, within about `max` characters. Only the path is
 * ever cut, so the host (what tells a real site from a lookalike) is always shown; a host too long
 * for the budget keeps its end (the registered domain): `https://…ample.evil.example/…`.
 */
function urlLabel(url: URL, max: number): string {
  const href = escapeForSlack(safeHref(url));
  if (href.length <= max) return href;
  const scheme = `${url.protocol}//`;
  const host = url.host;
  const rest = escapeForSlack(safeHref(url).slice(scheme.length + host.length));
  const room = max - scheme.length - host.length;
  if (room >= 8) return `${scheme}${host}${truncateEscaped(rest, room)}`;
  const tail = Math.max(16, max - scheme.length - 4);
  const shownHost = host.length > tail ? `…${host.slice(host.length - tail)}` : host;
  return `${scheme}${shownHost}${rest === '' || rest === '/' ? rest : '/…'}`;
}

/**
 * A URL from the visitor as mrkdwn: `<href|href>` (label cut to about `labelMax`) for an http(s)
 * URL up to MAX_LINK_URL characters, else the text as typed, escaped, cut to `labelMax`; null when
 * empty.
 */
export function pageUrlMrkdwn(raw: string | null, labelMax: number): string | null {
  if (raw === null || raw.trim() === '') return null;
  const url = parseLinkable(raw);
  const href = url === null ? null : escapeForSlack(safeHref(url));
  if (url !== null && href !== null && href.length <= MAX_LINK_URL) return `<${href}|${urlLabel(url, labelMax)}>`;
  // `verbatim` on our text objects keeps Slack from linking it by itself.
  return inline(raw, labelMax);
}

/** A page title from the visitor as plain escaped text on one line, or null when empty. */
export function pageTitleMrkdwn(title: string | null, max: number): string | null {
  return title !== null && title.trim() !== '' ? inline(title, max) : null;
}

export interface PageMrkdwn {
  /** The title as escaped text, never a link. */
  title: string | null;
  /** The URL as a link labelled with itself, or as text. */
  url: string | null;
}

/** The page's title and URL, each as safe mrkdwn; builders lay them out. */
export function pageMrkdwn(page: { url: string | null; title: string | null }, budget: { title: number; url: number }): PageMrkdwn {
  return { title: pageTitleMrkdwn(page.title, budget.title), url: pageUrlMrkdwn(page.url, budget.url) };
}
