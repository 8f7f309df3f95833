/**
 * `npm run bench` runs all benchmarks; `npm run bench -- 1 3` runs a subset. Prints one table, the
 * same as Markdown for the README, the total time, and writes bench/results.json (with the commit).
 */
import { fileURLToPath } from 'node:url';
import { commitId, machine, printMarkdown, printTable, RUNS, writeJson, type Row } from './lib';

const ALL: Record<string, { name: string; load: () => Promise<{ run(): Promise<Row[]> }> }> = {
  '1': { name: 'throughput', load: () => import('./b1-throughput') },
  '2': { name: 'latency', load: () => import('./b2-latency') },
  '3': { name: 'agent reply path', load: () => import('./b3-agent-reply') },
  '4': { name: 'idle socket memory', load: () => import('./b4-memory') },
  '5': { name: 'message insert path', load: () => import('./b5-insert') },
  '6': { name: 'widget size & time to usable', load: () => import('./b6-widget') },
  '7': { name: 'PostgreSQL (1 and 3 instances) next to SQLite', load: () => import('./b7-postgres') },
  '8': { name: 'customer-like load (2,000 sockets)', load: () => import('./b8-customer') },
  '9': { name: 'knowledge-base search at 100 / 1,000 / 10,000 articles', load: () => import('./b9-kb-search') },
};

const picked = process.argv.slice(2).filter((a) => ALL[a]);
const ids = picked.length ? picked : Object.keys(ALL);
const rows: Row[] = [];
const errors: Record<string, string> = {};
const timings: Record<string, number> = {};
const started = Date.now();
const commit = commitId();
const date = new Date().toISOString();
for (const id of ids) {
  const t0 = Date.now();
  console.error(`[bench ${id}] ${ALL[id]!.name}…`);
  try {
    const mod = await ALL[id]!.load();
    rows.push(...(await mod.run()));
  } catch (err) {
    errors[id] = String((err as Error)?.stack ?? err);
    console.error(`[bench ${id}] failed:`, err);
  }
  timings[id] = (Date.now() - t0) / 1000;
  console.error(`[bench ${id}] ${timings[id]!.toFixed(1)} s`);
}
const totalS = (Date.now() - started) / 1000;
console.log('');
printTable(rows);
console.log(`\ntotal ${totalS.toFixed(1)} s (${RUNS} runs per row), commit ${commit}\n`);
printMarkdown(rows, { commit, date, totalS });
const out = fileURLToPath(new URL('./results.json', import.meta.url));
writeJson(out, { commit, date, runsPerRow: RUNS, totalSeconds: totalS, machine: machine(), benchmarks: ids, secondsPerBenchmark: timings, rows, errors });
console.log(`wrote ${out}`);
process.exit(Object.keys(errors).length ? 1 : 0);
