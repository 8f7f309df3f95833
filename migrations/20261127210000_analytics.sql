-- Analytics: the daily digest posted once per local date, and the period queries' index.

-- One row per local date (in the business-hours time zone) whose digest was posted to Slack.
CREATE TABLE analytics_digests (
  day TEXT PRIMARY KEY,             -- YYYY-MM-DD, local
  channel TEXT NOT NULL,
  posted_at TEXT NOT NULL           -- when it was handed to the outbox
);

-- "Conversations started in the period".
CREATE INDEX conversations_created ON conversations(created_at);
