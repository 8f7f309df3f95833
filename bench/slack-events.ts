/** Slack Events API bodies for the benchmarks' thread replies, built by an emulator (in whichever process holds it). */
import { SLACK_IDS, type SlackEmulator } from '../test/support/slack-emulator';

const C = SLACK_IDS.support;
let eventN = 0;

export function envelopeFor(e: SlackEmulator, ev: Record<string, any>) {
  return {
    token: 'legacyVerificationToken00', team_id: e.team.id, context_team_id: e.team.id, context_enterprise_id: null, api_app_id: e.bot.appId,
    event: ev, type: 'event_callback', event_id: `EvBENCH${process.pid}x${++eventN}`, event_time: Math.floor(Number(ev.event_ts ?? ev.ts)),
    authorizations: [{ enterprise_id: null, team_id: e.team.id, user_id: e.bot.userId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

/** Thread replies by each target's agent, as signed-ready event bodies (the key is in the text). */
export function prepareReplies(e: SlackEmulator, targets: { agent: string; threadTs: string }[], tag: string, total: number): { key: string; target: number; body: string }[] {
  return Array.from({ length: total }, (_, i) => {
    const target = i % targets.length;
    const t = targets[target]!;
    const key = `${tag}x${i}`;
    const msg = e.postAsUser(t.agent, C, `Reply bench${key} from the agent`, { thread_ts: t.threadTs });
    return { key, target, body: JSON.stringify(envelopeFor(e, e.toMessageEvent(msg))) };
  });
}

