-- Secondary indexes a long backfill sets aside and builds once at its end (`Store::defer_indexes`): keeping
-- them up row by row cost a 100,000-event backfill more than building them afterwards (measured on 78,000
-- movements: movements_by_wallet_order +420 ms and movements_by_block +150 ms on the inserts, 230 ms to build
-- both). While one is set aside its definition waits here; a process that starts (or runs migrations) with rows
-- here builds them first, so an index is never lost to a backfill killed before its end.
CREATE TABLE deferred_indexes (
    name         TEXT PRIMARY KEY,
    definition   TEXT NOT NULL,
    deferred_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
