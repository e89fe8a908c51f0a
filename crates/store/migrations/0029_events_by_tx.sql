-- The platform asks whether the index has seen a transaction's events (`events.tx_hash`): for each hold of a
-- holds page with a request on its way, for the onboarding follow-up's mined requests, and before a wallet or an
-- expired hold is acted on. Without an index each question read the whole table: 150 ms at 100,000 events,
-- growing with the chain. A hash index answers equality only, which is all these ask, and costs a backfill about
-- a tenth of what a b-tree would (measured inserting a 100,000-event backfill's events again: +80 ms against
-- +300 ms).
CREATE INDEX events_by_tx ON events USING hash (tx_hash);
