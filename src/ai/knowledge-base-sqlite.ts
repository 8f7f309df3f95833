import type { SqliteDatabase } from '../db/database';
import type { CandidateRow, PassageIndex, TermHits } from './knowledge-base-index';
import { anyOf } from './query-terms';

/**
 * The knowledge base's index on SQLite: kb_passages is an FTS5 table (porter stemming, diacritics
 * removed). FTS5 MATCH and bm25() are beyond Kysely, so these are prepared statements on the raw
 * connection. MATCH expressions are built by query-terms.ts from quoted forms only, never from
 * the customer's syntax.
 */

/** bm25 column weights, in table order: article_id (unindexed), title, heading, body, tags. */
const BM25 = 'bm25(kb_passages, 0.0, 4.0, 3.0, 1.0, 2.0)';

export function sqlitePassageIndex(db: SqliteDatabase): PassageIndex {
  const sqlite = db.sqlite;
  const countAll = sqlite.prepare('SELECT count(*) AS n FROM kb_passages');
  const candidates = sqlite.prepare(
    `SELECT kb_passages.rowid AS rowid, kb_passages.article_id AS article_id, kb_passages.heading AS heading,
            kb_passages.body AS body, ${BM25} AS bm25, kb_articles.title AS title, kb_articles.url AS url,
            kb_articles.tags AS tags
       FROM kb_passages JOIN kb_articles ON kb_articles.id = kb_passages.article_id
      WHERE kb_passages MATCH ?
      ORDER BY bm25
      LIMIT ?`,
  );
  const documentFrequency = sqlite.prepare('SELECT count(*) AS n FROM kb_passages WHERE kb_passages MATCH ?');
  const passagesWith = sqlite.prepare(
    'SELECT rowid FROM kb_passages WHERE kb_passages MATCH ? AND rowid IN (SELECT value FROM json_each(?))',
  );
  const articlesWith = sqlite.prepare(
    'SELECT DISTINCT article_id FROM kb_passages WHERE kb_passages MATCH ? AND article_id IN (SELECT value FROM json_each(?))',
  );

  return {
    count: () => (countAll.get() as { n: number }).n,

    candidates(forms, limit) {
      const rows = candidates.all(anyOf([...forms]), limit) as (Omit<CandidateRow, 'relevance'> & { bm25: number })[];
      // bm25 is negative and more negative is better.
      return rows.map(({ bm25, ...row }) => ({ ...row, relevance: -bm25 }));
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

/**
 * A write that changes nothing takes SQLite's write lock at once (waiting up to busy_timeout for
 * another writer), so the transaction's later reads and writes see and replace the latest index.
 * Reading first and writing later would fail with SQLITE_BUSY if another process wrote in between.
 */
export function lockSqliteIndexing(db: SqliteDatabase): void {
  db.sqlite.prepare('DELETE FROM kb_articles WHERE 0').run();
}
