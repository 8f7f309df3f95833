-- Offline follow-up: what the customer has seen, and which agent replies went out by email.
ALTER TABLE conversations ADD COLUMN last_seen_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN emailed_at TEXT;
CREATE INDEX messages_unemailed_agent ON messages(conversation_id, seq) WHERE role = 'agent' AND emailed_at IS NULL;
