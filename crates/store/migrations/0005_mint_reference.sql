-- The payment reference of a direct mint (`Minted.paymentReference`: the card payment's or the SEPA
-- transfer's id the operator minted against), on its CARD_CASHIN / BANK_ACCOUNT_CASHIN movement, so an
-- operator can match the cash-in to the fiat payment. NULL on every other movement (fund orders' cash-ins
-- included: they have no payment reference on chain).
ALTER TABLE movements
    ADD COLUMN payment_reference BYTEA CHECK (payment_reference IS NULL OR length(payment_reference) = 32);

-- Mints indexed before: the reference is the Minted log's fourth topic, kept with the event.
UPDATE movements m SET payment_reference = e.topics[4]
FROM events e
WHERE e.chain_id = m.chain_id AND e.block_hash = m.block_hash AND e.log_index = m.log_index
  AND e.name = 'Minted' AND m.type IN ('CARD_CASHIN', 'BANK_ACCOUNT_CASHIN');
