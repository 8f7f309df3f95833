-- Issue 19: the idempotency index (conversation, client_id) holds customer messages only. As a table
-- constraint it also took an entry for every AI, agent and system message (client_id NULL), which
-- made storing a message about a third dearer (bench/message-schema.ts: 36 → 26 µs a message with
-- half AI answers). A constraint cannot be dropped in SQLite, so the table is rebuilt with the same
-- columns; slack_relays, the only table referring to messages, is set aside and restored around it
-- so that dropping the old table deletes nothing through its ON DELETE CASCADE.
CREATE TABLE slack_relays_kept (channel TEXT NOT NULL, ts TEXT NOT NULL, message_id TEXT NOT NULL);
INSERT INTO slack_relays_kept (channel, ts, message_id) SELECT channel, ts, message_id FROM slack_relays;
DROP TABLE slack_relays;

CREATE TABLE messages_rebuilt (
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
  emailed_at TEXT,
  files TEXT,
  UNIQUE (conversation_id, seq)
);
INSERT INTO messages_rebuilt (id, conversation_id, seq, role, text, client_id, agent_name, agent_avatar_url, confidence, created_at, edited_at, deleted_at, emailed_at, files)
  SELECT id, conversation_id, seq, role, text, client_id, agent_name, agent_avatar_url, confidence, created_at, edited_at, deleted_at, emailed_at, files FROM messages;
DROP TABLE messages;
ALTER TABLE messages_rebuilt RENAME TO messages;
CREATE UNIQUE INDEX messages_client ON messages(conversation_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX messages_unemailed_agent ON messages(conversation_id, seq) WHERE role = 'agent' AND emailed_at IS NULL;

CREATE TABLE slack_relays (
  channel TEXT NOT NULL,
  ts TEXT NOT NULL,
  message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  PRIMARY KEY (channel, ts)
);
INSERT INTO slack_relays (channel, ts, message_id) SELECT channel, ts, message_id FROM slack_relays_kept;
DROP TABLE slack_relays_kept;
