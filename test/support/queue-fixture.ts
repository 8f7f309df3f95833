import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../../src/db/database';
import { raw } from './test-engine';

export interface QueueFixture {
  /** How many waiting conversations to add. */
  count: number;
  /** Minutes ago the i-th conversation was escalated (older first gives the queue's order). */
  escalatedMinutesAgo: (i: number) => number;
  /** Who was asked at escalation (and, past `nudgedAfterMinutes`, who was nudged). */
  routedTo: string;
  nudgedTo?: string;
  /** A conversation escalated at least this long ago has its nudge recorded (default: never). */
  nudgedAfterMinutes?: number;
  /** A conversation escalated at least this long ago has its @here recorded (default: never). */
  broadcastAfterMinutes?: number;
  /** With a channel, each conversation gets a handoff thread there (a card already posted). */
  channel?: string;
  /** Prefix of the ids, so that several fixtures can share a database. */
  prefix?: string;
  now?: Date;
}

/**
 * Adds `count` waiting conversations straight into the database, in one transaction: a flood of
 * visitors who pressed "Talk to a person", as the rows look after the app escalated, routed and
 * (optionally) nudged them. Returns their ids, oldest escalation first.
 */
export function seedWaitingConversations(db: Database, f: QueueFixture): string[] {
  const now = (f.now ?? new Date()).getTime();
  const prefix = f.prefix ?? 'fx';
  const rows: { id: string; at: number }[] = [];
  for (let i = 0; i < f.count; i++) {
    rows.push({ id: `c_${prefix}_${String(i).padStart(6, '0')}`, at: now - f.escalatedMinutesAgo(i) * 60_000 });
  }
  rows.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
  const visitors: RawBuilder<unknown>[] = [];
  const conversations: RawBuilder<unknown>[] = [];
  const assignments: RawBuilder<unknown>[] = [];
  const threads: RawBuilder<unknown>[] = [];
  rows.forEach(({ id, at }, i) => {
    const iso = new Date(at).toISOString();
    const vid = `v_${id}`;
    visitors.push(sql`(${vid}, ${iso}, ${iso})`);
    conversations.push(sql`(${id}, ${vid}, 'waiting', 'customer_asked', '{}', ${iso}, ${iso}, ${iso})`);
    assignments.push(sql`(${id}, ${f.routedTo}, 'routed', ${iso})`);
    const ageMin = (now - at) / 60_000;
    if (f.nudgedAfterMinutes !== undefined && ageMin >= f.nudgedAfterMinutes) {
      assignments.push(sql`(${id}, ${f.nudgedTo ?? f.routedTo}, 'nudged', ${new Date(at + f.nudgedAfterMinutes * 60_000).toISOString()})`);
    }
    if (f.broadcastAfterMinutes !== undefined && ageMin >= f.broadcastAfterMinutes) {
      assignments.push(sql`(${id}, ${null}, 'broadcast', ${new Date(at + f.broadcastAfterMinutes * 60_000).toISOString()})`);
    }
    if (f.channel) threads.push(sql`(${id}, ${f.channel}, ${`1700000000.${String(i).padStart(6, '0')}`}, ${iso})`);
  });
  // Many rows per statement: one statement per row would be 40,000 round trips to PostgreSQL.
  const insert = (into: RawBuilder<unknown>, values: RawBuilder<unknown>[]) => {
    for (let i = 0; i < values.length; i += 500) db.run(raw(db, sql`${into} VALUES ${sql.join(values.slice(i, i + 500))}`));
  };
  db.tx(() => {
    insert(sql`INSERT INTO visitors (id, created_at, last_seen_at)`, visitors);
    insert(sql`INSERT INTO conversations (id, visitor_id, state, escalation_reason, escalation_detail, escalated_at, created_at, updated_at)`, conversations);
    insert(sql`INSERT INTO conversation_assignments (conversation_id, agent_id, kind, at)`, assignments);
    insert(sql`INSERT INTO slack_threads (conversation_id, channel, ts, created_at)`, threads);
  });
  return rows.map((r) => r.id);
}
