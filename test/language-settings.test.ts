import { afterEach, describe, expect, it } from 'vitest';
import { CATALOGS, TEXT_GROUPS } from '../src/i18n/catalogs';
import { LANGUAGES } from '../src/i18n/languages';
import { textActionId, textBlockId, type TextsMetadata } from '../src/slack/blocks/text-overrides';
import { validateBlocks } from '../src/slack/blocks/validate-blocks';
import { ACTION, BLOCK, INPUT, VIEW } from '../src/slack/ids';
import { SLACK_IDS, type SlackView } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';

/**
 * Languages in the settings modal (issue 22): the default language, the browser's choice and the
 * team's language, and the customer texts modal where admins replace any text per language. Driven
 * through the Slack emulation with signed requests; the widget config shows the effect.
 */

const { ada, grace } = SLACK_IDS;
let s: SlackStack;
afterEach(async () => {
  await s?.close();
});

/* eslint-disable @typescript-eslint/no-explicit-any */
const text = (view: SlackView | undefined) => JSON.stringify(view?.blocks ?? []);
const meta = (v: SlackView): TextsMetadata => JSON.parse(v.private_metadata ?? '{}');
const audit = (): { actor: string | null; action: string; target: string | null; detail: string }[] =>
  s.t.app.db.all(s.t.app.db.q.selectFrom('admin_audit').select(['actor', 'action', 'target', 'detail']).orderBy('id'));

/** A widget text with a placeholder (not a plural): the catalogs change as texts are added. */
const [PH_KEY, PH_EN] = Object.entries(CATALOGS.widget.en as Record<string, string>).find(([k, v]) => /\{\w+\}/.test(v) && !/_(one|other)$/.test(k))!;
const PH = /\{(\w+)\}/.exec(PH_EN)![1]!;

function expectValid(view: SlackView): void {
  expect(validateBlocks(view.blocks, 'modal')).toEqual([]);
  expect(view.blocks.length).toBeLessThanOrEqual(100);
  expect((view.private_metadata ?? '').length).toBeLessThanOrEqual(3000);
  for (const b of view.blocks as any[]) {
    if (b.type !== 'input') continue;
    expect(b.label.text.length).toBeLessThanOrEqual(2000);
    if (b.element.type === 'plain_text_input') expect(b.element.max_length).toBeLessThanOrEqual(3000);
  }
}

function topModal(user: string, callbackId: string, also: (v: SlackView) => boolean = () => true): Promise<SlackView> {
  return s.emulator.waitFor(() => {
    const v = s.emulator.openModal(user);
    return v && v.callback_id === callbackId && also(v) ? v : undefined;
  });
}

async function config(langs: string): Promise<{ lang: string; dir: string; title: string; texts: Record<string, string> }> {
  return (await fetch(`${s.t.url}/api/widget/config?langs=${encodeURIComponent(langs)}`)).json() as any;
}

async function openSettings(): Promise<SlackView> {
  const before = s.emulator.openModal(ada)?.id;
  expect((await s.driver.slashCommand(ada, 'settings')).status).toBe(200);
  const form = await topModal(ada, VIEW.settings, (v) => v.id !== before);
  expectValid(form);
  return form;
}

async function openTexts(): Promise<SlackView> {
  const settings = await openSettings();
  await s.driver.blockAction(ada, { actionId: ACTION.settingsTexts, view: settings.id });
  const texts = await topModal(ada, VIEW.textOverrides);
  expectValid(texts);
  expect(s.emulator.modalStack(ada)).toHaveLength(2);
  return texts;
}

/** Picks a language, group or page in the texts modal and waits for it to be drawn again. */
async function choose(view: SlackView, which: 'lang' | 'group' | 'page', value: string): Promise<SlackView> {
  const actionId = { lang: INPUT.textsLanguage, group: INPUT.textsGroup, page: INPUT.textsPage }[which];
  await s.driver.blockAction(ada, { actionId, view: view.id, value });
  return topModal(ada, VIEW.textOverrides, (v) => meta(v).v > meta(view).v && String(meta(v)[which]) === value);
}

/** The input of one text in the modal as drawn now. */
function field(view: SlackView, key: string): any {
  const m = meta(view);
  return (view.blocks as any[]).find((b) => b.block_id === textBlockId(m, key));
}

function typed(view: SlackView, values: Record<string, string>): Record<string, Record<string, string>> {
  const m = meta(view);
  return Object.fromEntries(Object.entries(values).map(([key, v]) => [textBlockId(m, key), { [textActionId(m, key)]: v }]));
}

describe('the Language section of /handoff settings', () => {
  it('sets the default language, browser detection and the team language, audited; the widget follows', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const form = await openSettings();
    const byId = (v: SlackView, id: string) => (v.blocks as any[]).find((b) => b.block_id === id);
    expect(byId(form, BLOCK.settingsDefaultLanguage).element.initial_option.value).toBe('en');
    expect(byId(form, BLOCK.settingsDetectLanguage).element.initial_options).toHaveLength(1);
    expect(text(form)).toContain('Español — Spanish');
    expect(text(form)).toContain('العربية — Arabic');
    expect((await config('fr-CA,en;q=0.5')).lang).toBe('fr');

    const bad = await s.driver.viewSubmission(ada, form.id, { [BLOCK.settingsDefaultLanguage]: { [INPUT.settingsDefaultLanguage]: 'klingon' } });
    expect(bad.body.response_action).toBe('errors');
    expect(bad.body.errors[BLOCK.settingsDefaultLanguage]).toMatch(/choose one of English, Spanish/);
    expect(s.t.app.settings.get().defaultLanguage).toBe('en');

    const good = await s.driver.viewSubmission(ada, form.id, {
      [BLOCK.settingsDefaultLanguage]: { [INPUT.settingsDefaultLanguage]: 'es' },
      [BLOCK.settingsDetectLanguage]: { [INPUT.settingsDetectLanguage]: [] as any },
      [BLOCK.settingsWorkspaceLanguage]: { [INPUT.settingsWorkspaceLanguage]: 'de' },
    });
    expect(good.body.response_action).toBe('update');
    const saved = await topModal(ada, VIEW.settings, (v) => text(v).includes(BLOCK.settingsSaved));
    expect(text(saved)).toContain('Default language');
    expect(s.t.app.settings.get()).toMatchObject({ defaultLanguage: 'es', detectLanguage: false, workspaceLanguage: 'de' });
    const rows = audit();
    expect(rows.map((r) => [r.action, r.actor])).toEqual([['settings.update', ada]]);
    expect(Object.keys(JSON.parse(rows[0]!.detail).after).sort()).toEqual(['defaultLanguage', 'detectLanguage', 'workspaceLanguage']);
    // Detection off: every visitor gets the default language, whatever the browser asks for.
    expect((await config('fr-CA,en;q=0.5')).lang).toBe('es');

    const again = await openSettings();
    expect(byId(again, BLOCK.settingsDefaultLanguage).element.initial_option.value).toBe('es');
    expect(byId(again, BLOCK.settingsDetectLanguage).element.initial_options).toBeUndefined();
    expect(byId(again, BLOCK.settingsWorkspaceLanguage).element.initial_option.value).toBe('de');
  });
});

describe('the customer texts modal', () => {
  it('replaces a text in one language; a dropped placeholder is refused next to it; emptying brings the built-in text back', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const builtInSend = s.t.app.localizer.t('es', 'widget', 'send');
    let texts = await openTexts();
    expect(meta(texts)).toMatchObject({ lang: 'en', group: 'widget' });
    expect(field(texts, 'send').element.initial_value).toBe('Send');
    texts = await choose(texts, 'lang', 'es');
    expect(field(texts, 'send').element.initial_value).toBe(builtInSend);
    expect(field(texts, PH_KEY).hint.text).toContain(`English: ${PH_EN}`);

    const dropped = await s.driver.viewSubmission(ada, texts.id, typed(texts, { send: 'Mandar', [PH_KEY]: 'Un texto sin nada' }));
    expect(dropped.body.response_action).toBe('errors');
    expect(Object.keys(dropped.body.errors)).toEqual([textBlockId(meta(texts), PH_KEY)]);
    expect(dropped.body.errors[textBlockId(meta(texts), PH_KEY)]).toContain(`keep {${PH}}`);
    const typo = await s.driver.viewSubmission(ada, texts.id, typed(texts, { [PH_KEY]: `Un texto con {${PH}} y {nombre}` }));
    expect(typo.body.errors[textBlockId(meta(texts), PH_KEY)]).toMatch(/\{nombre\} would be shown as written/);
    const long = await s.driver.viewSubmission(ada, texts.id, typed(texts, { greeting: 'x'.repeat(1001) }));
    expect(long.body.errors[textBlockId(meta(texts), 'greeting')]).toMatch(/at most 1000 characters/);
    expect(s.t.app.settings.get().textOverrides).toEqual({});
    expect(audit()).toEqual([]);

    const ok = await s.driver.viewSubmission(ada, texts.id, typed(texts, { send: 'Mandar', [PH_KEY]: `Un texto con {${PH}}` }));
    expect(ok.body.response_action).toBe('update');
    texts = await topModal(ada, VIEW.textOverrides, (v) => text(v).includes(BLOCK.textsNotice));
    expectValid(texts);
    expect(text(texts)).toContain('2 texts replaced');
    // Only what differs from the built-in texts is stored: the untouched inputs are not overrides.
    expect(s.t.app.settings.get().textOverrides).toEqual({ es: { 'widget.send': 'Mandar', [`widget.${PH_KEY}`]: `Un texto con {${PH}}` } });
    expect(audit().map((r) => [r.action, r.actor, r.target])).toEqual([['settings.update', ada, 'textOverrides']]);
    expect(field(texts, 'send').element.initial_value).toBe('Mandar');
    const es = await config('es-MX,es;q=0.9');
    expect(es.lang).toBe('es');
    expect(es.texts.send).toBe('Mandar');
    expect(es.texts[PH_KEY]).toBe(`Un texto con {${PH}}`);
    expect((await config('en-US')).texts.send).toBe('Send');

    await s.driver.viewSubmission(ada, texts.id, typed(texts, { send: '' }));
    texts = await topModal(ada, VIEW.textOverrides, (v) => text(v).includes('back to the built-in text'));
    expect(s.t.app.settings.get().textOverrides).toEqual({ es: { [`widget.${PH_KEY}`]: `Un texto con {${PH}}` } });
    expect((await config('es')).texts.send).toBe(builtInSend);
    expect(field(texts, 'send').element.initial_value).toBe(builtInSend);
    expect(audit()).toHaveLength(2);
  });

  it("shows a plural text as the language's forms: Arabic's few is replaced alone", async () => {
    s = await startSlackStack({}, { available: [ada] });
    let texts = await openTexts();
    texts = await choose(texts, 'lang', 'ar');
    const forms = ['zero', 'one', 'two', 'few', 'many', 'other'].map((f) => field(texts, `openChatUnread_${f}`));
    expect(forms.every(Boolean)).toBe(true);
    expect(forms[3].label.text).toMatch(/few \(e\.g\. 3\)/);
    expect(field(texts, 'openChatUnread')).toBeUndefined();
    await s.driver.viewSubmission(ada, texts.id, typed(texts, { openChatUnread_few: 'افتح الدردشة، {n} رسائل جديدة' }));
    await topModal(ada, VIEW.textOverrides, (v) => text(v).includes('1 text replaced'));
    expect(s.t.app.settings.get().textOverrides).toEqual({ ar: { 'widget.openChatUnread_few': 'افتح الدردشة، {n} رسائل جديدة' } });
    expect(s.t.app.localizer.plural('ar', 'widget', 'openChatUnread', 3)).toBe('افتح الدردشة، 3 رسائل جديدة');
    expect(s.t.app.localizer.plural('ar', 'widget', 'openChatUnread', 11)).not.toContain('افتح الدردشة، 11 رسائل');
  });

  it('is for admins: a forged click, a forged select and a submission after demotion change nothing', async () => {
    s = await startSlackStack({}, { available: [ada, grace] });
    const texts = await openTexts();
    const settings = s.emulator.modalStack(ada)[0]!;
    await s.driver.blockAction(grace, { actionId: ACTION.settingsTexts, view: settings.id });
    await s.emulator.waitFor(() => /only admins/i.test(text(s.emulator.view(settings.id)?.view)));
    expect(s.emulator.callsTo('views.push')).toHaveLength(1);

    await s.driver.blockAction(grace, { actionId: INPUT.textsLanguage, view: texts.id, value: 'fr' });
    await s.emulator.waitFor(() => /only admins/i.test(text(s.emulator.view(texts.id)?.view)));

    const fresh = await openTexts();
    s.emulator.updateUser(ada, { is_admin: false });
    s.t.app.db.run(s.t.app.db.q.updateTable('agents').set({ profile_fetched_at: '2000-01-01T00:00:00.000Z' }).where('slack_user_id', '=', ada));
    const res = await s.driver.viewSubmission(ada, fresh.id, typed(fresh, { send: 'Go' }));
    expect(res.body.response_action).toBe('errors');
    expect(res.body.errors[BLOCK.textsLanguage]).toMatch(/only admins/i);
    expect(s.t.app.settings.get().textOverrides).toEqual({});
    expect(audit()).toEqual([]);
  });

  it("every group in every language fits Slack's limits", async () => {
    s = await startSlackStack({}, { available: [ada] });
    let texts = await openTexts();
    for (const lang of LANGUAGES) {
      if (meta(texts).lang !== lang) texts = await choose(texts, 'lang', lang);
      for (const group of TEXT_GROUPS) {
        if (meta(texts).group !== group) texts = await choose(texts, 'group', group);
        expectValid(texts);
        expect((texts.blocks as any[]).filter((b) => b.type === 'input' && b.block_id.startsWith(BLOCK.textsKey)).length).toBeGreaterThan(0);
      }
    }
  }, 60_000);
});
