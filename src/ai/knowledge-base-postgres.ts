import { sql, type Compilable, type RawBuilder } from 'kysely';
import type { Database } from '../db/database';
import type { CandidateRow, PassageIndex, TermHits } from './knowledge-base-index';

/**
 * The knowledge base's index on PostgreSQL: kb_passages is a plain table whose generated column
 * `search` is to_tsvector('english', title heading body tags), with a GIN index (see
 * db/postgres/sqlite-to-postgres.ts). A term's forms become one tsquery `'f1' | 'f2' | …`, every
 * form quoted so that nothing in it is an operator, and bound as a parameter.
 *
 * Differences from FTS5 that remain: the 'english' configuration stems with Snowball (FTS5: Porter)
 * and drops English stop words, and it keeps diacritics (FTS5 removes them): an article's "café"
 * is not found by "cafe".
 */

/**
 * ts_rank_cd's weights of the labels D, C, B, A: the ratios of FTS5's bm25 column weights for body
 * (1), tags (2), heading (3) and title (4).
 */
const WEIGHTS = sql.raw(`'{0.25, 0.5, 0.75, 1.0}'::real[]`);

/**
 * The passage as a labelled vector for WEIGHTS: the stored `search` vector (every column, label D)
 * with title, heading and tags again under their own labels. Parsing the short columns per search
 * is cheap; parsing the body again for each matching passage tripled the search time on 1,400
 * passages. A title word thus counts as title and as body text, which only adds to its lead.
 */
const WEIGHTED = sql.raw(
  `setweight(to_tsvector('english', coalesce(p.title, '')), 'A') || setweight(to_tsvector('english', coalesce(p.heading, '')), 'B') ||
   setweight(to_tsvector('english', coalesce(p.tags, '')), 'C') || p.search`,
);

/**
 * ts_rank_cd normalisation 1: the rank divided by 1 + log(length), so that a long section does not
 * win by length alone, as bm25 corrects for length.
 */
const NORMALISATION = 1;

/** The key of the advisory lock held while indexing: "kb-index" in ASCII, as a bigint. */
export const KB_INDEX_LOCK_KEY = '7737797040622822776';

/**
 * The tsquery text matching any of the forms. Each is a quoted lexeme (a quote doubled, a
 * backslash escaped), so `&`, `|`, `!`, `:`, `(`, `<->` and `*` inside it are text; the parser then
 * splits it into words like any document text. NUL, which PostgreSQL text cannot hold, is dropped.
 */
export function tsqueryText(forms: readonly string[]): string {
  return forms
    .map((form) => form.replace(/\u0000/g, ''))
    .filter(Boolean)
    .map((form) => `'${form.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`)
    .join(' | ');
}

interface TermRow {
  df: number;
  own: (string | number)[];
  titled: string[];
  anywhere: string[];
}

/** A raw query as the Database runs it (a RawBuilder compiles only with a Kysely instance at hand). */
function raw<R>(db: Database, query: RawBuilder<R>): Compilable<R> {
  return { compile: () => query.compile(db.q) };
}

export function postgresPassageIndex(db: Database): PassageIndex {
  return {
    count: () => Number(db.first(raw(db, sql<{ n: number }>`SELECT count(*)::int AS n FROM kb_passages`))?.n ?? 0),

    candidates(forms, limit) {
      const rows = db.all(
        raw(db, sql<CandidateRow>`
          SELECT p.rowid, p.article_id, p.heading, p.body, a.title, a.url, a.tags,
                 ts_rank_cd(${WEIGHTS}, ${WEIGHTED}, query, ${sql.lit(NORMALISATION)}) AS relevance
            FROM to_tsquery('english', ${tsqueryText(forms)}) AS query,
                 kb_passages p JOIN kb_articles a ON a.id = p.article_id
           WHERE p.search @@ query
           ORDER BY relevance DESC, p.rowid
           LIMIT ${limit}`),
      );
      // Number(): bigints and reals may come over as text, depending on the driver's type parsers.
      return rows.map((r) => ({ ...r, rowid: Number(r.rowid), relevance: Number(r.relevance) }));
    },

    termHits(terms, rowIds, articleIds) {
      if (terms.length === 0) return [];
      // One round trip for every term: each statement crosses to the database's worker thread.
      const rows = db.all(
        raw(db, sql<TermRow>`
          SELECT count(p.rowid)::int AS df,
                 coalesce(array_agg(p.rowid) FILTER (
                   WHERE p.rowid = ANY(${rowIds}::bigint[])
                     AND to_tsvector('english', coalesce(p.heading, '') || ' ' || coalesce(p.body, '')) @@ t.query), '{}') AS own,
                 coalesce(array_agg(DISTINCT p.article_id) FILTER (
                   WHERE p.article_id = ANY(${articleIds}::text[])
                     AND to_tsvector('english', coalesce(p.title, '') || ' ' || coalesce(p.tags, '')) @@ t.query), '{}') AS titled,
                 coalesce(array_agg(DISTINCT p.article_id) FILTER (WHERE p.article_id = ANY(${articleIds}::text[])), '{}') AS anywhere
            FROM (SELECT i, to_tsquery('english', text) AS query
                    FROM unnest(${terms.map(tsqueryText)}::text[]) WITH ORDINALITY AS u(text, i)) t
            LEFT JOIN kb_passages p ON p.search @@ t.query
           GROUP BY t.i
           ORDER BY t.i`),
      );
      return rows.map(
        (r): TermHits => ({
          df: Number(r.df),
          own: new Set(r.own.map(Number)),
          titled: new Set(r.titled),
          anywhere: new Set(r.anywhere),
        }),
      );
    },
  };
}

/** Other instances' indexing waits here until this transaction ends (the lock is released with it). */
export function lockPostgresIndexing(db: Database): void {
  db.run(raw(db, sql`SELECT pg_advisory_xact_lock(${KB_INDEX_LOCK_KEY}::bigint)`));
}
