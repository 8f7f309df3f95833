-- REST API keys (issue 21). Admins create and revoke them in Slack (`/handoff api keys`). A key is
-- `hk_<prefix>_<secret>`: `prefix` (8 random characters) is shown in lists so admins can tell keys
-- apart; `hash` is the hex SHA-256 of the whole key, which itself is shown once and never stored.
-- scope: read | read+erase (erase: the data subject routes). created_by / revoked_by: Slack user
-- ids. A revoked key is kept (revoked_at set) so the audit and the list still name it.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL UNIQUE,
  hash TEXT NOT NULL UNIQUE,
  scope TEXT NOT NULL CHECK (scope IN ('read', 'read+erase')),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  revoked_by TEXT,
  last_used_at TEXT
);
CREATE INDEX api_keys_created ON api_keys(created_at);

