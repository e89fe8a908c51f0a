-- A signer's nonce belongs to one request at a time. Two `emtoken serve` processes with the same keys each
-- keep their own next nonce; without this, a process could sign and send nonce N while the other's
-- transaction of nonce N waits in the node's pool, and the node would take the second (with higher fees)
-- in place of the first: a request already answered 202 would never reach the chain. Recording a
-- transaction whose signer and nonce another request in flight holds now fails, nothing is sent, and the
-- sender reads the next nonce from the node again (crates/sdk/src/sender.rs). Requests no longer in flight
-- keep their nonce on the row (a mined one is used up on chain; a failed one may be used again).
CREATE UNIQUE INDEX api_requests_one_per_nonce ON api_requests (tx_from, tx_nonce)
    WHERE state = 'PENDING_DLT';
