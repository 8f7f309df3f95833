/**
 * Learned articles (issue 20): approved drafts indexed with KB_DIR's files, and exported as Markdown
 * next to them (`npm run kb:export`), where the index reads them from then on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../db/migrator';
import type { Database } from '../db/database';
import { runEntry } from '../../test/support/run-process';
import { tempDatabases } from '../../test/support/temp-databases';
import { createKnowledgeBase, indexKnowledgeBase, listArticles } from './knowledge-base';
import { exportLearnedArticles, learnedArticleMarkdown } from './learned-articles';
import { parseArticle } from './markdown';

const dbs = tempDatabases('handoff-learned-');

function approved(db: Database, over: Partial<{ id: string; title: string; question: string; answer: string; article_id: string; topic: string | null }> = {}) {
  const row = {
    id: 'k_1',
    title: 'Switch to dark mode',
    question: 'How do I turn on dark mode?',
    answer: 'Open Settings → Appearance and choose Dark.',
    article_id: 'learned/switch-to-dark-mode.md',
    topic: 'dark mode',
    ...over,
  };
  db.run(
    db.q.insertInto('kb_drafts').values({
      ...row,
      conversation_id: null,
      status: 'approved',
      reason: 'no_match',
      drafted_by: 'built-in',
      created_at: '2026-12-07T10:00:00.000Z',
      decided_by: 'U0ADA',
      decided_at: '2026-12-07T11:00:00.000Z',
    }),
  );
  return row;
}

function setUp() {
  const db = dbs.open();
  migrate(db);
  const kbDir = dbs.tmp();
  fs.writeFileSync(path.join(kbDir, 'billing.md'), '# Billing\n\n## Download invoices\n\nOpen Billing and click Download.\n');
  return { db, kbDir };
}

describe('learned articles', () => {
  it('are indexed with the files, and an exported one is read from its file from then on (edits included)', () => {
    const { db, kbDir } = setUp();
    const article = approved(db);
    indexKnowledgeBase(db, kbDir);
    const kb = createKnowledgeBase(db);
    expect(listArticles(db).map((a) => a.id)).toEqual(['billing.md', 'learned/switch-to-dark-mode.md']);
    expect(kb.search('dark theme', 1)[0]).toMatchObject({ articleId: article.article_id, title: article.title, heading: article.question, body: article.answer });

    expect(exportLearnedArticles(db, kbDir)).toEqual({ written: [article.article_id], unchanged: [], kept: [] });
    const file = path.join(kbDir, 'learned', 'switch-to-dark-mode.md');
    expect(fs.readFileSync(file, 'utf8')).toBe(learnedArticleMarkdown(article));
    // The file and the stored copy are one article, not two.
    indexKnowledgeBase(db, kbDir);
    expect(listArticles(db).map((a) => a.id)).toEqual(['billing.md', 'learned/switch-to-dark-mode.md']);

    // Edited in the repository: the index follows the file, and a new export keeps the edit.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('choose Dark.', 'choose Dark or Automatic.'));
    indexKnowledgeBase(db, kbDir);
    expect(kb.search('dark theme', 1)[0]?.body).toBe('Open Settings → Appearance and choose Dark or Automatic.');
    expect(exportLearnedArticles(db, kbDir)).toEqual({ written: [], unchanged: [], kept: [article.article_id] });
    expect(fs.readFileSync(file, 'utf8')).toContain('Dark or Automatic');
    expect(exportLearnedArticles(db, kbDir, { force: true }).written).toEqual([article.article_id]);
    expect(exportLearnedArticles(db, kbDir)).toEqual({ written: [], unchanged: [article.article_id], kept: [] });
  });

  it('keep a chat text as written: lines Markdown would read as structure stay text in the one section', () => {
    const source = learnedArticleMarkdown({
      title: 'Reset: the whole workspace\nnow',
      question: 'How do I reset\nmy workspace?',
      answer: '# Not a heading\n---\nStep 1: open Settings.\n```\nstill text\n```',
      topic: 'reset, workspace',
    });
    const parsed = parseArticle(source, 'learned/reset.md');
    expect(parsed.title).toBe('Reset: the whole workspace now');
    expect(parsed.tags).toEqual(['learned', 'reset workspace']);
    expect(parsed.passages).toHaveLength(1);
    expect(parsed.passages[0]!.heading).toBe('How do I reset my workspace?');
    expect(parsed.passages[0]!.body).toContain('# Not a heading');
    expect(parsed.passages[0]!.body).toContain('Step 1: open Settings.');
    expect(parsed.passages[0]!.body).toContain('still text');
  });

  it('npm run kb:export writes them into KB_DIR', async () => {
    const { db, kbDir } = setUp();
    approved(db);
    approved(db, { id: 'k_2', title: 'Delete a project', question: 'How do I delete a project?', answer: 'Open the project, then Settings → Delete.', article_id: 'learned/delete-a-project.md' });
    const file = (db as unknown as { sqlite: { name: string } }).sqlite.name;
    const run = runEntry('src/cli/kb-export.ts', { cwd: path.dirname(file), env: { DATABASE_PATH: file, KB_DIR: kbDir } });
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/2 written, 0 unchanged, 0 kept/);
    expect(fs.readdirSync(path.join(kbDir, 'learned')).sort()).toEqual(['delete-a-project.md', 'switch-to-dark-mode.md']);
  });
});
