/**
 * The messages of a handoff thread under its card: the transcript so far, later customer messages
 * (posted under the customer's marked name) and app notices. Pure builders, no I/O; customer text
 * is escaped (customer-text.ts) before it meets our markup.
 */
import type { Message, MessageRole } from '../../core/types';
import { escapeForSlack, truncate, truncateEscaped } from '../text';
import { LIMITS, context, section, type SlackMessage } from './common';
import { BUDGET, escaped, inline } from './customer-text';
import { splitMrkdwn } from './split-mrkdwn';

export interface TranscriptTurn {
  role: MessageRole;
  text: string;
  at: string;
  agentName?: string;
}

/** "*Customer (Jane):*", "*AI:*", "*Agent (Sam):*", "*System:*" (names escaped). */
export function turnLabel(turn: TranscriptTurn, customerName: string): string {
  switch (turn.role) {
    case 'customer':
      return customerName.trim() !== '' ? `*Customer (${inline(customerName, BUDGET.fallbackName)}):*` : '*Customer:*';
    case 'ai':
      return '*AI:*';
    case 'agent':
      return turn.agentName !== undefined && turn.agentName.trim() !== ''
        ? `*Agent (${inline(turn.agentName, BUDGET.fallbackName)}):*`
        : '*Agent:*';
    case 'system':
      return '*System:*';
  }
}

/** One labelled turn as mrkdwn: the label, a space, the escaped text (possibly over 3000 chars). */
export function renderTurn(turn: TranscriptTurn, customerName: string): string {
  const text = turn.text === '' ? '_(empty)_' : escapeForSlack(turn.text);
  return `${turnLabel(turn, customerName)} ${text}`;
}

/**
 * Packs mrkdwn pieces (each ≤ 3000 characters) into messages of sections: consecutive pieces
 * share a section (joined by a line break) while they fit; a message takes sections while it has
 * fewer than 50 blocks and stays within the text budget Slack accepts.
 */
function packSections(pieces: readonly string[]): string[][] {
  const messages: string[][] = [];
  let sections: string[] = [];
  let total = 0;
  let current: string | null = null;

  const closeSection = () => {
    if (current === null) return;
    if (sections.length >= LIMITS.messageBlocks || total + current.length > LIMITS.messageTextBudget) {
      messages.push(sections);
      sections = [];
      total = 0;
    }
    sections.push(current);
    total += current.length;
    current = null;
  };

  for (const piece of pieces) {
    if (current !== null && current.length + 1 + piece.length <= LIMITS.sectionText && total + current.length + 1 + piece.length <= LIMITS.messageTextBudget) {
      current = `${current}\n${piece}`;
    } else {
      closeSection();
      current = piece;
    }
  }
  closeSection();
  if (sections.length > 0) messages.push(sections);
  return messages;
}

/**
 * The conversation so far as thread messages under the card: labelled turns, escaped, in as few
 * messages as Block Kit allows (≤ 50 blocks, ≤ 3000 characters a section, and a total Slack
 * accepts). A long turn is split across sections without losing a character.
 */
export function transcriptMessages(turns: readonly TranscriptTurn[], customerName: string): SlackMessage[] {
  const pieces = turns.flatMap((turn) => splitMrkdwn(renderTurn(turn, customerName), LIMITS.sectionText));
  const packed = packSections(pieces);
  return packed.map((sections, i) => ({
    text: packed.length > 1 ? `Conversation so far (${i + 1}/${packed.length})` : 'Conversation so far',
    blocks: sections.map((s) => section(s)),
  }));
}

/**
 * A later customer message, posted in the thread under the customer's name (so no label). Fits
 * in blocks in practice; a hostile message whose escaped text is too long for blocks is posted as
 * plain `text` instead (Slack takes up to 40,000 characters there).
 */
export function customerMessageBlocks(text: string): SlackMessage {
  const body = text === '' ? '_(empty message)_' : escapeForSlack(text);
  const chunks = splitMrkdwn(body, LIMITS.sectionText);
  if (body.length <= LIMITS.messageTextBudget && chunks.length <= LIMITS.messageBlocks) {
    return { text: truncateEscaped(body, LIMITS.fallbackText), blocks: chunks.map((c) => section(c)) };
  }
  return { text: truncateEscaped(body, 39_000) };
}

/** How a message that carries only files reads in the thread: "📎 sent 2 files: a.png, b.pdf" (names as given: escape it). */
export function filesLine(files: readonly { name: string }[]): string {
  if (files.length === 0) return '';
  const names = files.slice(0, 5).map((f) => f.name);
  const more = files.length > names.length ? ` and ${files.length - names.length} more` : '';
  return `📎 sent ${files.length === 1 ? 'a file' : `${files.length} files`}: ${names.join(', ')}${more}`;
}

/** A stored message as a transcript turn: one with only files says what it carried. */
export function transcriptTurn(m: Message): TranscriptTurn {
  return { role: m.role, text: m.text || filesLine(m.files ?? []), at: m.createdAt, agentName: m.agent?.name };
}

/** The fixed icon of every customer post in a thread (never the customer's own picture). */
export const CUSTOMER_ICON_EMOJI = ':bust_in_silhouette:';
/** Ends every customer post's name, so no visitor can post under an agent's name. */
export const CUSTOMER_NAME_SUFFIX = ' (customer)';
/** Slack's limit for a message's `username`. */
const USERNAME_MAX = 80;

/**
 * Who a later customer message is posted as (chat.postMessage `username` and `icon_emoji`): the
 * name the visitor gave, unmistakably marked — "Ada Lovelace (customer)" with a fixed customer
 * icon — so a visitor calling themselves after an agent cannot pass for them. The name is plain
 * text on one line, without controls or invisible characters (a right-to-left override would
 * reorder the suffix); it is cut, never the suffix.
 */
export function customerPoster(name: string): { username: string; icon_emoji: string } {
  const clean = name
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const shown = truncate(clean === '' ? 'Visitor' : clean, USERNAME_MAX - CUSTOMER_NAME_SUFFIX.length);
  return { username: `${shown}${CUSTOMER_NAME_SUFFIX}`, icon_emoji: CUSTOMER_ICON_EMOJI };
}

/**
 * An app notice in the thread, e.g. "↩️ The customer came back; the conversation is with the AI
 * again." The text is escaped like customer text, so a notice that quotes a name or a message is
 * safe by default.
 */
export function threadNotice(text: string): SlackMessage {
  const body = escaped(text, LIMITS.contextText);
  return { text: body, blocks: [context([body])] };
}

/** What a customer post carries that merging looks at (chat.postMessage args). */
interface PostArgs {
  text?: unknown;
  blocks?: unknown;
  username?: unknown;
  icon_emoji?: unknown;
}

/** The mrkdwn of a post's sections, or null when it is not made of sections only (a plain-text post). */
function sectionTextsOf(args: PostArgs): string[] | null {
  if (!Array.isArray(args.blocks) || args.blocks.length === 0) return null;
  const texts: string[] = [];
  for (const block of args.blocks as { type?: unknown; text?: { text?: unknown } }[]) {
    if (block.type !== 'section' || typeof block.text?.text !== 'string') return null;
    texts.push(block.text.text);
  }
  return texts;
}

/**
 * Customer posts of one thread still waiting for Slack, merged into one post (Slack takes about one
 * post a second per channel, so a busy conversation's backlog drains in a few posts): the head's
 * args with the sections of as many of `next` (in order, a prefix) as fit one message — every
 * message keeps its own lines, consecutive ones share a section while it has room, within 50 blocks
 * and the text budget. Only posts under the same name and icon merge, and a plain-text post (too
 * long for blocks) goes alone. Returns null when nothing can be merged.
 */
export function mergeCustomerPosts(head: Record<string, unknown>, next: readonly Record<string, unknown>[]): { args: Record<string, unknown>; absorbed: number } | null {
  const first = sectionTextsOf(head);
  if (!first) return null;
  let pieces = first;
  const fallback = [typeof head.text === 'string' ? head.text : ''];
  let absorbed = 0;
  for (const args of next) {
    if (args.username !== head.username || args.icon_emoji !== head.icon_emoji) break;
    const texts = sectionTextsOf(args);
    if (!texts) break;
    const candidate = [...pieces, ...texts];
    if (packSections(candidate).length !== 1) break;
    pieces = candidate;
    fallback.push(typeof args.text === 'string' ? args.text : '');
    absorbed += 1;
  }
  if (absorbed === 0) return null;
  const [sections] = packSections(pieces);
  return {
    args: { ...head, text: truncateEscaped(fallback.join('\n'), LIMITS.fallbackText), blocks: sections!.map((s) => section(s)) },
    absorbed,
  };
}
