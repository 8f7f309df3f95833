-- Escalation rules ("orchestrations") and the record of when they fired. See src/core/rules/.

CREATE TABLE rules (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  position INTEGER NOT NULL,        -- 1, 2, 3, ...: evaluation order (the repository renumbers on every move)
  definition TEXT NOT NULL,         -- JSON {"match", "conditions", "actions"}; validated by the app on read and write
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT                   -- Slack user id of the admin, NULL for the system
);
CREATE INDEX rules_position ON rules(position, created_at, id);

-- One row per rule that fired for a conversation, for analytics ("handoffs by reason").
-- rule_id has no foreign key and rule_name is copied: the history outlives a renamed or deleted rule.
CREATE TABLE rule_firings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rule_id TEXT NOT NULL,
  rule_name TEXT NOT NULL,
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  actions TEXT NOT NULL,            -- JSON array of the rule's actions at the time
  at TEXT NOT NULL
);
CREATE INDEX rule_firings_at ON rule_firings(at);
CREATE INDEX rule_firings_conversation ON rule_firings(conversation_id, rule_id);
CREATE INDEX rule_firings_rule ON rule_firings(rule_id, at);

-- The product guide's default rules (the same as src/core/rules/default-rules.ts; a test keeps them equal).
INSERT OR IGNORE INTO teams (id, name, channel, created_at)
VALUES ('enterprise-sales', 'Enterprise sales', NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

INSERT OR IGNORE INTO rules (id, name, enabled, position, definition, created_at, updated_at, updated_by) VALUES
  ('rule_default_sensitive', 'Always escalate sensitive topics', 1, 1,
   '{"match":"all","conditions":[{"type":"message_contains","words":["refund","cancel","legal"]}],"actions":[{"type":"escalate_to_human"}]}',
   strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL),
  ('rule_default_enterprise', 'Enterprise pages', 1, 2,
   '{"match":"all","conditions":[{"type":"url_contains","value":"/enterprise"}],"actions":[{"type":"notify_team","team":"enterprise-sales"}]}',
   strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL),
  ('rule_default_after_hours', 'After hours', 1, 3,
   '{"match":"all","conditions":[{"type":"business_hours","value":false}],"actions":[{"type":"ask_for_email"},{"type":"queue_for_later"}]}',
   strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL);
