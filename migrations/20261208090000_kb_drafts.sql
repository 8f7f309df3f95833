-- Handoffs teach the AI (issue 20). When a conversation the AI handed off for no match or low
-- confidence is resolved, the copilot drafts a knowledge-base article from it; an admin or the agent
-- who resolved it approves, edits or discards the draft in Slack. Approved drafts are the learned
-- articles: indexed with KB_DIR's files under the id `article_id` (`learned/<slug>.md`).
--
-- status: drafted | approved | discarded. reason: the handoff's reason (no_match | low_confidence).
-- topic: what the customer asked about, in a word or two (groups `/handoff kb gaps`, and the handoff
-- rate per topic before and after the article). drafted_by: openai | built-in. resolved_by: the
-- Slack user who resolved the conversation (may approve). slack_channel/slack_ts: the draft's
-- message in the conversation's thread, updated when it is decided. The source conversation may be
-- erased later (conversation_id becomes NULL): the article, scrubbed of personal data, stays.
CREATE TABLE kb_drafts (
  id TEXT PRIMARY KEY,
  conversation_id TEXT UNIQUE REFERENCES conversations(id) ON DELETE SET NULL,
  status TEXT NOT NULL DEFAULT 'drafted',
  reason TEXT NOT NULL,
  topic TEXT,
  title TEXT NOT NULL,
  question TEXT NOT NULL,
  answer TEXT NOT NULL,
  drafted_by TEXT NOT NULL,
  resolved_by TEXT,
  created_at TEXT NOT NULL,
  edited_by TEXT,
  edited_at TEXT,
  decided_by TEXT,
  decided_at TEXT,
  article_id TEXT UNIQUE,
  slack_channel TEXT,
  slack_ts TEXT
);
CREATE INDEX kb_drafts_status ON kb_drafts(status, created_at);
