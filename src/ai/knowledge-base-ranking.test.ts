import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../db/database';
import { migrate } from '../db/migrator';
import { createKnowledgeBase, indexKnowledgeBase } from './knowledge-base';
import { ftsPassageIndex } from './knowledge-base-sqlite';

/**
 * The bounded search ranks as FTS5 did: over the sample articles (no question word in more than
 * K passages), the snapshot's bm25, document frequencies and term membership give exactly the
 * results, scores included, of FTS5's MATCH, bm25() and count(*), for questions made of the
 * articles' own words.
 */

const KB_DIR = fileURLToPath(new URL('../../kb', import.meta.url));
let db: SqliteDatabase;

beforeAll(() => {
  db = openDatabase(':memory:');
  migrate(db);
  indexKnowledgeBase(db, KB_DIR);
});

afterAll(() => db.close());

/** Questions of one to five words drawn from the articles, some with a word none holds, and every heading. */
function questions(): string[] {
  const text = fs.readdirSync(KB_DIR).map((f) => fs.readFileSync(path.join(KB_DIR, f), 'utf8')).join('\n');
  const words = [...new Set(text.toLowerCase().match(/[a-z0-9]{3,}/g))];
  let seed = 7;
  const next = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff), seed % n);
  const drawn = Array.from({ length: 1500 }, () => {
    const picked = Array.from({ length: 1 + next(5) }, () => words[next(words.length)]!);
    return [...picked, ...(next(3) ? [] : ['pizza'])].join(' ');
  });
  return [...drawn, ...text.match(/^#+ .*$/gm)!.map((h) => h.replace(/#/g, ''))];
}

it('gives what FTS5 MATCH and bm25 gave, for 1,500 questions and every heading', () => {
  const bounded = createKnowledgeBase(db);
  const fts = createKnowledgeBase(db, ftsPassageIndex(db));
  const all = questions();
  const differing = all.filter((q) => JSON.stringify(bounded.search(q)) !== JSON.stringify(fts.search(q)));
  expect(differing).toEqual([]);
  // Not vacuous: most questions find something.
  expect(all.filter((q) => fts.search(q).length > 0).length).toBeGreaterThan(1000);
});
