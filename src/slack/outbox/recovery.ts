import type { OutboxItem } from './outbox-repository';
import { isObject } from './placeholders';
import { classify } from './slack-errors';

/**
 * Finding a post that reached Slack although the outbox never heard back (a crash or a timeout
 * after the call): every chat.postMessage carries its outbox id as message metadata, and a post
 * found `sending` is looked up by it before being posted again.
 */

/** A thin wrapper over WebClient.apiCall: resolves with Slack's answer, throws the WebClient's errors. */
export type SlackCall = (method: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>;

export const OUTBOX_EVENT_TYPE = 'handoff_outbox';

const VERIFY_PAGE_LIMIT = 100;
const VERIFY_MAX_PAGES = 3;
// Look for a crashed send among messages from a little before the item was enqueued.
const VERIFY_LOOKBACK_S = 60;

/** Adds `outbox_id` to the message metadata (keeping the caller's), so a crashed send can be found again. */
export function withOutboxMetadata(args: Record<string, unknown>, outboxId: number): Record<string, unknown> {
  let meta: unknown = args.metadata;
  if (typeof meta === 'string') {
    try {
      meta = JSON.parse(meta);
    } catch {
      meta = undefined;
    }
  }
  const m = isObject(meta) ? meta : {};
  const payload = isObject(m.event_payload) ? m.event_payload : {};
  return {
    ...args,
    metadata: {
      event_type: typeof m.event_type === 'string' ? m.event_type : OUTBOX_EVENT_TYPE,
      event_payload: { ...payload, outbox_id: outboxId },
    },
  };
}

function outboxIdOf(message: unknown): number | undefined {
  if (!isObject(message) || !isObject(message.metadata)) return undefined;
  const payload = message.metadata.event_payload;
  if (!isObject(payload)) return undefined;
  const id = Number(payload.outbox_id);
  return Number.isFinite(id) ? id : undefined;
}

/** The history method that would show the item's post: the thread's replies, or the channel's history. */
export function verifyMethodFor(args: Record<string, unknown>): 'conversations.replies' | 'conversations.history' {
  return typeof args.thread_ts === 'string' ? 'conversations.replies' : 'conversations.history';
}

/**
 * Looks for a chat.postMessage of this item that reached Slack before a crash or timeout: Slack's
 * answer as if the post had just been made, or null. A permanent error of the lookup (e.g. a
 * missing history scope) is handed to `unverifiable` and answers null; others are thrown.
 */
export async function findPosted(
  call: SlackCall,
  item: OutboxItem,
  args: Record<string, unknown>,
  unverifiable: (code: string, data: Record<string, unknown>) => void,
): Promise<Record<string, unknown> | null> {
  const channel = args.channel;
  if (typeof channel !== 'string') return null;
  const method = verifyMethodFor(args);
  const oldest = (Date.parse(item.createdAt) / 1000 - VERIFY_LOOKBACK_S).toFixed(6);
  const base: Record<string, unknown> = { channel, oldest, limit: VERIFY_PAGE_LIMIT, include_all_metadata: true };
  if (method === 'conversations.replies') base.ts = args.thread_ts;
  let cursor: string | undefined;
  for (let page = 0; page < VERIFY_MAX_PAGES; page++) {
    let res: Record<string, unknown>;
    try {
      res = await call(method, cursor ? { ...base, cursor } : base);
    } catch (err) {
      const outcome = classify(err, method);
      if (outcome.kind !== 'permanent') throw err;
      unverifiable(outcome.code, outcome.data);
      return null;
    }
    const messages = Array.isArray(res.messages) ? (res.messages as unknown[]) : [];
    const found = messages.find((m) => outboxIdOf(m) === item.id);
    if (isObject(found)) return { ok: true, channel, ts: found.ts, message: found, recovered: true };
    const meta = res.response_metadata as { next_cursor?: unknown } | undefined;
    cursor = typeof meta?.next_cursor === 'string' && meta.next_cursor ? meta.next_cursor : undefined;
    if (!cursor) break;
  }
  return null;
}
