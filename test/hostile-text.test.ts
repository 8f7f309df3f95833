import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../src/slack/ids';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { isCustomerPost, postText } from './support/thread-lines';

const { ada, support: C } = SLACK_IDS;
let s: SlackStack;
afterEach(async () => {
  await s?.close();
});

const TRICKY = [
  'Ping <!channel> <!here> <!everyone> and <@U0ADA>',
  'Click <https://evil.example/login|https://acme.example/billing>',
  'Code: `rm -rf /` ```sql\nDROP TABLE x;\n```',
  'Right-to-left \u202Egnp.exe\u202C and zero\u200Bwidth\u200D joiners\uFEFF',
  'Emoji 👩‍💻🏳️‍🌈 and 4-byte 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎 characters',
  '&amp; &lt;b&gt; <b>not bold</b> <script>alert(1)</script>',
];

describe('customer and agent text, relayed safely and byte-exact', () => {
  it('customer text reaches Slack escaped (no pings, no links) and the widget byte-exact', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const w = await s.widget();
    const { conversationId } = await w.hello();
    w.send({ type: 'request_human' });
    await w.next('state');
    const card = await s.card(conversationId);
    for (const [i, text] of TRICKY.entries()) {
      w.send({ type: 'message', clientId: `t${i}`, text });
      const ack = await w.next('ack');
      expect(w.frames('message').find((m) => m.id === ack.id)?.text).toBe(text);
    }
    // Messages still waiting for Slack merge into one post: compare the thread's customer text as a whole.
    const expected = TRICKY.join('\n');
    const unescape = (t: string) => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const customerText = () => s!.emulator.replies(C, card.ts).filter(isCustomerPost).map((m) => unescape(postText(m))).join('\n');
    await s.emulator.waitFor(() => customerText() === expected);
    for (const m of s.emulator.replies(C, card.ts).filter(isCustomerPost)) {
      const raw = m.text + JSON.stringify(m.blocks ?? []);
      expect(raw).not.toMatch(/<!(channel|here|everyone)>|<@U0ADA>|<https?:/);
    }
    expect(customerText()).toBe(expected);
  });

  it("the agent's text reaches the widget as plain text, 4-byte characters and invisible ones intact", async () => {
    s = await startSlackStack({}, { available: [ada] });
    const w = await s.widget();
    const { conversationId } = await w.hello();
    w.send({ type: 'request_human' });
    await w.next('state');
    const card = await s.card(conversationId);
    await s.driver.blockAction(ada, { actionId: ACTION.claim, message: card, channel: C });
    await w.next('message', (m) => m.role === 'agent');
    const agentText = 'Hi 👩‍💻 𝔘𝔫𝔦 \u202Eabc\u202C zero\u200Bwidth &lt;b&gt; <!channel>';
    await s.driver.userReply(ada, C, card.ts, agentText);
    const got = await w.next('message', (m) => m.role === 'agent');
    expect(got.text).toBe('Hi 👩‍💻 𝔘𝔫𝔦 \u202Eabc\u202C zero\u200Bwidth <b> @channel');
  });
});

describe('hostile requests from "Slack"', () => {
  it('answers ssl_check and url_verification, and ignores replayed events', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const ssl = await s.driver.raw('ssl_check=1&token=x', { contentType: 'application/x-www-form-urlencoded' });
    expect(ssl.status).toBe(200);
    const unsigned = await s.driver.raw('ssl_check=1', { contentType: 'application/x-www-form-urlencoded', signature: 'missing' });
    expect(unsigned.status).toBe(401);
    expect((await s.driver.urlVerification('xyz')).body).toEqual({ challenge: 'xyz' });
  });
});
