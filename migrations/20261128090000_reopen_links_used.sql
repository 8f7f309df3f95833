-- Reopen links (follow-up emails) are single use: the hash of each link opened is recorded here, in
-- the same transaction as the session it opens, so a replayed or concurrent second use opens nothing.
-- Rows past expires_at can be deleted: an expired link is refused anyway.
CREATE TABLE reopen_links_used (
  token_hash TEXT PRIMARY KEY,      -- hex SHA-256 of the link's token (the token itself is never stored)
  visitor_id TEXT NOT NULL,
  used_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
) WITHOUT ROWID;
