import { describe, expect, it } from 'vitest';
import { CONVERSATION_STATES, type Agent, type ConversationState } from '../types';
import { MOVES, plan, type Move, type MoveType } from './transitions';

const agent: Agent = { id: 'U1', persona: { name: 'Ada' }, isAdmin: false };
const reason = { kind: 'customer_asked' as const };

const moves: Record<MoveType, Move> = {
  escalate: { type: 'escalate', reason },
  queue: { type: 'queue', reason },
  queue_unclaimed: { type: 'queue_unclaimed' },
  claim: { type: 'claim', agent },
  take_over: { type: 'take_over', agent },
  hand_back: { type: 'hand_back', agent },
  resolve: { type: 'resolve', agent },
  reopen: { type: 'reopen' },
};

/** The whole table, written out: each move, the states it is allowed from, and where it goes. */
const allowed: Record<MoveType, [ConversationState[], ConversationState]> = {
  escalate: [['ai', 'queued', 'resolved'], 'waiting'],
  queue: [['ai', 'resolved'], 'queued'],
  queue_unclaimed: [['waiting'], 'queued'],
  claim: [['waiting', 'queued'], 'human'],
  take_over: [['ai'], 'human'],
  hand_back: [['human'], 'ai'],
  resolve: [['ai', 'waiting', 'human', 'queued'], 'resolved'],
  reopen: [['resolved'], 'ai'],
};

const pairs = CONVERSATION_STATES.flatMap((state) => (Object.keys(moves) as MoveType[]).map((move) => ({ state, move })));

describe('the conversation lifecycle table', () => {
  it('lists every move', () => {
    expect(Object.keys(MOVES).sort()).toEqual(Object.keys(allowed).sort());
  });

  it.each(pairs)('$move from $state', ({ state, move }) => {
    const [from, to] = allowed[move];
    const p = plan(state, moves[move]);
    if (from.includes(state)) expect(p).toMatchObject({ from: state, to });
    else expect(p).toBeNull();
  });

  it('never moves a conversation to the state it is in, and nothing leaves resolved but a reopen or a new handoff', () => {
    for (const { state, move } of pairs) {
      const p = plan(state, moves[move]);
      if (!p) continue;
      expect(p.to).not.toBe(state);
      if (state === 'resolved') expect(['reopen', 'escalate', 'queue']).toContain(move);
    }
  });
});

describe('what each move records', () => {
  it('escalate: the reason, stored and logged with where it went', () => {
    expect(plan('ai', { type: 'escalate', reason: { kind: 'low_confidence', confidence: 0.2 } })).toEqual({
      from: 'ai',
      to: 'waiting',
      owner: null,
      escalation: { kind: 'low_confidence', confidence: 0.2 },
      events: [{ type: 'escalated', detail: { kind: 'low_confidence', confidence: 0.2, to: 'waiting' } }],
    });
  });

  it('queue: escalated to queued, then queued', () => {
    expect(plan('resolved', { type: 'queue', reason: { kind: 'rule', detail: 'After hours' } })).toEqual({
      from: 'resolved',
      to: 'queued',
      owner: null,
      escalation: { kind: 'rule', detail: 'After hours' },
      events: [
        { type: 'escalated', detail: { kind: 'rule', detail: 'After hours', to: 'queued' } },
        { type: 'queued', detail: {} },
      ],
    });
  });

  it('queue_unclaimed: queued after nobody claimed it', () => {
    expect(plan('waiting', { type: 'queue_unclaimed' })).toEqual({
      from: 'waiting',
      to: 'queued',
      owner: null,
      escalation: null,
      events: [{ type: 'queued', detail: { after: 'unclaimed' } }],
    });
  });

  it.each(['waiting', 'queued'] as const)('claim from %s: the agent owns it', (from) => {
    expect(plan(from, { type: 'claim', agent })).toEqual({
      from,
      to: 'human',
      owner: { take: 'U1' },
      escalation: null,
      events: [{ type: 'claimed', detail: { agentId: 'U1', from } }],
    });
  });

  it('take_over: escalated as the agent’s takeover, then claimed from ai', () => {
    expect(plan('ai', { type: 'take_over', agent })).toEqual({
      from: 'ai',
      to: 'human',
      owner: { take: 'U1' },
      escalation: { kind: 'agent_takeover', detail: 'Ada' },
      events: [
        { type: 'escalated', detail: { kind: 'agent_takeover', detail: 'Ada', to: 'human' } },
        { type: 'claimed', detail: { agentId: 'U1', from: 'ai' } },
      ],
    });
  });

  it('hand_back: back to the AI, nobody owns it', () => {
    expect(plan('human', { type: 'hand_back', agent })).toEqual({
      from: 'human',
      to: 'ai',
      owner: 'release',
      escalation: null,
      events: [{ type: 'handed_back', detail: { agentId: 'U1' } }],
    });
  });

  it.each(['ai', 'waiting', 'human', 'queued'] as const)('resolve from %s: who resolved it', (from) => {
    expect(plan(from, { type: 'resolve', agent })).toEqual({
      from,
      to: 'resolved',
      owner: null,
      escalation: null,
      events: [{ type: 'resolved', detail: { agentId: 'U1' } }],
    });
  });

  it('reopen: back to the AI, nobody owns it', () => {
    expect(plan('resolved', { type: 'reopen' })).toEqual({
      from: 'resolved',
      to: 'ai',
      owner: 'release',
      escalation: null,
      events: [{ type: 'reopened', detail: {} }],
    });
  });
});
