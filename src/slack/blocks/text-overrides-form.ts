/**
 * Reading the customer texts modal (text-overrides.ts) back into settings `textOverrides`: only the
 * texts shown (one language, one group, one page) change; a text equal to the built-in one, or
 * emptied, is no override. An override must keep the placeholders of the English text and bring
 * no others; problems go next to their input (`response_action: 'errors'`). Pure.
 */
import type { Settings } from '../../core/settings';
import type { Catalogs } from '../../i18n/catalogs';
import { LANGUAGE_INFO } from '../../i18n/languages';
import { ViewState, errorsByBlock, type FormResult } from './forms';
import { OVERRIDE_MAX, TEXTS_PER_PAGE, pageCount, placeholdersOf, textActionId, textBlockId, textEntries, type TextEntry, type TextsMetadata } from './text-overrides';

export interface TextsChange {
  textOverrides: Settings['textOverrides'];
  /** Keys (`group.key`) now replaced by the admins' text, and those back to the built-in one. */
  replaced: string[];
  restored: string[];
}

/**
 * Plural forms for zero, one and two may say the number in words ("one new message"), so they may
 * leave out `{n}`; every other placeholder (and `{n}` in other forms) must stay.
 */
function mayDrop(entry: TextEntry, placeholder: string): boolean {
  return placeholder === 'n' && (entry.plural === 'zero' || entry.plural === 'one' || entry.plural === 'two');
}

/** What is wrong with an override of `entry`, or null. */
export function overrideProblem(entry: TextEntry, text: string): string | null {
  if (text.length > OVERRIDE_MAX) return `at most ${OVERRIDE_MAX} characters (this has ${text.length})`;
  const has = new Set(placeholdersOf(text));
  const missing = entry.placeholders.filter((p) => !has.has(p) && !mayDrop(entry, p));
  if (missing.length) return `keep ${missing.map((p) => `{${p}}`).join(' and ')}: it is filled in when the text is shown (English: ${entry.english.slice(0, 200)})`;
  const unknown = [...has].filter((p) => !entry.placeholders.includes(p));
  if (unknown.length) {
    const known = entry.placeholders.length ? `this text has only ${entry.placeholders.map((p) => `{${p}}`).join(', ')}` : 'this text has none';
    return `${unknown.map((p) => `{${p}}`).join(', ')} would be shown as written: ${known}`;
  }
  return null;
}

export function readTextsForm(rawValues: unknown, meta: TextsMetadata, settings: Readonly<Settings>, catalogs?: Catalogs): FormResult<TextsChange> {
  const state = ViewState.from(rawValues);
  const entries = textEntries(settings, meta.lang, meta.group, catalogs);
  const page = Math.min(meta.page, pageCount(entries) - 1);
  const mine: Record<string, string> = { ...(settings.textOverrides[meta.lang] ?? {}) };
  const problems: [string, string][] = [];
  const replaced: string[] = [];
  const restored: string[] = [];
  for (const e of entries.slice(page * TEXTS_PER_PAGE, (page + 1) * TEXTS_PER_PAGE)) {
    const element = state.element(textBlockId(meta, e.key), textActionId(meta, e.key));
    // Not in the form (a view drawn for another page or version): left as it is.
    if (!element) continue;
    const full = `${meta.group}.${e.key}`;
    const text = (element.value ?? '').trim();
    if (text === '' || text === e.builtIn.trim()) {
      if (e.override !== null) restored.push(full);
      delete mine[full];
      continue;
    }
    const problem = overrideProblem(e, text);
    if (problem) problems.push([textBlockId(meta, e.key), problem]);
    else {
      if (text !== e.override) replaced.push(full);
      mine[full] = text;
    }
  }
  if (problems.length) return { ok: false, errors: errorsByBlock(problems) };
  const textOverrides: Settings['textOverrides'] = { ...settings.textOverrides };
  if (Object.keys(mine).length) textOverrides[meta.lang] = mine;
  else delete textOverrides[meta.lang];
  return { ok: true, value: { textOverrides, replaced, restored } };
}

/** The line shown on top once saved. */
export function savedNotice(change: Pick<TextsChange, 'replaced' | 'restored'>, meta: TextsMetadata): string {
  const name = LANGUAGE_INFO[meta.lang].name;
  const parts: string[] = [];
  if (change.replaced.length) parts.push(`${change.replaced.length} ${change.replaced.length === 1 ? 'text' : 'texts'} replaced`);
  if (change.restored.length) parts.push(`${change.restored.length} back to the built-in ${change.restored.length === 1 ? 'text' : 'texts'}`);
  return parts.length ? `✅ *Saved* (${name}): ${parts.join(', ')}. Customers see it at once; recorded in the audit log.` : 'Nothing changed.';
}
