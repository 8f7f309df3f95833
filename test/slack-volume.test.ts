import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PACING } from '../src/slack/outbox';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { isCustomerPost, threadLines } from './support/thread-lines';
import type { WidgetClient } from './support/widget-client';

/**
 * Slack under volume, as a new user tried it (issue 17): several escalated conversations busy at once
 * in one channel, against an emulation enforcing Slack's post limit (about one a second per channel,
 * short bursts allowed), with the outbox paced as in production. A customer asking for a person must
 * not wait behind other customers' chatter.
 */
const C = SLACK_IDS.support;
let s: SlackStack | undefined;

afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function escalate(stack: SlackStack): Promise<{ w: WidgetClient; conversationId: string; cardTs: string }> {
  const w = await stack.widget();
  const { conversationId } = await w.hello({});
  w.send({ type: 'request_human' });
  await w.next('state');
  const card = await stack.card(conversationId, 20_000);
  return { w, conversationId, cardTs: card.ts };
}

describe('Slack under volume', () => {
  it('five busy conversations: a new handoff’s card is posted within 3 s, and their 150 messages reach their threads once, in order, in few posts', async () => {
    s = await startSlackStack(
      {},
      {
        emulator: { rateLimits: { 'chat.postMessage': { limit: 1, windowMs: 1000, burst: 3, perChannel: true } } },
        app: { slackOutbox: { pacing: { ...DEFAULT_PACING }, backoff: { baseMs: 50, maxMs: 500 } } },
      },
    );
    const busy = [];
    for (let i = 0; i < 5; i++) busy.push(await escalate(s));
    await s.emulator.waitFor(() => s!.t.app.slack!.outbox.pendingFor(C) === 0, 30_000, 'the cards and transcripts to be posted');

    // Each customer sends 30 messages as fast as the widget lets them.
    const sent = busy.map((_, i) => Array.from({ length: 30 }, (__, k) => `conversation ${i} message ${k}`));
    busy.forEach(({ w }, i) => sent[i]!.forEach((text, k) => w.send({ type: 'message', clientId: `c${i}-${k}`, text })));
    for (const { w } of busy) for (let k = 0; k < 30; k++) await w.next('ack');

    // Someone else asks for a person while that chatter waits for Slack.
    const asked = Date.now();
    const newcomer = await s.widget();
    const { conversationId } = await newcomer.hello({});
    newcomer.send({ type: 'request_human' });
    await s.card(conversationId, 10_000);
    const waited = Date.now() - asked;
    expect(waited, `the new card waited ${waited} ms`).toBeLessThan(3_000);

    // Every message once, in order, in its own thread; far fewer posts than messages.
    for (const [i, { cardTs }] of busy.entries()) {
      await s.emulator.waitFor(() => threadLines(s!.emulator, C, cardTs, { customer: true }).length >= 30, 60_000, `conversation ${i}'s thread`);
      expect(threadLines(s.emulator, C, cardTs, { customer: true })).toEqual(sent[i]);
    }
    const customerPosts = busy.flatMap(({ cardTs }) => s!.emulator.replies(C, cardTs).filter(isCustomerPost));
    expect(customerPosts.length).toBeLessThanOrEqual(40);
    expect(s.emulator.counters['chat.postMessage']?.rateLimited ?? 0).toBe(0);
  }, 120_000);
});
