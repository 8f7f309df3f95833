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
  const tags = ['learned', ...(a.topic ? [oneLine(a.topic).replace(/[,[\]]/g, ' ').trim()] : [])].filter(Boolean);
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
