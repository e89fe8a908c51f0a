-- A client's users: the people and companies whose wallets the client opens (docs/api.md, Users). A user
-- is created CREATED without a KYC level; verifying its phone makes it VERIFIED at KYC level 0, its first
-- READY wallet ACTIVATED, and its client may unsubscribe it. Nothing of a user is on chain but the address
-- its wallet will have (`dlt_address`: the client's, or one the platform generated and kept no key of).
--
-- Values are stored as the API checked them: document numbers in upper case without spaces or hyphens,
-- phones in E.164, countries as ISO 3166-1 alpha-2 codes. A client knows a document and a phone once
-- (another client may know the same person; an unsubscribed user's are free again); an address is one
-- user's, whatever the client, for good.
CREATE TABLE users (
    id                    UUID PRIMARY KEY,
    client_id             UUID NOT NULL REFERENCES api_clients,
    kind                  TEXT NOT NULL CHECK (kind IN ('NATURAL', 'JURIDICAL')),
    status                TEXT NOT NULL DEFAULT 'CREATED'
                          CHECK (status IN ('CREATED', 'VERIFIED', 'ACTIVATED', 'UNSUBSCRIBED')),
    -- NULL until the phone is verified (level 0); then set by the compliance side.
    kyc_level             SMALLINT CHECK (kyc_level BETWEEN 0 AND 255),
    -- A person's given name(s), or a company's legal name.
    name                  TEXT NOT NULL,
    first_surname         TEXT,
    second_surname        TEXT,
    document_type         TEXT NOT NULL
                          CHECK (document_type IN ('DNI', 'NIE', 'CIF', 'PASSPORT', 'ID_CARD', 'TAX_ID')),
    document_number       TEXT NOT NULL,
    birth_date            DATE,
    nationality           TEXT CHECK (nationality ~ '^[A-Z]{2}$'),
    incorporation_date    DATE,
    country               TEXT CHECK (country ~ '^[A-Z]{2}$'),
    -- A company's legal representative: name, surnames, document and nationality (the API's JSON).
    legal_representative  JSONB,
    email                 TEXT NOT NULL,
    mobile_phone          TEXT NOT NULL CHECK (mobile_phone ~ '^\+[1-9][0-9]{7,14}$'),
    address_street        TEXT NOT NULL,
    address_city          TEXT NOT NULL,
    address_postal_code   TEXT NOT NULL,
    address_region        TEXT,
    address_country       TEXT NOT NULL CHECK (address_country ~ '^[A-Z]{2}$'),
    dlt_address           BYTEA NOT NULL CHECK (length(dlt_address) = 20),
    created_at            TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT users_person_or_company CHECK (
        CASE kind
            WHEN 'NATURAL' THEN first_surname IS NOT NULL AND birth_date IS NOT NULL
                AND nationality IS NOT NULL AND document_type IN ('DNI', 'NIE', 'PASSPORT', 'ID_CARD')
                AND incorporation_date IS NULL AND country IS NULL AND legal_representative IS NULL
            ELSE incorporation_date IS NOT NULL AND country IS NOT NULL
                AND legal_representative IS NOT NULL AND document_type IN ('CIF', 'TAX_ID')
                AND first_surname IS NULL AND second_surname IS NULL AND birth_date IS NULL
                AND nationality IS NULL
        END),
    CONSTRAINT users_level_once_verified CHECK (
        (status = 'CREATED' AND kyc_level IS NULL)
        OR (status IN ('VERIFIED', 'ACTIVATED') AND kyc_level IS NOT NULL)
        OR status = 'UNSUBSCRIBED'),
    CONSTRAINT users_one_per_address UNIQUE (dlt_address)
);
-- A client knows a document and a phone once among its users not unsubscribed (an unsubscribed person or
-- company may come back as a new user, with a new address).
CREATE UNIQUE INDEX users_one_document_per_client ON users (client_id, document_type, document_number)
    WHERE status <> 'UNSUBSCRIBED';
CREATE UNIQUE INDEX users_one_phone_per_client ON users (client_id, mobile_phone)
    WHERE status <> 'UNSUBSCRIBED';
-- A client's users, newest or oldest first.
CREATE INDEX users_by_client ON users (client_id, created_at, id);
