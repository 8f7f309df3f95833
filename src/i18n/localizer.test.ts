import { describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../core/settings';
import { CATALOGS, TEXT_GROUPS, type Catalogs } from './catalogs';
import { LANGUAGES, type Language } from './languages';
import { Localizer, fill } from './localizer';

/* eslint-disable @typescript-eslint/no-explicit-any */
const DEFAULTS = defaultSettings({ aiConfidenceThreshold: 0.5 });

function localizer(patch: Partial<Settings> = {}, catalogs?: Catalogs): Localizer {
  const settings = { ...DEFAULTS, ...patch };
  return new Localizer({ get: () => settings }, catalogs);
}

/** A deep copy of the catalogs to change one text in. */
function catalogsCopy(): any {
  return structuredClone(CATALOGS);
}

describe('which text wins', () => {
  it('the override, then the settings text in the default language, then the catalog, then English', () => {
    const catalogs = catalogsCopy();
    catalogs.widget.others.es.title = 'Título del catálogo';
    const overrides = { en: { 'widget.title': 'Overridden' }, es: { 'widget.title': 'Anulado' } };
    expect(localizer({ widgetTitle: 'Acme help', textOverrides: overrides }, catalogs).t('en', 'widget', 'title')).toBe('Overridden');
    expect(localizer({ widgetTitle: 'Acme help', textOverrides: overrides }, catalogs).t('es', 'widget', 'title')).toBe('Anulado');
    // No override: the settings' title, in the admins' default language only.
    expect(localizer({ widgetTitle: 'Acme help' }, catalogs).t('en', 'widget', 'title')).toBe('Acme help');
    expect(localizer({ widgetTitle: 'Acme help' }, catalogs).t('es', 'widget', 'title')).toBe('Título del catálogo');
    expect(localizer({ widgetTitle: 'Ayuda Acme', defaultLanguage: 'es' }, catalogs).t('es', 'widget', 'title')).toBe('Ayuda Acme');
    expect(localizer({ widgetTitle: 'Ayuda Acme', defaultLanguage: 'es' }, catalogs).t('en', 'widget', 'title')).toBe(CATALOGS.widget.en.title);
    // No catalog text in that language: English.
    delete catalogs.widget.others.es.title;
    expect(localizer({ widgetTitle: 'Acme help' }, catalogs).t('es', 'widget', 'title')).toBe(CATALOGS.widget.en.title);
  });

  it('the other settings texts (handoff, introduction, queued) follow the same rule', () => {
    const l = localizer({ handoffMessage: 'One moment', agentIntroduction: 'I am {name}', queuedMessage: 'Later', defaultLanguage: 'en' });
    expect(l.t('en', 'chat', 'handoff')).toBe('One moment');
    expect(l.t('en', 'chat', 'introduction', { name: 'Ada' })).toBe('I am Ada');
    expect(l.t('en', 'chat', 'queued')).toBe('Later');
    expect(l.t('de', 'chat', 'handoff')).not.toBe('One moment');
  });

  it('a blank override or settings text is skipped, never shown', () => {
    const l = localizer({ textOverrides: { en: { 'widget.send': '   ' } } });
    expect(l.t('en', 'widget', 'send')).toBe(CATALOGS.widget.en.send);
  });
});

describe('a missing text falls back to English, never to an empty string', () => {
  it.each(LANGUAGES.filter((l) => l !== 'en'))('%s: a key deleted, blank or empty', (lang) => {
    for (const group of TEXT_GROUPS) {
      const en = CATALOGS[group].en as Record<string, string>;
      const key = Object.keys(en)[0]!;
      for (const broken of [undefined, '', '   ', '\n']) {
        const catalogs = catalogsCopy();
        if (broken === undefined) delete catalogs[group].others[lang][key];
        else catalogs[group].others[lang][key] = broken;
        const l = localizer({ textOverrides: {}, defaultLanguage: 'en' }, catalogs);
        const expected = en[key];
        expect(l.t(lang, group as any, key as any)).toBe(expected);
        expect(l.group(lang, group)[key]).toBe(expected);
      }
    }
  });

  it('an unknown key gives the key itself rather than nothing', () => {
    expect(localizer().t('es', 'widget', 'noSuchText' as any)).toBe('noSuchText');
  });
});

describe('plurals', () => {
  it("Arabic: zero, one, two, few, many and other by Intl.PluralRules (0, 1, 2, 3, 11, 100)", () => {
    const catalogs = catalogsCopy();
    const forms = { zero: 'Z {n}', one: 'O {n}', two: 'T {n}', few: 'F {n}', many: 'M {n}', other: 'X {n}' };
    for (const [form, text] of Object.entries(forms)) catalogs.widget.others.ar[`openChatUnread_${form}`] = text;
    const l = localizer({}, catalogs);
    expect([0, 1, 2, 3, 11, 100].map((n) => l.plural('ar', 'widget', 'openChatUnread', n))).toEqual(['Z 0', 'O 1', 'T 2', 'F 3', 'M 11', 'X 100']);
    expect(l.plural('ar', 'widget', 'openChatUnread', 102)).toBe('X 102');
    expect(l.plural('ar', 'widget', 'openChatUnread', 1000)).toBe('X 1000');
  });

  it("a form the language lacks is its own `_other`, not English's", () => {
    const catalogs = catalogsCopy();
    for (const f of ['zero', 'one', 'two', 'few', 'many']) delete catalogs.widget.others.ar[`openChatUnread_${f}`];
    catalogs.widget.others.ar.openChatUnread_other = 'X {n}';
    const l = localizer({}, catalogs);
    expect([0, 1, 2, 3, 11, 100].map((n) => l.plural('ar', 'widget', 'openChatUnread', n))).toEqual(['X 0', 'X 1', 'X 2', 'X 3', 'X 11', 'X 100']);
  });

  it("an admin's override of one form wins for that form only", () => {
    const l = localizer({ textOverrides: { ar: { 'widget.openChatUnread_few': 'افتح {n}' } } });
    expect(l.plural('ar', 'widget', 'openChatUnread', 3)).toBe('افتح 3');
    expect(l.plural('ar', 'widget', 'openChatUnread', 11)).not.toBe('افتح 11');
  });

  it('English: one and other', () => {
    const l = localizer();
    expect(l.plural('en', 'widget', 'openChatUnread', 1)).toBe('Open chat, 1 new message');
    expect(l.plural('en', 'widget', 'openChatUnread', 0)).toBe('Open chat, 0 new messages');
    expect(l.plural('en', 'widget', 'openChatUnread', 2)).toBe('Open chat, 2 new messages');
  });
});

describe('fill', () => {
  it.each([
    ['Hi {name}', { name: 'Ada' }, 'Hi Ada'],
    ['Hi {name}, {n} new', { n: 2 }, 'Hi {name}, 2 new'],
    ['Hi {name}', undefined, 'Hi {name}'],
    ['{constructor} {toString}', {}, '{constructor} {toString}'],
    ['{n}{n}', { n: 0 }, '00'],
    ['{ name }', { name: 'x' }, '{ name }'],
    ['$& {a}', { a: '$&$1' }, '$& $&$1'],
  ])('%j with %j → %j', (text, vars, out) => {
    expect(fill(text, vars as any)).toBe(out);
  });

  it('t leaves a placeholder without a value as written', () => {
    expect(localizer().t('en', 'chat', 'introduction')).toContain('{name}');
  });
});

describe('languages', () => {
  it('an unknown or missing language is the admins’ default; a regional one its family', () => {
    const l = localizer({ defaultLanguage: 'de' });
    expect(l.language(null)).toBe('de');
    expect(l.language(undefined)).toBe('de');
    expect(l.language('klingon')).toBe('de');
    expect(l.language('es-MX')).toBe('es');
    expect(l.t('xx', 'widget', 'send')).toBe(l.t('de', 'widget', 'send'));
  });

  it('negotiate: the embed first, then the browser when detection is on, else the default', () => {
    const on = localizer({ defaultLanguage: 'fr', detectLanguage: true });
    const off = localizer({ defaultLanguage: 'fr', detectLanguage: false });
    expect(on.negotiate({ accepted: ['ja', 'es-MX'] })).toBe('es');
    expect(on.negotiate({ accepted: ['ja'] })).toBe('fr');
    expect(on.negotiate({ override: 'ar', accepted: ['es'] })).toBe('ar');
    expect(on.negotiate({ override: 'nonsense', accepted: ['de'] })).toBe('de');
    expect(off.negotiate({ accepted: ['es'] })).toBe('fr');
    expect(off.negotiate({ override: 'pt-PT', accepted: ['es'] })).toBe('pt-BR');
    expect(on.dir('ar')).toBe('rtl');
    expect(on.dir('pt-BR')).toBe('ltr');
  });
});

describe('group', () => {
  it.each(LANGUAGES)('is complete in %s: every English key, never blank', (lang: Language) => {
    const l = localizer({ textOverrides: { [lang]: { 'widget.send': 'X' } } });
    for (const group of TEXT_GROUPS) {
      const texts = l.group(lang, group);
      for (const key of Object.keys(CATALOGS[group].en)) expect(texts[key]?.trim(), `${lang} ${group}.${key}`).toBeTruthy();
      for (const [key, text] of Object.entries(texts)) expect(text.trim(), `${lang} ${group}.${key}`).not.toBe('');
    }
    expect(l.group(lang, 'widget').send).toBe('X');
  });
});
