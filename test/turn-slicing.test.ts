/**
 * Acks before AI turns: a burst of turns is started a slice at a time, so the ack of a message that
 * arrives meanwhile goes out between them instead of after all of them (issue 19: send → ack p99
 * at 1,000 messages/s with the built-in AI, whose turns cost main-thread time).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ai } from '../src/core/ports';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { WidgetClient } from './support/widget-client';

/** Main-thread time each answer takes (the built-in AI's search and drafting are synchronous too). */
const TURN_MS = 10;
/** Turns queued at once; the ack must come after fewer than half of them (a few, in practice: 5 here). */
const CONVERSATIONS = 60;

let turnsStarted = 0;
const slowAi: Ai = {
  answer: async () => {
    turnsStarted++;
    const until = performance.now() + TURN_MS;
    while (performance.now() < until); // CPU, as a real turn: nothing else runs meanwhile
    return { reply: 'ok', confidence: 1, action: { type: 'answer' }, sources: [] };
  },
  summarise: async () => ({ summary: 'ok', keyPoints: [], intent: 'ok', aiTried: [], frustration: 'none', articles: [] }),
  draftReply: async () => ({ text: 'ok', sources: [] }),
};

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ WIDGET_MAX_SOCKETS_PER_IP: '100' }, { ai: slowAi });
});
afterAll(async () => {
  await t.stop();
  removeDir(t.dir);
});

describe('AI turns and acks', () => {
  it('a message arriving during a burst of turns is acked after a few of them, not after the whole burst', async () => {
    const clients = await Promise.all(Array.from({ length: CONVERSATIONS + 1 }, () => WidgetClient.connect(t.url)));
    await Promise.all(clients.map((c) => c.hello()));
    const [late, ...burst] = clients as [WidgetClient, ...WidgetClient[]];
    burst.forEach((c, i) => c.send({ type: 'message', clientId: `b${i}`, text: `question ${i}` }));
    await Promise.all(burst.map((c) => c.next('ack', undefined, 20_000)));
    // The burst's turns are now queued (each costs TURN_MS): a new message comes in.
    late.send({ type: 'message', clientId: 'late', text: 'anyone there?' });
    await late.next('ack', (f) => f.clientId === 'late', 20_000);
    const startedBeforeAck = turnsStarted;
    // Every turn still runs, and answers.
    await Promise.all(burst.map((c) => c.next('message', (f) => f.role === 'ai', 20_000)));
    expect(turnsStarted).toBeGreaterThanOrEqual(CONVERSATIONS);
    expect(startedBeforeAck, `turns started before the ack`).toBeLessThan(CONVERSATIONS / 2);
    for (const c of clients) c.close();
  }, 60_000);
});
