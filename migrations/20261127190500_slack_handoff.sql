-- The Slack handoff loop: agents, conversation ownership, threads, once-only events, relayed replies.

-- Agents are Slack users, created on first contact; the profile is refreshed from users.info.
CREATE TABLE agents (
  slack_user_id TEXT PRIMARY KEY,
  display_name TEXT,
  real_name TEXT,
  avatar_url TEXT,
  email TEXT,
  is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
  profile_fetched_at TEXT,
  created_at TEXT NOT NULL
);

ALTER TABLE conversations ADD COLUMN owner_id TEXT REFERENCES agents(slack_user_id);
ALTER TABLE conversations ADD COLUMN claimed_at TEXT;
CREATE INDEX conversations_owner ON conversations(owner_id, state);

-- One Slack thread per conversation: the handoff card's message.
CREATE TABLE slack_threads (
  conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
  channel TEXT NOT NULL,
  ts TEXT,                           -- NULL until the card's post has gone out through the outbox
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX slack_threads_channel_ts ON slack_threads(channel, ts) WHERE ts IS NOT NULL;

-- Slack event ids already applied (Slack retries deliver the same event_id again).
CREATE TABLE slack_events (
  event_id TEXT PRIMARY KEY,
  received_at TEXT NOT NULL
);
CREATE INDEX slack_events_received ON slack_events(received_at);

-- Agent replies relayed to the customer, keyed by their Slack ts (edits and deletions follow them).
CREATE TABLE slack_relays (
  channel TEXT NOT NULL,
  ts TEXT NOT NULL,
  message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  PRIMARY KEY (channel, ts)
);

-- People told once that their thread messages stay internal.
CREATE TABLE slack_note_notices (
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  slack_user_id TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (conversation_id, slack_user_id)
);
