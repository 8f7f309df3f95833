import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createConversationRepository } from '../../db/conversation-repository';
import { createEventRepository } from '../../db/event-repository';
import { GroupCommit } from '../../db/group-commit';
import { openTestDatabase, raw } from '../../../test/support/test-engine';
import { EventBus, type DomainEvent } from '../events';
import type { Agent } from '../types';
import { Lifecycle } from './lifecycle';

const ada: Agent = { id: 'U_ADA', persona: { name: 'Ada' }, isAdmin: false };
const bob: Agent = { id: 'U_BOB', persona: { name: 'Bob' }, isAdmin: false };

function setup() {
  const db = openTestDatabase();
  const at = '2025-01-06T10:00:00.000Z';
  db.run(raw(db, sql`INSERT INTO visitors (id, created_at, last_seen_at) VALUES ('v1', ${at}, ${at})`));
  for (const agent of [ada, bob]) db.run(raw(db, sql`INSERT INTO agents (slack_user_id, created_at) VALUES (${agent.id}, ${at})`));
  const conversations = createConversationRepository(db);
  const events = createEventRepository(db);
  const emitted: DomainEvent[] = [];
  const bus = new EventBus((err) => {
    throw err;
  });
  bus.subscribe((e) => emitted.push(e));
  const commit = new GroupCommit(db);
  const lifecycle = new Lifecycle({ db, commit, conversations, events, bus, clock: { now: () => new Date(at) } });
  const id = db.tx(() => lifecycle.create('v1', at)).id;
  const types = () => events.list(id).map((e) => e.type);
  return { db, commit, lifecycle, conversations, events, emitted, id, types };
}

describe('the lifecycle applier', () => {
  it('creates a conversation with the AI and records that it started', () => {
    const { lifecycle, id, types, emitted } = setup();
    expect(lifecycle.get(id).state).toBe('ai');
    expect(types()).toEqual(['started']);
    expect(emitted).toEqual([]);
  });

  it('makes an allowed move: the state, what the move stores, its events, then conversation.state', () => {
    const { lifecycle, id, types, emitted } = setup();
    const order: string[] = [];
    const result = lifecycle.apply(id, { type: 'escalate', reason: { kind: 'customer_asked' } }, {
      announce: (c) => {
        order.push(`announce ${c.state}`);
        return { position: 1 };
      },
    });
    expect(result).toMatchObject({ moved: true, previous: 'ai', conversation: { state: 'waiting', escalation: { kind: 'customer_asked' } } });
    expect(types()).toEqual(['started', 'escalated']);
    expect(order).toEqual(['announce waiting']);
    expect(emitted).toEqual([{ type: 'conversation.state', conversation: result.conversation, previous: 'ai', agent: null, queue: { position: 1 } }]);
  });

  it('refuses a move the table does not allow: nothing written, nothing emitted', () => {
    const { lifecycle, id, types, emitted } = setup();
    const result = lifecycle.apply(id, { type: 'hand_back', agent: ada });
    expect(result).toMatchObject({ moved: false, conversation: { state: 'ai' } });
    expect(types()).toEqual(['started']);
    expect(emitted).toEqual([]);
  });

  it('a guard stops the move; what it wrote commits', () => {
    const { lifecycle, events, id, types, emitted } = setup();
    const result = lifecycle.apply(id, { type: 'queue', reason: { kind: 'customer_asked' } }, {
      guard: () => {
        events.record(id, 'handoff_refused', {}, '2025-01-06T10:00:00.000Z');
        return 'visitor' as const;
      },
    });
    expect(result).toMatchObject({ moved: false, refused: 'visitor', conversation: { state: 'ai' } });
    expect(types()).toEqual(['started', 'handoff_refused']);
    expect(emitted).toEqual([]);
  });

  it('a claim makes the agent the owner; a second agent’s claim loses', () => {
    const { lifecycle, id, types, emitted } = setup();
    lifecycle.apply(id, { type: 'escalate', reason: { kind: 'customer_asked' } });
    const won = lifecycle.apply(id, { type: 'claim', agent: ada });
    expect(won).toMatchObject({ moved: true, previous: 'waiting', conversation: { state: 'human', ownerId: 'U_ADA' } });
    expect(emitted.at(-1)).toMatchObject({ type: 'conversation.state', previous: 'waiting', agent: { name: 'Ada' } });
    expect(lifecycle.apply(id, { type: 'claim', agent: bob })).toMatchObject({ moved: false, conversation: { ownerId: 'U_ADA' } });
    expect(types()).toEqual(['started', 'escalated', 'claimed']);
    // Handing back releases the owner.
    expect(lifecycle.apply(id, { type: 'hand_back', agent: ada })).toMatchObject({ moved: true, conversation: { state: 'ai', ownerId: null } });
  });

  it('applyGrouped makes the move in the group commit and announces it once stored', async () => {
    const { lifecycle, commit, id, types, emitted } = setup();
    lifecycle.apply(id, { type: 'escalate', reason: { kind: 'customer_asked' } });
    const moved = lifecycle.applyGrouped(id, { type: 'queue_unclaimed' });
    expect(emitted).toHaveLength(1);
    expect(await moved).toMatchObject({ moved: true, previous: 'waiting', conversation: { state: 'queued' } });
    expect(emitted.at(-1)).toMatchObject({ type: 'conversation.state', previous: 'waiting', conversation: { state: 'queued' } });
    expect(types()).toEqual(['started', 'escalated', 'queued']);
    expect(await lifecycle.applyGrouped(id, { type: 'queue_unclaimed' })).toMatchObject({ moved: false });
    await commit.drain();
    commit.close();
  });
});

describe('the only writer of state', () => {
  it('no source outside the lifecycle (and the store that implements it) moves, claims, releases or creates a conversation', () => {
    const src = path.resolve(__dirname, '../..');
    const writes = /\bconversations\??\.(transition|claim|release|insert)\(/;
    const offenders = (fs.readdirSync(src, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => f.split(path.sep).join('/'))
      .filter((f) => !f.startsWith('db/') && f !== 'core/lifecycle/lifecycle.ts')
      .filter((f) => writes.test(fs.readFileSync(path.join(src, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
