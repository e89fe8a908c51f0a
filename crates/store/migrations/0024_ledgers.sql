-- Several tokens in one index (issue 18). Every indexed row is scoped by `chain_id`, which names a
-- ledger: one token on one chain. A chain's first token (the contract `index` and `serve` are given)
-- keeps the chain's own id, as before; each further token on that chain is indexed under an id of its
-- own, negative and derived from the chain id and the token's address (`ids::ledger_id`), so its rows
-- and deterministic ids never meet the first token's. `evm_chain_id` is the chain such a ledger is on
-- (NULL: `chain_id` is the chain's id itself).
ALTER TABLE chains ADD COLUMN evm_chain_id BIGINT CHECK (evm_chain_id IS NULL OR evm_chain_id > 0);
ALTER TABLE chains ADD CONSTRAINT chains_ledger_check
    CHECK ((chain_id > 0 AND evm_chain_id IS NULL) OR (chain_id < 0 AND evm_chain_id IS NOT NULL));
