-- Card cash-ins (docs/api.md, Card cash-in): a card charged through the acquirer, then the money minted
-- against the cash-in's payment reference (`reference`, taken once per chain by the contract; the
-- CARD_CASHIN movement's id is made from it). The card is never kept: its brand and last four digits only.
--
-- CHARGING: the acquirer is being asked (a process that dies here leaves the row; the platform's
-- follow-up asks the acquirer what became of `reference`). DECLINED: the card was refused (the
-- movement is ERROR, through a failed request). APPROVED: the card was charged and the money is owed:
-- the mint is being sent. MINTING: the mint's request (`request_id`) is with the node; if it is ever
-- forgotten (never sent), the follow-up mints again (the contract refuses a reference twice); MINTED once
-- the chain has it.
-- MINT_FAILED: the contract refused the mint of a charged card (its limits changed meanwhile): the
-- card is to be refunded by the institution (docs/operations.md).
CREATE TABLE card_cash_ins (
    id               UUID PRIMARY KEY,
    client_id        UUID NOT NULL REFERENCES api_clients,
    idempotency_key  TEXT,
    wallet_id        UUID NOT NULL,
    movement_id      UUID NOT NULL UNIQUE,
    amount           NUMERIC(78, 0) NOT NULL CHECK (amount > 0),
    concept          TEXT,
    brand            TEXT NOT NULL CHECK (brand IN ('VISA', 'MCAR')),
    last4            TEXT NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
    reference        BYTEA NOT NULL UNIQUE CHECK (length(reference) = 32),
    state            TEXT NOT NULL CHECK (state IN ('CHARGING', 'DECLINED', 'APPROVED', 'MINTING', 'MINTED', 'MINT_FAILED')),
    decline_reason   TEXT,
    authorization_code TEXT,
    request_id       UUID,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (client_id, idempotency_key)
);
-- What the follow-up looks at: cash-ins not settled.
CREATE INDEX card_cash_ins_unsettled ON card_cash_ins (updated_at) WHERE state IN ('CHARGING', 'APPROVED', 'MINTING');
