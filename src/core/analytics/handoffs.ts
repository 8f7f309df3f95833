/**
 * Handoffs from the event log: a handoff starts at an `escalated` event while none is open, and
 * closes at `resolved` or `handed_back`; what follows it (claim, first reply, reopening, rating,
 * queueing, nudges, email) is attached to it. Pure. Definitions: metrics.ts.
 */
import type { EventRecord, Handoff, MetricsInput } from './metrics';
import { groupBy, ms, seconds } from './statistics';

/** Hours after a resolution within which a reopening means it was not resolved. */
export const REOPEN_WINDOW_HOURS = 24;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

interface Draft extends Handoff {
  open: boolean;
}

/** Closes an open handoff with its outcome; false when it was already closed (the event is late). */
function close(h: Draft, outcome: 'resolved' | 'handed_back'): boolean {
  if (!h.open) return false;
  h.open = false;
  h.outcome = outcome;
  return true;
}

/**
 * Every handoff that started in the period, with what followed it. Events are taken per
 * conversation in the order given (the repository gives them in the order they were recorded;
 * events of one transaction share a time).
 */
export function computeHandoffs(input: Pick<MetricsInput, 'period' | 'conversations' | 'events'>): Handoff[] {
  const teamOf = new Map(input.conversations.map((c) => [c.id, c.teamId]));
  const byConversation = groupBy(input.events, (e) => e.conversationId);
  const from = ms(input.period.from);
  const to = ms(input.period.to);
  const out: Draft[] = [];
  for (const [conversationId, list] of byConversation) {
    // Stable: events recorded in one transaction keep their order.
    const events = [...list].sort((a, b) => ms(a.at) - ms(b.at));
    let current: Draft | null = null;
    for (const e of events) {
      if (e.type === 'escalated') {
        if (current?.open) continue;
        current = {
          conversationId,
          escalatedAt: e.at,
          reason: str(e.detail['kind']) ?? 'unknown',
          reasonDetail: str(e.detail['detail']) ?? (typeof e.detail['confidence'] === 'number' ? `confidence ${e.detail['confidence']}` : null),
          teamId: teamOf.get(conversationId) ?? null,
          agentId: null,
          claimedAt: null,
          secondsToClaim: null,
          firstReplyAt: null,
          secondsToFirstReply: null,
          resolvedAt: null,
          reopenedAt: null,
          handedBackAt: null,
          outcome: 'open',
          rating: null,
          ratingComment: null,
          queued: e.detail['to'] === 'queued',
          nudges: 0,
          emailed: false,
          open: true,
        };
        const at = ms(e.at);
        if (at >= from && at < to) out.push(current);
        continue;
      }
      if (!current) continue;
      const h: Draft = current;
      switch (e.type) {
        case 'claimed':
          if (h.open && h.claimedAt === null) {
            h.claimedAt = e.at;
            h.agentId = str(e.detail['agentId']) ?? h.agentId;
            if (h.reason !== 'agent_takeover') h.secondsToClaim = seconds(h.escalatedAt, e.at);
          }
          break;
        case 'first_agent_reply':
          if (h.open && h.firstReplyAt === null) {
            h.firstReplyAt = e.at;
            h.secondsToFirstReply = seconds(h.escalatedAt, e.at);
            h.agentId ??= str(e.detail['agentId']);
          }
          break;
        case 'resolved':
          if (close(h, 'resolved')) {
            h.resolvedAt = e.at;
            h.agentId ??= str(e.detail['agentId']);
          }
          break;
        case 'handed_back':
          if (close(h, 'handed_back')) h.handedBackAt = e.at;
          break;
        case 'reopened':
          if (h.resolvedAt !== null && h.reopenedAt === null) {
            h.reopenedAt = e.at;
            if (ms(e.at) - ms(h.resolvedAt) < REOPEN_WINDOW_HOURS * 3_600_000) h.outcome = 'reopened';
          }
          break;
        case 'rated':
          if (h.resolvedAt !== null && typeof e.detail['score'] === 'number') {
            h.rating = e.detail['score'];
            h.ratingComment = str(e.detail['comment']);
          }
          break;
        case 'queued':
          if (h.open) h.queued = true;
          break;
        case 'nudged':
          if (h.open) h.nudges += 1;
          break;
        case 'emailed':
          h.emailed = true;
          break;
        default:
          break;
      }
    }
  }
  return out
    .sort((a, b) => ms(a.escalatedAt) - ms(b.escalatedAt) || a.conversationId.localeCompare(b.conversationId))
    .map(({ open: _open, ...h }) => h);
}
