-- A wallet's movements in the order its pages show them by default (creation, then chain order), so that
-- a page reads only the rows it shows; it replaces the (wallet_id, created_at, id) index, whose prefix it
-- keeps.
CREATE INDEX movements_by_wallet_order
    ON movements (wallet_id, created_at, block_number, log_index, type, id);
DROP INDEX movements_by_wallet;
