-- Tokens on other chains (issue 18). The platform's keys sign on every chain a token is served on, and
-- each chain has its own nonces: nonce N of the operator key on one chain and nonce N on another are two
-- different transactions. `tx_chain_id` is the chain a request's transaction is on (NULL: the platform's
-- own chain, the one `serve --rpc` reaches, as for every request recorded before), and a signer's nonce
-- belongs to one request in flight per chain.
ALTER TABLE api_requests ADD COLUMN tx_chain_id BIGINT CHECK (tx_chain_id IS NULL OR tx_chain_id > 0);
DROP INDEX api_requests_one_per_nonce;
CREATE UNIQUE INDEX api_requests_one_per_nonce ON api_requests (COALESCE(tx_chain_id, 0), tx_from, tx_nonce)
    WHERE state = 'PENDING_DLT';
