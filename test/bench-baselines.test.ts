/**
 * The benchmark baselines are code too: the raw insert loop must store what the app stores (or it
 * measures less work), the customer-like load must vary its texts, and the README table must show
 * each row's spread.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rawStore } from '../bench/b5-insert';
import { customerText } from '../bench/b8-customer';
import { printMarkdown, type Row } from '../bench/lib';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { sqliteOf } from './support/test-engine';

describe('benchmark 5 raw store', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.stop();
    removeDir(t.dir);
  });

  it('stores each message once in the app schema, with the next seq, and advances the conversation', async () => {
    const a = t.app.core.openSession({}).conversation.id;
    const b = t.app.core.openSession({}).conversation.id;
    const sqlite = sqliteOf(t.app.db);
    const raw = rawStore(sqlite, `${t.dbPath}-wal`);
    try {
      raw.reload();
      // One tick: a batch with two conversations and a repeated idempotency key.
      await Promise.all([raw.append(a, 'one', 'k1'), raw.append(b, 'two', 'k2'), raw.append(a, 'three', 'k3'), raw.append(a, 'again', 'k1')]);
      await raw.append(a, 'four', 'k4'); // the next tick
      const rows = sqlite.prepare('SELECT conversation_id AS c, seq, text, client_id AS k FROM messages WHERE conversation_id IN (?, ?) ORDER BY c, seq').all(a, b);
      expect(rows).toEqual(
        [
          { c: a, seq: 1, text: 'one', k: 'k1' },
          { c: a, seq: 2, text: 'three', k: 'k3' },
          { c: a, seq: 3, text: 'four', k: 'k4' },
          { c: b, seq: 1, text: 'two', k: 'k2' },
        ].sort((x, y) => (x.c < y.c ? -1 : x.c > y.c ? 1 : x.seq - y.seq)),
      );
      const seqOf = (id: string) => (sqlite.prepare('SELECT last_seq FROM conversations WHERE id = ?').get(id) as { last_seq: number }).last_seq;
      expect([seqOf(a), seqOf(b)]).toEqual([3, 1]);
    } finally {
      raw.close();
    }
  });
});

describe('benchmark 8 texts', () => {
  it('vary across sockets and messages', () => {
    const texts = new Set<string>();
    for (let s = 0; s < 200; s++) for (let n = 1; n <= 10; n++) texts.add(customerText(n, s));
    expect(texts.size).toBeGreaterThan(500);
    for (const t of texts) expect(t.length).toBeGreaterThan(10);
  });
});

describe('the README table', () => {
  it('prints median (min–max), the ratio and the commit', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((s: string) => void lines.push(...String(s).split('\n')));
    try {
      const row: Row = { bench: 1, metric: 'acks/s', unit: 'acks/s', ours: 2000, raw: 40, ratio: 50, target: '≥ 0.5× raw', met: true, oursRuns: [1500, 2000, 2500], rawRuns: [30, 40, 50] };
      printMarkdown([row, { ...row, bench: 6, met: null, raw: null, ratio: null, rawRuns: undefined }], { commit: 'abc1234', date: '2026-12-07T15:00:00Z', totalS: 400 });
    } finally {
      spy.mockRestore();
    }
    expect(lines[0]).toContain('`abc1234`');
    expect(lines[0]).toContain('400 s');
    expect(lines).toContain('| 1 | acks/s | 2,000 (1,500–2,500) acks/s | 40.0 (30.0–50.0) acks/s | 50.00× | ≥ 0.5× raw | yes |');
    expect(lines).toContain('| 6 | acks/s | 2,000 (1,500–2,500) acks/s | — | — | ≥ 0.5× raw | — |');
  });
});
