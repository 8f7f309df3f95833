/**
 * The settings modal's Language section (settings-modal.ts) and its reading (settings-form.ts):
 * the admins' default language, whether the visitor's browser chooses, the language agents read in
 * Slack, and the button to the customer texts per language (text-overrides.ts). Pure.
 */
import type { KnownBlock } from '@slack/types';
import type { Settings } from '../../core/settings';
import { LANGUAGES, LANGUAGE_INFO, isLanguage, type Language } from '../../i18n/languages';
import { ACTION, BLOCK, INPUT } from '../ids';
import { actions, button, context } from './common';
import { input, option, type ViewState } from './forms';

const DETECT = 'detect';

/** `Español — Spanish`: the name a speaker knows it by, then the one the admin reads. */
export function languageLabel(lang: Language): string {
  const { name, native } = LANGUAGE_INFO[lang];
  return native === name ? name : `${native} — ${name}`;
}

export function languageOptions(): ReturnType<typeof option>[] {
  return LANGUAGES.map((l) => option(languageLabel(l), l));
}

function languageSelect(blockId: string, actionId: string, label: string, chosen: Language, hint: string): KnownBlock {
  const options = languageOptions();
  return input(blockId, label, { type: 'static_select', action_id: actionId, options, initial_option: options[LANGUAGES.indexOf(chosen)] }, { hint });
}

/** How many texts admins have replaced, per language (shown under the button). */
function overridesLine(s: Readonly<Settings>): string {
  const counts = LANGUAGES.flatMap((l) => {
    const n = Object.keys(s.textOverrides[l] ?? {}).length;
    return n ? [`${LANGUAGE_INFO[l].name} ${n}`] : [];
  });
  return counts.length ? `Your own texts: ${counts.join(', ')}.` : 'Every customer text is the built-in one; replace any of them per language.';
}

export function languageBlocks(s: Readonly<Settings>): KnownBlock[] {
  const detect = option("Choose from the visitor's browser", DETECT);
  return [
    { type: 'header', text: { type: 'plain_text', text: 'Language', emoji: true } },
    languageSelect(
      BLOCK.settingsDefaultLanguage,
      INPUT.settingsDefaultLanguage,
      'Default language',
      s.defaultLanguage,
      "The widget's language when the browser asks for none of these (or always, without the choice below). The messages and widget texts above are in it.",
    ),
    input(
      BLOCK.settingsDetectLanguage,
      "Visitor's language",
      { type: 'checkboxes', action_id: INPUT.settingsDetectLanguage, options: [detect], ...(s.detectLanguage ? { initial_options: [detect] } : {}) },
      { optional: true, hint: 'Unticked, every visitor gets the default language. A site can still choose one in its embed snippet.' },
    ),
    languageSelect(
      BLOCK.settingsWorkspaceLanguage,
      INPUT.settingsWorkspaceLanguage,
      "Your team's language in Slack",
      s.workspaceLanguage,
      'Customer messages in another language get a translation into it in the thread, and replies can be translated back (needs OpenAI).',
    ),
    actions(BLOCK.settingsLanguageActions, [button({ actionId: ACTION.settingsTexts, text: 'Customer texts…' })]),
    context([overridesLine(s)]),
  ];
}

type Problem = [blockId: string, message: string];

/**
 * The section's fields as a settings patch; an unknown language is a problem on its select. A field
 * missing from the form (a modal opened before the section existed) is left as it is.
 */
export function readLanguageFields(state: ViewState, problems: Problem[]): Pick<Partial<Settings>, 'defaultLanguage' | 'detectLanguage' | 'workspaceLanguage'> {
  const pick = (blockId: string, actionId: string): Language | undefined => {
    if (!state.element(blockId, actionId)) return undefined;
    const value = state.selected(blockId, actionId);
    if (isLanguage(value)) return value;
    problems.push([blockId, `choose one of ${LANGUAGES.map((l) => LANGUAGE_INFO[l].name).join(', ')}`]);
    return undefined;
  };
  const fields = {
    defaultLanguage: pick(BLOCK.settingsDefaultLanguage, INPUT.settingsDefaultLanguage),
    detectLanguage: state.element(BLOCK.settingsDetectLanguage, INPUT.settingsDetectLanguage)
      ? state.checked(BLOCK.settingsDetectLanguage, INPUT.settingsDetectLanguage).includes(DETECT)
      : undefined,
    workspaceLanguage: pick(BLOCK.settingsWorkspaceLanguage, INPUT.settingsWorkspaceLanguage),
  };
  // A key present as undefined would replace the stored value in the patch.
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
