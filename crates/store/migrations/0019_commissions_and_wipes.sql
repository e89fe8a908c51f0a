-- Fees in the same transaction and wipes of frozen balances (the v2 contracts):
-- - COMMISSION: a wallet paid a fee for one of its operations (FeeCharged), to the fee account;
--   COMMISSION_IN: the fee account's side of it, so that the fee account's movements explain its balance;
-- - WIPE: funds of a frozen wallet burnt by a court order or a regulator's decision (Wiped).
ALTER TABLE movements DROP CONSTRAINT movements_type_check;
ALTER TABLE movements ADD CONSTRAINT movements_type_check
    CHECK (type IN ('CARD_CASHIN', 'BANK_ACCOUNT_CASHIN', 'BANK_ACCOUNT_CASHOUT', 'TRANSFER_IN', 'TRANSFER_OUT',
                    'LOCK', 'RELEASE', 'SUSPENSE_IN', 'SUSPENSE_OUT', 'COMMISSION', 'COMMISSION_IN', 'WIPE'));

-- The fee account (the last FeeAccountChanged) is a platform account like the suspense account: marked on
-- its wallet row, re-derived after a reorganisation, left out of users' wallets. `system_role` is
-- recomputed with it (SUSPENSE, then FEES, then OPERATOR when an account is several).
ALTER TABLE wallets ADD COLUMN is_fee_account BOOLEAN NOT NULL DEFAULT false;
DROP INDEX wallets_system;
ALTER TABLE wallets DROP COLUMN system_role;
ALTER TABLE wallets ADD COLUMN system_role TEXT GENERATED ALWAYS AS (
    CASE WHEN is_suspense THEN 'SUSPENSE' WHEN is_fee_account THEN 'FEES' WHEN is_operator THEN 'OPERATOR' END) STORED;
CREATE INDEX wallets_system ON wallets (chain_id, system_role) WHERE system_role IS NOT NULL;

-- Chains indexed before: the fee account of the wallet rows that exist, from the stored events. Past fees
-- and wipes were stored as events; their movements need the indexer (UUIDv5 ids): index the chain again to
-- have them.
UPDATE wallets w SET is_fee_account = true
FROM (SELECT DISTINCT ON (chain_id) chain_id, substring(topics[3] FROM 13) AS address
      FROM events WHERE name = 'FeeAccountChanged'
      ORDER BY chain_id, block_number DESC, log_index DESC) f
WHERE w.chain_id = f.chain_id AND w.address = f.address;
