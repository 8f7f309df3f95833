import BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from '../db/database';
import type { CandidateRow, IndexView, PassageIndex, PassageText, TermHits } from './knowledge-base-index';
import { anyOf } from './query-terms';
import { currentViewIndex, generationReader, memo, newWork, OWN, Snapshot, TITLED, Tokens, TOP_K, type FormTokens, type PassageTokens, type SearchWork } from './knowledge-base-snapshot';

/**
 * The knowledge base's index on SQLite: kb_passages is an FTS5 table (porter stemming, diacritics
 * removed). A search does not run FTS5 MATCH: bm25() counts every passage matching each phrase
 * (its idf) and scores every match, so its cost grows with the knowledge base. The tokens FTS5
 * stored (its fts5vocab "instance" table) are read once per index generation into a Snapshot, and
 * bm25 is computed from them exactly as FTS5 does, over the top-K postings of each token only.
 */

/** bm25 column weights, in table order: article_id (unindexed), title, heading, body, tags. */
const BM25 = 'bm25(kb_passages, 0.0, 4.0, 3.0, 1.0, 2.0)';
/** The same weights by column name, for bm25 computed here. */
const WEIGHTS: Record<string, number> = { title: 4, heading: 3, body: 1, tags: 2 };
const COLUMN_FLAGS: Record<string, number> = { heading: OWN, body: OWN, title: TITLED, tags: TITLED };

/** FTS5's bm25 constants and its per-phrase term, so the ranking is the one FTS5 gave. */
const K1 = 1.2;
const B = 0.75;
const saturation = (f: number, length: number, avgLength: number) => (f * (K1 + 1)) / (f + K1 * (1 - B + (B * length) / avgLength));
const idf = (n: number, hits: number) => {
  const value = Math.log((n - hits + 0.5) / (hits + 0.5));
  return value <= 0 ? 1e-6 : value;
};

/** Characters of shown passages' texts kept per index generation (about 8 MB at worst). */
const SHOWN_TEXT_CHARS = 4_000_000;

export function sqlitePassageIndex(db: SqliteDatabase): PassageIndex {
  const sqlite = db.sqlite;
  const work = newWork();
  const generation = generationReader(db);
  const stem = memo(stemmer(tokenizerOf(db)));
  const fts = ftsQueries(db);
  let snapshot: Snapshot | undefined;

  const current = (): Snapshot => {
    const gen = generation();
    if (snapshot && snapshot.generation === gen && gen !== null) return snapshot;
    // Without a generation (an index written before there was one) the snapshot is reloaded every
    // time: correct, not fast; the next indexing that changes anything writes one.
    snapshot = db.tx(() => load(db, generation()));
    work.loads++;
    return snapshot;
  };

  // The texts of passages shown, kept for the snapshot's generation (its passages do not change
  // within it): each answer of the built-in AI shows a few, and reading them (heading, body, the
  // article's title) was 7–10% of the main thread at 1,000 messages/s. Bounded in characters.
  let shown: { snapshot: Snapshot; texts: Map<number, { articleId: string; text: PassageText }>; chars: number } | undefined;
  const shownTexts = (s: Snapshot, found: readonly CandidateRow[]): Map<number, PassageText> => {
    if (shown?.snapshot !== s) shown = { snapshot: s, texts: new Map(), chars: 0 };
    const cache = shown;
    const result = new Map<number, PassageText>();
    const missing: CandidateRow[] = [];
    for (const row of found) {
      const hit = cache.texts.get(row.rowid);
      if (hit && hit.articleId === row.article_id) result.set(row.rowid, hit.text);
      else missing.push(row);
    }
    if (!missing.length) return result;
    const fetched = fts.texts(missing);
    work.rows += fetched.size;
    for (const row of missing) {
      const text = fetched.get(row.rowid);
      if (!text) continue;
      result.set(row.rowid, text);
      const chars = text.heading.length + text.body.length + text.title.length + (text.url?.length ?? 0) + (text.tags?.length ?? 0);
      if (cache.chars + chars > SHOWN_TEXT_CHARS) {
        cache.texts.clear();
        cache.chars = 0;
      }
      cache.texts.set(row.rowid, { articleId: row.article_id, text });
      cache.chars += chars;
    }
    return result;
  };

  const view = (): IndexView => {
    const s = current();
    const tokensOf = (form: string): FormTokens => {
      const ids = stem(form).map((t) => s.token(t));
      return ids.every((t) => t !== undefined) ? (ids as number[]) : [];
    };
    // A form of several tokens is a phrase, which needs positions the snapshot does not keep: FTS5
    // answers those. queryTerms never makes one (its forms are single words).
    const phrase = (forms: readonly string[]) => forms.some((f) => stem(f).length > 1);
    return {
      count: () => s.count,
      candidates: (forms, limit) => (phrase(forms) ? fts.candidates(forms, limit) : candidates(s, forms.map(tokensOf), limit, work)),
      texts: (found) => shownTexts(s, found),
      termHits: (terms, rowIds, articleIds) =>
        terms.map((forms) =>
          phrase(forms) ? fts.termHits([forms], rowIds, articleIds)[0]! : s.termHits([forms.map(tokensOf)], rowIds, articleIds, work)[0]!,
        ),
    };
  };

  return currentViewIndex(view, work);
}

/**
 * The index as FTS5 alone answers it: MATCH, bm25 and counts over every matching passage, so the
 * cost grows with the number of matches. Searches use it for phrases only (see view()); the tests
 * compare the snapshot's answers with it.
 */
export function ftsPassageIndex(db: SqliteDatabase): PassageIndex {
  const fts = ftsQueries(db);
  const countAll = db.sqlite.prepare('SELECT count(*) AS n FROM kb_passages');
  const index: IndexView = { ...fts, count: () => (countAll.get() as { n: number }).n };
  return { ...index, view: () => index, work: newWork() };
}

function ftsQueries(db: SqliteDatabase): Omit<IndexView, 'count'> {
  const sqlite = db.sqlite;
  const candidates = sqlite.prepare(
    `SELECT kb_passages.rowid AS rowid, kb_passages.article_id AS article_id, ${BM25} AS bm25
       FROM kb_passages JOIN kb_articles ON kb_articles.id = kb_passages.article_id
      WHERE kb_passages MATCH ?
      ORDER BY bm25
      LIMIT ?`,
  );
  const texts = sqlite.prepare(
    `SELECT p.rowid AS rowid, p.article_id AS article_id, p.heading AS heading, p.body AS body,
            a.title AS title, a.url AS url, a.tags AS tags, a.language AS language
       FROM kb_passages p JOIN kb_articles a ON a.id = p.article_id
      WHERE p.rowid IN (SELECT value FROM json_each(?))`,
  );
  const documentFrequency = sqlite.prepare('SELECT count(*) AS n FROM kb_passages WHERE kb_passages MATCH ?');
  const passagesWith = sqlite.prepare(
    'SELECT rowid FROM kb_passages WHERE kb_passages MATCH ? AND rowid IN (SELECT value FROM json_each(?))',
  );
  const articlesWith = sqlite.prepare(
    'SELECT DISTINCT article_id FROM kb_passages WHERE kb_passages MATCH ? AND article_id IN (SELECT value FROM json_each(?))',
  );

  return {
    candidates(forms, limit) {
      const rows = candidates.all(anyOf([...forms]), limit) as (Omit<CandidateRow, 'relevance'> & { bm25: number })[];
      // bm25 is negative and more negative is better.
      return rows.map(({ bm25, ...row }) => ({ ...row, relevance: -bm25 }));
    },

    texts(found) {
      const article = new Map(found.map((r) => [r.rowid, r.article_id]));
      const rows = texts.all(JSON.stringify([...article.keys()])) as (PassageText & { rowid: number; article_id: string })[];
      // A passage whose rowid now holds another article's text was replaced since it was found.
      return new Map(rows.filter((r) => article.get(Number(r.rowid)) === r.article_id).map(({ rowid, article_id: _, ...text }) => [Number(rowid), text]));
    },

    termHits(terms, rowIds, articleIds) {
      const rowList = JSON.stringify(rowIds);
      const articleList = JSON.stringify(articleIds);
      const articlesMatching = (filter: string) =>
        new Set((articlesWith.all(filter, articleList) as { article_id: string }[]).map((r) => r.article_id));
      return terms.map((forms): TermHits => {
        const expression = anyOf([...forms]);
        const df = (documentFrequency.get(expression) as { n: number }).n;
        if (df === 0) return { df, own: new Set(), titled: new Set(), anywhere: new Set() };
        return {
          df,
          // The passage's own text is its heading and body; title and tags belong to the whole article.
          own: new Set((passagesWith.all(`{heading body} : (${expression})`, rowList) as { rowid: number }[]).map((r) => r.rowid)),
          titled: articlesMatching(`{title tags} : (${expression})`),
          anywhere: articlesMatching(expression),
        };
      });
    },
  };
}

/** bm25 of each pooled passage, as FTS5 computes it for the OR of the forms (each a phrase). */
function candidates(
  s: Snapshot,
  forms: FormTokens[],
  limit: number,
  work: SearchWork,
): CandidateRow[] {
  // Forms that stem alike ("password", "passwords") are one token; bm25 counts each phrase, so it weighs as many.
  const distinct = new Map<string, { form: FormTokens; times: number }>();
  for (const form of forms) {
    if (!form.length) continue;
    const key = form.join(' ');
    const entry = distinct.get(key);
    if (entry) entry.times++;
    else distinct.set(key, { form, times: 1 });
  }
  const phrases = [...distinct.values()];
  const pool = s.pool(phrases.map((p) => p.form), TOP_K, work);
  if (!pool.length) return [];
  const weights = phrases.map((p) => p.times * idf(s.count, s.df([p.form], work)));
  const ranked = pool
    .map((i) => {
      let score = 0;
      phrases.forEach(({ form }, k) => {
        work.lookups += form.length;
        // A phrase's frequency is taken as its rarest word's: positions are not kept (and FTS5 answers phrases, see view()).
        const f = form.length === 1 ? s.weight(i, form[0]!) : Math.min(...form.map((t) => s.weight(i, t)));
        if (f > 0) score += weights[k]! * saturation(f, s.lengths[i]!, s.avgLength);
      });
      return { i, score };
    })
    .sort((a, b) => b.score - a.score || s.rowids[a.i]! - s.rowids[b.i]!)
    .slice(0, limit);
  return ranked.map(({ i, score }) => ({ rowid: s.rowids[i]!, article_id: s.articleIds[s.articleOf[i]!]!, relevance: score }));
}

/**
 * Every passage's tokens as FTS5 stored them (the vocabulary's instances come ordered by term,
 * then passage). Run in a read transaction, with the generation it belongs to.
 */
function load(db: SqliteDatabase, generation: string | null): Snapshot {
  const sqlite = db.sqlite;
  sqlite.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.kb_passage_tokens USING fts5vocab(main, kb_passages, instance)');
  const tokens = new Tokens();
  const passages: PassageTokens[] = [];
  const byRowid = new Map<number, PassageTokens>();
  for (const [rowid, articleId] of sqlite.prepare('SELECT rowid, article_id FROM kb_passages ORDER BY rowid').raw().iterate() as Iterable<[number, string]>) {
    const p: PassageTokens = { rowid, articleId, tokens: [], weights: [], flags: [], length: 0 };
    passages.push(p);
    byRowid.set(rowid, p);
  }
  let term: string | undefined;
  let id = -1;
  let doc = -1;
  let passage: PassageTokens | undefined;
  let weight = 0;
  let flags = 0;
  const flush = () => {
    if (!passage || !weight) return;
    passage.tokens.push(id);
    passage.weights.push(weight);
    passage.flags.push(flags);
  };
  for (const [t, d, col] of sqlite.prepare('SELECT term, doc, col FROM temp.kb_passage_tokens').raw().iterate() as Iterable<[string, number, string]>) {
    if (t !== term || d !== doc) {
      flush();
      if (t !== term) id = tokens.id((term = t));
      doc = d;
      passage = byRowid.get(d);
      weight = 0;
      flags = 0;
    }
    if (!passage) continue;
    passage.length++;
    weight += WEIGHTS[col] ?? 1;
    flags |= COLUMN_FLAGS[col] ?? 0;
  }
  flush();
  return new Snapshot(generation, tokens, passages, saturation);
}

/** The tokenize option of kb_passages, so forms are stemmed as its text was. */
function tokenizerOf(db: SqliteDatabase): string {
  const row = db.sqlite.prepare("SELECT sql FROM sqlite_master WHERE name = 'kb_passages'").get() as { sql: string } | undefined;
  return /tokenize\s*=\s*'((?:[^']|'')*)'/i.exec(row?.sql ?? '')?.[1]?.replace(/''/g, "'") ?? 'unicode61';
}

const stemmers = new Map<string, (text: string) => string[]>();

/**
 * A form's tokens as kb_passages' tokenizer makes them, from a scratch FTS5 table on a private
 * in-memory connection (SQLite exposes no tokenizer call), one per tokenizer for the process.
 */
function stemmer(tokenize: string): (text: string) => string[] {
  let fn = stemmers.get(tokenize);
  if (!fn) {
    const scratch = new BetterSqlite3(':memory:');
    scratch.exec(`CREATE VIRTUAL TABLE s USING fts5(x, tokenize = '${tokenize.replace(/'/g, "''")}');
                  CREATE VIRTUAL TABLE v USING fts5vocab(s, instance);`);
    const insert = scratch.prepare('INSERT INTO s(rowid, x) VALUES (1, ?)');
    const read = scratch.prepare('SELECT term FROM v ORDER BY "offset"').pluck();
    const clear = scratch.prepare('DELETE FROM s');
    fn = (text) => {
      insert.run(text);
      try {
        return read.all() as string[];
      } finally {
        clear.run();
      }
    };
    stemmers.set(tokenize, fn);
  }
  return fn;
}

/**
 * A write that changes nothing takes SQLite's write lock at once (waiting up to busy_timeout for
 * another writer), so the transaction's later reads and writes see and replace the latest index.
 * Reading first and writing later would fail with SQLITE_BUSY if another process wrote in between.
 */
export function lockSqliteIndexing(db: SqliteDatabase): void {
  db.sqlite.prepare('DELETE FROM kb_articles WHERE 0').run();
}
