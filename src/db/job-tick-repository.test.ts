import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './database';
import { migrate } from './migrator';
import { createJobTickRepository } from './job-tick-repository';

const open: Database[] = [];
let dir: string | null = null;
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
});

function connect(file: string): Database {
  const db = openDatabase(file);
  migrate(db);
  open.push(db);
  return db;
}

describe('job tick claims', () => {
  it('a tick is claimed once across connections to one file, also after a restart; old claims are pruned', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-ticks-'));
    const file = path.join(dir, 'handoff.db');
    const a = createJobTickRepository(connect(file));
    const b = createJobTickRepository(connect(file));
    const now = '2026-03-02T10:00:00.000Z';

    expect(a.claimTick('nudges', '2026-03-02T10:00:00.000Z', now)).toBe(true);
    expect(b.claimTick('nudges', '2026-03-02T10:00:00.000Z', now)).toBe(false);
    expect(a.claimTick('nudges', '2026-03-02T10:00:00.000Z', now)).toBe(false);
    expect(b.claimTick('presence', '2026-03-02T10:00:00.000Z', now)).toBe(true); // another job, same time
    expect(b.claimTick('nudges', '2026-03-02T10:00:15.000Z', now)).toBe(true); // a later tick

    for (const db of open.splice(0)) db.close();
    const restarted = createJobTickRepository(connect(file));
    expect(restarted.claimTick('nudges', '2026-03-02T10:00:00.000Z', now)).toBe(false);

    expect(restarted.pruneTicks('2026-03-02T10:00:10.000Z')).toBe(2);
    expect(restarted.claimTick('nudges', '2026-03-02T10:00:15.000Z', now)).toBe(false);
  });
});
