-- Waiting conversations in escalation order: queue positions (one ordered read per announcement)
-- and the nudge round (read in pages) walk this index instead of counting rows per conversation.
CREATE INDEX conversations_escalated ON conversations(state, escalated_at, id);

-- Handoffs customers started (request_human, "talk to a person", rules, the AI handing off), so
-- that each visitor and each client address may start only a few per hour. Counted here, not in
-- memory, so a restart does not reset the budget and several instances share it.
CREATE TABLE handoff_starts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  visitor_id TEXT NOT NULL,
  address TEXT,                     -- the client address of the widget socket; NULL when unknown
  at TEXT NOT NULL
);
CREATE INDEX handoff_starts_visitor ON handoff_starts(visitor_id, at);
CREATE INDEX handoff_starts_address ON handoff_starts(address, at) WHERE address IS NOT NULL;
