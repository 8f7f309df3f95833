import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../db/database';
export { LEARNED_DIR } from '../core/learning/article-id';

/**
 * Learned articles (issue 20): approved drafts, stored in kb_drafts, indexed with KB_DIR's files as
 * Markdown so that the index (and an export next to those files) reads them the same way.
 */


export interface LearnedArticle {
  articleId: string;
  title: string;
  question: string;
  answer: string;
  topic: string | null;
}

/**
 * The article as Markdown: the title, then one section whose heading is the question in general
 * words and whose body is the answer, so a search matches the question's words in a heading and the
 * built-in AI quotes the answer. Lines that Markdown would read as structure are escaped: the text
 * came from a chat and is kept as written.
 */
export function learnedArticleMarkdown(a: Omit<LearnedArticle, 'articleId'>): string {
  const tags = ['learned', ...(a.topic ? [oneLine(a.topic.replace(/[,[\]]/g, ' '))] : [])].filter(Boolean);
  return [
    '---',
    `title: ${oneLine(a.title)}`,
    `tags: [${tags.join(', ')}]`,
    '---',
    '',
    `## ${oneLine(a.question)}`,
    '',
    escapeBlock(a.answer.trim()),
    '',
  ].join('\n');
}

/** Approved drafts, oldest first, as articles to index. */
export function learnedArticles(db: Database): LearnedArticle[] {
  return db
    .all(
      db.q
        .selectFrom('kb_drafts')
        .select(['article_id', 'title', 'question', 'answer', 'topic'])
        .where('status', '=', 'approved')
        .where('article_id', 'is not', null)
        .orderBy('decided_at')
        .orderBy('id'),
    )
    .map((r) => ({ articleId: r.article_id!, title: r.title, question: r.question, answer: r.answer, topic: r.topic }));
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Escapes lines Markdown would take as headings, rules, fences or front matter. */
function escapeBlock(text: string): string {
  return text
    .split(/\r\n?|\n/)
    .map((line) => (/^\s{0,3}(#|=+\s*$|-{3,}\s*$|`{3,}|~{3,})/.test(line) ? `\\${line.trimStart()}` : line))
    .join('\n');
}

export interface ExportResult {
  /** Files written (new, or replaced with `force`). */
  written: string[];
  /** Files already holding exactly the article. */
  unchanged: string[];
  /** Files that differ from the stored article (edited since the last export): left as they are. */
  kept: string[];
}

/**
 * Writes every learned article as Markdown under `dir` (KB_DIR), at its id (`learned/<slug>.md`), so
 * the knowledge base can be kept in version control with the hand-written articles. The index reads
 * such a file instead of the stored copy from then on; a file that differs from the stored article
 * (edited after an earlier export) is kept unless `force`. Each file is written whole (a temporary
 * file renamed over it): an interrupted export leaves no half-written article.
 */
export function exportLearnedArticles(db: Database, dir: string, options: { force?: boolean } = {}): ExportResult {
  const result: ExportResult = { written: [], unchanged: [], kept: [] };
  for (const article of learnedArticles(db)) {
    const file = path.join(dir, ...article.articleId.split('/'));
    const markdown = learnedArticleMarkdown(article);
    let current: string | null = null;
    try {
      current = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (current === markdown) {
      result.unchanged.push(article.articleId);
      continue;
    }
    if (current !== null && !options.force) {
      result.kept.push(article.articleId);
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, markdown);
    fs.renameSync(temp, file);
    result.written.push(article.articleId);
  }
  return result;
}
