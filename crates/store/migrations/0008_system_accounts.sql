-- Platform accounts are not users' wallets: the suspense account (where a payout's funds wait between
-- putFundsInSuspenseInPayout and its execution or rejection) and the holders of OPERATOR_ROLE. The indexer
-- keeps the two facts from the contract's events (SuspenseAccountChanged; RoleGranted / RoleRevoked of
-- OPERATOR_ROLE), re-derived after a reorganisation like compliance; `system_role` is what readers use
-- (SUSPENSE before OPERATOR when an account is both; NULL for every other wallet).
ALTER TABLE wallets
    ADD COLUMN is_suspense BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN is_operator BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN system_role TEXT GENERATED ALWAYS AS (
        CASE WHEN is_suspense THEN 'SUSPENSE' WHEN is_operator THEN 'OPERATOR' END) STORED;
CREATE INDEX wallets_system ON wallets (chain_id, system_role) WHERE system_role IS NOT NULL;

-- The suspense account's own movements: SUSPENSE_IN when a payout's funds reach it, SUSPENSE_OUT when
-- they are burnt (payout executed) or sent back to the wallet (payout rejected).
ALTER TABLE movements DROP CONSTRAINT movements_type_check;
ALTER TABLE movements ADD CONSTRAINT movements_type_check
    CHECK (type IN ('CARD_CASHIN', 'BANK_ACCOUNT_CASHIN', 'BANK_ACCOUNT_CASHOUT', 'TRANSFER_IN', 'TRANSFER_OUT',
                    'LOCK', 'RELEASE', 'SUSPENSE_IN', 'SUSPENSE_OUT'));

-- Chains indexed before: the marks of the wallet rows that exist, from the stored events (an address is
-- the last 20 bytes of its topic). Their past payouts' suspense movements are not made up here (their
-- ids are UUIDv5, which needs the indexer): index the chain again to have them.
UPDATE wallets w SET is_suspense = true
FROM (SELECT DISTINCT ON (chain_id) chain_id, substring(topics[3] FROM 13) AS address
      FROM events WHERE name = 'SuspenseAccountChanged'
      ORDER BY chain_id, block_number DESC, log_index DESC) s
WHERE w.chain_id = s.chain_id AND w.address = s.address;

UPDATE wallets w SET is_operator = true
FROM (SELECT DISTINCT ON (chain_id, topics[3]) chain_id, substring(topics[3] FROM 13) AS address, name
      FROM events
      WHERE name IN ('RoleGranted', 'RoleRevoked')
        AND topics[2] = '\x97667070c54ef182b0f5858b034beac1b6f3089aa2d3188bb1e8929f4fa9b929'::bytea
      ORDER BY chain_id, topics[3], block_number DESC, log_index DESC) r
WHERE r.name = 'RoleGranted' AND w.chain_id = r.chain_id AND w.address = r.address;
