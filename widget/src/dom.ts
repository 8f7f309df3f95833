/** Tiny DOM helpers. Text only ever goes in through textContent / text nodes, never innerHTML. */

type Props = Record<string, string | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (key === 'class') el.className = String(value);
    else if (key === 'text') el.textContent = String(value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  el.append(...children);
  return el;
}

export function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible;
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
    let href: string | null = null;
    try {
      const url = new URL(raw);
      if (url.protocol === 'https:' || url.protocol === 'http:') href = url.href;
    } catch {
      href = null;
    }
    if (!href) continue;
    frag.append(text.slice(last, at), h('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow', text: raw }));
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
