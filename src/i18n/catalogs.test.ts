import { describe, expect, it } from 'vitest';
import { defaultSettings, settingsSchema } from '../core/settings';
import { CATALOGS, TEXT_GROUPS, isTextKey } from './catalogs';
import { LANGUAGES } from './languages';

/**
 * The catalogs themselves: a translation keeps exactly the English text's placeholders (a
 * translator who drops `{name}` or writes `{nombre}` shows the customer a gap or a brace), names a
 * text English has, and is never blank.
 */

const PLURAL = /_(zero|one|two|few|many|other)$/;
const placeholders = (text: string) => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();

/** English's text for a key, or for a plural form English lacks its `_other`. */
function englishFor(en: Record<string, string>, key: string): string | undefined {
  return en[key] ?? (PLURAL.test(key) ? en[key.replace(PLURAL, '_other')] : undefined);
}

const translations = TEXT_GROUPS.flatMap((group) =>
  LANGUAGES.filter((l) => l !== 'en').flatMap((lang) =>
    Object.entries((CATALOGS[group].others as Record<string, Record<string, string>>)[lang] ?? {}).map(([key, text]) => ({ group, lang, key, text })),
  ),
);

describe('every translation', () => {
  it('names a text English has', () => {
    const unknown = translations.filter((t) => englishFor(CATALOGS[t.group].en as Record<string, string>, t.key) === undefined).map((t) => `${t.lang} ${t.group}.${t.key}`);
    expect(unknown).toEqual([]);
  });

  it('keeps the English placeholders, and adds none ({n} may be said in words in the zero, one and two forms)', () => {
    const wrong: string[] = [];
    for (const t of translations) {
      const english = englishFor(CATALOGS[t.group].en as Record<string, string>, t.key);
      if (english === undefined) continue;
      const want = placeholders(english);
      const have = placeholders(t.text);
      const mayDrop = /_(zero|one|two)$/.test(t.key) ? ['n'] : [];
      const missing = want.filter((p) => !have.includes(p) && !mayDrop.includes(p));
      const extra = have.filter((p) => !want.includes(p));
      if (missing.length || extra.length) wrong.push(`${t.lang} ${t.group}.${t.key}: ${missing.map((p) => `-{${p}}`).concat(extra.map((p) => `+{${p}}`)).join(' ')}`);
    }
    expect(wrong).toEqual([]);
  });

  it('is not blank', () => {
    expect(translations.filter((t) => t.text.trim() === '').map((t) => `${t.lang} ${t.group}.${t.key}`)).toEqual([]);
  });

  it('has a plural family with its `_other` in English', () => {
    for (const group of TEXT_GROUPS) {
      const en = CATALOGS[group].en as Record<string, string>;
      for (const key of Object.keys(en)) if (PLURAL.test(key)) expect(en[key.replace(PLURAL, '_other')], `${group}.${key}`).toBeDefined();
    }
  });

  it('English is complete and never blank', () => {
    for (const group of TEXT_GROUPS) for (const [key, text] of Object.entries(CATALOGS[group].en)) expect(text.trim(), `${group}.${key}`).not.toBe('');
  });
});

describe('the settings refuse texts and languages that do not exist', () => {
  const base = defaultSettings({ aiConfidenceThreshold: 0.5 });
  const check = (patch: object) => settingsSchema.safeParse({ ...base, ...patch }).success;

  it('an override key must name a text (or a plural form of one)', () => {
    expect(check({ textOverrides: { es: { 'widget.send': 'Enviar' } } })).toBe(true);
    expect(check({ textOverrides: { ar: { 'widget.openChatUnread_few': '{n}' } } })).toBe(true);
    expect(check({ textOverrides: { es: { 'widget.nope': 'x' } } })).toBe(false);
    expect(check({ textOverrides: { es: { 'nogroup.send': 'x' } } })).toBe(false);
    expect(check({ textOverrides: { es: { send: 'x' } } })).toBe(false);
    expect(check({ textOverrides: { es: { 'widget.send_few': 'x' } } })).toBe(false);
    expect(check({ textOverrides: { es: { 'widget.__proto__': 'x' } } })).toBe(false);
    expect(check({ textOverrides: { es: { 'widget.send': 'x'.repeat(1001) } } })).toBe(false);
    expect(isTextKey('widget.')).toBe(false);
    expect(isTextKey('.send')).toBe(false);
  });

  it('languages must be ones we speak', () => {
    expect(check({ textOverrides: { xx: { 'widget.send': 'x' } } })).toBe(false);
    expect(check({ textOverrides: { 'pt-br': { 'widget.send': 'x' } } })).toBe(false);
    expect(check({ defaultLanguage: 'ja' })).toBe(false);
    expect(check({ workspaceLanguage: 'pt' })).toBe(false);
    expect(check({ defaultLanguage: 'pt-BR', workspaceLanguage: 'ar' })).toBe(true);
  });
});
