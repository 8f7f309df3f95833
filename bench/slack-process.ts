/** The parent's side of bench/slack-child.ts: the Slack emulation in a child process. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BOT_TOKEN, SLACK_IDS } from '../test/support/slack-emulator';
import { SIGNING_SECRET } from '../test/support/slack-stack';

const CHILD = fileURLToPath(new URL('./slack-child.ts', import.meta.url));

export interface SlackProcess {
  apiUrl: string;
  /** The app's environment for Slack on, pointed at this emulation. */
  env: Record<string, string>;
  available(appUrl: string, agents: string[]): Promise<void>;
  claim(appUrl: string, conversationId: string, agent: string): Promise<string>;
  thread(agent: string): Promise<string>;
  prepare(targets: { agent: string; threadTs: string }[], tag: string, total: number): Promise<{ key: string; target: number; body: string }[]>;
  calls(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export function startSlackProcess(): Promise<SlackProcess> {
  const proc = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let seq = 0;
  const waiting = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();
  proc.on('message', (m: any) => {
    if (typeof m?.reply !== 'number') return;
    const w = waiting.get(m.reply);
    waiting.delete(m.reply);
    if (m.error) w?.reject(new Error(`slack child: ${m.error}`));
    else w?.resolve(m.value);
  });
  const call = (cmd: string, arg?: unknown) =>
    new Promise<any>((resolve, reject) => {
      const id = ++seq;
      const t = setTimeout(() => reject(new Error(`slack child: ${cmd} timed out`)), 60_000);
      waiting.set(id, {
        resolve: (v) => (clearTimeout(t), resolve(v)),
        reject: (e) => (clearTimeout(t), reject(e)),
      });
      proc.send({ id, cmd, arg });
    });
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`slack child exited early (${code})`)));
    proc.once('message', (m: any) => {
      if (!m?.url) return reject(new Error('slack child did not report its url'));
      proc.removeAllListeners('exit');
      resolve({
        apiUrl: m.url,
        env: { SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: m.url, SLACK_HANDOFF_CHANNEL: SLACK_IDS.support },
        available: (appUrl, agents) => call('available', { appUrl, agents }),
        claim: (appUrl, conversationId, agent) => call('claim', { appUrl, conversationId, agent }),
        thread: (agent) => call('thread', { agent }),
        prepare: (targets, tag, total) => call('prepare', { targets, tag, total }),
        calls: () => call('calls'),
        async stop() {
          const exited = new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.once('exit', () => r())));
          await call('stop').catch(() => proc.kill('SIGKILL'));
          const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(t);
        },
      });
    });
  });
}
