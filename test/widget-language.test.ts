/**
 * The widget's language (issue 22): GET /api/widget/config negotiates it from the embed's `lang` and
 * the browser's `langs` (capped, junk ignored) and carries that one language's texts; GET
 * /api/widget/texts gives widget-later.js its own. Every text exists in every language, and a text a
 * language lacks is English's, never empty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { widgetLanguage, widgetTexts } from '../src/gateway/widget-language';
import { CATALOGS, type Catalogs } from '../src/i18n/catalogs';
import { laterTexts } from '../src/i18n/catalogs/later';
import { widgetTexts as widgetCatalog } from '../src/i18n/catalogs/widget';
import { LANGUAGES } from '../src/i18n/languages';
import { Localizer } from '../src/i18n/localizer';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.stop();
  removeDir(t.dir);
});

type Config = { lang: string; dir: string; title: string; greeting: string; handoffMessage: string; texts: Record<string, string>; theme: unknown; primaryColor: string };
const config = async (query: string): Promise<Config> => (await fetch(`${t.url}/api/widget/config${query}`)).json() as Promise<Config>;
const langOf = async (query: string) => (await config(query)).lang;

describe('the widget config in the customer\'s language', () => {
  it("takes the browser's first language we speak, the embed's choice over it, the admins' default otherwise", async () => {
    expect(await langOf('')).toBe('en');
    expect(await langOf('?langs=ja,es-MX,fr')).toBe('es');
    expect(await langOf('?langs=pt-PT')).toBe('pt-BR');
    expect(await langOf('?langs=ar-EG,en')).toBe('ar');
    expect(await langOf('?lang=fr&langs=es,de')).toBe('fr');
    // An embed's language we do not speak: the browser's.
    expect(await langOf('?lang=ja&langs=de-AT')).toBe('de');
    expect(await langOf('?langs=ja,zh-CN')).toBe('en');
  });

  it('ignores junk, repeated parameters and more languages than a browser sends', async () => {
    expect(await langOf(`?langs=${encodeURIComponent(`<script>,,*,${'a'.repeat(100)},e$,fr`)}`)).toBe('fr');
    // Ten tags are read; an eleventh is not.
    expect(await langOf(`?langs=${[...Array(10).fill('ja'), 'es'].join(',')}`)).toBe('en');
    expect(await langOf(`?langs=${[...Array(9).fill('ja'), 'es'].join(',')}`)).toBe('es');
    // A repeated parameter (an array to the server) is ignored, as is one far too long.
    expect(await langOf('?lang=fr&lang=de&langs=es')).toBe('es');
    expect(await langOf(`?langs=${'es,'.repeat(200)}`)).toBe('en');
    expect(await langOf(`?lang=${'f'.repeat(40)}`)).toBe('en');
    const res = await fetch(`${t.url}/api/widget/config?lang=%ZZ&langs=%00`);
    expect(res.status).toBeLessThan(500);
  });

  it("carries that language's texts, direction, title and messages, beside the fields it always had", async () => {
    const es = await config('?langs=es-MX');
    expect(es).toMatchObject({ lang: 'es', dir: 'ltr', title: widgetCatalog.others.es.title, primaryColor: expect.any(String), theme: expect.any(Object) });
    expect(es.texts.send).toBe('Enviar');
    expect(es.texts.human).toBe('Hablar con una persona');
    expect(es.handoffMessage).toBe(new Localizer(t.app.settings).t('es', 'chat', 'handoff'));
    const ar = await config('?lang=ar');
    expect(ar).toMatchObject({ lang: 'ar', dir: 'rtl' });
    expect(ar.texts.openChatUnread_two).toBe((widgetCatalog.others.ar as Record<string, string>).openChatUnread_two);
    // Only the language in use: every text of the group, no other language's.
    expect(Object.keys(es.texts).sort()).toEqual(Object.keys(widgetCatalog.en).sort());
    // English: the admins' own title and greeting (the settings are the default language's texts).
    const en = await config('?langs=en-GB');
    expect(en).toMatchObject({ title: t.app.settings.get().widgetTitle, greeting: t.app.settings.get().widgetGreeting });
    expect(en.texts.title).toBe(t.app.settings.get().widgetTitle);
  });

  it("follows the admins' default, their switch for detection and their overrides", async () => {
    try {
      t.app.settings.update({ defaultLanguage: 'fr' }, null);
      expect(await langOf('?langs=ja')).toBe('fr');
      t.app.settings.update({ detectLanguage: false }, null);
      expect(await langOf('?langs=es')).toBe('fr');
      // The embed's choice still counts: the site asked for it.
      expect(await langOf('?lang=de&langs=es')).toBe('de');
      t.app.settings.update({ textOverrides: { es: { 'widget.send': 'Mandar', 'later.emailSubmit': 'Avísame' } } }, null);
      expect((await config('?lang=es')).texts.send).toBe('Mandar');
      const later = (await (await fetch(`${t.url}/api/widget/texts?lang=es`)).json()) as { texts: Record<string, string> };
      expect(later.texts.emailSubmit).toBe('Avísame');
    } finally {
      t.app.settings.update({ defaultLanguage: 'en', detectLanguage: true, textOverrides: {} }, null);
    }
  });
});

describe("widget-later.js's texts", () => {
  it('come in the language asked for, with the same CORS and cache as the config', async () => {
    const res = await fetch(`${t.url}/api/widget/texts?lang=ar`, { headers: { origin: 'https://shop.example.com' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(res.headers.get('content-encoding')).toBe('gzip'); // fetch asked for it (and unpacks it)
    const body = (await res.json()) as { lang: string; dir: string; texts: Record<string, string> };
    // With the upload limit the attachments check before sending (MAX_UPLOAD_MB, 10 by default).
    expect(body).toMatchObject({ lang: 'ar', dir: 'rtl', maxUploadMb: 10 });
    expect(body.texts.star_two).toBe((laterTexts.others.ar as Record<string, string>).star_two);
    expect(Object.keys(body.texts)).toEqual(expect.arrayContaining(Object.keys(laterTexts.en)));
    const junk = (await (await fetch(`${t.url}/api/widget/texts?lang=%3Cscript%3E`)).json()) as { lang: string; texts: Record<string, string> };
    expect(junk.lang).toBe('en');
    expect(junk.texts.star_one).toBe('{n} star');
  });
});

describe('the widget catalogs', () => {
  it('have every text in every language, Arabic with all its plural forms', () => {
    for (const catalog of [widgetCatalog, laterTexts]) {
      const keys = Object.keys(catalog.en);
      for (const lang of LANGUAGES) {
        if (lang === 'en') continue;
        const own = catalog.others[lang] as Record<string, string | undefined>;
        for (const key of keys) expect(own[key]?.trim(), `${lang} ${key}`).toBeTruthy();
        // The same placeholders as English (a plural form may say its number in words: "رسالتان").
        for (const key of keys) expect(placeholders(key, own[key]!), `${lang} ${key}`).toEqual(placeholders(key, (catalog.en as Record<string, string>)[key]!));
      }
      for (const key of keys.filter((k) => k.endsWith('_other'))) {
        const base = key.slice(0, -'_other'.length);
        for (const form of ['zero', 'one', 'two', 'few', 'many']) expect((catalog.others.ar as Record<string, string>)[`${base}_${form}`], `ar ${base}_${form}`).toBeTruthy();
      }
    }
  });

  it("fall back to English for a text a language lacks, never to an empty string or the key", () => {
    const { send: _send, ...esWithoutSend } = CATALOGS.widget.others.es;
    const { emailSubmit: _submit, ...frWithoutSubmit } = CATALOGS.later.others.fr;
    const catalogs = {
      ...CATALOGS,
      widget: { ...CATALOGS.widget, others: { ...CATALOGS.widget.others, es: { ...esWithoutSend, close: '  ' } } },
      later: { ...CATALOGS.later, others: { ...CATALOGS.later.others, fr: frWithoutSubmit } },
    } as Catalogs;
    const localizer = new Localizer(t.app.settings, catalogs);
    const es = widgetTexts(localizer, widgetLanguage(localizer, { langs: 'es-ES' }));
    expect(es.lang).toBe('es');
    expect(es.texts.send).toBe('Send');
    expect(es.texts.close).toBe('Close');
    expect(es.texts.human).toBe('Hablar con una persona');
    expect(localizer.group('fr', 'later').emailSubmit).toBe('Notify me');
    for (const text of Object.values(es.texts)) expect(text.trim()).not.toBe('');
  });
});

function placeholders(key: string, text: string): string[] {
  const names = [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return (/_(zero|one|two|few|many|other)$/.test(key) ? names.filter((n) => n !== 'n') : names).sort();
}
