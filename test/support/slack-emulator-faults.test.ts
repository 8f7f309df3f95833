/* eslint-disable @typescript-eslint/no-explicit-any */
/** The emulator's rate limits, scripted faults, response_urls and inspection helpers. */
import { ErrorCode, WebClientEvent } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { client, emu, emulatorKit, clientFor, slackError } from './emulator-test-kit';
import { SLACK_IDS } from './slack-emulator';

const { start } = emulatorKit();

describe('rate limits and scripted faults', () => {
  it('rate-limits chat.postMessage per channel with 429 + Retry-After', async () => {
    let now = 1_750_000_000_000;
    const e = await start({ now: () => now, postMessagePerChannelPerSecond: 2 });
    const c = clientFor(e, { rejectRateLimitedCalls: true });
    await c.chat.postMessage({ channel: 'C0SUPPORT', text: '1' });
    await c.chat.postMessage({ channel: 'C0SUPPORT', text: '2' });
    const limited: any = await c.chat.postMessage({ channel: 'C0SUPPORT', text: '3' }).catch((err) => err);
    expect(limited.code).toBe(ErrorCode.RateLimitedError);
    expect(limited.retryAfter).toBe(1);
    const last = e.lastCall('chat.postMessage')!;
    expect(last).toMatchObject({ status: 429, response: { ok: false, error: 'ratelimited' } });
    await c.chat.postMessage({ channel: SLACK_IDS.ada, text: 'other channel is fine' });
    now += 1001;
    await c.chat.postMessage({ channel: 'C0SUPPORT', text: '3 again' });
    expect(e.messages('C0SUPPORT').map((m) => m.text)).toEqual(['1', '2', '3 again']);
    expect(e.counters['chat.postMessage']).toMatchObject({ calls: 5, ok: 4, rateLimited: 1 });
  });

  it('scripts a 429 the WebClient retries after Retry-After', async () => {
    const c = clientFor(emu, { retryConfig: { retries: 2, minTimeout: 5, maxTimeout: 10 } });
    const seen: number[] = [];
    c.on(WebClientEvent.RATE_LIMITED, (sec: number) => seen.push(sec));
    emu.failNext('chat.postMessage', { status: 429, retryAfter: 0 });
    const res: any = await c.chat.postMessage({ channel: 'C0SUPPORT', text: 'eventually' });
    expect(res.ok).toBe(true);
    expect(seen).toEqual([0]);
    expect(emu.callsTo('chat.postMessage').map((x) => x.status)).toEqual([429, 200]);
    expect(emu.messages('C0SUPPORT')).toHaveLength(1);
  });

  it('scripts 500s, connection resets, platform errors and delays', async () => {
    emu.failNext('chat.postMessage', { status: 500 });
    const http500: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'x' }).catch((e) => e);
    expect(http500.code).toBe(ErrorCode.HTTPError);
    expect(http500.statusCode).toBe(500);

    emu.failNext('chat.postMessage', { reset: true });
    const reset: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'x' }).catch((e) => e);
    expect(reset.code).toBe(ErrorCode.RequestError);

    emu.failNext('*', { error: 'fatal_error' });
    expect((await slackError(client.users.info({ user: SLACK_IDS.ada }))).error).toBe('fatal_error');

    emu.failNext('chat.postMessage', { delayMs: 400 });
    const slow: any = await clientFor(emu, { timeout: 50 }).chat.postMessage({ channel: 'C0SUPPORT', text: 'late' }).catch((e) => e);
    expect(slow.code).toBe(ErrorCode.RequestError);
    expect(emu.counters['chat.postMessage']!.faults).toBe(3);
    // Nothing was stored by failed calls; the delayed one is still processed by "Slack" (like a real timeout).
    await emu.waitFor(() => emu.messages('C0SUPPORT').length === 1, 2000, 'the delayed post to land');
  });
});

describe('response_url, waitFor and inspection helpers', () => {
  it('records response_url posts and applies them', async () => {
    const card: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'card' });
    const url = emu.issueResponseUrl({ kind: 'block_actions', user: SLACK_IDS.ada, channel: 'C0SUPPORT', messageTs: card.ts });
    const post = (body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ text: 'only Ada sees this' })).status).toBe(200);
    expect(emu.ephemerals(SLACK_IDS.ada).at(-1)).toMatchObject({ text: 'only Ada sees this', via: 'response_url' });
    await post({ text: 'everyone sees this', response_type: 'in_channel' });
    expect(emu.messages('C0SUPPORT').map((m) => m.text)).toEqual(['card', 'everyone sees this']);
    await post({ text: 'card (claimed)', replace_original: true });
    expect(emu.message('C0SUPPORT', card.ts)!.text).toBe('card (claimed)');
    await post({ delete_original: true });
    expect(emu.message('C0SUPPORT', card.ts)).toBeUndefined();
    await post({ text: 'fifth' });
    expect((await post({ text: 'sixth' })).status).toBe(404);
    expect(emu.responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 404]);
  });

  it('waitFor resolves on state changes and fails with a clear message', async () => {
    setTimeout(() => void client.chat.postMessage({ channel: 'C0SUPPORT', text: 'later' }), 30);
    const msg = await emu.waitForMessage('C0SUPPORT', (m) => m.text === 'later', 2000);
    expect(msg.ts).toMatch(/^\d{10}\.\d{6}$/);
    await expect(emu.waitFor(() => emu.messages('C0SUPPORT').length > 5, 100, 'six messages')).rejects.toThrow(
      /timed out after 100 ms waiting for six messages[\s\S]*chat\.postMessage/,
    );
  });

  it('notifies listeners of posts, edits and deletions', async () => {
    const seen: string[] = [];
    emu.onMessagePosted((m, source) => seen.push(`posted:${m.text}:${source}`));
    emu.onMessageChanged((m, prev) => seen.push(`changed:${prev.text}->${m.text}`));
    emu.onMessageDeleted((prev) => seen.push(`deleted:${prev.text}`));
    const p: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'a' });
    await client.chat.update({ channel: 'C0SUPPORT', ts: p.ts, text: 'b' });
    await client.chat.delete({ channel: 'C0SUPPORT', ts: p.ts });
    emu.postAsUser(SLACK_IDS.grace, 'C0SUPPORT', 'human');
    expect(seen).toEqual(['posted:a:api', 'changed:a->b', 'deleted:b', 'posted:human:user']);
  });

  it('closes cleanly even with a delayed request in flight', async () => {
    const e = await start();
    e.failNext('auth.test', { delayMs: 10_000 });
    const pending = clientFor(e).auth.test().catch((err) => err);
    await e.waitFor(() => e.counters['auth.test']?.calls === 1, 1000, 'the call to arrive');
    await e.close();
    expect(((await pending) as any).code).toBe(ErrorCode.RequestError);
  });
});
