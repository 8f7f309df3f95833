/**
 * The App Home tab: an agent's status with buttons to change it, their conversations, the queue
 * waiting for an agent (Claim) and the conversations the AI is handling now (Take over). Pure
 * builder, no I/O: the home publisher gathers the model, this turns it into a `home` view.
 *
 * Everything the customer (or their browser) supplied — name, email, page title and URL, message
 * text — is escaped with `escapeForSlack`, kept on one line and cut to a budget. Each list shows at
 * most HOME_LIST_LIMIT rows (two blocks each) and says how many more there are, so the view stays
 * well under Slack's 100 blocks however busy the day is.
 */
import type { KbDraft } from '../../core/learning/types';
import { kbDraftHomeBlocks } from './kb-draft';
import type { KnownBlock, SectionBlock } from '@slack/types';
import { AGENT_STATUSES, type AgentStatus } from '../../core/availability';
import type { ConversationState, EscalationReasonKind } from '../../core/types';
import { ACTION, BLOCK, encodeValue, rowActionId, type ActionId } from '../ids';
import { escapeForSlack } from '../text';
import { LIMITS, actions, button, confirmDialog, context, mrkdwn, plainText } from './common';
import { customerName, isSlackUserId, squeezed } from './customer-text';
import { formatDuration } from './handoff-card';
import { pageMrkdwn } from './page-link';
import { homePerformanceBlocks } from './stats';
import { homeChannelsBlocks, type ChannelRow } from './channel-health';
import type { AnalyticsReport } from '../../core/analytics/metrics';


/** Rows per list; the rest is counted ("and 12 more"). */
export const HOME_LIST_LIMIT = 10;

/** The status buttons, in this order. */
export const HOME_STATUSES: readonly AgentStatus[] = AGENT_STATUSES;

export interface HomeFlags {
  /** The site vouched for the visitor's identity (userHash). */
  verified: boolean;
  /** See `customerFlags` in the home publisher for the rule. */
  highValue: boolean;
  /** Escalated for frustration before, or sounding frustrated now. */
  frustrated: boolean;
}

export interface HomeConversation {
  conversationId: string;
  customer: { name: string | null; generatedName: string; email: string | null };
  flags: HomeFlags;
  state: ConversationState;
  page: { url: string | null; title: string | null };
  lastCustomerMessage: { text: string; at: string } | null;
  /** The customer wrote last: they are waiting for an answer. */
  awaitingReply: boolean;
  reason: EscalationReasonKind | null;
  /** ISO. Mine: claimed at; queue: escalated at; live: last activity. */
  since: string | null;
  /** The handoff thread, when there is one (ts null until the card is posted). */
  thread: { channel: string; ts: string | null } | null;
}

export interface HomeList {
  items: HomeConversation[];
  /** Every matching conversation, shown or not. */
  total: number;
}

/** What the agent is told at the top after their own action (only they see their Home tab). */
export type HomeNotice =
  | { kind: 'claimed' | 'took_over'; customerName: string; thread: { channel: string; ts: string | null } | null }
  | { kind: 'owned'; ownerId: string; customerName: string }
  | { kind: 'resolved' | 'not_found' | 'failed' }
  /** Our own words (already mrkdwn): what came of a click on a knowledge-base draft. */
  | { kind: 'text'; text: string };

export interface HomeModel {
  /** ISO, for relative times. */
  now: string;
  agent: {
    id: string;
    status: AgentStatus;
    /** What routing sees (presence and capacity included). */
    effective: AgentStatus;
    presence: 'active' | 'away' | null;
    activeConversations: number;
    capacity: number;
  };
  notice: HomeNotice | null;
  mine: HomeList;
  queue: HomeList;
  live: HomeList;
  /** How far back "live" goes, for the list's title. */
  liveWindowMinutes: number;
  /** The team's last 7 days against the targets (2 blocks); absent: no such section. */
  performance?: AnalyticsReport | null;
  /** Admins only: every channel handoffs go to, with its health; absent: no such section. */
  channels?: { rows: ChannelRow[]; defaultChannel: string } | null;
  /** Admins only: knowledge-base drafts learned from handoffs, waiting for a decision (issue 20). */
  kbDrafts?: KbDraft[] | null;
}

export interface HomeView {
  type: 'home';
  blocks: KnownBlock[];
}

/** Budgets for customer-supplied parts, in characters after escaping. */
const BUDGET = { name: 80, email: 120, page: 80, message: 240, notice: 80 } as const;

const STATUS_LABEL: Record<AgentStatus, string> = {
  available: '🟢 Available',
  busy: '🔴 Busy',
  away: '🟡 Away',
  offline: '⚪ Offline',
};

const STATUS_BUTTON: Record<AgentStatus, string> = {
  available: 'Available',
  busy: 'Busy',
  away: 'Away',
  offline: 'Offline',
};

const REASON_LABEL: Record<EscalationReasonKind, string> = {
  customer_asked: '🙋 asked for a person',
  low_confidence: '🤖 low AI confidence',
  no_match: '🧭 no knowledge-base match',
  frustration: '😤 frustration',
  sensitive_topic: '🔒 sensitive topic',
  rule: '📜 rule',
  agent_takeover: '👀 agent takeover',
};

// ---------------------------------------------------------------------------------------------
// Small formatting helpers

function isChannelId(id: string): boolean {
  return /^[CGD][A-Z0-9]{1,30}$/.test(id);
}

function parseTime(iso: string | null): number | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

function ago(iso: string | null, now: string): string | null {
  const at = parseTime(iso);
  const n = parseTime(now);
  if (at === null || n === null) return null;
  return formatDuration(n - at);
}

/** The name an agent knows the customer by: the one they gave, else the generated one. */
export function homeCustomerName(customer: HomeConversation['customer']): string {
  return customerName(customer);
}

function flagIcons(flags: HomeFlags): string {
  const icons = [flags.verified ? '✅' : '', flags.highValue ? '💎' : '', flags.frustrated ? '🔥' : ''].filter(Boolean);
  return icons.length > 0 ? ` ${icons.join(' ')}` : '';
}

/** A link to the handoff thread (Slack opens the message), else the channel, else nothing. */
export function threadLink(thread: { channel: string; ts: string | null } | null, label = 'Open the thread'): string | null {
  if (thread === null || !isChannelId(thread.channel)) return null;
  if (thread.ts !== null && /^\d{1,12}\.\d{1,8}$/.test(thread.ts)) {
    const url = `https://slack.com/app_redirect?channel=${thread.channel}&message_ts=${thread.ts}`;
    return `<${escapeForSlack(url)}|${label}>`;
  }
  return `thread in <#${thread.channel}>`;
}

/** The title as text and the URL linked with its own address (never the visitor's title as a label). */
function pageText(page: HomeConversation['page']): string | null {
  const { title, url } = pageMrkdwn(page, { title: BUDGET.page, url: BUDGET.page });
  const parts = [title, url].filter((p): p is string => p !== null);
  return parts.length > 0 ? `📄 ${parts.join(' · ')}` : null;
}

function quote(message: HomeConversation['lastCustomerMessage']): string {
  if (message === null || message.text.trim() === '') return '_No message from the customer yet._';
  return `> ${squeezed(message.text, BUDGET.message)}`;
}

function titleLine(c: HomeConversation): string {
  const email = c.customer.email !== null && c.customer.email.trim() !== '' ? ` · ${squeezed(c.customer.email, BUDGET.email)}` : '';
  return `*${squeezed(homeCustomerName(c.customer), BUDGET.name)}*${flagIcons(c.flags)}${email}`;
}

function rowSection(c: HomeConversation, accessory?: SectionBlock['accessory']): SectionBlock {
  const block: SectionBlock = { type: 'section', text: mrkdwn(`${titleLine(c)}\n${quote(c.lastCustomerMessage)}`) };
  if (accessory !== undefined) block.accessory = accessory;
  return block;
}

function rowContext(parts: (string | null)[], fallback: string): KnownBlock {
  const line = parts.filter((p): p is string => p !== null && p !== '').join('  ·  ');
  return context([line === '' ? fallback : line]);
}

// ---------------------------------------------------------------------------------------------
// Rows

function mineRow(c: HomeConversation, now: string): KnownBlock[] {
  const last = c.lastCustomerMessage ? ago(c.lastCustomerMessage.at, now) : null;
  const waiting = c.awaitingReply && last !== null ? `⏳ waiting for your reply · ${last}` : last !== null ? `💬 last customer message ${last} ago` : null;
  return [rowSection(c), rowContext([waiting, pageText(c.page), threadLink(c.thread)], '🧑‍💼 with you')];
}

function queueRow(c: HomeConversation, now: string): KnownBlock[] {
  const waited = ago(c.since, now);
  const claim = conversationButton(ACTION.homeClaim, c, { text: 'Claim', style: 'primary' });
  return [
    rowSection(c, claim),
    rowContext([
      waited !== null ? `⏳ waiting ${waited}` : null,
      c.state === 'queued' ? '📥 queued (nobody was available)' : null,
      c.reason !== null ? REASON_LABEL[c.reason] : null,
      pageText(c.page),
      threadLink(c.thread),
    ], '⏳ waiting'),
  ];
}

/** A row's button acting on its conversation (its action id is unique per row). */
function conversationButton(actionId: ActionId, c: HomeConversation, rest: Omit<Parameters<typeof button>[0], 'actionId' | 'value'>) {
  return button({ ...rest, actionId: rowActionId(actionId, c.conversationId), value: encodeValue({ conversationId: c.conversationId }) });
}

function liveRow(c: HomeConversation, now: string): KnownBlock[] {
  const active = ago(c.since, now);
  const takeOver = conversationButton(ACTION.takeOver, c, {
    text: 'Take over',
    confirm: confirmDialog({
      title: 'Take over from the AI?',
      text: 'You become the owner at once: the customer is introduced to you and the AI stops answering. The conversation is posted in the handoff channel.',
      confirm: 'Take over',
      deny: 'Cancel',
    }),
  });
  return [rowSection(c, takeOver), rowContext([active !== null ? `🤖 with the AI · active ${active} ago` : null, pageText(c.page)], '🤖 with the AI')];
}

function listBlocks(
  title: string,
  blockId: string,
  list: HomeList,
  row: (c: HomeConversation) => KnownBlock[],
  empty: string,
  more: (n: number) => string,
): KnownBlock[] {
  const shown = list.items.slice(0, HOME_LIST_LIMIT);
  const total = Math.max(list.total, list.items.length);
  const blocks: KnownBlock[] = [{ type: 'section', block_id: blockId, text: mrkdwn(`*${title}*${total > 0 ? ` (${total})` : ''}`) }];
  if (shown.length === 0) {
    blocks.push(context([empty]));
    return blocks;
  }
  for (const c of shown) blocks.push(...row(c));
  if (total > shown.length) blocks.push(context([more(total - shown.length)]));
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// Status

function statusBlocks(model: HomeModel): KnownBlock[] {
  const { agent } = model;
  const lines = [`*Your status:* ${STATUS_LABEL[agent.status]}`];
  const seen: string[] = [];
  if (agent.effective !== agent.status) {
    const why =
      agent.status === 'available' && agent.presence === 'away'
        ? 'your Slack presence is away'
        : `you have ${agent.activeConversations} of ${agent.capacity} conversations`;
    seen.push(`Routing sees you as *${agent.effective}* because ${why}.`);
  } else {
    seen.push(`Routing sees you as *${agent.effective}*.`);
  }
  seen.push(`${agent.activeConversations} of ${agent.capacity} conversations`);
  if (agent.presence !== null) seen.push(`Slack presence: ${agent.presence}`);
  const buttons = HOME_STATUSES.map((status) =>
    button({
      actionId: rowActionId(ACTION.homeSetStatus, status),
      text: STATUS_BUTTON[status],
      value: status,
      ...(status === agent.status ? { style: 'primary' as const } : {}),
    }),
  );
  return [
    { type: 'section', block_id: BLOCK.homeStatus, text: mrkdwn(lines.join('\n')) },
    context([seen.join('  ·  ')]),
    actions(BLOCK.homeStatusActions, buttons),
  ];
}

// ---------------------------------------------------------------------------------------------
// Notices

/** The notice as mrkdwn (names escaped). */
export function homeNoticeText(notice: HomeNotice): string {
  switch (notice.kind) {
    case 'claimed': {
      const where = threadLink(notice.thread, 'open the thread');
      return `✅ You claimed the conversation with *${squeezed(notice.customerName, BUDGET.notice)}*.${where !== null ? ` Reply in the thread: ${where}.` : ''}`;
    }
    case 'took_over': {
      const where = threadLink(notice.thread, 'open the thread');
      return `✅ You took over the conversation with *${squeezed(notice.customerName, BUDGET.notice)}*: the customer sees you now. ${
        where !== null ? `Reply in the thread: ${where}.` : 'The conversation so far is being posted in the handoff channel; reply in its thread.'
      }`;
    }
    case 'owned':
      return `⚠️ ${isSlackUserId(notice.ownerId) ? `<@${notice.ownerId}>` : 'Someone else'} already has the conversation with *${squeezed(notice.customerName, BUDGET.notice)}*.`;
    case 'resolved':
      return '⚠️ That conversation is resolved already.';
    case 'not_found':
      return '⚠️ That conversation no longer exists.';
    case 'failed':
      return '⚠️ That did not work. Please try again.';
    case 'text':
      return notice.text;
  }
}

// ---------------------------------------------------------------------------------------------
// The view

/** The whole Home tab. */
export function appHome(model: HomeModel): HomeView {
  const { now } = model;
  const blocks: KnownBlock[] = [{ type: 'header', text: plainText('Handoff', LIMITS.header) }];
  if (model.notice !== null) blocks.push({ type: 'section', block_id: BLOCK.homeNotice, text: mrkdwn(homeNoticeText(model.notice)) });
  blocks.push(...statusBlocks(model));
  const refused = model.channels?.rows.filter((r) => r.problem !== null).length ?? 0;
  if (refused > 0) {
    blocks.push(context([`⚠️ ${refused === 1 ? 'A team channel is' : `${refused} team channels are`} not usable: see *Handoff channels* below for the fix.`]));
  }

  blocks.push({ type: 'divider' });
  blocks.push(
    ...listBlocks('Your conversations', BLOCK.homeMine, model.mine, (c) => mineRow(c, now), '_Nothing assigned to you right now._', (n) => `…and ${n} more of yours.`),
  );

  blocks.push({ type: 'divider' });
  blocks.push(
    ...listBlocks(
      'Waiting for an agent',
      BLOCK.homeQueue,
      model.queue,
      (c) => queueRow(c, now),
      '_Nobody is waiting. 🎉_',
      (n) => `…and ${n} more waiting (oldest first above).`,
    ),
  );

  blocks.push({ type: 'divider' });
  blocks.push(
    ...listBlocks(
      `Live AI conversations (last ${model.liveWindowMinutes} min)`,
      BLOCK.homeLive,
      model.live,
      (c) => liveRow(c, now),
      `_No conversations with the AI in the last ${model.liveWindowMinutes} minutes._`,
      (n) => `…and ${n} more with the AI.`,
    ),
  );

  if (model.performance) blocks.push({ type: 'divider' }, ...homePerformanceBlocks(model.performance));
  if (model.kbDrafts?.length) blocks.push({ type: 'divider' }, ...kbDraftHomeBlocks(model.kbDrafts));
  if (model.channels) blocks.push({ type: 'divider' }, ...homeChannelsBlocks(model.channels.rows, model.channels.defaultChannel));

  const at = parseTime(now);
  const updated = at !== null ? `Updated <!date^${Math.floor(at / 1000)}^{time}|${new Date(at).toISOString().slice(11, 16)} UTC>` : 'Updated just now';
  blocks.push(context([`${updated}  ·  ✅ verified  ·  💎 high value  ·  🔥 frustrated`], BLOCK.homeFooter));

  return { type: 'home', blocks: blocks.slice(0, LIMITS.viewBlocks) };
}
