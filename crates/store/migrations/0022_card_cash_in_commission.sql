-- Card cash-ins charge their CARD_CASHIN commission (docs/api.md, Commissions). The commission is quoted
-- when the cash-in is made, as `…/cards/cashIns/calculate` quotes it then, and kept here with the terms
-- that priced it, so that the mint charges exactly that however long the card takes to be decided (a
-- payment page, an acquirer that decides later) and whatever the profile becomes meanwhile. The mint is
-- then `mintWithFee`: the wallet gets amount − commission, the fee account the commission.
--
-- Both NULL: no commission (none applied when the cash-in was made, or it was made before this migration):
-- the mint is a plain `mint`.
ALTER TABLE card_cash_ins
    -- Base units of the token, as `amount`; taken out of the amount, so always less than it.
    ADD COLUMN commission            NUMERIC(78, 0) CHECK (commission > 0 AND commission < amount),
    -- The profile version that priced it.
    ADD COLUMN commission_version_id UUID REFERENCES commission_versions,
    ADD CONSTRAINT card_cash_ins_commission_priced CHECK (
        (commission IS NULL) = (commission_version_id IS NULL));
