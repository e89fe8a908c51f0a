-- The administrator's side (the several-currencies work, first part): an ADMIN key kind, the currencies
-- the platform counts, the issuers that issue them (one EmToken deployment each: several issuers may
-- issue one currency) and the catalogue of banks that top-ups and withdrawals name.

ALTER TABLE api_clients DROP CONSTRAINT api_clients_role_check;
ALTER TABLE api_clients ADD CONSTRAINT api_clients_role_check CHECK (role IN ('CLIENT', 'BANK', 'ADMIN'));

-- A currency: an ISO 4217-shaped code (three capital letters), its name and the decimals its tokens use.
CREATE TABLE currencies (
    id          UUID PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE CHECK (code ~ '^[A-Z]{3}$'),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    decimals    SMALLINT NOT NULL CHECK (decimals BETWEEN 0 AND 18),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- An issuer of a currency: its legal identity and its token (an EmToken proxy on one chain), checked
-- when registered (code at the address, the currency's decimals, the platform's roles).
CREATE TABLE issuers (
    id              UUID PRIMARY KEY,
    name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 140),
    legal_id        TEXT NOT NULL UNIQUE CHECK (length(legal_id) BETWEEN 1 AND 64),
    currency_id     UUID NOT NULL REFERENCES currencies,
    chain_id        BIGINT NOT NULL,
    token_address   BYTEA NOT NULL CHECK (length(token_address) = 20),
    token_name      TEXT NOT NULL,
    token_symbol    TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (chain_id, token_address)
);
CREATE INDEX issuers_by_currency ON issuers (currency_id, created_at);

-- The banks top-ups and withdrawals name: a BIC (ISO 9362, the SWIFT code) is unique, and its country
-- letters are the bank's country.
CREATE TABLE bank_catalog (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 140),
    bic         TEXT NOT NULL CHECK (bic ~ '^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$'),
    country     TEXT NOT NULL CHECK (country ~ '^[A-Z]{2}$' AND country = substring(bic FROM 5 FOR 2)),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- DEUTDEFF and DEUTDEFFXXX are one office: one row.
CREATE UNIQUE INDEX bank_catalog_by_bic ON bank_catalog (rpad(bic, 11, 'X'));
CREATE INDEX bank_catalog_by_country ON bank_catalog (country, name);
