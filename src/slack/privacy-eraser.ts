import type { ErasedRows } from '../core/privacy/privacy-service';
import type { Conversation } from '../core/types';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import { generatedVisitorName } from '../core/visitor-names';
import { context, section, type SlackMessage } from './blocks/common';
import { CUSTOMER_ICON_EMOJI, customerPoster } from './blocks/thread-messages';
import { UPLOAD_FILE_METHOD } from './file-upload';
import type { SlackOutbox } from './outbox';
import type { SlackRepository } from './slack-repository';
import { streamOf } from './slack-bridge';
import { forgetSlackPosts, slackPostsOf } from './slack-posts';
import { cardOf } from './thread-refs';

/** What a customer's post reads once erased. */
export const ERASED_TEXT = '[erased]';

const erasedMessage = (): SlackMessage => ({ text: ERASED_TEXT, blocks: [section(ERASED_TEXT)] });
const erasedNotice = (n: number): SlackMessage => {
  const text = `${ERASED_TEXT} ${n === 1 ? 'A post' : `${n} posts`} by the customer, erased on request.`;
  return { text, blocks: [context([text])] };
};

export interface SlackErasureDeps {
  db: Database;
  outbox: SlackOutbox;
  slack: Pick<SlackRepository, 'thread'>;
  conversations: { get(id: string): Conversation | undefined };
  /** The conversation's card as it should look now (its customer's name and email gone). */
  card(conversation: Conversation): SlackMessage;
  /** Where a file is deleted from when its conversation has no thread. */
  defaultChannel: string;
  logger?: Pick<Logger, 'warn'>;
}

const IN_FLIGHT_WAIT_MS = 60_000;
const IN_FLIGHT_POLL_MS = 250;

type Row = { id: number; lane: string; method: string; args: string; status: string; result: string | null; idempotency_key: string | null };

const parse = (json: string | null): Record<string, unknown> => {
  try {
    return json ? (JSON.parse(json) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/**
 * An erasure reaches the Slack threads, in the erasure's transaction and through the outbox: the
 * customer's posts (one post may carry several messages, coalesced) and the transcripts are edited
 * to "[erased]" (chat.update on the ts the outbox recorded) — or, for posts under the customer's
 * own name, which an edit cannot change, deleted with one "[erased]" line in the thread saying how
 * many went; posts still waiting are rewritten
 * before they go; the card is drawn again without the customer's name and email; the files the app
 * uploaded for the customer are deleted (files.delete). The outbox's own copies (args, results)
 * of the conversation's posts are emptied, so nothing personal stays in slack_outbox either.
 * Posts older than the outbox's retention (its rows pruned) are found in slack_posts (slack-posts.ts),
 * which the erasure then empties for the conversation.
 * Running it again finds nothing left to edit.
 */
export function createSlackErasure(d: SlackErasureDeps) {
  const { db } = d;
  const { q } = db;

  /**
   * The outbox rows about a conversation: its stream, and the rest that name it (heads-ups, agents'
   * DMs with its link). A scan of slack_outbox, which an erasure (rare, asked by a person) can afford.
   */
  const rowsOf = (conversationId: string): Row[] =>
    db
      .all(
        q
          .selectFrom('slack_outbox')
          .select(['id', 'lane', 'method', 'args', 'status', 'result', 'idempotency_key'])
          .where((eb) => eb.or([eb('stream', '=', streamOf(conversationId)), eb('args', 'like', `%${conversationId}%`), eb('idempotency_key', 'like', `%${conversationId}%`)]))
          .orderBy('id'),
      )
      .map((r) => ({ ...r, id: Number(r.id) }));

  /** Returns whether a post was in flight (being sent): it is looked at again once it has gone. */
  function eraseConversation(conversationId: string, fileIds: ReadonlySet<string>, identities: readonly string[]): boolean {
    const stream = streamOf(conversationId);
    const conversation = d.conversations.get(conversationId);
    const thread = d.slack.thread(conversationId);
    const generatedPoster = conversation ? customerPoster(generatedVisitorName(conversation.visitorId)).username : null;
    const needles = identities.map((i) => i.toLowerCase()).filter((i) => i.length >= 3);
    /** A post that quotes the customer: theirs, a transcript, or one naming them (a notice, an agent's DM). */
    const personal = (row: Row, args: Record<string, unknown>) =>
      row.method === 'chat.postMessage' &&
      !row.idempotency_key?.startsWith('card:') &&
      (args.icon_emoji === CUSTOMER_ICON_EMOJI || Boolean(row.idempotency_key?.startsWith('transcript:')) || needles.some((n) => row.args.toLowerCase().includes(n)));
    // The card first: a newer card replaces the card updates still waiting (merge 'replace').
    if (conversation && thread) {
      const card = d.card(conversation);
      d.outbox.enqueue({
        lane: thread.channel,
        method: 'chat.update',
        args: { channel: thread.channel, ts: cardOf(conversationId), text: card.text, blocks: card.blocks },
        priority: 'urgent',
        stream,
        merge: 'replace',
      });
    }
    let deleted = 0;
    let firstDeleted: number | string | null = null;
    let inFlight = false;
    /** Posts the outbox rows told about (channel:ts); the index (slack-posts.ts) covers the rest. */
    const handled = new Set<string>();
    for (const row of rowsOf(conversationId)) {
      const args = parse(row.args);
      const result = parse(row.result);
      if (row.status === 'pending') {
        if (row.idempotency_key?.startsWith('card:') && conversation) {
          db.run(q.updateTable('slack_outbox').set({ args: JSON.stringify({ ...args, ...d.card(conversation) }) }).where('id', '=', row.id).where('status', '=', 'pending'));
        } else if (personal(row, args)) {
          const { text: _t, blocks: _b, username: _u, ...rest } = args;
          const poster = args.icon_emoji === CUSTOMER_ICON_EMOJI ? customerPoster('') : {};
          db.run(q.updateTable('slack_outbox').set({ args: JSON.stringify({ ...rest, ...poster, ...erasedMessage() }) }).where('id', '=', row.id).where('status', '=', 'pending'));
        } else if (row.method === UPLOAD_FILE_METHOD && fileIds.has(String(args.fileId))) {
          // The file is gone: its upload will never happen.
          db.run(q.updateTable('slack_outbox').set({ status: 'sent', result: JSON.stringify({ superseded: 'erased' }) }).where('id', '=', row.id).where('status', '=', 'pending'));
        }
        continue;
      }
      if (row.status === 'sending') {
        inFlight = true;
        continue;
      }
      const ts = typeof result.ts === 'string' ? result.ts : null;
      if (ts && personal(row, args)) {
        const channel = typeof result.channel === 'string' ? result.channel : String(args.channel ?? row.lane);
        // chat.update cannot change a post's username: a post under the customer's own name is
        // deleted (the name goes with it); one under a generated name or the app's is edited.
        const named = typeof args.username === 'string' && args.username !== generatedPoster;
        handled.add(`${channel}:${ts}`);
        if (named) {
          deleted++;
          firstDeleted ??= row.id;
        }
        d.outbox.enqueue({
          lane: row.lane,
          method: named ? 'chat.delete' : 'chat.update',
          args: named ? { channel, ts } : { channel, ts, ...erasedMessage() },
          key: `erase:${row.id}`,
          ...(row.lane === thread?.channel ? { stream } : {}),
        });
      }
      // Only what finding the post again needs is kept.
      const kept: Record<string, unknown> = {};
      for (const key of ['ts', 'channel', 'coalesced_into', 'superseded_by', 'superseded', 'file_id']) if (key in result) kept[key] = result[key];
      const keptArgs: Record<string, unknown> = {};
      for (const key of ['channel', 'ts', 'thread_ts', 'fileId']) if (key in args) keptArgs[key] = args[key];
      db.run(q.updateTable('slack_outbox').set({ args: JSON.stringify(keptArgs), result: row.result === null ? null : JSON.stringify(kept) }).where('id', '=', row.id));
    }
    // Posts whose outbox rows were pruned (after 30 days) are known by the index alone.
    for (const post of slackPostsOf(db, conversationId)) {
      if (handled.has(`${post.channel}:${post.ts}`)) continue;
      const named = post.kind === 'customer_named';
      if (named) {
        deleted++;
        firstDeleted ??= `${post.channel}:${post.ts}`;
      }
      d.outbox.enqueue({
        lane: post.channel,
        method: named ? 'chat.delete' : 'chat.update',
        args: named ? { channel: post.channel, ts: post.ts } : { channel: post.channel, ts: post.ts, ...erasedMessage() },
        key: `erase:${post.channel}:${post.ts}`,
        ...(post.channel === thread?.channel ? { stream } : {}),
      });
    }
    // Its work is queued (in this transaction): nothing is left to find there.
    forgetSlackPosts(db, conversationId);
    if (thread && deleted) {
      d.outbox.enqueue({
        lane: thread.channel,
        method: 'chat.postMessage',
        args: { channel: thread.channel, thread_ts: cardOf(conversationId), ...erasedNotice(deleted) },
        // Two instances erasing at once post it once.
        key: `erased:${conversationId}:${firstDeleted}`,
        stream,
      });
    }
    return inFlight;
  }

  /**
   * Posts that were on their way to Slack during the erasure carry what it erased: once they have
   * gone (their ts known), the conversation is gone over again, a few times a second for a minute.
   */
  function afterInFlight(conversationIds: readonly string[], fileIds: ReadonlySet<string>, identities: readonly string[]): void {
    const deadline = Date.now() + IN_FLIGHT_WAIT_MS;
    let waiting = [...conversationIds];
    const tick = () => {
      if (!db.isOpen()) return;
      waiting = waiting.filter((id) => rowsOf(id).some((r) => r.status === 'sending') || db.tx(() => eraseConversation(id, fileIds, identities)));
      if (waiting.length && Date.now() < deadline) setTimeout(tick, IN_FLIGHT_POLL_MS).unref();
      else if (waiting.length) d.logger?.warn({ conversationIds: waiting }, 'erasure: posts still in flight after a minute were left as they are in Slack');
    };
    setTimeout(tick, IN_FLIGHT_POLL_MS).unref();
  }

  return {
    /** The erasure hook (PrivacyService.onErase): joins the erasure's transaction. */
    erase(erased: ErasedRows): void {
      const fileIds = new Set(erased.files.map((f) => f.id));
      const inFlight = erased.conversationIds.filter((id) => eraseConversation(id, fileIds, erased.identities));
      if (inFlight.length) db.afterCommit(() => afterInFlight(inFlight, fileIds, erased.identities));
      for (const file of erased.files) {
        if (!file.slackFileId) continue;
        const lane = d.slack.thread(file.conversationId)?.channel || d.defaultChannel;
        if (!lane) continue;
        d.outbox.enqueue({ lane, method: 'files.delete', args: { file: file.slackFileId }, key: `erase-file:${file.slackFileId}`, stream: streamOf(file.conversationId) });
      }
    },
  };
}
