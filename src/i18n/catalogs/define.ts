import type { Language } from '../languages';

/** A group of texts: English complete (it defines the keys), every other language a subset of them. */
export interface Catalog<K extends string = string> {
  en: Readonly<Record<K, string>>;
  others: { readonly [L in Exclude<Language, 'en'>]: Readonly<Partial<Record<K, string>>> };
}

/**
 * Texts may hold `{name}` placeholders (filled by Localizer.t) and plural families: `key_one`,
 * `key_other` (and `_zero`, `_two`, `_few`, `_many` where a language has them: Arabic does), chosen
 * with Intl.PluralRules; `_other` is always there.
 */
/** The other plural forms of a family English has as `base_other` (Arabic needs them all). */
export type PluralForms<K extends string> = K extends `${infer Base}_other` ? `${Base}_${'zero' | 'one' | 'two' | 'few' | 'many'}` : never;

export function defineCatalog<const E extends Record<string, string>>(
  en: E,
  others: { [L in Exclude<Language, 'en'>]: Partial<Record<(keyof E & string) | PluralForms<keyof E & string>, string>> },
): Catalog<keyof E & string> {
  return { en, others };
}
