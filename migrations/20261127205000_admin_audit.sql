-- Who changed which rule or setting, when, and what.
CREATE TABLE admin_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  actor TEXT,                       -- Slack user id; NULL for the system
  action TEXT NOT NULL,             -- rule.create | rule.update | rule.delete | rule.move | rule.enable | settings.update | ...
  target TEXT,                      -- rule id, setting keys
  detail TEXT NOT NULL DEFAULT '{}', -- JSON: before/after
  at TEXT NOT NULL
);
CREATE INDEX admin_audit_at ON admin_audit(at);
