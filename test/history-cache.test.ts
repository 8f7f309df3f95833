import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageLog } from '../src/core/message-log';
import type { Ai, AiContext } from '../src/core/ports';
import type { Message } from '../src/core/types';
import { createMessageRepository } from '../src/db/message-repository';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';

const BUDGET = 400_000;
const CONVERSATIONS = 40;
const ROUNDS = 3;

/** An AI that answers at once and records the history each turn was given. */
const calls: AiContext[] = [];
const ai: Ai = {
  answer: async (ctx) => {
    calls.push({ ...ctx, history: [...ctx.history] });
    return { reply: `answer ${ctx.history.length}`, confidence: 0.95, action: { type: 'answer' }, sources: [] };
  },
  summarise: async () => ({ summary: 's', keyPoints: [], intent: 'i', aiTried: [], frustration: 'none', articles: [] }),
  draftReply: async () => ({ text: 'd', sources: [] }),
};

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { ai, historyCacheBytes: BUDGET });
});
afterAll(async () => {
  await t.stop();
  removeDir(t.dir);
});

const logOf = (app: TestApp) => (app.app.core as unknown as { d: { log: MessageLog } }).d.log;

/** Characters of message text the cache holds now, counted from its entries (whatever their shape). */
function cachedTextChars(log: MessageLog): number {
  const history = (log as unknown as { history: Map<string, readonly Message[] | { messages: readonly Message[] }> }).history;
  let chars = 0;
  for (const entry of history.values()) {
    for (const m of Array.isArray(entry) ? entry : (entry as { messages: readonly Message[] }).messages) chars += m.text.length;
  }
  return chars;
}

describe('the history cache', () => {
  it('stays within its byte budget under many conversations of 4000-character messages, and every turn still sees the right history', async () => {
    const { core } = t.app;
    const log = logOf(t);
    const repo = createMessageRepository(t.app.db);
    const ids = Array.from({ length: CONVERSATIONS }, () => core.openSession({}).conversation.id);
    // The cache's own account, and an independent one: its message text at two bytes a character.
    let peak = 0;
    let peakText = 0;
    const measure = () => {
      peak = Math.max(peak, log.cachedHistoryBytes);
      peakText = Math.max(peakText, 2 * cachedTextChars(log));
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, id] of ids.entries()) {
        const text = `c${i} r${round} ` + 'the quick brown fox jumps over the lazy dog '.repeat(100).slice(0, 3990);
        await core.customerMessage(id, `c${i}-r${round}`, text);
        measure();
      }
      await core.idle();
      measure();
    }
    // Without a byte bound: 40 × 3 × 4000 characters, about 1 MB of text at two bytes a character.
    expect(peakText).toBeGreaterThan(BUDGET / 4); // the cache is in use
    expect(peakText).toBeLessThanOrEqual(BUDGET);
    expect(peak).toBeGreaterThanOrEqual(peakText);
    expect(peak).toBeLessThanOrEqual(BUDGET);

    // Cached or not, the history read is what the database holds.
    for (const id of ids) {
      const fromDb = repo.recent(id, 20);
      expect(log.recent(id).map((m) => `${m.seq} ${m.text}`)).toEqual(fromDb.map((m) => `${m.seq} ${m.text}`));
      expect(fromDb.filter((m) => m.role === 'customer')).toHaveLength(ROUNDS);
      expect(log.cachedHistoryBytes).toBeLessThanOrEqual(BUDGET);
    }

    // Each turn was given the conversation as stored up to the message it answered.
    expect(calls.length).toBe(CONVERSATIONS * ROUNDS);
    for (const call of calls) {
      const last = call.history.at(-1)!;
      expect(last.role).toBe('customer');
      expect(last.text).toBe(call.text);
      const stored = repo.after(last.conversationId, 0).filter((m) => m.seq <= last.seq).slice(-20);
      expect(call.history.map((m) => `${m.seq} ${m.role} ${m.text}`)).toEqual(stored.map((m) => `${m.seq} ${m.role} ${m.text}`));
    }
  });

  it('keeps its account exact as messages are added to a cached history and the oldest fall out', async () => {
    const { core } = t.app;
    const log = logOf(t);
    const id = core.openSession({}).conversation.id;
    // Varied lengths, well past the 20 kept: each addition drops the oldest and must subtract it.
    for (let i = 0; i < 30; i++) {
      await core.customerMessage(id, `acct-${i}`, `message ${i} `.padEnd(20 + ((i * 37) % 300), 'x'));
      await core.idle();
    }
    /** What forgetting the conversation's cached history frees. */
    const freed = () => {
      log.recent(id);
      const before = log.cachedHistoryBytes;
      log.forget(id);
      return before - log.cachedHistoryBytes;
    };
    const kept = freed(); // the entry as built message by message
    const counted = freed(); // read again from the database, counted whole
    expect(kept).toBe(counted);
    expect(log.recent(id)).toHaveLength(20);
  });

  it('a conversation started here needs no read of its history: its turns are given it from memory, as stored', async () => {
    const { core } = t.app;
    const log = logOf(t);
    const store = (log as unknown as { messages: { recent(id: string, limit: number): Message[] } }).messages;
    const reads: string[] = [];
    const read = store.recent;
    store.recent = (id, limit) => {
      reads.push(id);
      return read.call(store, id, limit);
    };
    try {
      const id = core.openSession({}).conversation.id;
      calls.length = 0;
      await core.customerMessage(id, 'fresh-1', 'first question');
      await core.idle();
      await core.customerMessage(id, 'fresh-2', 'second question');
      await core.idle();
      expect(calls.map((c) => c.history.map((m) => `${m.role} ${m.text}`))).toEqual([
        ['customer first question'],
        ['customer first question', `ai answer 1`, 'customer second question'],
      ]);
      expect(reads.filter((r) => r === id)).toEqual([]);

      // Opened with the group commit (as the widget's hello is): known once that commits.
      const grouped = (await core.openSessionGrouped({})).conversation.id;
      calls.length = 0;
      await core.customerMessage(grouped, 'grouped-1', 'a question');
      await core.idle();
      expect(calls.map((c) => c.history.map((m) => `${m.role} ${m.text}`))).toEqual([['customer a question']]);
      expect(reads.filter((r) => r === grouped)).toEqual([]);
    } finally {
      store.recent = read;
    }
  });
});
