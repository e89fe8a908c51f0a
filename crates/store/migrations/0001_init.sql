-- The indexer's schema. Amounts are token base units, exact (NUMERIC(78,0) holds any uint256; EmToken caps
-- its supply at 2^96-1 so every amount also fits a rust_decimal::Decimal). Addresses are 20 bytes, hashes 32.
-- Identifiers of wallets, movements, holds and orders are UUIDv5 of their chain facts, so a fresh index of
-- the same chain produces the same ids.

-- One row per indexed chain: which contract, from which block, on which genesis.
CREATE TABLE chains (
    chain_id      BIGINT PRIMARY KEY,
    genesis_hash  BYTEA NOT NULL CHECK (length(genesis_hash) = 32),
    contract      BYTEA NOT NULL CHECK (length(contract) = 20),
    from_block    BIGINT NOT NULL CHECK (from_block >= 0),
    decimals      SMALLINT NOT NULL CHECK (decimals BETWEEN 0 AND 28),
    confirmations BIGINT NOT NULL CHECK (confirmations >= 0),
    network       TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Where indexing stands: the last block indexed (head side) and the last block applied as final.
CREATE TABLE checkpoints (
    chain_id      BIGINT PRIMARY KEY REFERENCES chains ON DELETE CASCADE,
    block_number  BIGINT NOT NULL,
    block_hash    BYTEA NOT NULL CHECK (length(block_hash) = 32),
    final_block   BIGINT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (final_block <= block_number)
);

-- The window of recent blocks: every indexed block that is not final yet, plus the last final one.
CREATE TABLE blocks (
    chain_id     BIGINT NOT NULL REFERENCES chains ON DELETE CASCADE,
    number       BIGINT NOT NULL,
    hash         BYTEA NOT NULL CHECK (length(hash) = 32),
    parent_hash  BYTEA NOT NULL CHECK (length(parent_hash) = 32),
    time         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (chain_id, number)
);

-- Every EmToken log of the canonical chain, decoded. `tx_ordinal` is the log's position among the
-- contract's logs of its transaction: with the transaction hash it names a fact that survives re-mining.
CREATE TABLE events (
    chain_id      BIGINT NOT NULL REFERENCES chains ON DELETE CASCADE,
    block_hash    BYTEA NOT NULL CHECK (length(block_hash) = 32),
    log_index     BIGINT NOT NULL,
    block_number  BIGINT NOT NULL,
    block_time    TIMESTAMPTZ NOT NULL,
    tx_hash       BYTEA NOT NULL CHECK (length(tx_hash) = 32),
    tx_index      BIGINT NOT NULL,
    tx_ordinal    INTEGER NOT NULL,
    name          TEXT NOT NULL,
    record_key    BYTEA,
    args          JSONB NOT NULL,
    topics        BYTEA[] NOT NULL,
    data          BYTEA NOT NULL,
    PRIMARY KEY (chain_id, block_hash, log_index)
);
CREATE INDEX events_by_block ON events (chain_id, block_number, log_index);
CREATE INDEX events_by_record ON events (chain_id, record_key) WHERE record_key IS NOT NULL;

-- What each event did to balances: gross (`total`) and held, per address. Kept while the event is not
-- final (head balances = final balances + these), removed when it is applied to the final balances.
CREATE TABLE balance_deltas (
    chain_id      BIGINT NOT NULL,
    block_hash    BYTEA NOT NULL,
    log_index     BIGINT NOT NULL,
    block_number  BIGINT NOT NULL,
    address       BYTEA NOT NULL CHECK (length(address) = 20),
    total         NUMERIC(78, 0) NOT NULL,
    held          NUMERIC(78, 0) NOT NULL,
    FOREIGN KEY (chain_id, block_hash, log_index) REFERENCES events ON DELETE CASCADE
);
CREATE INDEX balance_deltas_by_block ON balance_deltas (chain_id, block_number);

-- Wallets: one per address seen on chain (or registered by the platform). `balance` and `final_held`
-- are as of the last final block; `head_total` and `held` as of the last indexed block. Available at the
-- head is head_total - held.
CREATE TABLE wallets (
    id            UUID PRIMARY KEY,
    chain_id      BIGINT NOT NULL REFERENCES chains ON DELETE CASCADE,
    address       BYTEA NOT NULL CHECK (length(address) = 20),
    balance       NUMERIC(78, 0) NOT NULL DEFAULT 0,
    final_held    NUMERIC(78, 0) NOT NULL DEFAULT 0,
    head_total    NUMERIC(78, 0) NOT NULL DEFAULT 0,
    held          NUMERIC(78, 0) NOT NULL DEFAULT 0,
    registered    BOOLEAN NOT NULL DEFAULT false,
    kyc_level     SMALLINT,
    frozen        BOOLEAN NOT NULL DEFAULT false,
    status        TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('READY', 'PENDING', 'UNSUBSCRIBED')),
    user_id       UUID,
    client_id     UUID,
    iban          TEXT,
    first_block   BIGINT,
    created_at    TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ,
    UNIQUE (chain_id, address)
);
CREATE INDEX wallets_by_user ON wallets (user_id) WHERE user_id IS NOT NULL;

-- Movements, in the seed's types. `outcome` is the status the movement takes once `decided_block` is
-- final (NULL while an order waits for its agent); `dropped` marks movements whose transaction a
-- reorganisation removed and the chain did not mine again (status ERROR).
CREATE TABLE movements (
    id              UUID PRIMARY KEY,
    chain_id        BIGINT NOT NULL REFERENCES chains ON DELETE CASCADE,
    wallet_id       UUID NOT NULL REFERENCES wallets,
    type            TEXT NOT NULL CHECK (type IN ('CARD_CASHIN', 'BANK_ACCOUNT_CASHIN', 'BANK_ACCOUNT_CASHOUT',
                                                  'TRANSFER_IN', 'TRANSFER_OUT', 'LOCK', 'RELEASE')),
    status          TEXT NOT NULL CHECK (status IN ('PENDING', 'SUCCESS', 'ERROR')),
    outcome         TEXT CHECK (outcome IN ('SUCCESS', 'ERROR')),
    amount          NUMERIC(78, 0) NOT NULL CHECK (amount >= 0),
    concept         TEXT,
    origin_address  BYTEA,
    target_address  BYTEA,
    iban            TEXT,
    record_kind     TEXT,
    record_key      BYTEA,
    tx_hash         BYTEA NOT NULL,
    block_number    BIGINT NOT NULL,
    block_hash      BYTEA NOT NULL,
    log_index       BIGINT NOT NULL,
    decided_block   BIGINT,
    dropped         BOOLEAN NOT NULL DEFAULT false,
    scheduled_operation_id UUID,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX movements_by_wallet ON movements (wallet_id, created_at, id);
CREATE INDEX movements_by_block ON movements (chain_id, block_number);
CREATE INDEX movements_pending ON movements (chain_id, decided_block) WHERE status = 'PENDING';
CREATE INDEX movements_by_record ON movements (chain_id, record_key) WHERE record_key IS NOT NULL;

-- Holds as the chain has them at the last indexed block.
CREATE TABLE holds (
    id              UUID PRIMARY KEY,
    chain_id        BIGINT NOT NULL REFERENCES chains ON DELETE CASCADE,
    hold_key        BYTEA NOT NULL CHECK (length(hold_key) = 32),
    operation_id    BYTEA NOT NULL,
    issuer          BYTEA NOT NULL,
    payer           BYTEA NOT NULL,
    payee           BYTEA NOT NULL,
    notary          BYTEA NOT NULL,
    held_value      NUMERIC(78, 0) NOT NULL,
    executed_value  NUMERIC(78, 0) NOT NULL,
    released_value  NUMERIC(78, 0) NOT NULL,
    remaining       NUMERIC(78, 0) NOT NULL,
    status          TEXT NOT NULL,
    expiration      TIMESTAMPTZ,
    created_block   BIGINT NOT NULL,
    created_tx      BYTEA NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (chain_id, hold_key)
);
CREATE INDEX holds_by_payer ON holds (chain_id, payer);
CREATE INDEX holds_by_payee ON holds (chain_id, payee);

-- Two-step transfers (TRANSFER), fund orders (FUND) and payouts (PAYOUT) at the last indexed block.
-- `locked` is what the order still keeps on hold, on `lock_holder` (the payer, or the suspense account).
CREATE TABLE orders (
    id                UUID PRIMARY KEY,
    chain_id          BIGINT NOT NULL REFERENCES chains ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('TRANSFER', 'FUND', 'PAYOUT')),
    order_key         BYTEA NOT NULL CHECK (length(order_key) = 32),
    operation_id      BYTEA NOT NULL,
    orderer           BYTEA NOT NULL,
    payer             BYTEA NOT NULL,
    payee             BYTEA,
    value             NUMERIC(78, 0) NOT NULL,
    status            TEXT NOT NULL,
    locked            NUMERIC(78, 0) NOT NULL,
    lock_holder       BYTEA NOT NULL,
    reason            TEXT,
    instructions_hash BYTEA,
    created_block     BIGINT NOT NULL,
    created_tx        BYTEA NOT NULL,
    decided_block     BIGINT,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (chain_id, kind, order_key)
);

-- What reconciliation found: a wallet whose final balances differ from the contract's at a final block
-- (`balanceOf`, `balanceOnHold` read at that block's hash). `persistent` once a rescan did not mend it.
CREATE TABLE findings (
    id              BIGSERIAL PRIMARY KEY,
    chain_id        BIGINT NOT NULL REFERENCES chains ON DELETE CASCADE,
    block_number    BIGINT NOT NULL,
    block_hash      BYTEA NOT NULL,
    address         BYTEA NOT NULL,
    indexed_total   NUMERIC(78, 0) NOT NULL,
    chain_total     NUMERIC(78, 0) NOT NULL,
    indexed_held    NUMERIC(78, 0) NOT NULL,
    chain_held      NUMERIC(78, 0) NOT NULL,
    persistent      BOOLEAN NOT NULL DEFAULT false,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
