-- Outgoing webhooks (issue 21). Admins add endpoints in Slack (/handoff webhooks); the events they
-- subscribe to are queued here, durably, and a worker POSTs them signed with the endpoint's secret.
--
-- webhook_endpoints.secret: kept, since every delivery is signed with it; shown to the admin once,
-- when the endpoint is added. events: a JSON array of event types. failing_since: the first failed
-- attempt since the last success; an endpoint failing for 24 h is disabled (enabled = 0,
-- disabled_at, disabled_why) and its pending deliveries dropped.
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  disabled_at TEXT,
  disabled_why TEXT,
  failing_since TEXT,
  removed_at TEXT
);

-- The queue. stream: what orders deliveries (the conversation id, or the event id for events of no
-- conversation): only the oldest pending row of an endpoint's stream is sent, so a conversation's
-- later event waits until its earlier one is delivered or given up. status: pending | delivered |
-- failed (given up after 24 h) | dropped (endpoint disabled or removed). lease_token/lease_until: the
-- instance sending it now; a mark needs the token, so an instance whose lease expired changes nothing.
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  conversation_id TEXT,
  stream TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  finished_at TEXT,
  lease_token TEXT,
  lease_until TEXT,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_stream ON webhook_deliveries(endpoint_id, stream, status, id);
