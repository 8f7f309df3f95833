-- Scheduled job ticks claimed by a process (issue 16: each tick runs once across the deployment).
-- Every process fires the same cron ticks; before running one it inserts (job, tick_at) here and
-- only the process whose insert took effect runs it. tick_at is the scheduled time (ISO, truncated
-- to the cron's resolution), the same in every process. The maintenance job prunes old rows.
CREATE TABLE job_ticks (
  job TEXT NOT NULL,
  tick_at TEXT NOT NULL,
  claimed_at TEXT NOT NULL,
  PRIMARY KEY (job, tick_at)
);
