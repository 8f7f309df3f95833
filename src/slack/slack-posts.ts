import type { Database } from '../db/database';
import type { SlackPostsTable } from '../db/schema';
import { generatedVisitorName } from '../core/visitor-names';
import { CUSTOMER_ICON_EMOJI, customerPoster } from './blocks/thread-messages';
import type { OutboxItem } from './outbox/outbox-repository';

/**
 * An index of the app's Slack posts that quote or name a conversation's customer (slack_posts), so
 * an erasure still finds them once the outbox has pruned its rows. Only where a post is and what
 * kind, never its text: the index itself holds nothing to erase.
 */

export type SlackPostKind = SlackPostsTable['kind'];
export interface SlackPost {
  channel: string;
  ts: string;
  kind: SlackPostKind;
}

const STREAM_PREFIX = 'conv:';
/** A post elsewhere (an agent's DM, a heads-up) names its conversation by a placeholder. */
const PLACEHOLDER = /"\$(?:cardOf|permalinkOf)":"([^"]+)"/;

function conversationOf(item: OutboxItem): string | null {
  if (item.stream?.startsWith(STREAM_PREFIX)) return item.stream.slice(STREAM_PREFIX.length);
  return PLACEHOLDER.exec(JSON.stringify(item.args))?.[1] ?? null;
}

/**
 * The outbox's onSent (in the transaction recording the post sent): a post quoting or naming its
 * conversation's customer is indexed, with the kind the erasure needs; any other post is not.
 */
export function recordSlackPost(db: Database, item: OutboxItem, result: Record<string, unknown>): void {
  if (item.method !== 'chat.postMessage' || typeof result.ts !== 'string' || item.key?.startsWith('card:')) return;
  const conversationId = conversationOf(item);
  if (!conversationId) return;
  const { q } = db;
  const who = db.first(
    q.selectFrom('conversations').innerJoin('visitors', 'visitors.id', 'conversations.visitor_id').select(['visitors.id as visitorId', 'visitors.name', 'visitors.email']).where('conversations.id', '=', conversationId),
  );
  if (!who) return;
  const args = item.args;
  let kind: SlackPostKind | null = null;
  if (args.icon_emoji === CUSTOMER_ICON_EMOJI) {
    // The same test as the eraser's: a post under a name other than the generated one carries hers.
    const generated = customerPoster(generatedVisitorName(who.visitorId)).username;
    kind = typeof args.username === 'string' && args.username !== generated ? 'customer_named' : 'customer';
  } else if (item.key?.startsWith('transcript:')) kind = 'transcript';
  else {
    const text = JSON.stringify(args).toLowerCase();
    const needles = [who.name, who.email].filter((n): n is string => Boolean(n && n.trim().length >= 3)).map((n) => n.toLowerCase());
    if (needles.some((n) => text.includes(n))) kind = 'mention';
  }
  if (!kind) return;
  const channel = typeof result.channel === 'string' ? result.channel : typeof args.channel === 'string' ? args.channel : item.lane;
  db.run(
    q
      .insertInto('slack_posts')
      .values({ channel, ts: result.ts, conversation_id: conversationId, kind, method: item.method, created_at: item.sentAt ?? item.updatedAt })
      .onConflict((oc) => oc.columns(['channel', 'ts']).doNothing()),
  );
}

export function slackPostsOf(db: Database, conversationId: string): SlackPost[] {
  return db.all(db.q.selectFrom('slack_posts').select(['channel', 'ts', 'kind']).where('conversation_id', '=', conversationId).orderBy('created_at').orderBy('ts'));
}

/** Once an erasure has queued what it does to them, they need not be found again. */
export function forgetSlackPosts(db: Database, conversationId: string): void {
  db.run(db.q.deleteFrom('slack_posts').where('conversation_id', '=', conversationId));
}
