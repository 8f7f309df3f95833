import type { PeriodReport } from '../../src/core/analytics/analytics-service';
import { computeReport, type ConversationRecord, type CustomerMessageRecord, type EventRecord, type MetricsInput } from '../../src/core/analytics/metrics';
import type { Database } from '../../src/db/database';

/**
 * Generated conversation histories for the analytics tests: conversations, their customer messages
 * and the conversation_events the app records, at times given in seconds from an origin. The same
 * history feeds the pure metrics (as records) and the database (seedHistory), so the SQL and the
 * computation are checked against the same hand-computed numbers.
 */

export interface HandoffSpec {
  /** Seconds from the origin. */
  at: number;
  reason?: string;
  /** Extra detail of the escalated event (e.g. { confidence: 0.2 }). */
  detail?: Record<string, unknown>;
  to?: 'waiting' | 'queued' | 'human';
  agent?: string;
  /** Seconds after the handoff. */
  claimAfter?: number;
  replyAfter?: number;
  resolveAfter?: number;
  handBackAfter?: number;
  /** Seconds after the resolution. */
  reopenAfter?: number;
  rating?: number;
  comment?: string;
  /** Seconds after the handoff; each is a nudge. */
  nudgesAfter?: number[];
}

export interface ConversationSpec {
  id: string;
  /** Seconds from the origin. */
  start: number;
  teamId?: string | null;
  /** Customer messages: [seconds from the origin, text]; default one "hello" a second after the start. */
  messages?: [number, string][];
  handoffs?: HandoffSpec[];
}

export class History {
  readonly conversations: ConversationRecord[] = [];
  readonly events: EventRecord[] = [];
  readonly customerMessages: CustomerMessageRecord[] = [];

  constructor(readonly origin: number = Date.parse('2026-03-02T00:00:00.000Z')) {}

  iso(seconds: number): string {
    return new Date(this.origin + seconds * 1000).toISOString();
  }

  add(spec: ConversationSpec): this {
    const messages = spec.messages ?? [[spec.start + 1, 'hello']];
    this.conversations.push({
      id: spec.id,
      createdAt: this.iso(spec.start),
      firstCustomerMessageAt: messages.length ? this.iso(Math.min(...messages.map(([t]) => t))) : null,
      teamId: spec.teamId ?? null,
    });
    for (const [t, text] of messages) this.customerMessages.push({ conversationId: spec.id, text, at: this.iso(t) });
    const ev = (type: string, t: number, detail: Record<string, unknown> = {}) => this.events.push({ conversationId: spec.id, type, at: this.iso(t), detail });
    ev('started', spec.start);
    for (const h of spec.handoffs ?? []) {
      const reason = h.reason ?? 'customer_asked';
      const to = h.to ?? (reason === 'agent_takeover' ? 'human' : 'waiting');
      ev('escalated', h.at, { kind: reason, ...h.detail, to });
      if (to === 'queued') ev('queued', h.at);
      else if (to === 'waiting') ev('routed', h.at, { agentIds: h.agent ? [h.agent] : [] });
      for (const n of h.nudgesAfter ?? []) ev('nudged', h.at + n, { kind: 'agent' });
      if (h.claimAfter !== undefined) ev('claimed', h.at + h.claimAfter, { agentId: h.agent ?? 'U0ADA', from: reason === 'agent_takeover' ? 'ai' : to });
      if (h.replyAfter !== undefined) ev('first_agent_reply', h.at + h.replyAfter, { agentId: h.agent ?? 'U0ADA' });
      if (h.handBackAfter !== undefined) ev('handed_back', h.at + h.handBackAfter, { agentId: h.agent ?? 'U0ADA' });
      if (h.resolveAfter !== undefined) {
        const resolved = h.at + h.resolveAfter;
        ev('resolved', resolved, { agentId: h.agent ?? 'U0ADA' });
        if (h.rating !== undefined) ev('rated', resolved + 30, { score: h.rating, comment: h.comment ?? null });
        if (h.reopenAfter !== undefined) ev('reopened', resolved + h.reopenAfter);
      }
    }
    // The repository gives events in the order recorded, i.e. by time.
    this.events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    return this;
  }

  /** `n` conversations without a handoff, ids `${prefix}1…`, started `every` seconds apart from `start`. */
  quiet(n: number, start: number, prefix = 'q', every = 60): this {
    for (let i = 1; i <= n; i++) this.add({ id: `${prefix}${i}`, start: start + (i - 1) * every });
    return this;
  }
}

/** Writes a history into the database as the app would have (visitors, conversations, messages, events). */
export function seedHistory(db: Database, history: History, teams: Record<string, string> = {}): void {
  const { q } = db;
  db.tx(() => {
    for (const [id, name] of Object.entries(teams)) {
      db.run(q.insertInto('teams').values({ id, name, channel: null, created_at: history.iso(0) }).onConflict((oc) => oc.column('id').doNothing()));
    }
    for (const c of history.conversations) {
      db.run(
        q.insertInto('visitors').values({
          id: `v_${c.id}`,
          name: null,
          email: null,
          user_id: null,
          verified: 0,
          attributes: '{}',
          created_at: c.createdAt,
          last_seen_at: c.createdAt,
        }),
      );
      const messages = history.customerMessages.filter((m) => m.conversationId === c.id);
      db.run(
        q.insertInto('conversations').values({
          id: c.id,
          visitor_id: `v_${c.id}`,
          state: 'ai',
          last_seq: messages.length,
          page_url: null,
          page_title: null,
          escalation_reason: null,
          escalation_detail: null,
          escalated_at: null,
          email_requested: 0,
          owner_id: null,
          claimed_at: null,
          team_id: c.teamId,
          created_at: c.createdAt,
          updated_at: c.createdAt,
        }),
      );
      messages.forEach((m, i) =>
        db.run(
          q.insertInto('messages').values({
            id: `m_${c.id}_${i + 1}`,
            conversation_id: c.id,
            seq: i + 1,
            role: 'customer',
            text: m.text,
            client_id: `k${i + 1}`,
            agent_name: null,
            agent_avatar_url: null,
            confidence: null,
            created_at: m.at,
            edited_at: null,
            deleted_at: null,
          }),
        ),
      );
    }
    for (const e of history.events) {
      db.run(q.insertInto('conversation_events').values({ conversation_id: e.conversationId, type: e.type, detail: JSON.stringify(e.detail), at: e.at }));
    }
  });
}

/**
 * The "last 7 days" report of a history straight from the pure computation, as the service names
 * it (confidence threshold 0.5): what the service must return and what the Slack blocks render.
 */
export function weekReport(h: History, names: MetricsInput['names'] = {}, timezone?: string): PeriodReport {
  return {
    name: '7d',
    label: 'last 7 days',
    ...computeReport({
      period: { from: h.iso(0), to: h.iso(7 * 24 * 3600) },
      conversations: h.conversations,
      events: h.events,
      customerMessages: h.customerMessages,
      ...(timezone ? { timezone } : {}),
      names,
      confidenceThreshold: 0.5,
    }),
  };
}
