/**
 * The handoff card: the parent message of a handoff thread, posted at escalation and rewritten
 * whenever its model changes. Pure builder, no I/O; the messages under it are in thread-messages.ts.
 *
 * Everything the customer (or their browser) supplied — name, email, page title and URL — goes
 * through customer-text.ts before it meets our own markup.
 */
import type { ActionsBlockElement, KnownBlock } from '@slack/types';
import type { ConversationState, EscalationReasonKind } from '../../core/types';
import { ACTION, BLOCK, encodeValue } from '../ids';
import { truncateEscaped } from '../text';
import { LIMITS, actions, button, confirmDialog, context, fieldsSection, section } from './common';
import { BUDGET, customerName, escaped, inline, isSlackUserId } from './customer-text';
import { pageMrkdwn } from './page-link';

export type Priority = 'low' | 'normal' | 'high' | 'urgent';

export interface CardModel {
  conversationId: string;
  customer: { name: string | null; email: string | null; verified: boolean; generatedName: string };
  page: { url: string | null; title: string | null };
  reason: { kind: EscalationReasonKind; detail?: string; confidence?: number };
  state: ConversationState;
  owner: { slackUserId: string; name: string } | null;
  /** ISO; shown relative to `now` ("3 min") and as a Slack date token for the absolute time. */
  waitingSince: string | null;
  /** Agents the handoff was routed to: mentioned on the card. */
  mentionUserIds: string[];
  /** Short AI summary, shown at the top when present. */
  summary?: string | null;
  priority?: Priority | null;
  /**
   * The customer's language (issue 22), when known or not the workspace's; `replyIn`: agents can
   * write a reply that is translated into it (OpenAI configured, not the workspace's language).
   */
  language?: { name: string; native: string; replyIn: boolean } | null;
  /** ISO, for the relative wait. */
  now: string;
}

function userMention(owner: { slackUserId: string; name: string }): string {
  return isSlackUserId(owner.slackUserId) ? `<@${owner.slackUserId}>` : inline(owner.name, BUDGET.ownerName);
}

function parseTime(iso: string | null): number | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

/** "less than a minute", "3 min", "2 h 5 min", "1 d 4 h". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** Slack renders `<!date^…>` in each reader's time zone; the fallback is UTC. */
function slackDate(ms: number): string {
  const unix = Math.floor(ms / 1000);
  const fallback = new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  return `<!date^${unix}^{date_short_pretty} {time}|${fallback}>`;
}

// ---------------------------------------------------------------------------------------------
// The card

const REASON_ICON: Record<EscalationReasonKind, string> = {
  customer_asked: '🙋',
  low_confidence: '🤖',
  no_match: '🧭',
  frustration: '😤',
  sensitive_topic: '🔒',
  rule: '📜',
  agent_takeover: '👀',
};

function formatConfidence(confidence: number | undefined): string | null {
  return confidence !== undefined && Number.isFinite(confidence) ? confidence.toFixed(2) : null;
}

/** The reason as a phrase (escaped mrkdwn), e.g. "Low AI confidence (0.32)". */
function reasonPhrase(reason: CardModel['reason']): string {
  const detail = reason.detail !== undefined && reason.detail.trim() !== '' ? inline(reason.detail, BUDGET.detail) : null;
  const confidence = formatConfidence(reason.confidence);
  switch (reason.kind) {
    case 'customer_asked':
      return 'Customer asked for a person';
    case 'low_confidence':
      return confidence !== null ? `Low AI confidence (${confidence})` : 'Low AI confidence';
    case 'no_match':
      return 'No knowledge-base match';
    case 'frustration':
      return 'Frustration detected';
    case 'sensitive_topic':
      return detail !== null ? `Sensitive topic: ${detail}` : 'Sensitive topic';
    case 'rule':
      return detail !== null ? `Rule: ${detail}` : 'Rule matched';
    case 'agent_takeover':
      return 'Agent takeover';
  }
}

/** Detail that the headline doesn't already carry, for kinds other than rule/sensitive_topic. */
function reasonDetail(reason: CardModel['reason']): string | null {
  if (reason.kind === 'rule' || reason.kind === 'sensitive_topic') return null;
  return reason.detail !== undefined && reason.detail.trim() !== '' ? inline(reason.detail, BUDGET.detail) : null;
}

const PRIORITY_LABEL: Record<Priority, string> = {
  low: '🔵 Low',
  normal: '⚪ Normal',
  high: '🟠 High',
  urgent: '🔴 Urgent',
};

function stateText(model: CardModel): string {
  switch (model.state) {
    case 'waiting':
      return model.owner !== null ? `Claimed by ${userMention(model.owner)}` : '⏳ Waiting for an agent';
    case 'human':
      return model.owner !== null ? `🧑‍💼 Claimed by ${userMention(model.owner)}` : '🧑‍💼 With an agent';
    case 'queued':
      return '📥 Queued — nobody available';
    case 'resolved':
      return model.owner !== null ? `✅ Resolved (${userMention(model.owner)})` : '✅ Resolved';
    case 'ai':
      return '🤖 With the AI';
  }
}

function customerField(customer: CardModel['customer']): string {
  const lines = ['*Customer*', inline(customerName(customer), BUDGET.name)];
  if (customer.email !== null && customer.email.trim() !== '') lines.push(inline(customer.email, BUDGET.email));
  lines.push(customer.verified ? '✅ verified' : 'unverified');
  return lines.join('\n');
}

/**
 * The title as text on its own line, then the URL: linked with its own address as the label when
 * http(s), else as text. The visitor's title is never a link's label (it could name another site).
 */
function pageField(page: CardModel['page']): string {
  const { title, url } = pageMrkdwn(page, { title: BUDGET.pageTitle, url: BUDGET.pageUrlText });
  const lines = [title, url].filter((l): l is string => l !== null);
  return `*Page*\n${lines.length > 0 ? lines.join('\n') : '_unknown_'}`;
}

function waitingField(model: CardModel): string | null {
  const since = parseTime(model.waitingSince);
  if (since === null) return null;
  const now = parseTime(model.now) ?? since;
  const active = model.state === 'waiting' || model.state === 'queued';
  const relative = formatDuration(now - since);
  return `*Waiting*\n${active ? relative : `waited ${relative}`} · since ${slackDate(since)}`;
}

/** "🌐 Spanish (Español)", and whether the thread carries translations. */
function languageField(language: NonNullable<CardModel['language']>): string {
  const native = language.native !== language.name ? ` (${language.native})` : '';
  return `*Language*\n🌐 ${language.name}${native}${language.replyIn ? '\n_translated in this thread_' : ''}`;
}

function mentionLine(ids: readonly string[]): string | null {
  const unique = [...new Set(ids)].filter(isSlackUserId);
  if (unique.length === 0) return null;
  let line = 'Routed to';
  let shown = 0;
  for (const id of unique) {
    const next = `${line} <@${id}>`;
    if (next.length > BUDGET.mentions - 20) break;
    line = next;
    shown += 1;
  }
  return shown < unique.length ? `${line} and ${unique.length - shown} more` : line;
}

function isClaimable(model: CardModel): boolean {
  return model.owner === null && model.state !== 'resolved';
}

function isOwnedAndOpen(model: CardModel): boolean {
  return model.owner !== null && model.state !== 'resolved';
}

function cardButtons(model: CardModel): ActionsBlockElement[] {
  const value = encodeValue({ conversationId: model.conversationId });
  const buttons: ActionsBlockElement[] = [];
  if (isClaimable(model)) buttons.push(button({ actionId: ACTION.claim, text: 'Claim', value, style: 'primary' }));
  buttons.push(button({ actionId: ACTION.summary, text: 'Summary', value }));
  buttons.push(button({ actionId: ACTION.suggestReply, text: 'Suggest reply', value }));
  if (model.language?.replyIn && model.state !== 'resolved') {
    buttons.push(button({ actionId: ACTION.replyTranslated, text: `Reply in ${model.language.name}`, value }));
  }
  if (isOwnedAndOpen(model)) {
    buttons.push(
      button({
        actionId: ACTION.resolve,
        text: 'Resolve',
        value,
        confirm: confirmDialog({
          title: 'Resolve this conversation?',
          text: 'The customer is told the conversation is closed and asked to rate it. A new message from them reopens it with the AI.',
          confirm: 'Resolve',
          deny: 'Cancel',
        }),
      }),
    );
    buttons.push(button({ actionId: ACTION.handBack, text: 'Hand back to AI', value }));
  }
  return buttons;
}

/** The notification text: escaped, plain, short ("New handoff: Jane Doe — customer asked for a person"). */
function cardFallback(model: CardModel): string {
  const name = inline(customerName(model.customer), BUDGET.fallbackName);
  const phrase = reasonPhrase(model.reason);
  const reason = phrase.charAt(0).toLowerCase() + phrase.slice(1);
  const urgent = model.priority === 'urgent' || model.priority === 'high' ? ` (${model.priority})` : '';
  let head: string;
  switch (model.state) {
    case 'waiting':
      head = `New handoff${urgent}`;
      break;
    case 'queued':
      head = `New handoff${urgent}, queued — nobody available`;
      break;
    case 'human':
      head = model.owner !== null ? `Handoff claimed by ${inline(model.owner.name, BUDGET.ownerName)}` : 'Handoff claimed';
      break;
    case 'resolved':
      head = 'Handoff resolved';
      break;
    case 'ai':
      head = 'Handoff with the AI';
      break;
  }
  // The routed agents are named in the notification too, while someone still has to pick it up.
  const routed = model.state === 'waiting' || model.state === 'queued' ? [...new Set(model.mentionUserIds)].filter(isSlackUserId).slice(0, 20) : [];
  const mentions = routed.length > 0 ? `${routed.map((id) => `<@${id}>`).join(' ')} ` : '';
  return truncateEscaped(`${mentions}${head}: ${name} — ${reason}`, LIMITS.fallbackText);
}

/** The handoff card: posted at escalation and rewritten (chat.update) whenever its model changes. */
export function handoffCard(model: CardModel): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [];

  const detail = reasonDetail(model.reason);
  const headline = `${REASON_ICON[model.reason.kind]} *${reasonPhrase(model.reason)}*${detail !== null ? ` — ${detail}` : ''}`;
  blocks.push(section(headline, BLOCK.cardReason));

  if (model.summary != null && model.summary.trim() !== '') {
    blocks.push(section(`*AI summary*\n${escaped(model.summary.trim(), BUDGET.summary)}`, BLOCK.cardSummary));
  }

  const fields = [customerField(model.customer), pageField(model.page), `*State*\n${stateText(model)}`];
  const waiting = waitingField(model);
  if (waiting !== null) fields.push(waiting);
  if (model.priority != null) fields.push(`*Priority*\n${PRIORITY_LABEL[model.priority]}`);
  if (model.language) fields.push(languageField(model.language));
  blocks.push(fieldsSection(fields, BLOCK.cardDetails));

  const mentions = mentionLine(model.mentionUserIds);
  if (mentions !== null) blocks.push(context([mentions], BLOCK.cardRouting));

  blocks.push(actions(BLOCK.cardActions, cardButtons(model)));

  return { text: cardFallback(model), blocks };
}
