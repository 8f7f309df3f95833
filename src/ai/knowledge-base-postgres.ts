import { sql, type Compilable, type RawBuilder } from 'kysely';
import type { Database } from '../db/database';
import type { CandidateRow, IndexView, PassageIndex, PassageText } from './knowledge-base-index';
import { currentViewIndex, GENERATION_KEY, generationReader, newWork, OWN, Snapshot, TITLED, Tokens, TOP_K, type FormTokens, type PassageTokens } from './knowledge-base-snapshot';

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
 * The passage's title, heading and tags under their own labels; with the stored `search` vector
 * (every column, label D) after them, the labelled vector ranked with WEIGHTS. A title word thus
 * counts as title and as body text, which only adds to its lead. Built once per index generation
 * (the snapshot keeps it as text) rather than parsed again for each ranked passage per search.
 */
const LABELLED = sql.raw(
  `setweight(to_tsvector('english', coalesce(p.title, '')), 'A') || setweight(to_tsvector('english', coalesce(p.heading, '')), 'B') ||
   setweight(to_tsvector('english', coalesce(p.tags, '')), 'C')`,
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

/** A raw query as the Database runs it (a RawBuilder compiles only with a Kysely instance at hand). */
function raw<R>(db: Database, query: RawBuilder<R>): Compilable<R> {
  return { compile: () => query.compile(db.q) };
}

interface LoadRow {
  generation: string | null;
  rowid: string | number | null;
  article_id: string;
  lexemes: string[];
  counts: number[];
  own: string[];
  titled: string[];
  labelled: string;
}

/**
 * Candidates are the passages among each lexeme's top-K postings (knowledge-base-snapshot.ts);
 * only those are ranked by ts_rank_cd, found by primary key. Document frequencies and membership
 * come from the snapshot, loaded in one statement per index generation. Per search: the
 * generation look-up, the ranking of at most (lexemes × K) passages and, for a form not seen
 * before, its lexemes.
 */
export function postgresPassageIndex(db: Database): PassageIndex {
  const work = newWork();
  const generation = generationReader(db);
  const lexemes = new Map<string, string[]>();
  let snapshot: Snapshot | undefined;
  /** The text of the passages the last candidates() ranked, which its query brought along. */
  const found = new Map<number, PassageText>();

  /** Per passage of the snapshot, LABELLED as text. */
  let labelled: string[] = [];

  const current = (): Snapshot => {
    const gen = generation();
    if (snapshot && snapshot.generation === gen && gen !== null) return snapshot;
    ({ snapshot, labelled } = load(db));
    work.loads++;
    return snapshot;
  };

  /** The lexemes of each form not seen before, in one round trip; forms are few and repeat. */
  const learn = (forms: readonly string[]) => {
    const missing = [...new Set(forms.filter((f) => !lexemes.has(f)))];
    if (!missing.length) return;
    if (lexemes.size + missing.length > 10_000) lexemes.clear();
    const rows = db.all(
      raw(db, sql<{ i: number; lexemes: string[] }>`
        SELECT i::int AS i, tsvector_to_array(to_tsvector('english', f)) AS lexemes
          FROM unnest(${missing.map((f) => f.replace(/\u0000/g, ''))}::text[]) WITH ORDINALITY AS u(f, i)`),
    );
    for (const r of rows) lexemes.set(missing[Number(r.i) - 1]!, r.lexemes);
  };

  const view = (): IndexView => {
    const s = current();
    const labels = labelled;
    const tokensOf = (form: string): FormTokens => {
      const ids = (lexemes.get(form) ?? []).map((t) => s.token(t));
      return ids.every((t) => t !== undefined) ? (ids as number[]) : [];
    };
    return {
      count: () => s.count,

      candidates(forms, limit) {
        learn(forms);
        found.clear();
        const pool = s.pool(forms.map(tokensOf), TOP_K, work);
        if (!pool.length) return [];
        // OFFSET 0 keeps the match test on the pooled rows: pushed down, the planner could scan the GIN index for every match.
        const rows = db.all(
          raw(db, sql<CandidateRow & PassageText>`
            SELECT * FROM (
              SELECT p.rowid, p.article_id, p.heading, p.body, a.title, a.url, a.tags, a.language, p.search @@ query AS hit,
                     ts_rank_cd(${WEIGHTS}, u.labelled::tsvector || p.search, query, ${sql.lit(NORMALISATION)}) AS relevance
                FROM to_tsquery('english', ${tsqueryText(forms)}) AS query,
                     unnest(${pool.map((i) => s.rowids[i]!)}::bigint[], ${pool.map((i) => labels[i]!)}::text[]) AS u(rowid, labelled)
                     JOIN kb_passages p ON p.rowid = u.rowid
                     JOIN kb_articles a ON a.id = p.article_id
              OFFSET 0) ranked
             WHERE hit
             ORDER BY relevance DESC, rowid
             LIMIT ${limit}`),
        );
        work.rows += pool.length;
        // Number(): bigints and reals may come over as text, depending on the driver's type parsers.
        return rows.map(({ rowid, article_id, relevance, heading, body, title, url, tags, language }) => {
          found.set(Number(rowid), { heading, body, title, url, tags, language });
          return { rowid: Number(rowid), article_id, relevance: Number(relevance) };
        });
      },

      // The ranking query brought them already.
      texts: (rows) => new Map(rows.flatMap((r) => (found.has(r.rowid) ? [[r.rowid, found.get(r.rowid)!] as const] : []))),

      termHits(terms, rowIds, articleIds) {
        learn(terms.flat());
        return s.termHits(terms.map((forms) => forms.map(tokensOf)), rowIds, articleIds, work);
      },
    };
  };

  return currentViewIndex(view, work);
}

/**
 * Every passage's lexemes with their counts, and those of its own text and of its article's title
 * and tags, with the generation they belong to: one statement, so one consistent snapshot.
 */
function load(db: Database): { snapshot: Snapshot; labelled: string[] } {
  const rows = db.all(
    raw(db, sql<LoadRow>`
      SELECT g.generation, p.rowid, p.article_id,
             array(SELECT u.lexeme FROM unnest(p.search) u) AS lexemes,
             array(SELECT greatest(cardinality(u.positions), 1) FROM unnest(p.search) u) AS counts,
             tsvector_to_array(to_tsvector('english', coalesce(p.heading, '') || ' ' || coalesce(p.body, ''))) AS own,
             tsvector_to_array(to_tsvector('english', coalesce(p.title, '') || ' ' || coalesce(p.tags, ''))) AS titled,
             (${LABELLED})::text AS labelled
        FROM (SELECT (SELECT value FROM settings WHERE key = ${GENERATION_KEY}) AS generation) g
        LEFT JOIN kb_passages p ON true
       ORDER BY p.rowid`),
  );
  const tokens = new Tokens();
  const found = rows.filter((r) => r.rowid !== null);
  const passages = found
    .map((r): PassageTokens => {
      const own = new Set(r.own);
      const titled = new Set(r.titled);
      const counts = r.counts.map(Number);
      return {
        rowid: Number(r.rowid),
        articleId: r.article_id,
        tokens: r.lexemes.map((l) => tokens.id(l)),
        weights: counts,
        flags: r.lexemes.map((l) => (own.has(l) ? OWN : 0) | (titled.has(l) ? TITLED : 0)),
        length: counts.reduce((a, b) => a + b, 0),
      };
    });
  // Lexemes are ordered for the top K by a bm25-like saturation of their counts: ts_rank_cd ranks the pool.
  const snapshot = new Snapshot(rows[0]?.generation ?? null, tokens, passages, (f, length, avg) => (f * 2.2) / (f + 1.2 * (0.25 + (0.75 * length) / avg)));
  return { snapshot, labelled: found.map((r) => r.labelled) };
}

/** Other instances' indexing waits here until this transaction ends (the lock is released with it). */
export function lockPostgresIndexing(db: Database): void {
  db.run(raw(db, sql`SELECT pg_advisory_xact_lock(${KB_INDEX_LOCK_KEY}::bigint)`));
}
