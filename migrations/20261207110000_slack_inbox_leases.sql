-- Leases on the Slack inbox's rows (issue 16: processes sharing the database process each stored
-- request once). A row being processed has an owner (the SlackInbox instance, random per process)
-- and lease_until (ISO), renewed while its listeners run; a row is taken, at start or by the
-- periodic sweep, only in one UPDATE ... WHERE owner IS NULL OR lease_until <= now, so a killed
-- instance's rows are processed by another one once its lease has expired. See src/slack/inbox.ts.
ALTER TABLE slack_inbox ADD COLUMN owner TEXT;
ALTER TABLE slack_inbox ADD COLUMN lease_until TEXT;
