/**
 * The copilot's messages, shown only to the agent who asked: the AI summary, a suggested reply
 * with Send / Edit / Ignore, the modal to edit it, and knowledge-base results with "Send to
 * customer". Pure builders, no I/O.
 *
 * Everything the AI wrote or the knowledge base holds is escaped before it meets our markup: a
 * summary can quote the customer.
 */
import type { KnownBlock, ModalView, SectionBlock } from '@slack/types';
import type { AiDraft, AiSource, AiSummary } from '../../core/ports';
import { ACTION, BLOCK, INPUT, MAX_VALUE_LENGTH, VIEW, encodeValue, rowActionId } from '../ids';
import { escapeForSlack, truncateEscaped } from '../text';
import { LIMITS, actions, button, context, plainText, section, type SlackMessage } from './common';
import { linkableUrl } from './page-link';

const FRUSTRATION_LABEL: Record<AiSummary['frustration'], string> = {
  none: '🙂 None',
  low: '😕 Low: a little annoyed',
  high: '😤 High: frustrated',
};

/** Budgets, in characters after escaping. */
const BUDGET = { summary: 1500, line: 400, intent: 300, listItems: 6, articleTitle: 200 } as const;

function escaped(text: string, max: number): string {
  return truncateEscaped(escapeForSlack(text.trim()), max);
}

function bullets(items: readonly string[], empty: string): string {
  const list = items.filter((i) => i.trim() !== '').slice(0, BUDGET.listItems);
  return list.length ? list.map((i) => `• ${escaped(i.replace(/\s+/g, ' '), BUDGET.line)}`).join('\n') : `_${empty}_`;
}

/** An article as a link when it has an http(s) url, else its title. */
export function articleLink(source: AiSource): string {
  const title = escaped(source.title.replace(/[\r\n]+/g, ' '), BUDGET.articleTitle);
  const url = linkableUrl(source.url);
  return url ? `<${url}|${title}>` : title;
}

/** The Summary button's answer: summary, intent, key points, what the AI tried, frustration, related articles. */
export function summaryMessage(s: AiSummary): SlackMessage {
  const articles = s.articles.length ? s.articles.slice(0, BUDGET.listItems).map((a) => `• ${articleLink(a)}`).join('\n') : '_None found_';
  const blocks: KnownBlock[] = [
    section(`*🧠 AI summary*\n${escaped(s.summary, BUDGET.summary)}`, BLOCK.copilotSummary),
    section(`*Customer intent:* ${escaped(s.intent, BUDGET.intent)}\n*Frustration:* ${FRUSTRATION_LABEL[s.frustration]}`, BLOCK.copilotIntent),
    section(`*Key points*\n${bullets(s.keyPoints, 'None')}`, BLOCK.copilotKeyPoints),
    section(`*What the AI already tried*\n${bullets(s.aiTried, 'Nothing yet')}`, BLOCK.copilotAiTried),
    section(`*Related articles*\n${articles}`, BLOCK.copilotArticles),
    context(['Only you can see this.']),
  ];
  return { text: `AI summary: ${escaped(s.summary, 200)}`, blocks };
}

/**
 * The draft as it can travel in a button's value: cut (at a word) until the value fits Slack's
 * 2000 characters, so what the agent sees is exactly what Send sends.
 */
export function fitDraft(conversationId: string, text: string): string {
  const size = (t: string) => JSON.stringify({ conversationId, text: t }).length;
  let fitted = text.trim().slice(0, LIMITS.plainTextInput);
  while (size(fitted) > MAX_VALUE_LENGTH) {
    const budget = fitted.length - Math.max(20, size(fitted) - MAX_VALUE_LENGTH);
    const space = fitted.lastIndexOf(' ', budget - 1);
    fitted = `${fitted.slice(0, space > budget / 2 ? space : budget - 1).trimEnd()}…`;
  }
  return fitted;
}

/** The Suggest reply answer: the draft (already fitted), its sources, and Send / Edit / Ignore. */
export function suggestionMessage(conversationId: string, draft: AiDraft): SlackMessage {
  const text = fitDraft(conversationId, draft.text);
  const value = encodeValue({ conversationId, text });
  const quoted = escapeForSlack(text)
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
  const blocks: KnownBlock[] = [section(`*✍️ Suggested reply*\n${quoted}`, BLOCK.suggestionText)];
  if (draft.sources.length) blocks.push(context([`Based on ${draft.sources.slice(0, 4).map(articleLink).join(', ')}`], BLOCK.suggestionSources));
  blocks.push(
    actions(BLOCK.suggestionActions, [
      button({ actionId: ACTION.sendSuggestion, text: 'Send', value, style: 'primary' }),
      button({ actionId: ACTION.editSuggestion, text: 'Edit', value }),
      button({ actionId: ACTION.ignoreSuggestion, text: 'Ignore', value: encodeValue({ conversationId }) }),
    ]),
  );
  blocks.push(context(['Only you can see this. *Send* sends it to the customer as you (and claims the conversation if nobody owns it).']));
  return { text: `Suggested reply: ${escaped(text, 200)}`, blocks };
}

/** Where an edited suggestion goes back to: the conversation, and the suggestion to replace once sent. */
export interface EditSuggestionMetadata {
  conversationId: string;
  channel: string;
  threadTs?: string;
  /** The suggestion's response_url: replaced by a confirmation once the edited reply is sent. */
  responseUrl?: string;
}

/** The Edit modal: the draft, editable; submitting sends it. */
export function editSuggestionModal(text: string, metadata: EditSuggestionMetadata): ModalView {
  let meta = JSON.stringify(metadata);
  if (meta.length > LIMITS.privateMetadata) meta = JSON.stringify({ ...metadata, responseUrl: undefined });
  return {
    type: 'modal',
    callback_id: VIEW.editSuggestion,
    title: plainText('Edit reply', LIMITS.viewTitle),
    submit: plainText('Send', 24),
    close: plainText('Cancel', 24),
    private_metadata: meta,
    blocks: [
      {
        type: 'input',
        block_id: BLOCK.editSuggestionInput,
        label: plainText('Your reply to the customer', LIMITS.inputLabel),
        element: {
          type: 'plain_text_input',
          action_id: INPUT.editSuggestionText,
          multiline: true,
          max_length: LIMITS.plainTextInput,
          initial_value: text.slice(0, LIMITS.plainTextInput),
        },
      },
      context(['It is sent as you, exactly as written here.']),
    ],
  };
}

/** A knowledge-base result, ready to show and to send. */
export interface KbResult {
  title: string;
  heading: string;
  url: string | null;
  snippet: string;
}

/** The most results shown. */
export const KB_RESULTS_SHOWN = 5;

/**
 * Results of a knowledge-base search. With a conversation (the message shortcut in a handoff
 * thread) each result has "Send to customer".
 */
export function kbResultsMessage(query: string, results: readonly KbResult[], conversationId: string | null): SlackMessage {
  const q = escaped(query.replace(/\s+/g, ' '), 200);
  if (!results.length) {
    const text = `📚 Nothing in the knowledge base matches “${q}”.`;
    return { text, blocks: [section(text, BLOCK.kbHeader)] };
  }
  const blocks: KnownBlock[] = [section(`📚 *Knowledge base:* “${q}”`, BLOCK.kbHeader)];
  results.slice(0, KB_RESULTS_SHOWN).forEach((r, i) => {
    const heading = r.heading && r.heading !== r.title ? ` — ${escaped(r.heading, 200)}` : '';
    const block: SectionBlock = section(`*${articleLink(r)}*${heading}\n${escaped(r.snippet, 1200)}`);
    if (conversationId) {
      // One button per result, and Slack wants action_ids unique in a message: numbered like Home rows.
      block.accessory = button({
        actionId: rowActionId(ACTION.sendKbArticle, String(i + 1)),
        text: 'Send to customer',
        value: kbResultValue(conversationId, r),
      });
    }
    blocks.push(block);
  });
  blocks.push(context([conversationId ? 'Only you can see this. *Send to customer* sends the snippet and the link as you.' : 'Only you can see this.']));
  return { text: `Knowledge base: ${escaped(query, 100)} (${Math.min(results.length, KB_RESULTS_SHOWN)} results)`, blocks };
}

/** A result in a button's value (Slack's 2000 characters): the snippet is shortened to fit, a huge link dropped. */
export function kbResultValue(conversationId: string, r: KbResult): string {
  const base = { conversationId, title: r.title.slice(0, 200), heading: r.heading.slice(0, 200) };
  let url = r.url && r.url.length <= 1000 ? r.url : null;
  let snippet = r.snippet.slice(0, 1200);
  for (;;) {
    const value = JSON.stringify({ ...base, url, snippet });
    if (value.length <= MAX_VALUE_LENGTH) return encodeValue({ ...base, url, snippet });
    if (snippet.length > 200) snippet = `${snippet.slice(0, snippet.length - (value.length - MAX_VALUE_LENGTH) - 20).trimEnd()}…`;
    else if (url) url = null;
    else snippet = '';
  }
}
