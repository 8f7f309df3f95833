import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerFrame } from '../src/gateway/protocol';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import type { WidgetClient } from './support/widget-client';

let s: SlackStack;
beforeEach(async () => {
  s = await startSlackStack();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await s.close();
});

/** Polls `check` until it holds; generous deadline, no fixed sleeps. */
async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Holds every fsync of the group commit's log file until `release`: batches commit (other readers
 * see them) but their promises — the widget's hello among them — do not settle meanwhile.
 */
function holdFsyncs() {
  const real = fs.fsync;
  const held: (() => void)[] = [];
  const spy = vi.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    held.push(() => real(fd, cb));
  }) as typeof fs.fsync);
  return {
    held,
    release() {
      spy.mockRestore();
      for (const go of held.splice(0)) go();
    },
  };
}

/** The state a widget shows after these frames: the welcome's, then each state frame in turn. */
function shownState(frames: readonly ServerFrame[]): string | undefined {
  let state: string | undefined;
  for (const f of frames) if (f.type === 'welcome' || f.type === 'state') state = f.state;
  return state;
}

describe('a widget hello while a Claim is applied', () => {
  it('ends in the human state: the welcome carries the claim, or a state frame follows it', async () => {
    // A waiting customer (one tab open).
    const first: WidgetClient = await s.widget();
    const welcome = await first.hello({});
    first.send({ type: 'message', clientId: 'm1', text: 'I want to talk to a person' });
    expect((await first.next('state')).state).toBe('waiting');
    await s.card(welcome.conversationId);
    await s.t.app.core.idle();

    // A second tab says hello; its session is committed, but the commit's fsync has not finished.
    const openSession = vi.spyOn(s.t.app.core, 'openSession');
    const fsyncs = holdFsyncs();
    const second = await s.widget();
    second.send({ type: 'hello', token: welcome.token });
    try {
      await until(() => openSession.mock.results.some((r) => r.type === 'return'), 'the hello to be committed');
      expect(second.frames('welcome')).toHaveLength(0);

      // Ada claims right then: the state event goes out before the second socket is registered.
      const agent = { id: SLACK_IDS.ada, persona: { name: 'Ada' }, isAdmin: false };
      const claimed = s.t.app.handoff.claim(welcome.conversationId, agent);
      expect(claimed.ok).toBe(true);
      expect(s.t.app.core.get(welcome.conversationId).state).toBe('human');
    } finally {
      fsyncs.release();
    }

    // The first tab, registered all along, hears the claim as a state frame.
    expect((await first.next('state', (f) => f.state === 'human')).agent?.name).toBe('Ada');

    // The second tab gets its welcome and the introduction; whatever it received, it shows `human`.
    await second.next('welcome', () => true, 10_000);
    await second.next('message', (m) => m.role === 'agent' && /Ada/.test(m.text), 10_000);
    await s.t.app.core.idle();
    expect(shownState(second.all), JSON.stringify(second.all)).toBe('human');
    const last = [...second.all].reverse().find((f) => f.type === 'welcome' || f.type === 'state') as Extract<ServerFrame, { type: 'welcome' | 'state' }>;
    expect(last.agent?.name).toBe('Ada');
  });
});
