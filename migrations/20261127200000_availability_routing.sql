-- Availability, capacity, skills, teams, routing and notifications.

ALTER TABLE agents ADD COLUMN status TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('available', 'busy', 'away', 'offline'));
ALTER TABLE agents ADD COLUMN status_changed_at TEXT;
ALTER TABLE agents ADD COLUMN presence TEXT CHECK (presence IN ('active', 'away'));
ALTER TABLE agents ADD COLUMN presence_checked_at TEXT;
ALTER TABLE agents ADD COLUMN capacity INTEGER CHECK (capacity IS NULL OR capacity BETWEEN 1 AND 50);
ALTER TABLE agents ADD COLUMN skills TEXT NOT NULL DEFAULT '[]';        -- JSON array of lower-case skills
ALTER TABLE agents ADD COLUMN notify_email INTEGER NOT NULL DEFAULT 0 CHECK (notify_email IN (0, 1));
ALTER TABLE agents ADD COLUMN last_routed_at TEXT;

CREATE TABLE teams (
  id TEXT PRIMARY KEY,              -- slug, e.g. enterprise-sales
  name TEXT NOT NULL,
  channel TEXT,                     -- Slack channel id for the team's handoffs
  created_at TEXT NOT NULL
);

CREATE TABLE team_members (
  team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(slack_user_id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, agent_id)
);

-- Every change of an agent's effective availability, for analytics.
CREATE TABLE agent_status_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  agent_id TEXT NOT NULL REFERENCES agents(slack_user_id) ON DELETE CASCADE,
  status TEXT NOT NULL,             -- the manual status set
  effective TEXT NOT NULL,          -- what routing saw: manual status combined with presence and capacity
  source TEXT NOT NULL,             -- command | home | presence | capacity
  at TEXT NOT NULL
);
CREATE INDEX agent_status_changes_agent ON agent_status_changes(agent_id, at);

-- What a conversation needs from the agent who takes it.
ALTER TABLE conversations ADD COLUMN required_skills TEXT NOT NULL DEFAULT '[]';
ALTER TABLE conversations ADD COLUMN team_id TEXT REFERENCES teams(id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent'));

-- Who was asked to take a conversation, and how (routed, nudged, broadcast to the channel).
CREATE TABLE conversation_assignments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  agent_id TEXT,                    -- NULL for a channel-wide @here
  kind TEXT NOT NULL CHECK (kind IN ('routed', 'nudged', 'broadcast')),
  at TEXT NOT NULL
);
CREATE INDEX conversation_assignments_conversation ON conversation_assignments(conversation_id, id);

-- Small persisted routing state (the round-robin cursor).
CREATE TABLE routing_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
