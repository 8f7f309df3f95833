import type { Database, SqliteDatabase } from '../db/database';
import { lockPostgresIndexing, postgresPassageIndex } from './knowledge-base-postgres';
import type { SearchWork } from './knowledge-base-snapshot';
import { lockSqliteIndexing, sqlitePassageIndex } from './knowledge-base-sqlite';

/**
 * What the knowledge base's search asks of the full-text index, one implementation per engine:
 * FTS5 on SQLite, a tsvector column on PostgreSQL, each read through a snapshot of its tokens
 * (knowledge-base-snapshot.ts) so that a search reads at most K postings per token of the
 * question. The scoring in knowledge-base.ts is shared and sees only this.
 *
 * A term of the question is given as its forms (the word and its synonyms, letters and digits
 * only): a passage holds the term when it holds any form, stemmed by the engine.
 */
export interface PassageIndex extends IndexView {
  /**
   * The index as of now, for one search: every call on it answers from the same generation. (The
   * calls on PassageIndex itself each look the generation up again.)
   */
  view(): IndexView;
  /** Work done by the searches so far, counted for the tests that prove it bounded. */
  readonly work: SearchWork;
}

export interface IndexView {
  /** How many passages the index holds. */
  count(): number;
  /**
   * The passages holding any of the forms, most relevant first, at most `limit`, among each form's
   * K highest-impact passages (all of them while no form is in more than K passages).
   */
  candidates(forms: readonly string[], limit: number): CandidateRow[];
  /**
   * For each term (its forms), in order: how many passages hold it, which of `rowIds` hold it in
   * their own text (heading, body), and which of `articleIds` hold it in their title or tags, or
   * anywhere in any of their passages.
   */
  termHits(terms: readonly (readonly string[])[], rowIds: readonly number[], articleIds: readonly string[]): TermHits[];
  /**
   * The text of the passages found by candidates(), by rowid; fetched for the few shown, not for
   * every candidate scored. A passage gone since (another instance re-indexed) is left out.
   */
  texts(rows: readonly CandidateRow[]): Map<number, PassageText>;
}

export interface CandidateRow {
  rowid: number;
  article_id: string;
  /**
   * The engine's own relevance of the passage to the whole question, higher is better and > 0 for
   * a match (SQLite: -bm25; PostgreSQL: ts_rank_cd). Only its ratio to the best candidate's counts.
   */
  relevance: number;
}

export interface PassageText {
  heading: string;
  body: string;
  title: string;
  url: string | null;
  tags: string;
  /** The article's language ('en' when it declares none). */
  language: string;
}

export interface TermHits {
  /** Passages holding the term, in the whole index. */
  df: number;
  own: Set<number>;
  titled: Set<string>;
  anywhere: Set<string>;
}

export function passageIndex(db: Database): PassageIndex {
  return db.engine === 'sqlite' ? sqlitePassageIndex(db as SqliteDatabase) : postgresPassageIndex(db);
}

/**
 * Called first inside the indexing transaction: holds other indexers off until it commits, so that
 * instances starting together index one after the other and each sees what the previous wrote.
 */
export function lockIndexing(db: Database): void {
  if (db.engine === 'sqlite') lockSqliteIndexing(db as SqliteDatabase);
  else lockPostgresIndexing(db);
}
