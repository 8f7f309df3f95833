import type { Database } from '../db/database';

/** Slack-side bookkeeping: threads, once-only events, relayed replies, notices given. */
export function createSlackRepository(db: Database) {
  // Read for every message of a conversation with a thread: compiled once (see Database.prepare).
  const threadOf = db.prepare((p: { conversationId: string }) =>
    db.q.selectFrom('slack_threads').select(['channel', 'ts', 'summary']).where('conversation_id', '=', p.conversationId),
  );
  const { q } = db;
  return {
    thread(conversationId: string): { channel: string; ts: string | null; summary: string | null } | undefined {
      return threadOf.first({ conversationId });
    },
    /** The AI summary shown at the top of the conversation's card. */
    setSummary(conversationId: string, summary: string): void {
      db.run(q.updateTable('slack_threads').set({ summary }).where('conversation_id', '=', conversationId));
    },
    conversationByThread(channel: string, ts: string): string | undefined {
      return db.first(
        q.selectFrom('slack_threads').select('conversation_id').where('channel', '=', channel).where('ts', '=', ts),
      )?.conversation_id;
    },
    /** Records that the conversation's thread goes to `channel`; false when it already had one. */
    createThread(conversationId: string, channel: string, now: string): boolean {
      const res = db.run(
        q
          .insertInto('slack_threads')
          .values({ conversation_id: conversationId, channel, ts: null, created_at: now })
          .onConflict((oc) => oc.column('conversation_id').doNothing()),
      );
      return res.changes === 1;
    },
    /**
     * Moves a conversation's thread to `channel` while its card is not posted yet (its channel
     * refused it); false when the card is out already (the thread stays where it is).
     */
    moveUnpostedThread(conversationId: string, channel: string): boolean {
      const res = db.run(q.updateTable('slack_threads').set({ channel }).where('conversation_id', '=', conversationId).where('ts', 'is', null));
      return res.changes === 1;
    },
    /**
     * The conversation's thread starts again in `channel` (its old channel refuses posts): no card
     * there yet, so later posts wait for the new one.
     */
    rehomeThread(conversationId: string, channel: string): boolean {
      return db.run(q.updateTable('slack_threads').set({ channel, ts: null }).where('conversation_id', '=', conversationId)).changes === 1;
    },
    /** Conversations waiting for an agent (unclaimed or queued), by the channel their thread is in. */
    waitingByChannel(): Map<string, number> {
      const rows = db.all(
        q
          .selectFrom('conversations')
          .innerJoin('slack_threads', 'slack_threads.conversation_id', 'conversations.id')
          .select(['slack_threads.channel as channel', (eb) => eb.fn.countAll<number>().as('n')])
          .where('conversations.state', 'in', ['waiting', 'queued'])
          .groupBy('slack_threads.channel'),
      );
      return new Map(rows.map((r) => [r.channel, Number(r.n)]));
    },
    /** Handoff threads created since `since` (ISO), by channel. */
    threadsByChannelSince(since: string): Map<string, number> {
      const rows = db.all(
        q
          .selectFrom('slack_threads')
          .select(['channel', (eb) => eb.fn.countAll<number>().as('n')])
          .where('created_at', '>=', since)
          .groupBy('channel'),
      );
      return new Map(rows.map((r) => [r.channel, Number(r.n)]));
    },
    setThreadTs(conversationId: string, ts: string): void {
      db.run(q.updateTable('slack_threads').set({ ts }).where('conversation_id', '=', conversationId));
    },
    wasApplied(eventId: string): boolean {
      return db.first(q.selectFrom('slack_events').select('event_id').where('event_id', '=', eventId)) !== undefined;
    },
    /** Records an applied event id; true the first time. */
    firstDelivery(eventId: string, now: string): boolean {
      const res = db.run(
        q.insertInto('slack_events').values({ event_id: eventId, received_at: now }).onConflict((oc) => oc.column('event_id').doNothing()),
      );
      return res.changes === 1;
    },
    /** Forgets an event whose handling failed, so Slack's retry can apply it. */
    forgetDelivery(eventId: string): void {
      db.run(q.deleteFrom('slack_events').where('event_id', '=', eventId));
    },
    pruneDeliveries(before: string): number {
      return Number(db.run(q.deleteFrom('slack_events').where('received_at', '<', before)).changes);
    },
    relayedMessage(channel: string, ts: string): string | undefined {
      return db.first(q.selectFrom('slack_relays').select('message_id').where('channel', '=', channel).where('ts', '=', ts))?.message_id;
    },
    isRelayedMessage(messageId: string): boolean {
      return db.first(q.selectFrom('slack_relays').select('ts').where('message_id', '=', messageId)) !== undefined;
    },
    rememberRelay(channel: string, ts: string, messageId: string): void {
      db.run(q.insertInto('slack_relays').values({ channel, ts, message_id: messageId }));
    },
    /** True the first time a person is told about notes in a conversation. */
    firstNotice(conversationId: string, userId: string, now: string): boolean {
      const res = db.run(
        q
          .insertInto('slack_note_notices')
          .values({ conversation_id: conversationId, slack_user_id: userId, at: now })
          .onConflict((oc) => oc.columns(['conversation_id', 'slack_user_id']).doNothing()),
      );
      return res.changes === 1;
    },
  };
}

export type SlackRepository = ReturnType<typeof createSlackRepository>;
