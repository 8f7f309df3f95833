/**
 * The languages Handoff speaks to customers, and how one is chosen from what a browser asks for.
 * Adding a language: its code here (BCP 47, as browsers send it), its name and direction in
 * LANGUAGE_INFO, and its texts in each file of src/i18n/catalogs/ (a missing text falls back to
 * English). README "The customer's language" says the same.
 */
export const LANGUAGES = ['en', 'es', 'fr', 'de', 'pt-BR', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface LanguageInfo {
  /** Its name in English (Slack, for agents and admins). */
  name: string;
  /** Its name in itself (what a customer picking it reads). */
  native: string;
  dir: 'ltr' | 'rtl';
}

export const LANGUAGE_INFO: Record<Language, LanguageInfo> = {
  en: { name: 'English', native: 'English', dir: 'ltr' },
  es: { name: 'Spanish', native: 'Español', dir: 'ltr' },
  fr: { name: 'French', native: 'Français', dir: 'ltr' },
  de: { name: 'German', native: 'Deutsch', dir: 'ltr' },
  'pt-BR': { name: 'Portuguese (Brazil)', native: 'Português (Brasil)', dir: 'ltr' },
  ar: { name: 'Arabic', native: 'العربية', dir: 'rtl' },
};

const BY_LOWER = new Map<string, Language>(LANGUAGES.map((l) => [l.toLowerCase(), l]));
/** A primary subtag alone (`pt`, `es-MX` → `es`) goes to the one language of that family. */
const BY_PRIMARY = new Map<string, Language>(LANGUAGES.map((l) => [l.split('-')[0]!.toLowerCase(), l]));

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The supported language a tag names: exact (case-insensitive, `_` read as `-`), else its primary
 * subtag's (`es-MX` → `es`, `pt-PT` → `pt-BR`, `ar-EG` → `ar`); null when none (`ja`, `*`, junk).
 */
export function matchLanguage(tag: unknown): Language | null {
  if (typeof tag !== 'string' || tag.length > 35) return null;
  const clean = tag.trim().replace(/_/g, '-').toLowerCase();
  if (!/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/.test(clean)) return null;
  return BY_LOWER.get(clean) ?? BY_PRIMARY.get(clean.split('-')[0]!) ?? null;
}

/** The first of the browser's languages (in its order of preference) we speak, else `fallback`. */
export function negotiate(requested: readonly unknown[], fallback: Language): Language {
  for (const tag of requested.slice(0, 20)) {
    const lang = matchLanguage(tag);
    if (lang) return lang;
  }
  return fallback;
}

/** An Accept-Language header's tags, most preferred first (q=0 left out). */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .slice(0, 500)
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag!.trim(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.tag && x.q > 0 && Number.isFinite(x.q))
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((x) => x.tag);
}

export function languageName(lang: Language): string {
  return LANGUAGE_INFO[lang].name;
}
