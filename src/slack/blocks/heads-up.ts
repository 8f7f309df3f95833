import { ACTION, encodeValue } from '../ids';
import { escapeForSlack, truncate } from '../text';
import { actions, button, section, type KnownBlock } from './common';
import { pageUrlMrkdwn } from './page-link';

export interface HeadsUpModel {
  conversationId: string;
  teamId: string;
  customerName: string;
  verified: boolean;
  pageUrl: string | null;
}

/** A rule's heads-up to a team: who, where, with Take over; the conversation stays with the AI. */
export function headsUpMessage(m: HeadsUpModel): { text: string; blocks: KnownBlock[] } {
  // The visitor's URL, linked with its own address (or as text when not http(s)).
  const url = pageUrlMrkdwn(m.pageUrl, 300);
  const page = url !== null ? ` on ${url}` : '';
  const text =
    `👀 Heads-up for *${escapeForSlack(truncate(m.teamId, 80))}*: ${escapeForSlack(truncate(m.customerName, 200))}` +
    `${m.verified ? ' (verified)' : ''} is chatting with the AI${page}. Take over if you want to help personally.`;
  return {
    text,
    blocks: [
      section(text),
      actions('handoff_heads_up_actions', [button({ actionId: ACTION.takeOver, text: 'Take over', value: encodeValue({ conversationId: m.conversationId }) })]),
    ],
  };
}
