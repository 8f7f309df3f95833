/**
 * CPU-profiles the app server under the benchmark-1 load: `tsx bench/profile.ts [app|app-instant-ai|agent-owned]`.
 * Writes a .cpuprofile to /tmp/handoff-prof and prints the top self-time functions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { closeAll, connectMany, sleep, startChildServer, type ServerMode } from './lib';

const dir = '/tmp/handoff-prof';
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
process.env.BENCH_CPU_PROF = dir;
// `agent-owned`: the app with every conversation claimed by an agent (no AI turns).
const arg = process.argv[2] ?? 'app-instant-ai';
const srv = await startChildServer((arg === 'agent-owned' ? 'app' : arg) as ServerMode);
const sockets = await connectMany(srv.url, 200, 50);
if (arg === 'agent-owned') await srv.claimAll();
let acks = 0;
let stopped = false;
sockets.forEach((s, si) => {
  let n = 0;
  const send = () => !stopped && s.ws.send(JSON.stringify({ type: 'message', clientId: `p-${si}-${++n}`, text: `How do I export my data? ${n}` }));
  s.onFrame = (f) => f.type === 'ack' && (acks++, send());
  for (let i = 0; i < 4; i++) send();
});
await sleep(5000);
stopped = true;
console.log('acks/s', acks / 5);
await closeAll(sockets);
await srv.stop();
const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
const prof = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
const self = new Map<string, number>();
const dt = new Map<number, number>();
prof.samples.forEach((id: number, i: number) => dt.set(id, (dt.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
let total = 0;
for (const n of prof.nodes) {
  const t = dt.get(n.id) ?? 0;
  total += t;
  const cf = n.callFrame;
  const k = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/(node_modules|src)\//, '$1/')}:${cf.lineNumber + 1}`;
  self.set(k, (self.get(k) ?? 0) + t);
}
console.log(`profile ${path.join(dir, file)}`);
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
