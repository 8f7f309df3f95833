import { describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../core/settings';
import { CATALOGS, type Catalogs } from './catalogs';
import { LANGUAGES } from './languages';
import { Localizer } from './localizer';

/** The texts the server writes itself (chat lines, the offline email, the reopen page), issue 22. */
const SERVER_GROUPS = ['chat', 'email', 'page'] as const;

const settings = (over: Partial<Settings> = {}) => {
  const s = { ...defaultSettings({ aiConfidenceThreshold: 0.5 }), ...over };
  return { get: () => s };
};

describe('the server’s texts', () => {
  it.each(LANGUAGES.filter((l) => l !== 'en'))('are complete in %s, placeholders kept', (lang) => {
    for (const group of SERVER_GROUPS) {
      const en = CATALOGS[group].en as Record<string, string>;
      const own = CATALOGS[group].others[lang] as Record<string, string | undefined>;
      for (const [key, text] of Object.entries(en)) {
        expect(own[key]?.trim(), `${group}.${key} in ${lang}`).toBeTruthy();
        const wanted = [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        const got = [...own[key]!.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        // A plural's one-form may say the number in words ("about a minute").
        if (!/_one$/.test(key) && !(lang === 'ar' && /_(one|two)$/.test(key))) expect(got, `${group}.${key} in ${lang}`).toEqual(wanted);
      }
    }
  });

  it('falls back to English for a chat text a language lacks, never to an empty string', () => {
    const es = { ...CATALOGS.chat.others.es } as Record<string, string | undefined>;
    delete es.notSure;
    es.filesOnly = '   ';
    const catalogs = { ...CATALOGS, chat: { ...CATALOGS.chat, others: { ...CATALOGS.chat.others, es } } } as Catalogs;
    const localizer = new Localizer(settings(), catalogs);
    expect(localizer.t('es', 'chat', 'notSure')).toBe(CATALOGS.chat.en.notSure);
    expect(localizer.t('es', 'chat', 'filesOnly')).toBe(CATALOGS.chat.en.filesOnly);
    expect(localizer.t('es', 'chat', 'greeting')).toBe(CATALOGS.chat.others.es.greeting);
  });

  it('chooses Arabic’s plural forms for a wait and an expiry', () => {
    const localizer = new Localizer(settings());
    expect(localizer.plural('ar', 'chat', 'waitMinutes', 2)).toBe('نحو دقيقتين');
    expect(localizer.plural('ar', 'chat', 'waitMinutes', 5)).toBe('نحو 5 دقائق');
    expect(localizer.plural('ar', 'email', 'linkWorks', 7)).toBe('هذا الرابط صالح لمدة 7 أيام.');
    expect(localizer.plural('de', 'chat', 'waitMinutes', 1)).toBe('etwa eine Minute');
  });
});
