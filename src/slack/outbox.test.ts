import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogLevel, WebAPIRateLimitedError, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/database';
import { migrate } from '../db/migrator';
import { createLogger } from '../logger';
import { systemClock } from '../core/ports';
import { SLACK_IDS, startSlackEmulator, type SlackEmulator, type SlackEmulatorOptions } from '../../test/support/slack-emulator';
import {
  SlackOutbox,
  explainSlackError,
  resolvePlaceholders,
  withOutboxMetadata,
  type SlackOutboxOptions,
} from './outbox';

type LogLine = { level: number; msg: string; [key: string]: unknown };
const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;
const FAST = {
  pacing: { 'chat.postMessage': { perSecond: 1000, burst: 1000 } },
  backoff: { baseMs: 20, maxMs: 200 },
  uncertainSettleMs: 50,
};

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface Harness {
  emulator: SlackEmulator;
  client: WebClient;
  file: string;
  db: Database;
  logs: LogLine[];
  make(overrides?: Partial<SlackOutboxOptions>): SlackOutbox;
  reopen(): Database;
}

async function setup(emulatorOptions: SlackEmulatorOptions = {}): Promise<Harness> {
  const emulator = await startSlackEmulator(emulatorOptions);
  cleanups.push(() => emulator.close());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-outbox-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'handoff.db');
  const open = () => {
    const db = openDatabase(file);
    cleanups.push(() => db.close());
    migrate(db);
    return db;
  };
  const client = new WebClient(emulator.bot.token, {
    slackApiUrl: emulator.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 3_000,
    logLevel: LogLevel.ERROR,
  });
  const logs: LogLine[] = [];
  const logger = createLogger('debug', { write: (s: string) => void logs.push(JSON.parse(s) as LogLine) });
  const h: Harness = {
    emulator,
    client,
    file,
    db: open(),
    logs,
    make(overrides = {}) {
      const outbox = new SlackOutbox({
        db: h.db,
        call: async (method, args) => (await client.apiCall(method, args)) as unknown as Record<string, unknown>,
        logger,
        clock: systemClock,
        ...FAST,
        ...overrides,
      });
      cleanups.push(() => outbox.stop({ flushWithinMs: 0 }));
      return outbox;
    },
    reopen() {
      h.db.close();
      h.db = open();
      return h.db;
    },
  };
  return h;
}

const texts = (emulator: SlackEmulator, channel: string) => emulator.messages(channel).map((m) => m.text);
const post = (channel: string, text: string, extra: Record<string, unknown> = {}) => ({
  lane: channel,
  method: 'chat.postMessage',
  args: { channel, text, ...extra },
});

describe('SlackOutbox', () => {
  it('keeps the order within each lane while lanes interleave', async () => {
    const h = await setup();
    const c2 = h.emulator.addChannel({ name: 'support-eu' }).id;
    const c3 = h.emulator.addChannel({ name: 'support-us' }).id;
    const lanes = [SLACK_IDS.support, c2, c3];
    const outbox = h.make();
    for (let i = 0; i < 10; i++) for (const lane of lanes) outbox.enqueue(post(lane, `${lane}-${i}`));
    expect(outbox.pendingFor(c2)).toBe(10);
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    for (const lane of lanes) {
      expect(texts(h.emulator, lane)).toEqual(Array.from({ length: 10 }, (_, i) => `${lane}-${i}`));
      expect(outbox.pendingFor(lane)).toBe(0);
    }
    expect(outbox.stats()).toEqual({ pending: 0, sending: 0, sent: 30, failed: 0 });
    // Sent items keep Slack's answer; every post carries its outbox id as message metadata.
    const first = h.emulator.messages(SLACK_IDS.support)[0]!;
    expect(first.metadata).toEqual({ event_type: 'handoff_outbox', event_payload: { outbox_id: 1 } });
    expect(outbox.get(1)?.result?.ts).toBe(first.ts);
  });

  it('paces chat.postMessage per channel with a token bucket; other channels are not held up', async () => {
    const h = await setup();
    const other = h.emulator.addChannel({ name: 'other' }).id;
    const outbox = h.make({ pacing: { 'chat.postMessage': { perSecond: 10, burst: 2 } } });
    for (let i = 0; i < 6; i++) outbox.enqueue(post(SLACK_IDS.support, `s${i}`));
    outbox.enqueue(post(other, 'o0'));
    const t0 = Date.now();
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    const calls = h.emulator.callsTo('chat.postMessage');
    const support = calls.filter((c) => c.args.channel === SLACK_IDS.support);
    // 2 at once (burst), then one every 100 ms.
    expect(support.at(-1)!.at - support[0]!.at).toBeGreaterThanOrEqual(350);
    expect(calls.find((c) => c.args.channel === other)!.at - t0).toBeLessThan(250);
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
  });

  it('survives a 429 storm: nothing lost, order kept, Retry-After honoured', async () => {
    const h = await setup({ postMessagePerChannelPerSecond: 4 });
    const c2 = h.emulator.addChannel({ name: 'support-eu' }).id;
    h.emulator.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 2);
    const outbox = h.make();
    for (let i = 0; i < 8; i++) {
      outbox.enqueue(post(SLACK_IDS.support, `a${i}`));
      outbox.enqueue(post(c2, `b${i}`));
    }
    outbox.start();
    expect(await outbox.drain(10_000)).toBe(true);
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(Array.from({ length: 8 }, (_, i) => `a${i}`));
    expect(texts(h.emulator, c2)).toEqual(Array.from({ length: 8 }, (_, i) => `b${i}`));

    const calls = h.emulator.callsTo('chat.postMessage');
    const limited = calls.filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    for (const c of limited) {
      const next = calls.find((n) => n.at >= c.at && n !== c && n.args.channel === c.args.channel && calls.indexOf(n) > calls.indexOf(c));
      expect(next, 'a retry follows each 429').toBeDefined();
      const retryAfterMs = (c.fault?.retryAfter ?? 1) * 1000;
      expect(next!.at - c.at).toBeGreaterThanOrEqual(retryAfterMs);
    }
    expect(outbox.stats()).toMatchObject({ sent: 16, failed: 0 });
  });

  it('honours a long Retry-After (30 s) on one channel while other channels go on', async () => {
    const h = await setup();
    const c2 = h.emulator.addChannel({ name: 'support-apac' }).id;
    const outbox = h.make();
    h.emulator.failNext('chat.postMessage', { status: 429, retryAfter: 30 }, 1);
    outbox.enqueue(post(SLACK_IDS.support, 'held'));
    outbox.start();
    await h.emulator.waitFor(() => h.emulator.callsTo('chat.postMessage').some((c) => c.status === 429));
    const limitedAt = Date.now();
    outbox.enqueue(post(c2, 'free'));
    outbox.enqueue(post(SLACK_IDS.support, 'behind'));
    await h.emulator.waitFor(() => texts(h.emulator, c2).includes('free'), 3000);
    await new Promise((r) => setTimeout(r, 500));
    // Still held: nothing more was sent to the limited channel, and its items wait in order.
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual([]);
    expect(outbox.pendingFor(SLACK_IDS.support)).toBe(2);
    const item = h.db.sqlite.prepare("SELECT next_attempt_at FROM slack_outbox WHERE args LIKE '%held%'").get() as { next_attempt_at: string };
    expect(Date.parse(item.next_attempt_at) - limitedAt).toBeGreaterThan(28_000);
  });

  it('a 429 on a method limited workspace-wide holds that method in every lane, not other methods', async () => {
    const h = await setup();
    const seen: { method: string; lane: string; at: number }[] = [];
    let limitedAt = 0;
    const outbox = h.make({
      call: async (method, args) => {
        const lane = String(args.channel);
        seen.push({ method, lane, at: Date.now() });
        if (method === 'chat.update' && lane === 'A' && !limitedAt) {
          limitedAt = Date.now();
          throw new WebAPIRateLimitedError(1);
        }
        if (method === 'chat.postMessage') await new Promise((r) => setTimeout(r, 50));
        return { ok: true, channel: lane, ts: '1700000000.000100' };
      },
    });
    outbox.enqueue({ lane: 'A', method: 'chat.update', args: { channel: 'A', ts: '1.0', text: 'a' } });
    outbox.enqueue({ lane: 'B', method: 'chat.postMessage', args: { channel: 'B', text: 'b' } });
    outbox.enqueue({ lane: 'B', method: 'chat.update', args: { channel: 'B', ts: '1.0', text: 'b' } });
    outbox.enqueue({ lane: 'C', method: 'chat.postMessage', args: { channel: 'C', text: 'c' } });
    outbox.enqueue({ lane: 'C', method: 'chat.postMessage', args: { channel: 'C', text: 'c2' } });
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    const updates = seen.filter((c) => c.method === 'chat.update');
    expect(updates).toHaveLength(3);
    for (const u of updates.slice(1)) expect(u.at - limitedAt).toBeGreaterThanOrEqual(995);
    expect(seen.filter((c) => c.lane === 'C').every((c) => c.at - limitedAt < 500)).toBe(true);
    expect(outbox.stats()).toMatchObject({ sent: 5, failed: 0 });
  });

  it('a response slower than the client timeout: retried, and the post that did land is not made twice', async () => {
    const h = await setup();
    h.emulator.failNext('chat.postMessage', { delayMs: 3_500 }); // the client gives up after 3 s
    const outbox = h.make({ uncertainSettleMs: 1_500 });
    outbox.enqueue(post(SLACK_IDS.support, 'slow one'));
    outbox.enqueue(post(SLACK_IDS.support, 'after it'));
    outbox.start();
    expect(await outbox.drain(15_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 800)); // the slow call finishes on Slack's side too
    expect(texts(h.emulator, SLACK_IDS.support).filter((t) => t === 'slow one').length).toBe(1);
    expect(texts(h.emulator, SLACK_IDS.support).at(-1)).toBe('after it');
  }, 20_000);

  it('retries 500s, connection resets and internal_error with backoff; checks Slack before re-posting', async () => {
    const h = await setup();
    h.emulator.failNext('chat.postMessage', { status: 500 });
    h.emulator.failNext('chat.postMessage', { reset: true });
    h.emulator.failNext('chat.postMessage', { error: 'internal_error' });
    const outbox = h.make({ warnEvery: 2 });
    for (let i = 0; i < 4; i++) outbox.enqueue(post(SLACK_IDS.support, `m${i}`));
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(h.emulator.callsTo('chat.postMessage').map((c) => (c.status === 200 ? (c.error ?? 'ok') : c.status))).toEqual([500, 0, 'internal_error', 'ok', 'ok', 'ok', 'ok']);
    // After an uncertain failure the post may exist: the outbox looked for it first.
    expect(h.emulator.count('conversations.history')).toBe(3);
    const retryLogs = h.logs.filter((l) => l.msg.includes('will retry'));
    expect(retryLogs.map((l) => l.level)).toEqual([LEVEL.debug, LEVEL.warn, LEVEL.debug]);
    expect(outbox.get(1)).toMatchObject({ status: 'sent', attempts: 4 });
  });

  it('fails permanent errors, logs each (error, lane) once with the fix, and the lane goes on', async () => {
    const h = await setup();
    const outbox = h.make();
    const lane = 'lane-1';
    outbox.enqueue({ ...post(SLACK_IDS.support, 'before'), lane });
    outbox.enqueue({ ...post(SLACK_IDS.general, 'x'), lane });
    outbox.enqueue({ ...post(SLACK_IDS.general, 'y'), lane });
    outbox.enqueue({ ...post(SLACK_IDS.support, 'bad', { blocks: [{ type: 'no_such_block' }] }), lane });
    outbox.enqueue({ ...post(SLACK_IDS.support, 'after'), lane });
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['before', 'after']);
    // Permanent errors are not retried.
    expect(h.emulator.count('chat.postMessage')).toBe(5);

    const errors = h.logs.filter((l) => l.level === LEVEL.error);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ slackError: 'not_in_channel', lane });
    expect(errors[0]!.msg).toContain(`/invite @handoff in <#${SLACK_IDS.general}>`);
    expect(errors[1]).toMatchObject({ slackError: 'invalid_blocks' });

    const failures = outbox.failures();
    expect(failures.map((f) => [f.id, f.errorCode])).toEqual([
      [4, 'invalid_blocks'],
      [3, 'not_in_channel'],
      [2, 'not_in_channel'],
    ]);
    expect(failures[1]!.error).toContain('invite the app to the channel');
    expect(outbox.stats()).toEqual({ pending: 0, sending: 0, sent: 2, failed: 3 });
  });

  it('enqueues a key once and joins the caller’s transaction', async () => {
    const h = await setup();
    const outbox = h.make();
    expect(outbox.enqueue({ ...post(SLACK_IDS.support, 'once'), key: 'card:c_1' })).toBe(1);
    expect(outbox.enqueue({ ...post(SLACK_IDS.support, 'twice'), key: 'card:c_1' })).toBeNull();
    expect(() =>
      h.db.tx(() => {
        outbox.enqueue({ ...post(SLACK_IDS.support, 'rolled back'), key: 'card:c_2' });
        throw new Error('domain change failed');
      }),
    ).toThrow('domain change failed');
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['once']);
    // The key stays taken after sending.
    expect(outbox.enqueue({ ...post(SLACK_IDS.support, 'again'), key: 'card:c_1' })).toBeNull();
    // The rolled-back key is free.
    expect(outbox.enqueue({ ...post(SLACK_IDS.support, 'now'), key: 'card:c_2' })).not.toBeNull();
    // Pruning old sent items frees their keys (a daily job keeps the table small).
    expect(outbox.prune(60_000)).toBe(0);
    expect(outbox.prune(-60_000)).toBe(1);
    expect(outbox.enqueue({ ...post(SLACK_IDS.support, 'again'), key: 'card:c_1' })).not.toBeNull();
  });

  it('resolves placeholders from an earlier item’s result, and fails one that never resolves', async () => {
    const h = await setup();
    const cards = new Map<string, string>();
    const sent: unknown[] = [];
    const outbox = h.make({
      refWaitMs: 300,
      onSent: (item, result) => {
        sent.push(item.ref);
        const ref = item.ref as { conversationId?: string; kind?: string } | null;
        if (ref?.kind === 'card' && ref.conversationId) cards.set(ref.conversationId, String(result.ts));
      },
      resolveRefs: (args) => resolvePlaceholders(args, (op, v) => (op === '$cardOf' ? cards.get(String(v)) : undefined)),
    });
    outbox.enqueue({
      ...post(SLACK_IDS.support, 'card', { metadata: { event_type: 'handoff_card', event_payload: { conversation_id: 'c_1' } } }),
      ref: { conversationId: 'c_1', kind: 'card' },
    });
    outbox.enqueue(post(SLACK_IDS.support, 'reply', { thread_ts: { $cardOf: 'c_1' } }));
    const other = h.emulator.addChannel({ name: 'other' }).id;
    outbox.enqueue(post(other, 'orphan', { thread_ts: { $cardOf: 'c_never' } }));
    outbox.enqueue(post(other, 'next'));
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);

    const card = h.emulator.messages(SLACK_IDS.support)[0]!;
    expect(card.text).toBe('card');
    expect(card.metadata).toEqual({ event_type: 'handoff_card', event_payload: { conversation_id: 'c_1', outbox_id: 1 } });
    expect(h.emulator.replies(SLACK_IDS.support, card.ts).map((m) => [m.text, m.thread_ts])).toEqual([['reply', card.ts]]);
    expect(sent[0]).toEqual({ conversationId: 'c_1', kind: 'card' });

    expect(texts(h.emulator, other)).toEqual(['next']);
    const [orphan] = outbox.failures();
    expect(orphan).toMatchObject({ errorCode: 'unresolved_placeholder', lane: other });
    expect(orphan!.error).toContain('{"$cardOf":"c_never"}');
  });

  it('keeps unsent items across a restart and sends them once', async () => {
    const h = await setup();
    h.emulator.failNext('chat.postMessage', { delayMs: 600 });
    const first = h.make();
    for (let i = 0; i < 5; i++) first.enqueue(post(SLACK_IDS.support, `r${i}`));
    first.start();
    await new Promise((r) => setTimeout(r, 100)); // the first post is now in flight
    expect(await first.drain(50)).toBe(false);
    // The call in flight settles; the rest stays in the database.
    await first.stop({ flushWithinMs: 50 });
    expect(first.stats()).toEqual({ pending: 4, sending: 0, sent: 1, failed: 0 });
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['r0']);

    h.reopen();
    const second = h.make();
    second.start();
    expect(await second.drain(5_000)).toBe(true);
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(h.emulator.count('chat.postMessage')).toBe(5);
  });

  it('after a crash mid-send, finds the post in Slack by its metadata instead of posting again', async () => {
    const h = await setup();
    const outbox = h.make();
    const cardTs = (await h.client.chat.postMessage({ channel: SLACK_IDS.support, text: 'card' })).ts!;

    // Crashed after Slack took the post (top level and in a thread), and one that never reached Slack.
    const top = outbox.enqueue(post(SLACK_IDS.support, 'top'))!;
    const reply = outbox.enqueue({ ...post(SLACK_IDS.support, 'reply', { thread_ts: cardTs }), lane: 'thread-lane' })!;
    const lost = outbox.enqueue({ ...post(SLACK_IDS.support, 'lost'), lane: 'lost-lane' })!;
    const posted: Record<number, string> = {};
    for (const id of [top, reply]) {
      const args = withOutboxMetadata(outbox.get(id)!.args, id);
      posted[id] = ((await h.client.apiCall('chat.postMessage', args)) as unknown as { ts: string }).ts;
    }
    h.db.sqlite.prepare("UPDATE slack_outbox SET status = 'sending', attempts = 1").run();
    h.emulator.clearCalls();

    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    expect(h.emulator.callsTo('chat.postMessage').map((c) => c.args.text)).toEqual(['lost']);
    expect(h.emulator.callsTo('conversations.history')).toHaveLength(2);
    expect(h.emulator.callsTo('conversations.replies')[0]!.args).toMatchObject({ ts: cardTs, include_all_metadata: 'true' });
    expect(outbox.get(top)).toMatchObject({ status: 'sent', result: { ts: posted[top], recovered: true } });
    expect(outbox.get(reply)).toMatchObject({ status: 'sent', result: { ts: posted[reply], recovered: true } });
    expect(outbox.get(lost)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['card', 'top', 'lost']);
    expect(h.emulator.replies(SLACK_IDS.support, cardTs).map((m) => m.text)).toEqual(['reply']);
  });
});

describe('outbox helpers', () => {
  it('explains permanent errors in plain words', () => {
    expect(explainSlackError('missing_scope', 'chat.postMessage', {}, { needed: 'chat:write' })).toBe(
      'add the scope chat:write in manifest.yml (oauth_config.scopes.bot) and reinstall the app',
    );
    expect(explainSlackError('invalid_auth', 'chat.postMessage', {})).toContain('SLACK_BOT_TOKEN is wrong or revoked');
  });

  it('resolves nested placeholders, or answers null while one is unknown', () => {
    const args = { channel: 'C1', thread_ts: { $cardOf: 'c1' }, blocks: [{ type: 'section', text: { $textOf: 'x' } }] };
    expect(resolvePlaceholders(args, (op, v) => `${op}:${String(v)}`)).toEqual({
      channel: 'C1',
      thread_ts: '$cardOf:c1',
      blocks: [{ type: 'section', text: '$textOf:x' }],
    });
    expect(resolvePlaceholders(args, (op) => (op === '$cardOf' ? '1.2' : undefined))).toBeNull();
  });

  it('merges the outbox id into metadata the caller set (object or JSON string)', () => {
    expect(withOutboxMetadata({ text: 'x' }, 7).metadata).toEqual({ event_type: 'handoff_outbox', event_payload: { outbox_id: 7 } });
    expect(withOutboxMetadata({ metadata: JSON.stringify({ event_type: 'card', event_payload: { a: 1 } }) }, 7).metadata).toEqual({
      event_type: 'card',
      event_payload: { a: 1, outbox_id: 7 },
    });
  });
});
