import { describe, expect, it } from 'vitest';
import { SLACK_IDS } from '../../../test/support/slack-emulator';
import { explainSlackError } from './slack-errors';
import { useOutboxHarness, post, texts, LEVEL } from '../../../test/support/outbox-harness';

// Transient errors retried with backoff, permanent ones failed once with the fix.
const setup = useOutboxHarness();

describe('SlackOutbox errors', () => {
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
});

describe('explainSlackError', () => {
  it('explains permanent errors in plain words', () => {
    expect(explainSlackError('missing_scope', 'chat.postMessage', {}, { needed: 'chat:write' })).toBe(
      'add the scope chat:write in manifest.yml (oauth_config.scopes.bot) and reinstall the app',
    );
    expect(explainSlackError('invalid_auth', 'chat.postMessage', {})).toContain('SLACK_BOT_TOKEN is wrong or revoked');
  });
});
