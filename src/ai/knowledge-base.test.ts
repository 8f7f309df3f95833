import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database';
import { openStore, type StoreSettings } from '../db/open-store';
import type { KnowledgeBase } from '../core/ports';
import { startPostgres, type PostgresServer } from '../../test/support/postgres-server';
import { createKnowledgeBase, getArticle, indexKnowledgeBase, listArticles } from './knowledge-base';
import { passageIndex } from './knowledge-base-index';

const KB_DIR = fileURLToPath(new URL('../../kb', import.meta.url));
const ARTICLE_FILES = fs.readdirSync(KB_DIR).filter((f) => f.endsWith('.md'));
const at = (iso: string) => ({ now: () => new Date(iso) });

let tmp: string;
let server: PostgresServer;
const opened: Database[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-kb-'));
  server = await startPostgres();
}, 60_000);

afterAll(async () => {
  for (const db of opened) db.close();
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The same tests run on each engine: a SQLite file, and a fresh database of a throwaway PostgreSQL. */
const ENGINES: { name: string; fresh(): Promise<Database> }[] = [
  { name: 'SQLite', fresh: () => openMigrated({ databasePath: path.join(fs.mkdtempSync(path.join(tmp, 'sqlite-')), 'handoff.db') }) },
  { name: 'PostgreSQL', fresh: async () => openMigrated({ databasePath: '', databaseUrl: await server.createDatabase() }) },
];

/** Opened and migrated as the app does it. */
async function openMigrated(settings: StoreSettings): Promise<Database> {
  const { db } = await openStore(settings);
  opened.push(db);
  return db;
}

const passageCount = (db: Database) =>
  Number(db.first(db.q.selectFrom('kb_passages').select((eb) => eb.fn.countAll().as('n')))?.n);

/** For each sample article, a question a customer might ask, worded unlike the article's title. */
const QUESTIONS: Record<string, string> = {
  'getting-started.md': 'how do I set up my very first project?',
  'plans-and-pricing.md': 'How much does the Pro plan cost per month?',
  'billing-and-invoices.md': 'Where can I download a PDF of my receipts?',
  'login-and-two-factor.md': "I forgot my password and can't log in",
  'inviting-teammates-and-roles.md': 'How do I add my colleagues to our workspace?',
  'integrations-slack-github.md': 'Can pull requests from GitHub show up on our tasks?',
  'exporting-your-data.md': 'Can I bring my boards over from Trello?',
  'notifications.md': 'How do I stop getting so many emails at night? I want quiet hours',
  'api-and-webhooks.md': 'How many API calls can I make per minute?',
  'security-and-sso.md': 'Do you support single sign-on with Okta?',
  'troubleshooting-sync.md': 'My edits are not showing up for my teammates, the app keeps saying reconnecting',
  'time-tracking.md': 'how do I log the hours I spent on a task?',
};

const UNRELATED = [
  'What is the capital of France?',
  'Do you sell pizza?',
  "What's the weather like tomorrow?",
  'Can you recommend a good movie?',
  'Who won the football game last night?',
  'How do I bake a chocolate cake?',
  'What time is it in Tokyo?',
  'How do I change the oil in my car?',
  'Is your CEO married?',
  'Do you have a GitLab integration?',
];

describe.each(ENGINES)('on $name', ({ fresh }) => {
  let db: Database;
  let kb: KnowledgeBase;

  beforeAll(async () => {
    db = await fresh();
    indexKnowledgeBase(db, KB_DIR, at('2026-11-27T18:00:00Z'));
    kb = createKnowledgeBase(db);
  }, 60_000);

  describe('indexKnowledgeBase', () => {
    it('indexes every sample article with its title, url and tags', () => {
      const articles = listArticles(db);
      expect(articles.map((a) => a.id).sort()).toEqual([...ARTICLE_FILES].sort());
      expect(getArticle(db, 'billing-and-invoices.md')).toEqual({
        id: 'billing-and-invoices.md',
        title: 'Billing, payments and invoices',
        url: 'https://help.acme-projects.example/articles/billing-and-invoices',
        tags: ['billing', 'invoices', 'payments', 'receipts', 'vat'],
      });
      // No front matter: the title comes from the first heading and there is no link.
      expect(getArticle(db, 'exporting-your-data.md')).toMatchObject({ title: 'Exporting and importing your data', url: null, tags: [] });
      expect(getArticle(db, 'missing.md')).toBeUndefined();
    });

    it('is idempotent: indexing again gives the same index and counts', () => {
      const first = indexKnowledgeBase(db, KB_DIR);
      const second = indexKnowledgeBase(db, KB_DIR);
      expect(second).toEqual(first);
      expect(first.articles).toBe(ARTICLE_FILES.length);
      expect(passageCount(db)).toBe(first.passages);
    });

    it('reads sub-folders and ignores hidden and non-Markdown files', async () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'nested-'));
      fs.mkdirSync(path.join(dir, 'billing'));
      fs.mkdirSync(path.join(dir, '.drafts'));
      fs.writeFileSync(path.join(dir, 'billing', 'vat.md'), '# VAT\n\nWe charge VAT.\n\n## Reverse charge\n\nEU only.');
      fs.writeFileSync(path.join(dir, '.drafts', 'secret.md'), '# Draft');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an article');
      const other = await fresh();
      expect(indexKnowledgeBase(other, dir)).toEqual({ articles: 1, passages: 2 });
      expect(listArticles(other).map((a) => a.id)).toEqual(['billing/vat.md']);
    });

    it('gives an empty knowledge base for a missing folder, without throwing', async () => {
      const other = await fresh();
      indexKnowledgeBase(other, KB_DIR);
      expect(indexKnowledgeBase(other, path.join(tmp, 'does-not-exist'))).toEqual({ articles: 0, passages: 0 });
      expect(listArticles(other)).toEqual([]);
      expect(createKnowledgeBase(other).search('how do I reset my password')).toEqual([]);
    });

    it('leaves an unchanged index as it is (another instance, a restart) and rewrites a changed one', async () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'changing-'));
      for (const f of ARTICLE_FILES) fs.copyFileSync(path.join(KB_DIR, f), path.join(dir, f));
      const other = await fresh();
      const indexedAt = () => [...new Set(other.all(other.q.selectFrom('kb_articles').select('indexed_at')).map((r) => r.indexed_at))];
      const first = indexKnowledgeBase(other, dir, at('2026-01-01T00:00:00Z'));
      expect(indexKnowledgeBase(other, dir, at('2026-02-01T00:00:00Z'))).toEqual(first);
      expect(indexedAt()).toEqual(['2026-01-01T00:00:00.000Z']);

      fs.appendFileSync(path.join(dir, 'time-tracking.md'), '\n\n## Tracking llamas\n\nLlamas are tracked by the hour.\n');
      expect(indexKnowledgeBase(other, dir, at('2026-03-01T00:00:00Z'))).toEqual({ ...first, passages: first.passages + 1 });
      expect(indexedAt()).toEqual(['2026-03-01T00:00:00.000Z']);
      expect(passageCount(other)).toBe(first.passages + 1);
      expect(createKnowledgeBase(other).search('llamas')[0]).toMatchObject({ articleId: 'time-tracking.md', heading: 'Tracking llamas' });
    });
  });

  describe('search', () => {
    it.each(Object.entries(QUESTIONS))('%s answers "%s" first, with a high score', (file, question) => {
      const [best] = kb.search(question);
      expect(best?.articleId).toBe(file);
      expect(best!.score).toBeGreaterThan(0.6);
    });

    it('has a question for every sample article', () => {
      expect(Object.keys(QUESTIONS).sort()).toEqual([...ARTICLE_FILES].sort());
    });

    it.each(UNRELATED)('scores the unrelated question "%s" low', (question) => {
      const best = kb.search(question)[0];
      expect(best?.score ?? 0).toBeLessThan(0.4);
    });

    it('returns full passages with the article url and tags, best first, within the limit', () => {
      const results = kb.search('how do I reset my password', 3);
      expect(results.length).toBeLessThanOrEqual(3);
      expect(results[0]).toMatchObject({
        articleId: 'login-and-two-factor.md',
        title: 'Signing in, passwords and two-factor authentication',
        heading: 'Reset a forgotten password',
        url: 'https://help.acme-projects.example/articles/login-and-2fa',
        tags: ['login', 'password', '2fa', 'account'],
      });
      expect(results[0]!.body).toContain('60 minutes');
      const scores = results.map((r) => r.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      for (const s of scores) expect(s).toBeGreaterThan(0);
      for (const s of scores) expect(s).toBeLessThanOrEqual(1);
    });

    it('prefers the section that holds the answer over others of the same article', () => {
      expect(kb.search('what are the API rate limits')[0]?.heading).toBe('Rate limits');
      expect(kb.search('how do I turn off the daily email digest')[0]?.heading).toBe('Email notifications and the daily digest');
    });

    it('finds words through synonyms and stems', () => {
      expect(kb.search('is there a discount for charities?')[0]?.heading).toBe('Discounts for nonprofits and education');
      expect(kb.search('What is your uptime SLA?')[0]?.articleId).toBe('plans-and-pricing.md');
      expect(kb.search('how are webhooks verified')[0]?.heading).toBe('Webhooks');
    });

    it('returns nothing for questions without a meaningful word', () => {
      expect(kb.search('')).toEqual([]);
      expect(kb.search('   ')).toEqual([]);
      expect(kb.search('how do I do it?')).toEqual([]);
      expect(kb.search('password', 0)).toEqual([]);
    });

    const hostile = [
      '"',
      '"unterminated',
      "'; DROP TABLE kb_passages; --",
      'NEAR(password reset, 2)',
      'password AND OR NOT',
      'OR OR OR',
      '(((',
      ')))',
      'password*',
      '*',
      '-password',
      '^title',
      'title:password',
      '{heading body}: password',
      'pass"word',
      '\u0000\u0001',
      '🍕🔥💥',
      '日本語のヘルプはありますか',
      'Ça coûte combien, le forfait Pro ?',
      'x'.repeat(5000),
      'invoice '.repeat(700),
      Array.from({ length: 600 }, (_, i) => `word${i}`).join(' '),
    ];

    it.each(hostile.map((q) => [q.length > 40 ? `${q.slice(0, 40)}… (${q.length} chars)` : q, q]))(
      'does not throw on %j',
      (_label, query) => {
        const results = kb.search(query);
        expect(Array.isArray(results)).toBe(true);
        for (const r of results) expect(r.score).toBeGreaterThanOrEqual(0);
      },
    );

    it('still works after the hostile queries', () => {
      expect(kb.search('password*')[0]?.articleId).toBe('login-and-two-factor.md');
      expect(listArticles(db)).toHaveLength(ARTICLE_FILES.length);
    });

    // queryTerms keeps only letters and digits; the index must not rely on it.
    it('takes forms with operator characters as text, never as syntax', () => {
      const index = passageIndex(db);
      const forms = [
        '"', "'", '\\', "a'b", 'a\\', "\\'", 'x:*', 'title:password', 'a:A', '&', '|', '!', '!password', '(', ')', '((a', 'a & b',
        'a | !b', '<->', 'a<->b', '<2>', 'NEAR(a b)', 'OR', 'AND', 'NOT', '*', '^title', '-b', '{heading}', "'; DROP TABLE kb_passages; --",
      ];
      for (const form of forms) {
        expect(() => index.candidates([form], 5), form).not.toThrow();
        expect(() => index.termHits([[form]], [1], ['a.md']), form).not.toThrow();
      }
      // Among them, "password" still finds what it finds alone: nothing negated or restricted it.
      const rows = index.candidates(['password', ...forms], 5);
      expect(rows[0]?.article_id).toBe('login-and-two-factor.md');
      const [alone] = index.termHits([['password']], [], []);
      const [mixed] = index.termHits([['password', ...forms]], [], []);
      // "any of": no more passages than those of each form alone ("!b" taken as NOT b would add most).
      const eachAlone = forms.reduce((n, form) => n + index.termHits([[form]], [], [])[0]!.df, alone!.df);
      expect(mixed!.df).toBeGreaterThanOrEqual(alone!.df);
      expect(mixed!.df).toBeLessThanOrEqual(eachAlone);
    });
  });
});

describe('the same question on both engines', () => {
  it('finds the same best passage', async () => {
    const kbs = await Promise.all(
      ENGINES.map(async ({ fresh }) => {
        const db = await fresh();
        indexKnowledgeBase(db, KB_DIR);
        return createKnowledgeBase(db);
      }),
    );
    const questions = [
      ...Object.values(QUESTIONS),
      'what are the API rate limits',
      'how do I turn off the daily email digest',
      'is there a discount for charities?',
      'how are webhooks verified',
      'how do I reset my password',
    ];
    const best = (kb: KnowledgeBase) => questions.map((q) => [q, kb.search(q)[0]?.articleId, kb.search(q)[0]?.heading]);
    expect(best(kbs[1]!)).toEqual(best(kbs[0]!));
  });
});
