import { describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../../core/settings';
import { CATALOGS, TEXT_GROUPS, type Catalogs } from '../../i18n/catalogs';
import { LANGUAGES } from '../../i18n/languages';
import { BLOCK, VIEW } from '../ids';
import { TEXTS_PER_PAGE, readableKey, textActionId, textBlockId, textEntries, textsMetadata, textsView, type TextsMetadata } from './text-overrides';
import { overrideProblem, readTextsForm, savedNotice } from './text-overrides-form';
import { validateModal } from './validate-blocks';

/* eslint-disable @typescript-eslint/no-explicit-any */
const SETTINGS: Settings = defaultSettings({ aiConfidenceThreshold: 0.5 });
const meta = (patch: Partial<TextsMetadata> = {}): TextsMetadata => ({ lang: 'es', group: 'widget', page: 0, v: 3, ...patch });

/** What Slack sends for the drawn view: each text input's value, `changes` (by key) on top. */
function submitted(view: { blocks: unknown[] }, m: TextsMetadata, changes: Record<string, string> = {}): any {
  const values: any = {};
  for (const b of view.blocks as any[]) {
    if (b.type !== 'input' || !b.block_id.startsWith(BLOCK.textsKey)) continue;
    values[b.block_id] = { [b.element.action_id]: { type: 'plain_text_input', value: b.element.initial_value ?? null } };
  }
  for (const [key, value] of Object.entries(changes)) values[textBlockId(m, key)] = { [textActionId(m, key)]: { type: 'plain_text_input', value } };
  return values;
}

describe('the customer texts modal', () => {
  it("fits Slack's limits for every group in every language", () => {
    for (const lang of LANGUAGES) {
      for (const group of TEXT_GROUPS) {
        const m = meta({ lang, group });
        const view = textsView({ settings: SETTINGS, meta: m, notice: 'Saved.' });
        expect(validateModal(view), `${lang} ${group}`).toEqual([]);
        expect(view.blocks.length).toBeLessThanOrEqual(100);
        expect(view.callback_id).toBe(VIEW.textOverrides);
        expect(textsMetadata.parse(JSON.parse(view.private_metadata!))).toEqual(m);
      }
    }
  });

  it('prefills each input with what customers read: the override, else the built-in text', () => {
    const settings = { ...SETTINGS, textOverrides: { es: { 'widget.send': 'Mandar' } } };
    const m = meta();
    const view = textsView({ settings, meta: m });
    const input = (key: string) => (view.blocks as any[]).find((b) => b.block_id === textBlockId(m, key));
    expect(input('send').element.initial_value).toBe('Mandar');
    expect(input('send').hint.text).toContain('Replaced by you');
    expect(input('close').element.initial_value).toBe(CATALOGS.widget.others.es.close ?? CATALOGS.widget.en.close);
    expect(input('close').optional).toBe(true);
    expect(input('close').element.max_length).toBe(1000);
    // In the default language the settings' title is the built-in text.
    const en = textsView({ settings, meta: meta({ lang: 'en' }) });
    const title = (en.blocks as any[]).find((b) => b.block_id === textBlockId(meta({ lang: 'en' }), 'title'));
    expect(title.element.initial_value).toBe(SETTINGS.widgetTitle);
    expect(title.hint.text).toContain('“Widget title” setting');
  });

  it("shows a plural text as the language's own forms", () => {
    const forms = (lang: (typeof LANGUAGES)[number]) => textEntries(SETTINGS, lang, 'widget').filter((e) => e.key.startsWith('openChatUnread_'));
    expect(forms('ar').map((e) => e.key)).toEqual(['zero', 'one', 'two', 'few', 'many', 'other'].map((f) => `openChatUnread_${f}`));
    expect(forms('ar').map((e) => e.label.replace(/^.* · /, ''))).toEqual(['zero (e.g. 0)', 'one (e.g. 1)', 'two (e.g. 2)', 'few (e.g. 3)', 'many (e.g. 11)', 'other (e.g. 100)']);
    expect(forms('en').map((e) => e.key)).toEqual(['openChatUnread_one', 'openChatUnread_other']);
    expect(forms('de').map((e) => e.plural)).toEqual(['one', 'other']);
    expect(readableKey('openChatUnread')).toBe('Open chat unread');
    expect(readableKey('rate1')).toBe('Rate 1');
  });

  it('pages a group too long for one view', () => {
    const catalogs = structuredClone(CATALOGS) as any;
    for (let i = 0; i < 130; i++) catalogs.page.en[`extra${i}`] = `Extra text ${i}`;
    const m = meta({ group: 'page', page: 1 });
    const view = textsView({ settings: SETTINGS, meta: m, catalogs: catalogs as Catalogs });
    expect(validateModal(view)).toEqual([]);
    const inputs = (view.blocks as any[]).filter((b) => b.block_id.startsWith(BLOCK.textsKey));
    expect(inputs).toHaveLength(Object.keys(catalogs.page.en).length - TEXTS_PER_PAGE);
    expect((view.blocks as any[]).find((b) => b.block_id === BLOCK.textsPage).element.options).toHaveLength(2);
    // Only the page shown is read back.
    const form = readTextsForm(submitted(view, m, { extra129: 'Changed' }), m, SETTINGS, catalogs);
    expect(form.ok && form.value.textOverrides).toEqual({ es: { 'page.extra129': 'Changed' } });
    // A page past the end shows the last.
    expect(JSON.parse(textsView({ settings: SETTINGS, meta: { ...m, page: 9 }, catalogs }).private_metadata!).page).toBe(1);
  });
});

describe('reading it back', () => {
  const settings = { ...SETTINGS, textOverrides: { es: { 'widget.send': 'Mandar', 'widget.close': 'Cerrar ya' }, fr: { 'widget.send': 'Envoyer!' } } };
  const m = meta();
  const view = textsView({ settings, meta: m });

  it('an untouched form changes nothing', () => {
    const form = readTextsForm(submitted(view, m), m, settings);
    expect(form).toEqual({ ok: true, value: { textOverrides: settings.textOverrides, replaced: [], restored: [] } });
    expect(savedNotice({ replaced: [], restored: [] }, m)).toBe('Nothing changed.');
  });

  it('stores what differs, drops what is emptied or equal to the built-in text, leaves other languages alone', () => {
    const builtInClose = textEntries(settings, 'es', 'widget').find((e) => e.key === 'close')!.builtIn;
    const form = readTextsForm(submitted(view, m, { send: '', close: ` ${builtInClose} `, retry: 'Otra vez', attach: '  Adjuntar  ' }), m, settings);
    expect(form.ok).toBe(true);
    if (!form.ok) return;
    expect(form.value.textOverrides).toEqual({ es: { 'widget.retry': 'Otra vez', 'widget.attach': 'Adjuntar' }, fr: { 'widget.send': 'Envoyer!' } });
    expect(form.value.replaced.sort()).toEqual(['widget.attach', 'widget.retry']);
    expect(form.value.restored.sort()).toEqual(['widget.close', 'widget.send']);
    expect(savedNotice(form.value, m)).toContain('2 texts replaced, 2 back to the built-in texts');
  });

  it('the last override of a language gone: the language goes too', () => {
    const one = { ...SETTINGS, textOverrides: { es: { 'widget.send': 'Mandar' } } };
    const form = readTextsForm(submitted(textsView({ settings: one, meta: m }), m, { send: '' }), m, one);
    expect(form.ok && form.value.textOverrides).toEqual({});
  });

  it('refuses a dropped or unknown placeholder and a text too long, next to its input', () => {
    const [key] = Object.entries(CATALOGS.widget.en).find(([k, v]) => /\{name\}/.test(v) && !/_(one|other)$/.test(k))!;
    const form = readTextsForm(submitted(view, m, { [key]: 'Hola', retry: '{x} otra vez', greeting: 'x'.repeat(1001) }), m, settings);
    expect(form.ok).toBe(false);
    if (form.ok) return;
    expect(form.errors[textBlockId(m, key)]).toMatch(/^keep \{name\}/);
    expect(form.errors[textBlockId(m, 'retry')]).toMatch(/\{x\} would be shown as written: this text has none/);
    expect(form.errors[textBlockId(m, 'greeting')]).toMatch(/at most 1000 characters \(this has 1001\)/);
  });

  it('a zero, one or two form may say the number in words; other forms keep {n}', () => {
    const ar = textEntries(SETTINGS, 'ar', 'widget');
    const form = (f: string) => ar.find((e) => e.key === `openChatUnread_${f}`)!;
    expect(overrideProblem(form('one'), 'رسالة واحدة جديدة')).toBeNull();
    expect(overrideProblem(form('two'), 'رسالتان جديدتان')).toBeNull();
    expect(overrideProblem(form('few'), 'رسائل جديدة')).toMatch(/keep \{n\}/);
    expect(overrideProblem(form('other'), '{n} رسالة')).toBeNull();
  });

  it('a form drawn for another version is not read (its inputs are not in it)', () => {
    const form = readTextsForm(submitted(view, m, { send: 'X' }), { ...m, v: m.v + 1 }, settings);
    expect(form.ok && form.value.textOverrides).toEqual(settings.textOverrides);
  });
});
