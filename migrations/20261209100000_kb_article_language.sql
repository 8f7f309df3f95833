-- The language a knowledge-base article is written in (issue 22): front matter `lang: es` in its
-- Markdown file, English when it says none. The built-in AI prefers articles in the customer's
-- language and says so when it answers from an English one.
ALTER TABLE kb_articles ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
