-- The app's own Slack posts that quote or name a conversation's customer (issue 21), so that an
-- erasure reaches them after the outbox has pruned its rows (30 days). Written when the outbox
-- records a post sent, in the same transaction; holds where the post is and what kind it is, never
-- its text. kind: customer (under a generated name or the app's: edited to "[erased]"),
-- customer_named (under the customer's own name, which an edit cannot change: deleted),
-- transcript, mention (names the customer: edited). An erasure deletes its conversation's rows.
CREATE TABLE slack_posts (
  channel TEXT NOT NULL,
  ts TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('customer', 'customer_named', 'transcript', 'mention')),
  method TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (channel, ts)
);
CREATE INDEX slack_posts_conversation ON slack_posts(conversation_id);
