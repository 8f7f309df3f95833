import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../src/slack/ids';
import { DEFAULT_BOT_TOKEN, SLACK_IDS } from './support/slack-emulator';
import { SIGNING_SECRET, startSlackStack, type SlackStack } from './support/slack-stack';

let s: SlackStack;
afterEach(async () => {
  await s?.close();
});

describe('logs', () => {
  it('never contain the bot token, the signing secret, request signatures or visitor tokens, even at trace level', async () => {
    const lines: string[] = [];
    s = await startSlackStack(
      { LOG_LEVEL: 'trace', IDENTITY_SECRET: 'identity-secret-value' },
      { available: [SLACK_IDS.ada], app: { logDestination: { write: (line: string) => void lines.push(line) } } },
    );
    const w = await s.widget();
    const welcome = await w.hello({ visitor: { name: 'Log Test' } });
    w.send({ type: 'message', clientId: 'l1', text: 'I want a refund' });
    await w.next('state');
    const card = await s.card(welcome.conversationId);
    await s.driver.blockAction(SLACK_IDS.ada, { actionId: ACTION.claim, message: card, channel: SLACK_IDS.support });
    await w.next('state', (f) => f.state === 'human');
    await s.driver.userReply(SLACK_IDS.ada, SLACK_IDS.support, card.ts, 'Hello from Slack');
    await w.next('message', (m) => m.text === 'Hello from Slack');
    await s.driver.blockAction(SLACK_IDS.ada, { actionId: ACTION.claim, message: card, channel: SLACK_IDS.support, signature: 'wrong_secret' });
    const all = lines.join('\n');
    expect(all.length).toBeGreaterThan(1000); // we did log
    for (const secret of [DEFAULT_BOT_TOKEN, SIGNING_SECRET, 'identity-secret-value', welcome.token]) {
      expect(all).not.toContain(secret);
    }
    expect(all).not.toMatch(/v0=[0-9a-f]{64}/);
    expect(all).not.toMatch(/xoxb-/);
  });
});
