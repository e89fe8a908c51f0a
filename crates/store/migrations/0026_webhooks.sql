-- Webhooks: the endpoints clients register, and the durable outbox of what they are told. The outbox is
-- written by triggers, in the very transaction that changes a movement's, a hold's or a wallet's status
-- (the indexer's batch, a block becoming final, a rollback, an API request): a change is never committed
-- without its notifications, nor a notification without its change. Only changes of a client's wallets
-- are written, and only for clients with an ACTIVE endpoint that takes that type of event, so an index
-- without webhooks pays one cheap check per statement.

CREATE TABLE webhook_endpoints (
    id          UUID PRIMARY KEY,
    client_id   UUID NOT NULL REFERENCES api_clients ON DELETE CASCADE,
    url         TEXT NOT NULL,
    events      TEXT[] NOT NULL CHECK (cardinality(events) > 0 AND events <@ ARRAY[
                    'movement.status_changed', 'hold.status_changed', 'wallet.status_changed']),
    -- The HMAC-SHA256 key the deliveries are signed with (shown once, at registration).
    secret      BYTEA NOT NULL CHECK (length(secret) >= 32),
    status      TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DELETED')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    deleted_at  TIMESTAMPTZ
);
CREATE INDEX webhook_endpoints_by_client ON webhook_endpoints (client_id, created_at, id);
CREATE UNIQUE INDEX webhook_endpoints_one_per_url ON webhook_endpoints (client_id, url) WHERE status = 'ACTIVE';

-- What a client is told: `id` is the event id receivers deduplicate on, `seq` the order of writing.
CREATE TABLE webhook_events (
    id          UUID PRIMARY KEY,
    seq         BIGSERIAL NOT NULL UNIQUE,
    client_id   UUID NOT NULL REFERENCES api_clients ON DELETE CASCADE,
    type        TEXT NOT NULL,
    data        JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

-- One delivery per event and endpoint: PENDING until the endpoint answers 2xx (DELIVERED) or 24 hours
-- pass (FAILED); `next_attempt_at` is when it is due (a process delivering it pushes it a minute on first,
-- so a process that dies mid-delivery leaves it to be tried again).
CREATE TABLE webhook_deliveries (
    endpoint_id     UUID NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
    event_id        UUID NOT NULL REFERENCES webhook_events ON DELETE CASCADE,
    state           TEXT NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    give_up_at      TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp() + interval '24 hours',
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    TIMESTAMPTZ,
    PRIMARY KEY (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'PENDING';

-- The delivery log: every attempt, with the endpoint's status code or what went wrong.
CREATE TABLE webhook_attempts (
    id          BIGSERIAL PRIMARY KEY,
    endpoint_id UUID NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
    event_id    UUID NOT NULL REFERENCES webhook_events ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    status_code INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_by_endpoint ON webhook_attempts (endpoint_id, id);

-- An amount in base units as the API writes it: a decimal string with the token's decimals.
CREATE FUNCTION webhook_amount(amount NUMERIC, decimals SMALLINT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT round(amount / power(10::numeric, decimals), decimals)::text
$$;

-- One event of `kind` for `client`, with a delivery to each of its ACTIVE endpoints that takes `kind`.
CREATE FUNCTION webhook_emit(client UUID, kind TEXT, payload JSONB) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    event UUID := gen_random_uuid();
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints
                   WHERE client_id = client AND status = 'ACTIVE' AND kind = ANY(events)) THEN
        RETURN;
    END IF;
    INSERT INTO webhook_events (id, client_id, type, data) VALUES (event, client, kind, payload);
    INSERT INTO webhook_deliveries (endpoint_id, event_id)
    SELECT id, event FROM webhook_endpoints
    WHERE client_id = client AND status = 'ACTIVE' AND kind = ANY(events);
END
$$;

CREATE FUNCTION webhook_movement(m movements, previous TEXT, decimals SMALLINT) RETURNS JSONB
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'movementId', m.id, 'walletId', m.wallet_id, 'type', m.type, 'status', m.status,
        'previousStatus', previous, 'amount', webhook_amount(m.amount, decimals), 'concept', m.concept,
        'transactionHash', '0x' || encode(m.tx_hash, 'hex'), 'blockNumber', m.block_number,
        'updatedAt', m.updated_at)
$$;

CREATE FUNCTION webhook_movements_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints
                   WHERE status = 'ACTIVE' AND 'movement.status_changed' = ANY(events)) THEN
        RETURN NULL;
    END IF;
    PERFORM webhook_emit(w.client_id, 'movement.status_changed', webhook_movement(n, NULL, c.decimals))
    FROM new_rows n JOIN wallets w ON w.id = n.wallet_id JOIN chains c ON c.chain_id = n.chain_id
    WHERE w.client_id IS NOT NULL
    ORDER BY n.block_number, n.log_index, n.id;
    RETURN NULL;
END
$$;

CREATE FUNCTION webhook_movements_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints
                   WHERE status = 'ACTIVE' AND 'movement.status_changed' = ANY(events)) THEN
        RETURN NULL;
    END IF;
    PERFORM webhook_emit(w.client_id, 'movement.status_changed', webhook_movement(n, o.status, c.decimals))
    FROM new_rows n JOIN old_rows o ON o.id = n.id
         JOIN wallets w ON w.id = n.wallet_id JOIN chains c ON c.chain_id = n.chain_id
    WHERE w.client_id IS NOT NULL AND o.status IS DISTINCT FROM n.status
    ORDER BY n.block_number, n.log_index, n.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER webhook_movements_inserted AFTER INSERT ON movements
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_movements_inserted();
CREATE TRIGGER webhook_movements_updated AFTER UPDATE ON movements
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_movements_updated();

-- A hold is told to the client of each of its two wallets (payer, payee) that has one.
CREATE FUNCTION webhook_hold(h holds, previous TEXT, wallet UUID, role TEXT, decimals SMALLINT) RETURNS JSONB
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'holdId', h.id, 'walletId', wallet, 'role', role, 'status', h.status, 'previousStatus', previous,
        'amount', webhook_amount(h.held_value, decimals),
        'executedAmount', webhook_amount(h.executed_value, decimals),
        'releasedAmount', webhook_amount(h.released_value, decimals),
        'remainingAmount', webhook_amount(h.remaining, decimals),
        'expiration', h.expiration, 'updatedAt', h.updated_at)
$$;

CREATE FUNCTION webhook_holds_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints
                   WHERE status = 'ACTIVE' AND 'hold.status_changed' = ANY(events)) THEN
        RETURN NULL;
    END IF;
    PERFORM webhook_emit(w.client_id, 'hold.status_changed',
                         webhook_hold(n, NULL, w.id, CASE WHEN w.address = n.payer THEN 'PAYER' ELSE 'PAYEE' END,
                                      c.decimals))
    FROM new_rows n JOIN chains c ON c.chain_id = n.chain_id
         JOIN wallets w ON w.chain_id = n.chain_id AND w.address IN (n.payer, n.payee)
    WHERE w.client_id IS NOT NULL
    ORDER BY n.created_block, n.id, w.id;
    RETURN NULL;
END
$$;

CREATE FUNCTION webhook_holds_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints
                   WHERE status = 'ACTIVE' AND 'hold.status_changed' = ANY(events)) THEN
        RETURN NULL;
    END IF;
    PERFORM webhook_emit(w.client_id, 'hold.status_changed',
                         webhook_hold(n, o.status, w.id, CASE WHEN w.address = n.payer THEN 'PAYER' ELSE 'PAYEE' END,
                                      c.decimals))
    FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN chains c ON c.chain_id = n.chain_id
         JOIN wallets w ON w.chain_id = n.chain_id AND w.address IN (n.payer, n.payee)
    WHERE w.client_id IS NOT NULL AND o.status IS DISTINCT FROM n.status
    ORDER BY n.created_block, n.id, w.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER webhook_holds_inserted AFTER INSERT ON holds
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_holds_inserted();
CREATE TRIGGER webhook_holds_updated AFTER UPDATE ON holds
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION webhook_holds_updated();

-- A client's wallet changing status (PENDING → READY once registered on chain, UNSUBSCRIBED).
CREATE FUNCTION webhook_wallet_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM webhook_emit(NEW.client_id, 'wallet.status_changed', jsonb_build_object(
        'walletId', NEW.id, 'userId', NEW.user_id, 'status', NEW.status, 'previousStatus', OLD.status,
        'dltAddress', '0x' || encode(NEW.address, 'hex'), 'updatedAt', clock_timestamp()));
    RETURN NULL;
END
$$;

CREATE TRIGGER webhook_wallet_status AFTER UPDATE OF status ON wallets
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.client_id IS NOT NULL)
    EXECUTE FUNCTION webhook_wallet_status();
