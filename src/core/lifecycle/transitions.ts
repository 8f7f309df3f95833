import type { Agent, ConversationState, EscalationReason } from '../types';

/**
 * A conversation's lifecycle, as one pure table: the states, the moves between them, and what each
 * move records in the conversation's event log. Nothing here touches storage; the applier
 * (lifecycle.ts) carries a plan out in one transaction, and it is the only writer of `state`.
 *
 *   ai ──escalate──▶ waiting ──claim──▶ human ──hand_back──▶ ai
 *   ai ──queue────▶ queued  ──claim──▶ human
 *   waiting ──queue_unclaimed──▶ queued ──escalate──▶ waiting (someone is available again)
 *   ai ──take_over──▶ human            any open state ──resolve──▶ resolved ──reopen──▶ ai
 *   resolved ──escalate / queue──▶ waiting / queued (asking for a person right after the end)
 */

/** A conversation starts with the AI (recorded as `started`). */
export const INITIAL_STATE: ConversationState = 'ai';
export const STARTED_EVENT = 'started';

export type Move =
  /** A handoff someone can take now: people are asked at once. */
  | { type: 'escalate'; reason: EscalationReason }
  /** A handoff nobody can take now: the AI keeps helping and the team follows up later. */
  | { type: 'queue'; reason: EscalationReason }
  /** Nobody claimed a waiting conversation and nobody is available: the offline queue. */
  | { type: 'queue_unclaimed' }
  /** An agent takes a conversation waiting for a person. */
  | { type: 'claim'; agent: Agent }
  /** An agent steps into a conversation the AI is handling. */
  | { type: 'take_over'; agent: Agent }
  /** The owner (or an admin) gives the conversation back to the AI. */
  | { type: 'hand_back'; agent: Agent }
  | { type: 'resolve'; agent: Agent }
  /** The customer writes again after the end. */
  | { type: 'reopen' };

export type MoveType = Move['type'];

/** Which states each move may start from, and where it goes. */
export const MOVES: Readonly<Record<MoveType, { from: readonly ConversationState[]; to: ConversationState }>> = {
  escalate: { from: ['ai', 'queued', 'resolved'], to: 'waiting' },
  queue: { from: ['ai', 'resolved'], to: 'queued' },
  queue_unclaimed: { from: ['waiting'], to: 'queued' },
  claim: { from: ['waiting', 'queued'], to: 'human' },
  take_over: { from: ['ai'], to: 'human' },
  hand_back: { from: ['human'], to: 'ai' },
  resolve: { from: ['ai', 'waiting', 'human', 'queued'], to: 'resolved' },
  reopen: { from: ['resolved'], to: 'ai' },
};

/** One entry of the conversation_events log. */
export interface LifecycleEvent {
  type: string;
  detail: Record<string, unknown>;
}

/** What carrying out a move writes, besides the new state. */
export interface Plan {
  from: ConversationState;
  to: ConversationState;
  /** `take`: the agent becomes the owner (and claimed_at is set); `release`: nobody owns it. */
  owner: { take: string } | 'release' | null;
  /** The escalation reason to store (escalated_at is set with it). */
  escalation: EscalationReason | null;
  /** Recorded in this order. */
  events: LifecycleEvent[];
}

/** The plan of `move` from `state`; null when the table refuses it. */
export function plan(state: ConversationState, move: Move): Plan | null {
  const { from, to } = MOVES[move.type];
  if (!from.includes(state)) return null;
  const base = { from: state, to, owner: null, escalation: null };
  switch (move.type) {
    case 'escalate':
      return { ...base, escalation: move.reason, events: [{ type: 'escalated', detail: { ...move.reason, to } }] };
    case 'queue':
      return {
        ...base,
        escalation: move.reason,
        events: [
          { type: 'escalated', detail: { ...move.reason, to } },
          { type: 'queued', detail: {} },
        ],
      };
    case 'queue_unclaimed':
      return { ...base, events: [{ type: 'queued', detail: { after: 'unclaimed' } }] };
    case 'claim':
      return { ...base, owner: { take: move.agent.id }, events: [{ type: 'claimed', detail: { agentId: move.agent.id, from: state } }] };
    case 'take_over': {
      const reason: EscalationReason = { kind: 'agent_takeover', detail: move.agent.persona.name };
      return {
        ...base,
        owner: { take: move.agent.id },
        escalation: reason,
        events: [
          { type: 'escalated', detail: { ...reason, to } },
          { type: 'claimed', detail: { agentId: move.agent.id, from: state } },
        ],
      };
    }
    case 'hand_back':
      return { ...base, owner: 'release', events: [{ type: 'handed_back', detail: { agentId: move.agent.id } }] };
    case 'resolve':
      return { ...base, events: [{ type: 'resolved', detail: { agentId: move.agent.id } }] };
    case 'reopen':
      return { ...base, owner: 'release', events: [{ type: 'reopened', detail: {} }] };
  }
}
