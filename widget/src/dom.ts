/** Tiny DOM helpers. Text only ever goes in through textContent / text nodes, never as markup. */
import { label } from './texts';

/**
 * Attributes (`class` too), and `text`: the element's text. A `$`-prop names a text of the catalog:
 * `$text` the element's text, `$aria-label` that attribute, … kept in the customer's language.
 */
type Props = Record<string, string>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'text') el.textContent = value;
    else if (key[0] === '$') label(el, value, key === '$text' ? '' : key.slice(1));
    else el.setAttribute(key, value);
  }
  el.append(...children);
  return el;
}

/** Sets an element's text only when it changes (live regions and screen readers announce every change). */
export function say(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible;
}

/** An absolute http(s) URL, or null: no javascript:, data: or relative tricks reach an href or src. */
export function safeUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/g;

/** Plain text with http(s) URLs turned into links; everything else stays text. */
export function linkify(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    // Trailing punctuation belongs to the sentence, not the link.
    const raw = match[0].replace(/[.,;:!?)\]]+$/, '');
    const at = match.index ?? 0;
    const href = safeUrl(raw);
    if (!href) continue;
    frag.append(text.slice(last, at), h('a', { href, target: '_blank', rel: 'noopener noreferrer', text: raw }));
    last = at + raw.length;
  }
  frag.append(text.slice(last));
  return frag;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A 24×24 stroke icon from one path, built with DOM calls (no markup parsing). */
export function icon(d: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}

// Dark enough for white initials (AA) and distinct from each other.
const AVATAR_COLOURS = ['#0f766e', '#7c3aed', '#b45309', '#be185d', '#1d4ed8', '#15803d', '#c2410c', '#4338ca'];

/** A round avatar: the picture when it loads, the initials on a colour picked from the name otherwise. */
export function avatar(name: string, url?: string): HTMLElement {
  const initials = name
    .trim()
    .split(/\s+/)
    .slice(0, 2)
    .map((w) => Array.from(w)[0] ?? '')
    .join('')
    .toUpperCase();
  const el = h('span', { class: 'av', 'aria-hidden': 'true', text: initials || '?' });
  let sum = 0;
  for (const ch of name) sum = (sum * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  el.style.setProperty('--av', AVATAR_COLOURS[sum % AVATAR_COLOURS.length]!);
  const src = safeUrl(url);
  if (src) {
    const img = h('img', { alt: '', src, referrerpolicy: 'no-referrer', decoding: 'async' });
    img.addEventListener('error', () => img.remove());
    el.append(img);
  }
  return el;
}

/**
 * Styles for a shadow root, as a constructed stylesheet so a page with a strict CSP (style-src
 * without 'unsafe-inline') still styles it; a <style> element only for browsers without adoptedStyleSheets.
 */
export function addStyles(root: ShadowRoot, css: string): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return;
  } catch {
    // Older browsers: fall through to a <style> element.
  }
  root.append(h('style', { text: css }));
}
