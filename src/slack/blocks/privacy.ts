import type { ModalView } from '@slack/types';
import type { ErasureCounts, ErasureOutcome, VisitorQuery } from '../../core/privacy/privacy-service';
import { BLOCK, VIEW } from '../ids';
import { escapeForSlack } from '../text';
import { context, section } from './common';
import { modal } from './forms';

/** How the command is used (also the answer to a query that is neither an email nor a visitor id). */
export const PRIVACY_USAGE =
  'Usage: `/handoff privacy export <email or visitor id>` (everything stored about them, as a JSON file in a DM) or `/handoff privacy erase <email or visitor id>` (asks to confirm first). Admins only.';

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** "jane@example.com" / "visitor v_123", escaped (the admin typed it, but it is shown back in mrkdwn). */
export function queryLabel(query: VisitorQuery): string {
  return 'email' in query ? escapeForSlack(query.email) : `visitor ${escapeForSlack(query.visitorId)}`;
}

export function countLines(c: ErasureCounts): string[] {
  return [
    `• ${plural(c.visitors, 'visitor')}: name, email, user id and attributes`,
    `• ${plural(c.messages, 'message')} in ${plural(c.conversations, 'conversation')} (their text, here and in the Slack threads)`,
    `• ${plural(c.files, 'file')}`,
    `• ${plural(c.emails, 'email')}`,
    `• ${plural(c.ratingComments, 'rating comment')} (the scores stay)`,
    `• ${plural(c.kbDraftsUnlinked, 'learned draft')} unlinked from the conversation (their scrubbed text stays)`,
  ];
}

/** The query travels in the modal's private_metadata, read back (and checked again) on submit. */
export function eraseConfirmView(query: VisitorQuery, counts: ErasureCounts): ModalView {
  return modal({
    callbackId: VIEW.privacyErase,
    title: 'Erase personal data',
    submit: 'Erase',
    close: 'Cancel',
    privateMetadata: JSON.stringify(query),
    blocks: [
      section(`*Erase everything about ${queryLabel(query)}?* This cannot be undone.`, BLOCK.privacyErase),
      section(countLines(counts).join('\n')),
      context(['Conversations and their events stay as anonymous counts for analytics. The erasure is audited under your name.']),
    ],
  });
}

export function erasedView(query: VisitorQuery, outcome: ErasureOutcome): ModalView {
  const text =
    outcome.status === 'nothing_found'
      ? `Nothing found for ${queryLabel(query)}: nothing was erased.`
      : `*Erased ${queryLabel(query)}.*\n${countLines(outcome.counts).join('\n')}`;
  return modal({ callbackId: VIEW.privacyErase, title: 'Erase personal data', close: 'Done', blocks: [section(text, BLOCK.privacyErase)] });
}

/** A refusal or a problem, in place of the confirmation. */
export function eraseProblemView(text: string): ModalView {
  return modal({ callbackId: VIEW.privacyErase, title: 'Erase personal data', close: 'Close', blocks: [section(text, BLOCK.privacyErase)] });
}

export function nothingFoundText(query: VisitorQuery): string {
  return `Nothing found for ${queryLabel(query)}.`;
}

export function exportComment(query: VisitorQuery, visitors: number, conversations: number): string {
  return `Everything stored about ${queryLabel(query)}: ${plural(visitors, 'visitor')}, ${plural(conversations, 'conversation')}. It holds personal data: keep it only as long as the request needs.`;
}
