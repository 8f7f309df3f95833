/**
 * The widget's texts in the customer's language. None is built in: widget.js gets its texts with its
 * config, widget-later.js from /api/widget/texts (each bundle has its own copy of this module), so
 * a page loads one language's texts and the script stays small. Elements labelled through `h`'s
 * `$`-props are relabelled when the language changes (HandoffWidget.setLanguage).
 */
let texts: Record<string, string> = {};
let lang = 'en';
const labelled: [Element, string, string][] = [];

export const language = () => lang;

const put = ([el, key, attr]: [Element, string, string]) => (attr ? el.setAttribute(attr, t(key)) : (el.textContent = t(key)));

export function setTexts(code: string, next: Record<string, string>): void {
  lang = code;
  texts = next;
  labelled.forEach(put);
}

/** An element's text (attr '') or attribute that is always this key's text. */
export function label(el: Element, key: string, attr: string): void {
  labelled.push([el, key, attr]);
  put([el, key, attr]);
}

/** A text with its `{name}` placeholders filled (one without a value is left as written). */
export function t(key: string, vars?: Record<string, string | number>): string {
  return (texts[key] ?? '').replace(/\{(\w+)\}/g, (whole, name: string) => (vars && name in vars ? String(vars[name]) : whole));
}

/** `base_<plural category of n>` (Intl.PluralRules in the texts' language), else `base_other`; `{n}` is n. */
export function plural(base: string, n: number, vars?: Record<string, string | number>): string {
  const key = `${base}_${new Intl.PluralRules(lang).select(n)}`;
  return t(key in texts ? key : `${base}_other`, { n, ...vars });
}

/** The texts for a language from the server (`{ lang, dir, texts }`), or null; the server gives every text as a string. */
export function parseTexts(raw: unknown): { lang: string; dir: 'rtl' | 'ltr'; texts: Record<string, string> } | null {
  const c = raw as { lang?: unknown; dir?: unknown; texts?: Record<string, string> } | null;
  return c && typeof c.lang === 'string' && c.texts && typeof c.texts === 'object' ? { lang: c.lang.slice(0, 35), dir: c.dir === 'rtl' ? 'rtl' : 'ltr', texts: c.texts } : null;
}
