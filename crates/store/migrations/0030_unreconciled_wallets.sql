-- Wallets whose final balances changed and have not been compared with the chain yet. Reconciliation runs
-- after its batch commits (a movement is visible as soon as it is written, not after the contract's balances
-- are read back), and batches read ahead are compared once, after the last of them: between the commit and
-- the comparison the wallets wait here, so a process killed meanwhile compares them when it starts again.
CREATE TABLE unreconciled_wallets (
    chain_id  BIGINT NOT NULL REFERENCES chains ON DELETE CASCADE,
    address   BYTEA NOT NULL CHECK (length(address) = 20),
    PRIMARY KEY (chain_id, address)
);
