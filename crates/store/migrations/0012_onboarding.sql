-- Onboarding (docs/api.md, Users): the codes that verify a user's phone, the development SMS outbox, the
-- history of a user's KYC levels, and the user's status following its wallets.

-- When the phone was verified, and when the user was unsubscribed.
ALTER TABLE users
    ADD COLUMN phone_verified_at TIMESTAMPTZ,
    ADD COLUMN unsubscribed_at   TIMESTAMPTZ;

-- Codes sent by SMS to verify a user's phone. Only a salted SHA-256 of the code is kept. Times are the
-- API's clock (an injectable one in tests). A code is SENDING while the SMS is on its way, LIVE once the
-- gateway took it (the only state a code is accepted in, until `expires_at`), then USED, EXHAUSTED
-- (too many wrong tries), REPLACED (a newer code was sent, or the phone changed) or UNSENT (the gateway
-- refused it: it never counts).
CREATE TABLE user_codes (
    id            UUID PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users,
    mobile_phone  TEXT NOT NULL,
    salt          BYTEA NOT NULL CHECK (length(salt) = 16),
    code_hash     BYTEA NOT NULL CHECK (length(code_hash) = 32),
    state         TEXT NOT NULL DEFAULT 'SENDING'
                  CHECK (state IN ('SENDING', 'LIVE', 'USED', 'EXHAUSTED', 'REPLACED', 'UNSENT')),
    wrong_tries   SMALLINT NOT NULL DEFAULT 0 CHECK (wrong_tries >= 0),
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    CHECK (expires_at > created_at)
);
CREATE INDEX user_codes_by_user ON user_codes (user_id, created_at);
CREATE UNIQUE INDEX user_codes_one_live ON user_codes (user_id) WHERE state IN ('SENDING', 'LIVE');

-- The development SMS sender's messages (`emtoken sms outbox`); `serve` writes here only with the
-- development profile.
CREATE TABLE sms_outbox (
    id            BIGSERIAL PRIMARY KEY,
    user_id       UUID REFERENCES users,
    mobile_phone  TEXT NOT NULL,
    text          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX sms_outbox_by_user ON sms_outbox (user_id, id);

-- Every KYC level a user was given: 0 when its phone was verified (by the platform), then each level the
-- compliance side set, with its evidence and the request that set it on the user's wallets. PENDING
-- until that request is with the node (then APPLIED, and the user's level), REFUSED if it never was.
CREATE TABLE user_kyc_levels (
    id            UUID PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users,
    level         SMALLINT NOT NULL CHECK (level BETWEEN 0 AND 255),
    previous      SMALLINT CHECK (previous BETWEEN 0 AND 255),
    evidence      TEXT,
    set_by        UUID REFERENCES api_clients,
    request_id    UUID,
    state         TEXT NOT NULL CHECK (state IN ('PENDING', 'APPLIED', 'REFUSED')),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX user_kyc_levels_by_user ON user_kyc_levels (user_id, created_at);
CREATE UNIQUE INDEX user_kyc_levels_one_pending ON user_kyc_levels (user_id) WHERE state = 'PENDING';

-- A verified user is ACTIVATED once one of its wallets is READY (whoever writes the wallet: the
-- indexer that sees its registration, or the API that gives an address the chain already has an owner).
CREATE FUNCTION users_activate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET status = 'ACTIVATED', updated_at = clock_timestamp()
    WHERE id = NEW.user_id AND status = 'VERIFIED';
    RETURN NULL;
END $$;
CREATE TRIGGER wallets_activate_user_on_insert AFTER INSERT ON wallets FOR EACH ROW
    WHEN (NEW.status = 'READY' AND NEW.user_id IS NOT NULL)
    EXECUTE FUNCTION users_activate();
CREATE TRIGGER wallets_activate_user_on_update AFTER UPDATE ON wallets FOR EACH ROW
    WHEN (NEW.status = 'READY' AND NEW.user_id IS NOT NULL
          AND (OLD.status <> 'READY' OR OLD.user_id IS DISTINCT FROM NEW.user_id))
    EXECUTE FUNCTION users_activate();

-- What the platform's follow-up looks for every few seconds (docs/operations.md), without scanning every
-- wallet: verified users (who have no wallet only when a process died), users' wallets not registered on
-- chain, wallets registered lately, unsubscribed wallets the chain has not frozen, levels set lately.
CREATE INDEX users_verified ON users (id) WHERE status = 'VERIFIED';
CREATE INDEX wallets_unregistered ON wallets (registered_at) WHERE user_id IS NOT NULL AND NOT registered;
CREATE INDEX wallets_by_registration ON wallets (registered_at) WHERE user_id IS NOT NULL;
CREATE INDEX wallets_to_freeze ON wallets (id) WHERE status = 'UNSUBSCRIBED' AND registered AND NOT frozen;
CREATE INDEX user_kyc_levels_by_update ON user_kyc_levels (updated_at);
