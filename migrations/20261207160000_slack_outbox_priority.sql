-- Slack under volume (issue 17). A channel's lane may hold hundreds of thread posts while Slack takes
-- about one post a second there; a new handoff's card must not wait behind them.
--
-- priority: 0 urgent (a new card, card updates, channel alerts), 1 normal (thread backfill). A lane
--   keeps two queues, each strictly in id order; the urgent one goes first when both are ready.
-- stream: what the item belongs to within its lane, e.g. `conv:c_1` for a conversation's card, its
--   updates and its thread posts; coalescing and moving an item to another channel work within it.
-- merge_mode: 'append': pending posts of one stream merge into one post at send time (their
--   lines in order, within Block Kit's limits); 'replace': a newer item of the same stream and
--   method supersedes a pending one (a card update carries the whole card).
-- An item merged into another, or superseded, is recorded as `sent` with sent_at NULL and
-- result {"coalesced_into": id} / {"superseded_by": id}.
ALTER TABLE slack_outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
ALTER TABLE slack_outbox ADD COLUMN stream TEXT;
ALTER TABLE slack_outbox ADD COLUMN merge_mode TEXT;

-- The worker's question: "the oldest unsent item of each queue of every lane".
CREATE INDEX slack_outbox_open_by_priority ON slack_outbox(lane, priority, id) WHERE status IN ('pending', 'sending');
-- A stream's pending run (coalescing, moving) and its last sent card update (pacing one card).
CREATE INDEX slack_outbox_stream ON slack_outbox(stream, id);
