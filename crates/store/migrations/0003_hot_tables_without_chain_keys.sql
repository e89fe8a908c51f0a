-- events and movements take a backfill's rows by the hundred thousand. Their foreign key to `chains` is
-- checked row by row (a trigger locking the one chain row each time): 0.6 s of events and 0.2 s of
-- movements in a 100,000-event backfill of ~6.5 s. It guards nothing the writer does not already hold:
-- both tables are written only by the indexer of that chain, after it has created the chain's row, and a
-- chain's rows are removed by explicit statements (reset), never by a cascade from `chains`.
-- movements.wallet_id keeps its key to wallets: a movement of no wallet is a real error.
ALTER TABLE events DROP CONSTRAINT events_chain_id_fkey;
ALTER TABLE movements DROP CONSTRAINT movements_chain_id_fkey;
