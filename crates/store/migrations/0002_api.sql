-- The platform's HTTP API: who may call it, what it was asked to do, and the movements it expects from
-- the transactions it sent (shown PENDING until the indexer writes the real ones, under the same ids).

-- API clients: the platform's customers (CLIENT: their users' wallets) and the bank integration (BANK).
CREATE TABLE api_clients (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('CLIENT', 'BANK')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- API keys, stored as the SHA-256 of the key (keys are 256-bit random, so a fast hash is enough).
CREATE TABLE api_keys (
    key_hash    BYTEA PRIMARY KEY CHECK (length(key_hash) = 32),
    client_id   UUID NOT NULL REFERENCES api_clients ON DELETE CASCADE,
    prefix      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at  TIMESTAMPTZ
);

-- When the platform registered a wallet (NULL: only seen on chain); wallets' virtual IBANs are unique.
ALTER TABLE wallets ADD COLUMN registered_at TIMESTAMPTZ;
CREATE UNIQUE INDEX wallets_by_iban ON wallets (iban) WHERE iban IS NOT NULL;
CREATE INDEX wallets_by_client ON wallets (client_id, registered_at) WHERE client_id IS NOT NULL;

-- Every state-changing API request: its idempotency key and fingerprint (a retry with the same key gets
-- the stored response), what it is about, the transaction it sent and what became of it.
CREATE TABLE api_requests (
    id               UUID PRIMARY KEY,
    client_id        UUID NOT NULL REFERENCES api_clients,
    idempotency_key  TEXT,
    fingerprint      BYTEA NOT NULL,
    kind             TEXT NOT NULL,
    wallet_id        UUID,
    record_id        UUID,
    record_key       BYTEA,
    concept          TEXT,
    details          JSONB NOT NULL DEFAULT '{}',
    state            TEXT NOT NULL CHECK (state IN ('REQUESTED', 'PENDING_DLT', 'MINED', 'FAILED')),
    tx_hash          BYTEA,
    error            TEXT,
    response_status  SMALLINT,
    response_body    JSONB,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (client_id, idempotency_key)
);
CREATE INDEX api_requests_by_tx ON api_requests (tx_hash) WHERE tx_hash IS NOT NULL;
CREATE INDEX api_requests_by_record ON api_requests (record_id, created_at) WHERE record_id IS NOT NULL;
CREATE INDEX api_requests_by_wallet ON api_requests (wallet_id, kind);

-- Movements a request will produce, under the ids the indexer will give them: shown PENDING (ERROR if the
-- request failed) until the indexer has written the movement itself.
CREATE TABLE api_movements (
    id              UUID PRIMARY KEY,
    request_id      UUID NOT NULL REFERENCES api_requests ON DELETE CASCADE,
    wallet_id       UUID NOT NULL,
    type            TEXT NOT NULL,
    amount          NUMERIC(78, 0) NOT NULL CHECK (amount >= 0),
    concept         TEXT,
    origin_address  BYTEA,
    target_address  BYTEA,
    iban            TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX api_movements_by_wallet ON api_movements (wallet_id);
