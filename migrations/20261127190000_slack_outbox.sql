-- The persisted outbox every write to Slack goes through: ordered per lane (usually the channel),
-- paced, retried, never dropped. See src/slack/outbox.ts.

CREATE TABLE slack_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lane TEXT NOT NULL,               -- ordering key: items of one lane are sent one after the other
  method TEXT NOT NULL,             -- Web API method, e.g. chat.postMessage
  args TEXT NOT NULL,               -- JSON; may hold placeholders such as {"$cardOf": "c_1"}
  ref TEXT,                         -- JSON the caller attached (e.g. {"conversationId": "c_1", "kind": "card"})
  idempotency_key TEXT UNIQUE,      -- a repeated key is not enqueued twice; NULL: no key
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,    -- not before this time (backoff, Retry-After)
  error_code TEXT,                  -- Slack's error code of the last failure (e.g. not_in_channel)
  last_error TEXT,                  -- what went wrong and how to fix it, in plain words
  result TEXT,                      -- JSON: what Slack answered (ts, channel, ...)
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  sent_at TEXT
);

-- The worker's question: "the oldest unsent item of every lane".
CREATE INDEX slack_outbox_open_by_lane ON slack_outbox(lane, id) WHERE status IN ('pending', 'sending');
-- Counts by status, open items across lanes, and admins' "what failed recently".
CREATE INDEX slack_outbox_status ON slack_outbox(status, updated_at);
