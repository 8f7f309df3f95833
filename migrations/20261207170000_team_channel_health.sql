-- Team channel health (issue 17). A team's channel may turn out unusable when Slack refuses a post
-- there (the app is not in it, it was archived or deleted): its handoffs then go to the default
-- channel and the admin who set it is told once. `channel_set_by` is that admin (a Slack user id);
-- `channel_problem` the refusal (not_in_channel | channel_not_found | is_archived; NULL: usable) and
-- `channel_problem_at` when it was recorded (ISO). Setting the channel again clears the problem.
ALTER TABLE teams ADD COLUMN channel_set_by TEXT;
ALTER TABLE teams ADD COLUMN channel_problem TEXT;
ALTER TABLE teams ADD COLUMN channel_problem_at TEXT;

-- Channels set before this migration: the admin who set them last, as the audit log says.
UPDATE teams SET channel_set_by = (
  SELECT a.actor FROM admin_audit a WHERE a.action = 'team.channel' AND a.target = teams.id ORDER BY a.id DESC LIMIT 1
) WHERE channel IS NOT NULL;
