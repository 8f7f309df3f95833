/**
 * A knowledge-base draft learned from a handoff (issue 20): the message in the conversation's thread
 * (and a row of the admins' Home tab) with Approve / Edit / Discard, the edit modal, and the draft
 * once decided. Pure builders; the draft's text came from a chat, so it is escaped everywhere.
 */
import type { KnownBlock, ModalView } from '@slack/types';
import { DRAFT_LIMITS, type KbDraft } from '../../core/learning/types';
import { ACTION, BLOCK, INPUT, VIEW, encodeValue, rowActionId } from '../ids';
import { LIMITS, actions, button, context, plainText, section, type SlackMessage } from './common';
import { escaped, inline } from './customer-text';

const REASON: Record<KbDraft['reason'], string> = {
  no_match: 'the knowledge base had no match',
  low_confidence: 'the AI was not confident',
};

/** The draft's text as a quote: title, question, answer. */
function draftText(d: KbDraft, answerMax: number): string {
  const answer = escaped(d.answer, answerMax)
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
  return `*${inline(d.title, 200)}*\n_${inline(d.question, 400)}_\n${answer}`;
}

/** Approve / Edit / Discard for one draft (action ids carry its id: the Home tab shows several). */
export function draftButtons(d: KbDraft, blockId: string): KnownBlock {
  const value = encodeValue({ conversationId: d.conversationId ?? '-', draftId: d.id });
  return actions(blockId, [
    button({ actionId: rowActionId(ACTION.kbApprove, d.id), text: 'Approve', value, style: 'primary' }),
    button({ actionId: rowActionId(ACTION.kbEdit, d.id), text: 'Edit', value }),
    button({
      actionId: rowActionId(ACTION.kbDiscard, d.id),
      text: 'Discard',
      value,
      style: 'danger',
    }),
  ]);
}

/** Who decided it and what became of it; null while it is a draft. */
function outcome(d: KbDraft): string | null {
  const who = d.decidedBy ? ` by <@${d.decidedBy}>` : '';
  if (d.status === 'approved') return `✅ Approved${who}: the AI answers from it now (\`${inline(d.articleId ?? '', 120)}\`).`;
  if (d.status === 'discarded') return `🗑️ Discarded${who}.`;
  return null;
}

/** The message in the conversation's thread: the draft and its buttons, or its outcome once decided. */
export function kbDraftMessage(d: KbDraft): SlackMessage {
  const blocks: KnownBlock[] = [
    section(`📚 *Knowledge-base draft* from this conversation (${REASON[d.reason]}):\n${draftText(d, 2400)}`, BLOCK.kbDraftBody),
  ];
  const done = outcome(d);
  if (done) blocks.push(context([done]));
  else {
    blocks.push(draftButtons(d, BLOCK.kbDraftActions));
    const edited = d.editedBy ? ` Edited by <@${d.editedBy}>.` : '';
    const who = d.resolvedBy ? `admins and <@${d.resolvedBy}>` : 'admins';
    blocks.push(context([`Personal data was removed. *Approve* adds it to the knowledge base; ${who} can approve, edit or discard it.${edited}`]));
  }
  return { text: `Knowledge-base draft: ${escaped(d.title, 200)}`, blocks };
}

/** The drafts waiting for a decision, on an admin's Home tab (at most `max`). */
export function kbDraftHomeBlocks(drafts: readonly KbDraft[], max = 5): KnownBlock[] {
  if (!drafts.length) return [];
  const blocks: KnownBlock[] = [section(`*📚 Knowledge-base drafts to review* (${drafts.length})`)];
  for (const d of drafts.slice(0, max)) {
    blocks.push(section(draftText(d, 600), `${BLOCK.kbDraftBody}:${d.id}`));
    blocks.push(draftButtons(d, `${BLOCK.kbDraftActions}:${d.id}`));
  }
  if (drafts.length > max) blocks.push(context([`${drafts.length - max} more in the conversations' threads.`]));
  return blocks;
}

/** Where the edit modal came from: the draft (the modal's private metadata). */
export interface KbDraftEditMetadata {
  draftId: string;
  channel: string | null;
  threadTs: string | null;
}

/** The Edit modal: title, question and answer, editable; saving keeps it a draft. */
export function kbDraftEditModal(d: KbDraft, metadata: KbDraftEditMetadata): ModalView {
  const input = (blockId: string, actionId: string, label: string, value: string, max: number, multiline: boolean): KnownBlock => ({
    type: 'input',
    block_id: blockId,
    label: plainText(label, LIMITS.inputLabel),
    element: { type: 'plain_text_input', action_id: actionId, multiline, max_length: max, initial_value: value.slice(0, max) },
  });
  return {
    type: 'modal',
    callback_id: VIEW.kbDraftEdit,
    title: plainText('Edit draft article', LIMITS.viewTitle),
    submit: plainText('Save', 24),
    close: plainText('Cancel', 24),
    private_metadata: JSON.stringify(metadata),
    blocks: [
      input(BLOCK.kbDraftTitle, INPUT.kbDraftTitle, 'Title', d.title, DRAFT_LIMITS.title, false),
      input(BLOCK.kbDraftQuestion, INPUT.kbDraftQuestion, 'The question, in general words', d.question, DRAFT_LIMITS.question, true),
      input(BLOCK.kbDraftAnswer, INPUT.kbDraftAnswer, 'The answer', d.answer, DRAFT_LIMITS.answer, true),
      context(['Saving keeps it a draft: approve it afterwards. Write for any customer: no names, emails, order numbers or addresses.']),
    ],
  };
}
