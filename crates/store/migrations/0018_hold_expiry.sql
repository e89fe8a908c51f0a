-- Holds that expire (docs/api.md, Holds): every `emtoken serve` releases the open holds whose expiration
-- the chain has reached, as the platform, whoever made them.
--
-- Those releases are the platform's own requests, not a client's: they belong to a client of the
-- platform's, under the nil id, that has no keys (`emtoken api-key create` refuses its name). A client
-- already called 'emtoken-platform' makes this migration fail: rename that client, then start again.
INSERT INTO api_clients (id, name, role)
VALUES ('00000000-0000-0000-0000-000000000000', 'emtoken-platform', 'CLIENT')
ON CONFLICT (id) DO NOTHING;

-- The follow-up looks for open holds by expiration, every 2 seconds.
CREATE INDEX holds_expiring ON holds (chain_id, expiration)
    WHERE expiration IS NOT NULL AND status IN ('CREATED', 'RENEWED', 'EXECUTED_AND_KEPT_OPEN');
