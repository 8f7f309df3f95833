import type { Settings } from '../core/settings';
import { CATALOGS, type Catalogs, type TextGroup, type TextKey } from './catalogs';
import { LANGUAGE_INFO, isLanguage, matchLanguage, negotiate, type Language } from './languages';

export type TextVars = Readonly<Record<string, string | number>>;

/** Settings texts that are also catalog texts: in the admins' default language the setting is the text. */
export const SETTING_TEXTS: Partial<Record<`${TextGroup}.${string}`, keyof Settings>> = {
  'widget.title': 'widgetTitle',
  'widget.greeting': 'widgetGreeting',
  'chat.handoff': 'handoffMessage',
  'chat.introduction': 'agentIntroduction',
  'chat.queued': 'queuedMessage',
};

/** `{name}` → vars.name; a placeholder without a value is left as written. */
export function fill(text: string, vars?: TextVars): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole));
}

const pluralRules = new Map<Language, Intl.PluralRules>();
function pluralCategory(lang: Language, n: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(lang);
  if (!rules) pluralRules.set(lang, (rules = new Intl.PluralRules(lang)));
  return rules.select(n);
}

/**
 * Every text a customer reads, in their language. A text is, first found: the admins' override for
 * that language (settings `textOverrides`, edited in the settings modal), the settings' own text
 * (title, greeting, handoff / introduction / queued messages) in the admins' default language, the
 * language's catalog, English. Never empty: a blank anywhere is skipped.
 */
export class Localizer {
  constructor(
    private readonly settings: { get(): Readonly<Settings> },
    private readonly catalogs: Catalogs = CATALOGS,
  ) {}

  /** One text with its placeholders filled. Unknown language (null, junk): the admins' default. */
  t<G extends TextGroup>(lang: string | null | undefined, group: G, key: TextKey<G>, vars?: TextVars): string {
    return fill(this.raw(this.language(lang), group, key), vars);
  }

  /** A plural text (`key_one`, `key_other`, …) for `n`, with `{n}` and the other placeholders filled. */
  plural<G extends TextGroup>(lang: string | null | undefined, group: G, base: string, n: number, vars?: TextVars): string {
    const l = this.language(lang);
    const key = `${base}_${pluralCategory(l, n)}`;
    const en = this.catalogs[group].en as Record<string, string>;
    const chosen = this.has(l, group, key) || key in en ? key : `${base}_other`;
    return fill(this.raw(l, group, chosen as TextKey<G>), { n, ...vars });
  }

  /**
   * A whole group for one language, complete (every English key, and the language's own plural
   * forms), placeholders left for the caller: what the widget receives.
   */
  group(lang: string | null | undefined, group: TextGroup): Record<string, string> {
    const l = this.language(lang);
    const keys = new Set([...Object.keys(this.catalogs[group].en), ...(l === 'en' ? [] : Object.keys(this.catalogs[group].others[l]))]);
    const overrides = this.settings.get().textOverrides?.[l] ?? {};
    for (const full of Object.keys(overrides)) if (full.startsWith(`${group}.`)) keys.add(full.slice(group.length + 1));
    const out: Record<string, string> = {};
    for (const key of keys) out[key] = this.raw(l, group, key as TextKey<typeof group>);
    return out;
  }

  /** A language we speak for `lang`, else the admins' default. */
  language(lang: string | null | undefined): Language {
    if (isLanguage(lang)) return lang;
    return matchLanguage(lang) ?? this.settings.get().defaultLanguage;
  }

  /**
   * The widget's language: the embed's choice (`override`) when we speak it, else (when admins leave
   * detection on) the first of the browser's languages we speak, else the admins' default.
   */
  negotiate(input: { override?: string | null; accepted?: readonly unknown[] }): Language {
    const s = this.settings.get();
    const chosen = matchLanguage(input.override);
    if (chosen) return chosen;
    return s.detectLanguage ? negotiate(input.accepted ?? [], s.defaultLanguage) : s.defaultLanguage;
  }

  dir(lang: Language): 'ltr' | 'rtl' {
    return LANGUAGE_INFO[lang].dir;
  }

  private has(lang: Language, group: TextGroup, key: string): boolean {
    const own = lang === 'en' ? undefined : (this.catalogs[group].others[lang] as Record<string, string | undefined>)[key];
    return Boolean(own?.trim() || this.settings.get().textOverrides?.[lang]?.[`${group}.${key}`]?.trim());
  }

  private raw(lang: Language, group: TextGroup, key: string): string {
    const s = this.settings.get();
    const full = `${group}.${key}` as const;
    const override = s.textOverrides?.[lang]?.[full];
    if (override?.trim()) return override;
    const setting = SETTING_TEXTS[full];
    if (setting && lang === s.defaultLanguage) {
      const value = s[setting];
      if (typeof value === 'string' && value.trim()) return value;
    }
    const catalog = this.catalogs[group];
    const own = lang === 'en' ? undefined : (catalog.others[lang] as Record<string, string | undefined>)[key];
    if (own?.trim()) return own;
    // A plural form the language lacks (Arabic without `_one`) is its own `_other`, not English's form.
    const form = lang === 'en' ? null : /_(zero|one|two|few|many)$/.exec(key);
    if (form) {
      const other = `${key.slice(0, form.index)}_other`;
      const ownOther = [s.textOverrides?.[lang]?.[`${group}.${other}`], (catalog.others as Record<string, Record<string, string | undefined> | undefined>)[lang]?.[other]].find((t) => t?.trim());
      if (ownOther) return ownOther;
    }
    const en = (catalog.en as Record<string, string | undefined>)[key];
    // A key only an override or another language has (a plural form English lacks): English's `_other`.
    return en?.trim() ? en : ((catalog.en as Record<string, string | undefined>)[key.replace(/_(zero|one|two|few|many)$/, '_other')] ?? key);
  }
}
