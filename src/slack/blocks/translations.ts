/**
 * Translations in a handoff thread (issue 22): a customer's message in the workspace's language,
 * an agent's reply sent translated (both texts shown), and the modal an agent writes it in. Pure
 * builders; every text that came from a customer, an agent or the model is escaped.
 */
import type { KnownBlock, ModalView } from '@slack/types';
import { BLOCK, INPUT, VIEW } from '../ids';
import { truncateEscaped } from '../text';
import { LIMITS, context, plainText, section, type SlackMessage } from './common';
import { escaped, inline } from './customer-text';
import { textInput } from './forms';

/** A translation's text within one section, leaving room for our own words around it. */
const TEXT_BUDGET = LIMITS.sectionText - 200;
/** What a reply may be: the customer's own limit on a message. */
export const MAX_REPLY = 4000;

/**
 * The translation of a customer's message, posted under the customer's name (customerPoster) right
 * after it: the translation, then where it came from.
 */
export function customerTranslationPost(translation: string, from: string, to: string): SlackMessage {
  const body = escaped(translation, TEXT_BUDGET);
  return {
    text: truncateEscaped(`${body} (${to} translation)`, LIMITS.fallbackText),
    blocks: [section(body), context([`🌐 ${to} translation of the message above, from ${from} (OpenAI)`])],
  };
}

export interface TranslatedReply {
  agentName: string;
  /** What the agent wrote, in the workspace's language. */
  original: string;
  /** What the customer received. */
  translation: string;
  /** Language names, e.g. "English" and "Spanish". */
  from: string;
  to: string;
}

/** An agent's translated reply as the thread shows it: what the customer received, and what the agent wrote. */
export function translatedReplyPost(r: TranslatedReply): SlackMessage {
  const name = inline(r.agentName, 100);
  const translation = escaped(r.translation, TEXT_BUDGET);
  return {
    text: truncateEscaped(`💬 Sent to the customer as ${name}, in ${r.to}: ${translation}`, LIMITS.fallbackText),
    blocks: [
      section(`💬 *Sent to the customer as ${name}, in ${r.to}:*\n${translation}`),
      section(`*${name} wrote (${r.from}):*\n${escaped(r.original, TEXT_BUDGET)}`),
      context(['🌐 Translated by OpenAI']),
    ],
  };
}

export interface ReplyModalMetadata {
  conversationId: string;
  channel: string;
  threadTs?: string;
}

/** The form: the reply in the agent's language; `error` says why the last try sent nothing. */
export function replyTranslatedModal(o: { meta: ReplyModalMetadata; to: string; from: string; text?: string; error?: string }): ModalView {
  const blocks: KnownBlock[] = [];
  if (o.error) blocks.push(section(`⚠️ ${o.error}`));
  blocks.push(
    textInput(BLOCK.replyTranslatedInput, INPUT.replyTranslatedText, `Your reply, in ${o.from}`, {
      multiline: true,
      maxLength: MAX_REPLY,
      initial: o.text ?? null,
    }),
    context([`It is translated into ${o.to} and sent to the customer as you. The thread shows both.`]),
  );
  return {
    type: 'modal',
    callback_id: VIEW.replyTranslated,
    title: plainText('Translated reply', LIMITS.viewTitle),
    submit: plainText('Translate and send', LIMITS.viewTitle),
    close: plainText('Cancel', LIMITS.viewTitle),
    private_metadata: JSON.stringify(o.meta),
    blocks,
  };
}

/** Shown while the reply is being translated (no submit: it cannot be sent twice). */
export function replyTranslatingModal(to: string): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.replyTranslated,
    title: plainText('Translated reply', LIMITS.viewTitle),
    close: plainText('Close', LIMITS.viewTitle),
    blocks: [section(`⏳ Translating into ${to}…`)],
  };
}

/** The outcome: what was sent (or why nothing was). */
export function replyOutcomeModal(outcome: string, sent?: { translation: string; to: string }): ModalView {
  const blocks: KnownBlock[] = [section(outcome)];
  if (sent) blocks.push(section(`*The customer received (${sent.to}):*\n${escaped(sent.translation, TEXT_BUDGET)}`));
  return {
    type: 'modal',
    callback_id: VIEW.replyTranslated,
    title: plainText('Translated reply', LIMITS.viewTitle),
    close: plainText('Done', LIMITS.viewTitle),
    blocks,
  };
}
