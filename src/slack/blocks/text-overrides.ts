/**
 * The customer texts modal (the settings modal's "Customer texts…", views.push): one language and
 * one group of texts (src/i18n/catalogs) at a time, one optional input per text prefilled with what
 * customers read now. Changing the language, group or page redraws it (the selects dispatch on
 * change); text-overrides-form.ts reads it back. Pure.
 *
 * Slack keeps what an input holds across views.update when its block_id stays the same, so every
 * drawing has a new `version` in its block_ids: a redraw shows the texts of the new language, not
 * the old inputs.
 */
import type { InputBlock, InputBlockElement, KnownBlock } from '@slack/types';
import { z } from 'zod';
import type { Settings } from '../../core/settings';
import { CATALOGS, TEXT_GROUPS, type Catalogs, type TextGroup } from '../../i18n/catalogs';
import { LANGUAGES, LANGUAGE_INFO, type Language } from '../../i18n/languages';
import { Localizer, SETTING_TEXTS } from '../../i18n/localizer';
import { BLOCK, INPUT, VIEW } from '../ids';
import { context, section } from './common';
import { input, modal, option, textInput } from './forms';
import { languageLabel, languageOptions } from './settings-language';
import { SETTING_LABELS } from './settings-modal';

/** What the settings schema stores per text (settings.ts `textOverrides`). */
export const OVERRIDE_MAX = 1000;
/** Inputs per page: with the intro, the three selects and a notice the view stays under Slack's 100 blocks. */
export const TEXTS_PER_PAGE = 80;

export const GROUP_NAMES: Record<TextGroup, string> = {
  widget: 'Chat window (widget)',
  later: 'Cards and attachments (email, rating, files)',
  chat: 'Messages in the chat',
  email: 'Follow-up email',
  page: 'Reopen page',
};

/** Which texts the modal shows, written in private_metadata. */
export const textsMetadata = z.object({
  lang: z.enum(LANGUAGES),
  group: z.enum(TEXT_GROUPS as [TextGroup, ...TextGroup[]]),
  page: z.number().int().min(0).max(100),
  /** Bumped on each drawing (see the file comment). */
  v: z.number().int().min(0).max(1_000_000),
});
export type TextsMetadata = z.infer<typeof textsMetadata>;

export interface TextEntry {
  /** The catalog key (`title`, `openChatUnread_few`). */
  key: string;
  label: string;
  /** English's text for it (a plural form English lacks: its `_other`). */
  english: string;
  /** What customers read without an override (the settings' text, the language's catalog, English). */
  builtIn: string;
  /** The admins' override, if any. */
  override: string | null;
  /** The placeholders the text must keep (`name`, `n`). */
  placeholders: string[];
  /** For a plural form: its category (`few`); placeholders the number makes plain may be left out. */
  plural: Intl.LDMLPluralRule | null;
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
const CATEGORY_ORDER: Intl.LDMLPluralRule[] = ['zero', 'one', 'two', 'few', 'many', 'other'];
const SAMPLE_NUMBERS = [0, 1, 2, 3, 5, 11, 21, 100, 101, 1_000_000];

export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))];
}

/** `openChatUnread` → `Open chat unread`, `rate1` → `Rate 1`. */
export function readableKey(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([a-zA-Z])(\d)/g, '$1 $2')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A number of each plural category of a language (`few` → 3 in Arabic), to show the admin which form is which. */
function samples(lang: Language): Map<Intl.LDMLPluralRule, number> {
  const rules = new Intl.PluralRules(lang);
  const out = new Map<Intl.LDMLPluralRule, number>();
  for (const n of SAMPLE_NUMBERS) if (!out.has(rules.select(n))) out.set(rules.select(n), n);
  return out;
}

/**
 * Every text of a group in a language, in the catalog's order; a plural text as the forms that
 * language has (Arabic: zero, one, two, few, many, other).
 */
export function textEntries(settings: Readonly<Settings>, lang: Language, group: TextGroup, catalogs: Catalogs = CATALOGS): TextEntry[] {
  const builtIns = new Localizer({ get: () => ({ ...settings, textOverrides: {} }) }, catalogs).group(lang, group);
  const overrides = settings.textOverrides[lang] ?? {};
  const en = catalogs[group].en as Record<string, string>;
  const forms = CATEGORY_ORDER.filter((c) => new Intl.PluralRules(lang).resolvedOptions().pluralCategories.includes(c));
  const examples = samples(lang);
  const entries: TextEntry[] = [];
  const seenBases = new Set<string>();
  const entry = (key: string, english: string, builtIn: string, label: string, plural: Intl.LDMLPluralRule | null): TextEntry => ({
    key,
    label,
    english,
    builtIn,
    override: overrides[`${group}.${key}`]?.trim() ? overrides[`${group}.${key}`]! : null,
    placeholders: placeholdersOf(english),
    plural,
  });
  for (const key of Object.keys(en)) {
    const base = PLURAL.test(key) && `${key.replace(PLURAL, '')}_other` in en ? key.replace(PLURAL, '') : null;
    if (!base) {
      entries.push(entry(key, en[key]!, builtIns[key] ?? en[key]!, readableKey(key), null));
      continue;
    }
    if (seenBases.has(base)) continue;
    seenBases.add(base);
    for (const form of forms) {
      const k = `${base}_${form}`;
      const english = en[k] ?? en[`${base}_other`]!;
      // A form the language's catalog lacks reads as its `_other` (Localizer.plural).
      const builtIn = builtIns[k] ?? builtIns[`${base}_other`] ?? english;
      const n = examples.get(form);
      entries.push(entry(k, english, builtIn, `${readableKey(base)} · ${form}${n === undefined ? '' : ` (e.g. ${n})`}`, form));
    }
  }
  return entries;
}

export function pageCount(entries: readonly unknown[]): number {
  return Math.max(1, Math.ceil(entries.length / TEXTS_PER_PAGE));
}

export function textBlockId(meta: TextsMetadata, key: string): string {
  return `${BLOCK.textsKey}:${meta.v}:${meta.lang}:${meta.group}.${key}`;
}

/** Unique within the view (Slack wants it so); the group is in it since keys repeat across groups. */
export function textActionId(meta: TextsMetadata, key: string): string {
  return `${INPUT.textsKey}:${meta.group}.${key}`;
}

function hintFor(settings: Readonly<Settings>, lang: Language, group: TextGroup, e: TextEntry): string {
  const parts = [`English: ${e.english}`];
  if (e.placeholders.length) parts.push(`Keep ${e.placeholders.map((p) => `{${p}}`).join(', ')}: filled in when it is shown.`);
  const setting = SETTING_TEXTS[`${group}.${e.key}`];
  if (setting && lang === settings.defaultLanguage) parts.push(`In ${LANGUAGE_INFO[lang].name} (your default language) this is the “${SETTING_LABELS[setting] ?? setting}” setting unless you replace it here.`);
  if (e.override !== null) parts.push('Replaced by you; empty it to bring back the built-in text.');
  return parts.join(' ');
}

/** A select that tells the app at once when it changes (block_actions), so the modal is redrawn. */
function dispatching(blockId: string, label: string, element: InputBlockElement): InputBlock {
  return { ...input(blockId, label, element), dispatch_action: true };
}

export interface TextsViewModel {
  settings: Readonly<Settings>;
  meta: TextsMetadata;
  /** Shown on top (saved, or what went wrong). */
  notice?: string | null;
  /** The texts (tests give larger ones). */
  catalogs?: Catalogs;
}

export function textsView(model: TextsViewModel): ReturnType<typeof modal> {
  const { settings, meta } = model;
  const entries = textEntries(settings, meta.lang, meta.group, model.catalogs);
  const pages = pageCount(entries);
  const page = Math.min(meta.page, pages - 1);
  const m: TextsMetadata = { ...meta, page };
  const langs = languageOptions();
  const groups = TEXT_GROUPS.map((g) => option(GROUP_NAMES[g], g));
  const blocks: KnownBlock[] = [];
  if (model.notice) blocks.push(section(model.notice, BLOCK.textsNotice));
  blocks.push(
    context(
      [
        `What customers read in *${languageLabel(m.lang)}*. Change a text to replace it, empty it to bring back the built-in one (at most ${OVERRIDE_MAX} characters). Save before you switch language or group.`,
      ],
      BLOCK.textsIntro,
    ),
    dispatching(
      BLOCK.textsLanguage,
      'Language',
      { type: 'static_select', action_id: INPUT.textsLanguage, options: langs, initial_option: langs[LANGUAGES.indexOf(m.lang)] },
    ),
    dispatching(
      BLOCK.textsGroup,
      'Texts',
      { type: 'static_select', action_id: INPUT.textsGroup, options: groups, initial_option: groups[TEXT_GROUPS.indexOf(m.group)] },
    ),
  );
  if (pages > 1) {
    const parts = Array.from({ length: pages }, (_, i) => option(`Texts ${i * TEXTS_PER_PAGE + 1}–${Math.min(entries.length, (i + 1) * TEXTS_PER_PAGE)} of ${entries.length}`, String(i)));
    blocks.push(dispatching(BLOCK.textsPage, 'Part', { type: 'static_select', action_id: INPUT.textsPage, options: parts, initial_option: parts[page] }));
  }
  for (const e of entries.slice(page * TEXTS_PER_PAGE, (page + 1) * TEXTS_PER_PAGE)) {
    const current = e.override ?? e.builtIn;
    blocks.push(
      textInput(textBlockId(m, e.key), textActionId(m, e.key), e.label, {
        optional: true,
        initial: current,
        multiline: current.length > 60 || current.includes('\n'),
        maxLength: OVERRIDE_MAX,
        hint: hintFor(settings, m.lang, m.group, e),
      }),
    );
  }
  return modal({ callbackId: VIEW.textOverrides, title: 'Customer texts', submit: 'Save', close: 'Back', blocks, privateMetadata: JSON.stringify(m) });
}
