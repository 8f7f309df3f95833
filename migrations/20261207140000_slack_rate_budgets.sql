-- Slack's rate limits count every call of the app, whichever instance makes it, so instances sharing
-- the database share one budget (issue 16). A lane's budget lives with its lease: `paced_until` is the
-- lane's pacing clock (the token bucket's GCRA form, one time instead of tokens + last refill: a paced
-- call may go once now >= paced_until - (burst - 1) / rate, and each call moves it to
-- max(now, paced_until) + 1 / rate), `held_until` a 429's Retry-After on a per-channel limit. Both are
-- ISO (NULL: none), read when a process takes the lease and written, under its fence, when it releases
-- it. See src/slack/outbox/pacing.ts.
ALTER TABLE slack_outbox_leases ADD COLUMN paced_until TEXT;
ALTER TABLE slack_outbox_leases ADD COLUMN held_until TEXT;

-- A 429 on a method limited workspace-wide (chat.update, views.publish, users.getPresence, ...) holds
-- that method for every caller until Retry-After has passed: one row per method, kept at the later
-- hold. The outbox reads it when it takes a lane whose head calls the method; the presence job at the
-- start of its run.
CREATE TABLE slack_method_holds (
  method TEXT NOT NULL PRIMARY KEY,
  held_until TEXT NOT NULL       -- ISO
);
