/**
 * A benchmark server in its own process: `app` (the real Handoff app, built-in AI), `app-instant-ai`
 * (the real app with an AI that answers instantly; `claim-all` hands every conversation to an agent), `raw` (a plain `ws` server: welcome on hello,
 * ack on message), `raw-durable` / `raw-durable-worker` (benchmark 1's durable raw servers: bench/raw-durable.ts) or `raw-slack`
 * (benchmark 3's signature-checking forwarder). Reports its URL over IPC and answers `mem`, `idle`, `cpu` and `stop`.
 */
import fs from 'node:fs';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';
import type { Ai } from '../src/core/ports';
import type { PostgresPeerChannel } from '../src/db/postgres/peer-channel';
import type { CpuSample } from './lib';

const mode = process.argv[2] ?? 'raw';
/** Set by startChildServer's options: the app's environment (DATABASE_URL, SLACK_*) and whether it has peers. */
const appEnv = JSON.parse(process.env.BENCH_APP_ENV || '{}') as Record<string, string>;
const withPeers = process.env.BENCH_PEERS === '1';

export const instantAi: Ai = {
  answer: async () => ({ reply: 'ok', confidence: 1, action: { type: 'answer' }, sources: [] }),
  summarise: async () => ({ summary: 'ok', keyPoints: [], intent: 'ok', aiTried: [], frustration: 'none', articles: [] }),
  draftReply: async () => ({ text: 'ok', sources: [] }),
};

async function main() {
  let stop: () => Promise<void>;
  let idle: () => Promise<void> = async () => {};
  let claimAll: () => number = () => 0;
  let url: string;
  let writerTid: number | null = null;
  let writerStats: (() => Record<string, number>) | undefined;
  // Benchmark 4 compares memory deltas: its raw server loads the same modules as the app's, so that
  // neither pays alone for growing a near-empty heap while its sockets connect.
  if (process.argv.includes('--preload-app')) await import('../test/support/app-harness');
  if (mode === 'raw-slack') {
    // The raw forwarder of benchmark 3 (imported here only: it pulls in the Slack test support).
    const { startRaw } = await import('./b3-agent-reply');
    const raw = await startRaw();
    url = raw.url;
    stop = () => raw.close();
  } else if (mode === 'raw-durable' || mode === 'raw-durable-worker') {
    const { startRawDurable } = await import('./raw-durable');
    const raw = await startRawDurable(mode === 'raw-durable-worker');
    url = raw.url;
    writerTid = raw.writerTid;
    writerStats = raw.stats;
    stop = () => raw.stop();
  } else if (mode === 'raw') {
    const server = http.createServer((_req, res) => res.end('raw'));
    const wss = new WebSocketServer({ server, path: '/widget/ws', perMessageDeflate: false });
    let seq = 0;
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const f = JSON.parse(String(data));
        if (f.type === 'hello') ws.send(JSON.stringify({ type: 'welcome', token: randomUUID(), conversationId: randomUUID(), state: 'ai' }));
        else if (f.type === 'message') ws.send(JSON.stringify({ type: 'ack', clientId: f.clientId, id: randomUUID(), seq: ++seq }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    stop = async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    };
  } else {
    // Loaded here only: the raw servers start without the app's modules.
    const [{ createAgentRepository }, { createPostgresPeerChannel }, { createLogger }, { removeDir, startTestApp }, { FAST_OUTBOX }] = await Promise.all([
      import('../src/db/agent-repository'),
      import('../src/db/postgres/peer-channel'),
      import('../src/logger'),
      import('../test/support/app-harness'),
      import('../test/support/slack-stack'),
    ]);
    let peers: PostgresPeerChannel | undefined;
    if (withPeers) {
      if (!appEnv.DATABASE_URL) throw new Error('peers need DATABASE_URL');
      peers = createPostgresPeerChannel(appEnv.DATABASE_URL, createLogger('silent'));
      await peers.listening();
    }
    const t = await startTestApp(appEnv, {
      socketRate: { perSecond: 1e9, burst: 1e9 },
      socketsPerIp: 20_000,
      heartbeatMs: 600_000,
      ...(mode === 'app-instant-ai' ? { ai: instantAi } : {}),
      ...(peers ? { peers } : {}),
      // As in startSlackStack (benchmark 3): Slack's own pacing would be the bottleneck otherwise.
      ...(appEnv.SLACK_BOT_TOKEN ? { slackOutbox: FAST_OUTBOX } : {}),
    });
    url = t.url;
    idle = () => t.app.core.idle();
    // Every open conversation is taken by an agent: the AI stays quiet, messages are stored and acked.
    claimAll = () => {
      const agent = { id: 'UBENCH', persona: { name: 'Bench' }, isAdmin: false };
      createAgentRepository(t.app.db).ensure(agent.id, new Date().toISOString());
      const { db } = t.app;
      const ids = db.all(db.q.selectFrom('conversations').select('id').where('state', '=', 'ai')).map((r) => r.id);
      for (const id of ids) t.app.handoff.claim(id, agent);
      return ids.length;
    };
    stop = async () => {
      await t.stop();
      await peers?.close();
      removeDir(t.dir);
    };
  }
  process.on('message', async (m: any) => {
    let value: unknown = null;
    if (m.cmd === 'mem') {
      for (let i = 0; i < 3; i++) {
        (globalThis as any).gc?.();
        await new Promise((r) => setTimeout(r, 50));
      }
      value = process.memoryUsage();
    } else if (m.cmd === 'cpu') {
      // CPU time so far: the main thread's and the writer thread's (schedstat, ns) and the whole process's (µs).
      const [mainNs, mainWaitNs] = schedstat(process.pid);
      const [writerNs, writerWaitNs] = writerTid === null ? [null, null] : schedstat(writerTid);
      const cpu: CpuSample = { atNs: Number(process.hrtime.bigint()), mainNs, mainWaitNs, writerNs, writerWaitNs, processUs: process.cpuUsage(), writer: writerStats?.() };
      value = cpu;
    } else if (m.cmd === 'idle') {
      await idle();
    } else if (m.cmd === 'claim-all') {
      value = claimAll();
    } else if (m.cmd === 'stop') {
      await stop();
      process.send!({ reply: m.id, value: null }, () => process.exit(0));
      return;
    }
    process.send!({ reply: m.id, value });
  });
  process.send!({ url });
}

/**
 * A thread's time so far on a CPU and runnable but waiting for one, in ns (the scheduler's own
 * counts: finer than the 10 ms ticks of /proc/…/stat, and the wait shows other processes' load).
 */
function schedstat(tid: number): [run: number, wait: number] {
  const [run, wait] = fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ');
  return [Number(run), Number(wait)];
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
