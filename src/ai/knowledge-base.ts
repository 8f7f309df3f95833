import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../db/database';
import { systemClock, type Clock, type KnowledgeBase } from '../core/ports';
import type { KbPassage } from '../core/types';
import { parseArticle } from './markdown';
import { anyOf, anyTerm, queryTerms } from './query-terms';

/**
 * The knowledge base: Markdown articles indexed into kb_articles and the FTS5 table kb_passages
 * (one row per section), and a search that says how well a passage answers a question.
 *
 * This module is the repository of the kb tables: all their SQL lives here. FTS5 MATCH and bm25()
 * are beyond Kysely, so searches use prepared statements on the raw connection.
 */

export interface KbArticle {
  /** Path of the file relative to the knowledge-base folder, with forward slashes. */
  id: string;
  title: string;
  url: string | null;
  tags: string[];
}

export interface IndexResult {
  articles: number;
  passages: number;
}

// ---------------------------------------------------------------------------------------------
// Indexing

/**
 * Replaces the whole index with the *.md files found (recursively) in dir, in one transaction, so a
 * search never sees half an index. A missing folder gives an empty knowledge base; a file that
 * cannot be read fails the whole re-index rather than being left out unnoticed.
 */
export function indexKnowledgeBase(db: Database, dir: string, clock: Clock = systemClock): IndexResult {
  const files = listMarkdownFiles(dir);
  const articles = files.map((id) => {
    const source = fs.readFileSync(path.join(dir, id), 'utf8');
    return { id, source, ...parseArticle(source, id) };
  });
  const now = clock.now().toISOString();
  const { q } = db;

  return db.tx(() => {
    db.run(q.deleteFrom('kb_passages'));
    db.run(q.deleteFrom('kb_articles'));
    let passages = 0;
    for (const a of articles) {
      db.run(
        q.insertInto('kb_articles').values({
          id: a.id,
          title: a.title,
          url: a.url,
          tags: JSON.stringify(a.tags),
          content_hash: createHash('sha256').update(a.source).digest('hex'),
          indexed_at: now,
        }),
      );
      for (const p of a.passages) {
        db.run(
          q.insertInto('kb_passages').values({
            article_id: a.id,
            title: a.title,
            heading: p.heading,
            body: p.body,
            tags: a.tags.join(' '),
          }),
        );
        passages++;
      }
    }
    return { articles: articles.length, passages };
  });
}

/** Relative paths of the Markdown files under dir, sorted; hidden entries and node_modules are ignored. */
function listMarkdownFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch (err) {
      if (rel === '' && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      // Symbolic links are followed to files only, so a link cannot send the walk round in a loop.
      const isFile = entry.isFile() || (entry.isSymbolicLink() && fs.statSync(path.join(dir, child)).isFile());
      if (entry.isDirectory()) walk(child);
      else if (isFile && /\.(md|markdown)$/i.test(entry.name)) found.push(child);
    }
  };
  walk('');
  return found.sort();
}

export function getArticle(db: Database, id: string): KbArticle | undefined {
  const row = db.first(db.q.selectFrom('kb_articles').select(['id', 'title', 'url', 'tags']).where('id', '=', id));
  return row && toArticle(row);
}

export function listArticles(db: Database): KbArticle[] {
  return db.all(db.q.selectFrom('kb_articles').select(['id', 'title', 'url', 'tags']).orderBy('title')).map(toArticle);
}

function toArticle(row: { id: string; title: string; url: string | null; tags: string }): KbArticle {
  return { id: row.id, title: row.title, url: row.url, tags: parseTags(row.tags) };
}

function parseTags(json: string): string[] {
  try {
    const tags: unknown = JSON.parse(json);
    return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Search

/** bm25 column weights, in table order: article_id (unindexed), title, heading, body, tags. */
const BM25 = 'bm25(kb_passages, 0.0, 4.0, 3.0, 1.0, 2.0)';

/** Candidates ranked by bm25 before re-scoring; enough that a passage covering every term is among them. */
const CANDIDATES = 40;

/**
 * Coverage is raised to this power: a passage that holds half of what the question is about is a
 * weak answer (0.5 -> 0.35), while one that holds nearly all of it stays high (0.9 -> 0.85).
 */
const COVERAGE_EXPONENT = 1.5;

/**
 * Credit for a term that the passage's own text (heading and body) lacks but its article has: in
 * its title or tags, which describe the whole article, or only in another section, a weaker hint.
 * The article is on topic; this section may not be the answer.
 */
const TITLE_CREDIT = 0.5;
const SIBLING_CREDIT = 0.25;

/** Share of the score that comes from the bm25 rank relative to the best candidate. */
const RANK_SHARE = 0.2;

interface CandidateRow {
  rowid: number;
  article_id: string;
  heading: string;
  body: string;
  bm25: number;
  title: string;
  url: string | null;
  tags: string;
}

/**
 * Search over the index.
 *
 * Score (0..1, comparable across questions): the rarity-weighted share of the question's meaningful
 * terms that the passage contains, `coverage = Σ idf(found) / Σ idf(all)` with
 * `idf = ln(1 + N / (df + 1))` over the N passages, so a term no article mentions ("pizza",
 * "France") weighs the most and drags an off-topic question down, while words found everywhere
 * ("project") weigh little. A term that the passage's article holds only in its title or tags
 * counts half, only in another section a quarter: the article is on topic, the section may not be.
 * Then `score = coverage^1.5 × (0.8 + 0.2 × bm25 / best bm25)`: the
 * exponent separates partial from full matches and the bm25 share orders passages that cover the
 * same terms, with titles and headings weighing more than bodies.
 */
export function createKnowledgeBase(db: Database): KnowledgeBase {
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
    search(query: string, limit = 5): KbPassage[] {
      const terms = queryTerms(query);
      if (terms.length === 0 || limit <= 0) return [];
      const total = (countAll.get() as { n: number }).n;
      if (total === 0) return [];

      const expression = anyTerm(terms);
      const rows = candidates.all(expression, Math.max(CANDIDATES, limit * 4)) as CandidateRow[];
      if (rows.length === 0) return [];
      const rowIds = JSON.stringify(rows.map((r) => r.rowid));
      const articleIds = JSON.stringify([...new Set(rows.map((r) => r.article_id))]);

      let totalWeight = 0;
      const found = new Map<number, number>(); // rowid -> weight of the terms it covers
      for (const term of terms) {
        const termExpression = anyOf(term.forms);
        const df = (documentFrequency.get(termExpression) as { n: number }).n;
        const weight = term.importance * Math.log(1 + total / (df + 1));
        totalWeight += weight;
        if (df === 0) continue;
        // The passage's own text is its heading and body; title and tags belong to the whole article.
        const own = new Set(
          (passagesWith.all(`{heading body} : (${termExpression})`, rowIds) as { rowid: number }[]).map((r) => r.rowid),
        );
        const articlesWithTerm = (filter: string) =>
          new Set((articlesWith.all(filter, articleIds) as { article_id: string }[]).map((r) => r.article_id));
        const titled = articlesWithTerm(`{title tags} : (${termExpression})`);
        const anywhere = articlesWithTerm(termExpression);
        for (const row of rows) {
          const credit = own.has(row.rowid)
            ? 1
            : titled.has(row.article_id)
              ? TITLE_CREDIT
              : anywhere.has(row.article_id)
                ? SIBLING_CREDIT
                : 0;
          if (credit) found.set(row.rowid, (found.get(row.rowid) ?? 0) + weight * credit);
        }
      }

      // bm25 is negative, more negative is better; every candidate matched, so best < 0.
      const best = Math.min(...rows.map((r) => r.bm25));
      return rows
        .map((row) => {
          const coverage = (found.get(row.rowid) ?? 0) / totalWeight;
          const rank = best < 0 ? row.bm25 / best : 1;
          const score = Math.pow(coverage, COVERAGE_EXPONENT) * (1 - RANK_SHARE + RANK_SHARE * rank);
          return { row, score: Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000 };
        })
        .filter((c) => c.score > 0)
        .sort((a, b) => b.score - a.score || a.row.bm25 - b.row.bm25)
        .slice(0, limit)
        .map(({ row, score }) => ({
          articleId: row.article_id,
          title: row.title,
          heading: row.heading,
          body: row.body,
          url: row.url,
          tags: parseTags(row.tags),
          score,
        }));
    },
  };
}
