-- Favourite external accounts (docs/api.md, Favourite external accounts): bank accounts a wallet's user
-- pays out to by name. ACTIVE until deleted; DELETED is for ever (the same alias and IBAN may be added
-- again as a new favourite). An alias is one ACTIVE favourite's per wallet; a wallet has a few ACTIVE ones
-- at most (`emtoken serve --max-favourites-per-wallet`, checked with the wallet's row locked).
CREATE TABLE favourite_accounts (
    id          UUID PRIMARY KEY,
    wallet_id   UUID NOT NULL,
    client_id   UUID NOT NULL REFERENCES api_clients,
    alias       TEXT NOT NULL CHECK (length(alias) BETWEEN 1 AND 100),
    iban        TEXT NOT NULL CHECK (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
    status      TEXT NOT NULL CHECK (status IN ('ACTIVE', 'DELETED')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    deleted_at  TIMESTAMPTZ,
    CHECK ((status = 'DELETED') = (deleted_at IS NOT NULL))
);
CREATE UNIQUE INDEX favourite_accounts_alias ON favourite_accounts (wallet_id, alias)
    WHERE status = 'ACTIVE';
CREATE INDEX favourite_accounts_by_wallet ON favourite_accounts (wallet_id, created_at, id);
