-- Foundation: settings, visitors, conversations, messages, conversation events, knowledge base.

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,              -- JSON
  updated_at TEXT NOT NULL,
  updated_by TEXT                   -- Slack user id of the admin, NULL for the system
);

-- Keys the app generates for itself when none is configured (e.g. the visitor token key).
CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE visitors (
  id TEXT PRIMARY KEY,              -- 128-bit random, base64url
  name TEXT,
  email TEXT,
  user_id TEXT,                     -- the host site's user id, only when verified by userHash
  verified INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),
  attributes TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
);
CREATE UNIQUE INDEX visitors_verified_user ON visitors(user_id) WHERE verified = 1;

CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  visitor_id TEXT NOT NULL UNIQUE REFERENCES visitors(id) ON DELETE CASCADE,
  state TEXT NOT NULL DEFAULT 'ai' CHECK (state IN ('ai', 'waiting', 'human', 'queued', 'resolved')),
  last_seq INTEGER NOT NULL DEFAULT 0,
  page_url TEXT,
  page_title TEXT,
  escalation_reason TEXT,           -- customer_asked | low_confidence | no_match | rule | frustration | agent_takeover
  escalation_detail TEXT,           -- JSON: rule name, confidence score, ...
  escalated_at TEXT,
  email_requested INTEGER NOT NULL DEFAULT 0 CHECK (email_requested IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX conversations_state ON conversations(state, updated_at);

CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('customer', 'ai', 'agent', 'system')),
  text TEXT NOT NULL,
  client_id TEXT,                   -- customer messages: the widget's idempotency key
  agent_name TEXT,
  agent_avatar_url TEXT,
  confidence REAL,                  -- AI answers: how sure the AI was
  created_at TEXT NOT NULL,
  edited_at TEXT,
  deleted_at TEXT,
  UNIQUE (conversation_id, seq),
  UNIQUE (conversation_id, client_id)
);

-- Everything that happens to a conversation, for the thread, analytics and audits.
CREATE TABLE conversation_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}', -- JSON
  at TEXT NOT NULL
);
CREATE INDEX conversation_events_type_at ON conversation_events(type, at);
CREATE INDEX conversation_events_conversation ON conversation_events(conversation_id, id);

-- Knowledge base: articles and their passages (one per section), indexed with FTS5/bm25.
CREATE TABLE kb_articles (
  id TEXT PRIMARY KEY,              -- path relative to KB_DIR
  title TEXT NOT NULL,
  url TEXT,
  tags TEXT NOT NULL DEFAULT '[]',  -- JSON array
  content_hash TEXT NOT NULL,
  indexed_at TEXT NOT NULL
);

CREATE VIRTUAL TABLE kb_passages USING fts5(
  article_id UNINDEXED,
  title,
  heading,
  body,
  tags,
  tokenize = 'porter unicode61 remove_diacritics 2'
);
