-- Requests that survive a crash at any instant, and money that is committed only once.
--
-- A request keeps the calls it sends (`calls`: name, signer and transaction of each, in order) and which
-- one it is at (`call_index`); before the node has a transaction, its hash, signer, nonce and signed
-- bytes are recorded (`tx_*`), so that after a crash the chain tells whether it was sent, and the very
-- same bytes can be sent again. The answer the request gives once its first transaction is with the node
-- is kept from the start (`accepted_*`): a request settled after a crash answers a retry with it.
ALTER TABLE api_requests
    ADD COLUMN calls            JSONB NOT NULL DEFAULT '[]',
    ADD COLUMN call_index       INTEGER NOT NULL DEFAULT 0 CHECK (call_index >= 0),
    ADD COLUMN tx_from          BYTEA CHECK (tx_from IS NULL OR length(tx_from) = 20),
    ADD COLUMN tx_nonce         BIGINT CHECK (tx_nonce IS NULL OR tx_nonce >= 0),
    ADD COLUMN tx_raw           BYTEA,
    ADD COLUMN accepted_status  SMALLINT,
    ADD COLUMN accepted_body    JSONB,
-- What the request takes out of its wallet's available balance (transfers, holds, cash-outs), and the
-- movement that takes it: until that movement is indexed (or the request fails), the amount is
-- committed and later requests of the wallet cannot spend it. `outflow_settled` is set once it no
-- longer counts, so that the check reads only what is in flight.
    ADD COLUMN outflow          NUMERIC(78, 0) CHECK (outflow IS NULL OR outflow > 0),
    ADD COLUMN outflow_movement UUID,
    ADD COLUMN outflow_settled  BOOLEAN NOT NULL DEFAULT true;

CREATE INDEX api_requests_committed ON api_requests (wallet_id) WHERE NOT outflow_settled;
-- Requests to settle: on their way, or without an answer.
CREATE INDEX api_requests_unsettled ON api_requests (updated_at)
    WHERE state IN ('REQUESTED', 'PENDING_DLT') OR response_status IS NULL;
