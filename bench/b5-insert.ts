/** 5. The MessageLog group-commit insert path vs a raw better-sqlite3 loop (one INSERT per transaction), same file, same pragmas, same concurrency. */
import { sqliteOf } from '../test/support/test-engine';
import { MessageLog } from '../src/core/message-log';
import { EventBus } from '../src/core/events';
import { systemClock } from '../src/core/ports';
import { createConversationRepository } from '../src/db/conversation-repository';
import { createMessageRepository } from '../src/db/message-repository';
import { GroupCommit } from '../src/db/group-commit';
import { removeDir, startTestApp } from '../test/support/app-harness';
import { median, sleep, type Row } from './lib';

const CONCURRENCY = 200;
const WINDOW_MS = 2000;
const RUNS = 3;

export async function run(): Promise<Row[]> {
  const t = await startTestApp({}, {});
  const db = t.app.db;
  const log = new MessageLog(db, createConversationRepository(db), createMessageRepository(db), systemClock, new EventBus(() => {}), new GroupCommit(db));
  const convs = Array.from({ length: CONCURRENCY }, () => t.app.core.openSession({}).conversation.id);
  const sqlite = sqliteOf(db);
  sqlite.exec('CREATE TABLE IF NOT EXISTS bench_raw (id TEXT PRIMARY KEY, conversation_id TEXT, seq INTEGER, role TEXT, text TEXT, client_id TEXT, created_at TEXT)');
  const ins = sqlite.prepare('INSERT INTO bench_raw VALUES (?, ?, ?, ?, ?, ?, ?)');
  const rawTx = sqlite.transaction((a: unknown[]) => ins.run(...a));

  async function window(worker: (w: number, n: number) => Promise<void>): Promise<number> {
    let count = 0;
    let stop = false;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        for (let n = 0; !stop; n++) {
          await worker(w, n);
          count++;
        }
      }),
    ).then(() => {}, () => {});
    return (count / (performance.now() - t0)) * 1000;
    // (stop is set by the timer below)
  }
  const timed = async (worker: (w: number, n: number) => Promise<void>) => {
    let stop = false;
    let count = 0;
    const t0 = performance.now();
    const timer = setTimeout(() => (stop = true), WINDOW_MS);
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        for (let n = 0; !stop; n++) {
          await worker(w, n);
          count++;
        }
      }),
    );
    clearTimeout(timer);
    return (count / (performance.now() - t0)) * 1000;
  };
  void window;
  let r = 0;
  const ours: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    r++;
    ours.push(await timed((w, n) => log.appendDurably(convs[w]!, { role: 'customer', text: `message ${n}`, clientId: `b5-${r}-${w}-${n}` }).then(() => {})));
    raw.push(
      await timed(async (w, n) => {
        await new Promise((res) => setImmediate(res));
        rawTx([`raw-${r}-${w}-${n}`, convs[w], n, 'customer', `message ${n}`, `b5-${r}-${w}-${n}`, new Date().toISOString()]);
      }),
    );
    await sleep(50);
  }
  await t.stop();
  removeDir(t.dir);
  const o = median(ours);
  const rw = median(raw);
  return [{
    bench: 5, metric: `durable inserts/s, ${CONCURRENCY} concurrent writers`, unit: 'msgs/s', ours: o, raw: rw, ratio: o / rw, target: '≥ 1.0× raw', met: o / rw >= 1,
    note: `MessageLog.appendDurably (group commit: one transaction per tick, acked after the WAL fsync) vs better-sqlite3 one INSERT per transaction with synchronous=FULL; both durable at ack, same file, WAL; ${WINDOW_MS / 1000}s windows, median of ${RUNS}`,
    runs: { ours, raw },
  }];
}
