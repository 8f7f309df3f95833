-- Slack requests recorded before they are acknowledged: Slack never delivers again a request that
-- got a 2xx (or a Socket Mode ack), so each one is written here and fsync'd first, and deleted once
-- its listeners have finished (an event's id then goes to slack_events in the same transaction).
-- Rows left by a crash or a stop are processed again at the next start. See src/slack/inbox.ts.
CREATE TABLE slack_inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT UNIQUE,             -- Events API event_id; NULL for interactivity and slash commands
  body TEXT NOT NULL,               -- JSON: the request body as Bolt processes it
  retry_num INTEGER,                -- X-Slack-Retry-Num / retry_attempt of the delivery stored
  retry_reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0, -- processing attempts that failed
  last_error TEXT,
  received_at TEXT NOT NULL
);
