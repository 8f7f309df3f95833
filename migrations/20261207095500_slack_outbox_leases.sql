-- Leases on the Slack outbox's lanes (issue 16: processes sharing the database send each item once,
-- in order per lane). Before sending a lane's head item a process takes the lane's lease in one
-- statement (insert, or update when expired or already its own), which increments `fence`; it renews
-- the lease while the call runs and releases it after. Marking an item requires the same owner and
-- fence, so a process whose lease was taken over cannot mark or reorder. Rows are kept (fences only
-- grow); there is one per lane.
CREATE TABLE slack_outbox_leases (
  lane TEXT NOT NULL PRIMARY KEY,
  owner TEXT NOT NULL,           -- the SlackOutbox instance holding it (random per instance)
  fence INTEGER NOT NULL,        -- incremented by every take
  expires_at TEXT NOT NULL       -- ISO; free for anyone from then on
);
