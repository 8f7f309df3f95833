import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../db/database';
import { systemClock, type Clock, type KnowledgeBase } from '../core/ports';
import type { KbPassage } from '../core/types';
import { lockIndexing, passageIndex, type PassageIndex } from './knowledge-base-index';
import { GENERATION_KEY, writeGeneration } from './knowledge-base-snapshot';
import { learnedArticleMarkdown, learnedArticles } from './learned-articles';
import { parseArticle } from './markdown';
import { queryTerms } from './query-terms';

/**
 * The knowledge base: Markdown articles indexed into kb_articles and kb_passages (one row per
 * section, full-text indexed), and a search that says how well a passage answers a question.
 *
 * This module and its knowledge-base-*.ts siblings are the repository of the kb tables. The
 * full-text index is the engine's own (knowledge-base-sqlite.ts: FTS5; knowledge-base-postgres.ts:
 * tsvector) behind one interface (knowledge-base-index.ts); a search reads it through a snapshot
 * of its tokens kept per index generation (knowledge-base-snapshot.ts), so that its cost does not
 * grow with the number of articles. The rest, scoring included, is shared.
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
 * Replaces the whole index with the *.md files found (recursively) in dir and the learned articles
 * (approved drafts, src/ai/learned-articles.ts), in one transaction, so a
 * search never sees half an index. A missing folder gives an empty knowledge base; a file that
 * cannot be read fails the whole re-index rather than being left out unnoticed.
 *
 * Instances that start together on one database index one after the other (lockIndexing), and an
 * index that already holds exactly these articles and passages is left as it is: the second
 * instance, or a restart without changes, writes nothing.
 */
export function indexKnowledgeBase(db: Database, dir: string, clock: Clock = systemClock): IndexResult {
  const files = listMarkdownFiles(dir);
  const fromFiles = new Set(files);
  const sources = [
    ...files.map((id) => ({ id, source: () => fs.readFileSync(path.join(dir, id), 'utf8') })),
    // Learned articles (approved drafts) are indexed like files; one exported into KB_DIR under its
    // id is read from the file instead (where it may have been edited since).
    ...learnedArticles(db)
      .filter((a) => !fromFiles.has(a.articleId))
      .map((a) => ({ id: a.articleId, source: () => learnedArticleMarkdown(a) })),
  ].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const articles = sources.map(({ id, source: read }) => {
    const source = read();
    const { title, url, tags, language, passages } = parseArticle(source, id);
    return {
      row: { id, title, url, tags: JSON.stringify(tags), language, content_hash: createHash('sha256').update(source).digest('hex') },
      passages: passages.map((p) => ({ article_id: id, title, heading: p.heading, body: p.body, tags: tags.join(' ') })),
    };
  });
  const passages = articles.flatMap((a) => a.passages);
  const result = { articles: articles.length, passages: passages.length };
  const now = clock.now().toISOString();
  const { q } = db;

  return db.tx(() => {
    lockIndexing(db);
    const stored = {
      // Sorted here as the files are: the database's collation may order ids otherwise.
      articles: db.all(q.selectFrom('kb_articles').select(['id', 'title', 'url', 'tags', 'language', 'content_hash'])).sort(byId),
      passages: db.all(q.selectFrom('kb_passages').select(['article_id', 'title', 'heading', 'body', 'tags']).orderBy('rowid')),
    };
    if (JSON.stringify(stored) === JSON.stringify({ articles: articles.map((a) => a.row), passages })) {
      // An index written before generations existed gets one, so searches can cache it.
      if (!db.first(q.selectFrom('settings').select('key').where('key', '=', GENERATION_KEY))) writeGeneration(db, now);
      return result;
    }

    // Searches in every instance keep statistics of the index until this changes.
    writeGeneration(db, now);
    db.run(q.deleteFrom('kb_passages'));
    db.run(q.deleteFrom('kb_articles'));
    for (const a of articles) {
      db.run(q.insertInto('kb_articles').values({ ...a.row, indexed_at: now }));
      for (const p of a.passages) db.run(q.insertInto('kb_passages').values(p));
    }
    return result;
  });
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

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

/** Candidates ranked by the engine's relevance before re-scoring; enough that a passage covering every term is among them. */
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

/** Share of the score that comes from the engine's relevance relative to the best candidate. */
const RANK_SHARE = 0.2;

/**
 * Search over the index.
 *
 * Score (0..1, comparable across questions): the rarity-weighted share of the question's meaningful
 * terms that the passage contains, `coverage = Σ idf(found) / Σ idf(all)` with
 * `idf = ln(1 + N / (df + 1))` over the N passages, so a term no article mentions ("pizza",
 * "France") weighs the most and drags an off-topic question down, while words found everywhere
 * ("project") weigh little. A term that the passage's article holds only in its title or tags
 * counts half, only in another section a quarter: the article is on topic, the section may not be.
 * Then `score = coverage^1.5 × (0.8 + 0.2 × relevance / best relevance)`: the exponent separates
 * partial from full matches and the engine's relevance (bm25 on SQLite, ts_rank_cd on PostgreSQL)
 * orders passages that cover the same terms, with titles and headings weighing more than bodies.
 */
export function createKnowledgeBase(db: Database, indexes: PassageIndex = passageIndex(db)): KnowledgeBase {
  // Loads the index's snapshot now (at start, after indexing) rather than in the first customer's turn.
  indexes.view();

  return {
    search(query: string, limit = 5): KbPassage[] {
      const terms = queryTerms(query);
      if (terms.length === 0 || limit <= 0) return [];
      const index = indexes.view();
      const total = index.count();
      if (total === 0) return [];

      const rows = index.candidates([...new Set(terms.flatMap((t) => t.forms))], Math.max(CANDIDATES, limit * 4));
      if (rows.length === 0) return [];
      const hits = index.termHits(
        terms.map((t) => t.forms),
        rows.map((r) => r.rowid),
        [...new Set(rows.map((r) => r.article_id))],
      );

      let totalWeight = 0;
      const found = new Map<number, number>(); // rowid -> weight of the terms it covers
      terms.forEach((term, i) => {
        const { df, own, titled, anywhere } = hits[i]!;
        const weight = term.importance * Math.log(1 + total / (df + 1));
        totalWeight += weight;
        if (df === 0) return;
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
      });

      const best = Math.max(...rows.map((r) => r.relevance));
      const shown = rows
        .map((row) => {
          const coverage = (found.get(row.rowid) ?? 0) / totalWeight;
          const rank = best > 0 ? row.relevance / best : 1;
          const score = Math.pow(coverage, COVERAGE_EXPONENT) * (1 - RANK_SHARE + RANK_SHARE * rank);
          return { row, score: Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000 };
        })
        .filter((c) => c.score > 0)
        .sort((a, b) => b.score - a.score || b.row.relevance - a.row.relevance)
        .slice(0, limit);
      const texts = index.texts(shown.map((c) => c.row));
      return shown.flatMap(({ row, score }) => {
        const text = texts.get(row.rowid);
        if (!text) return [];
        return [{ articleId: row.article_id, title: text.title, heading: text.heading, body: text.body, url: text.url, tags: parseTags(text.tags), score, language: text.language ?? 'en' }];
      });
    },
  };
}
