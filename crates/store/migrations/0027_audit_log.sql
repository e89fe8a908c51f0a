-- The audit trail: one row per write request to the API (every method but GET, HEAD and OPTIONS),
-- whatever its answer: who (the client and its key's id, never the key), what (method, route, path,
-- status), when, the request id the caller and the access log know it by, and the platform's record of
-- the request (`api_requests`, which holds the transaction it sent) when it made one. Written by the
-- process that answered, before the answer leaves it. The bank side lists it
-- (`GET /api/v1/bank/audit-log`); `emtoken api-key create|revoke` add rows of their own (client NULL,
-- actor `cli:<user>`).
CREATE TABLE audit_log (
    id              BIGSERIAL PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    client_id       UUID REFERENCES api_clients ON DELETE SET NULL,
    actor           TEXT NOT NULL,
    key_id          TEXT,
    request_id      TEXT NOT NULL,
    method          TEXT NOT NULL,
    route           TEXT NOT NULL,
    path            TEXT NOT NULL,
    status          SMALLINT NOT NULL,
    idempotency_key TEXT,
    api_request_id  UUID,
    duration_ms     INTEGER NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at, id);
CREATE INDEX audit_log_by_client ON audit_log (client_id, at, id);
CREATE INDEX audit_log_by_request ON audit_log (request_id);
