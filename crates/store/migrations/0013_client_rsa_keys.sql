-- Clients' RSA public keys (docs/api.md, Card data): the API seals each temporal card key with the client's
-- active key, so that only the client can read it. The key is kept as its SubjectPublicKeyInfo DER, with the
-- SHA-256 of that DER as its fingerprint (what `emtoken api-key` prints). A new key retires the previous
-- one; retired keys stay for the record.
CREATE TABLE client_rsa_keys (
    id           UUID PRIMARY KEY,
    client_id    UUID NOT NULL REFERENCES api_clients ON DELETE CASCADE,
    spki_der     BYTEA NOT NULL CHECK (length(spki_der) > 0),
    fingerprint  BYTEA NOT NULL CHECK (length(fingerprint) = 32),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    retired_at   TIMESTAMPTZ,
    CHECK (retired_at IS NULL OR retired_at >= created_at)
);
CREATE UNIQUE INDEX client_rsa_keys_one_active ON client_rsa_keys (client_id) WHERE retired_at IS NULL;
CREATE INDEX client_rsa_keys_by_client ON client_rsa_keys (client_id, created_at);
