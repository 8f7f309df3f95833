-- Files and images both ways (issue 18). A file's bytes live under FILES_DIR (one directory every
-- instance shares when several run on PostgreSQL), named by `id`; this table holds what we know of
-- them. `visitor_id` is the uploading visitor (NULL for an agent's file from Slack); `message_id`
-- is set, once, when the file is attached to a message (an upload never attached is removed after a
-- day). `origin` is customer | agent; `mime` is what the bytes are (sniffed, never the name's
-- extension); `slack_file_id` is Slack's id of the same file (an agent's file, or a customer's once
-- uploaded to the thread). `deleted_at` (ISO): removed (in Slack, or by retention); the bytes are gone.
CREATE TABLE files (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  visitor_id TEXT,
  message_id TEXT,
  origin TEXT NOT NULL CHECK (origin IN ('customer', 'agent')),
  name TEXT NOT NULL,
  mime TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  slack_file_id TEXT,
  created_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE INDEX files_conversation ON files(conversation_id);
CREATE INDEX files_message ON files(message_id);
CREATE INDEX files_unattached ON files(created_at) WHERE message_id IS NULL;
CREATE INDEX files_slack ON files(slack_file_id);

-- The files a message carries: a JSON list of {id, name, mime, size} (NULL: none), written with the
-- message (the files' own rows say whether each is still there).
ALTER TABLE messages ADD COLUMN files TEXT;
