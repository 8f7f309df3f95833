/**
 * The Slack emulation in its own process, so that its work (answering the app's Web API calls,
 * building event envelopes) is not charged to the app or to the load generator. Reports its API
 * URL over IPC, then answers the commands of bench/slack-process.ts.
 */
import { ACTION } from '../src/slack/ids';
import { createSlackDriver } from '../test/support/slack-driver';
import { SLACK_IDS, startSlackEmulator } from '../test/support/slack-emulator';
import { SIGNING_SECRET } from '../test/support/slack-stack';
import { prepareReplies } from './slack-events';

const C = SLACK_IDS.support;

async function main() {
  const emulator = await startSlackEmulator();
  const handlers: Record<string, (a: any) => Promise<unknown> | unknown> = {
    async available({ appUrl, agents }: { appUrl: string; agents: string[] }) {
      const driver = createSlackDriver({ appUrl, signingSecret: SIGNING_SECRET, emulator });
      for (const agent of agents) {
        const res = await driver.slashCommand(agent, 'available');
        if (res.status !== 200) throw new Error(`/handoff available failed for ${agent}: ${res.status}`);
      }
      return null;
    },
    // The agent clicks Claim on the conversation's handoff card; returns the card's ts (the thread).
    async claim({ appUrl, conversationId, agent }: { appUrl: string; conversationId: string; agent: string }) {
      const card = await emulator.waitForMessage(C, (m) => (!m.thread_ts || m.thread_ts === m.ts) && JSON.stringify(m.blocks ?? []).includes(conversationId), 10_000);
      const driver = createSlackDriver({ appUrl, signingSecret: SIGNING_SECRET, emulator });
      const res = await driver.blockAction(agent, { actionId: ACTION.claim, message: emulator.message(C, card.ts)!, channel: C });
      if (res.status !== 200) throw new Error(`claim failed: ${res.status}`);
      return card.ts;
    },
    thread: ({ agent }: { agent: string }) => emulator.postAsUser(agent, C, 'a thread for the raw forwarder').ts,
    prepare: ({ targets, tag, total }: { targets: { agent: string; threadTs: string }[]; tag: string; total: number }) => prepareReplies(emulator, targets, tag, total),
    calls: () => {
      const out: Record<string, number> = {};
      for (const c of emulator.calls) out[c.method] = (out[c.method] ?? 0) + 1;
      return out;
    },
  };
  process.on('message', async (m: { id: number; cmd: string; arg?: unknown }) => {
    if (m.cmd === 'stop') {
      await emulator.close();
      process.send!({ reply: m.id, value: null }, () => process.exit(0));
      return;
    }
    try {
      process.send!({ reply: m.id, value: await handlers[m.cmd]!(m.arg) });
    } catch (err) {
      process.send!({ reply: m.id, error: String((err as Error)?.stack ?? err) });
    }
  });
  process.send!({ url: emulator.apiUrl });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
