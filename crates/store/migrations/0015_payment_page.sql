-- Card cash-ins through the payment page (docs/api.md, Card cash-ins), and acquirers that decide later.
--
-- A cash-in asked for with `successUrl` and `rejectUrl` and no card starts as AWAITING_CARD: its page
-- (`/pay/{page_token}`) takes the card once, until `page_expires_at`
-- (15 minutes); a page not used by then is EXPIRED (its movement ERROR, through a failed request, as a
-- declined card's). The card typed, the cash-in goes on as one whose card data the client sent:
-- CHARGING, then DECLINED or APPROVED → MINTING → MINTED. A CHARGING cash-in may wait for the
-- cardholder's 3-D Secure challenge or for the acquirer's callback.
ALTER TABLE card_cash_ins
    -- The fingerprint of the client's request (method, path, body): a retry with the same
    -- Idempotency-Key and another body is refused (422), as for every other POST.
    ADD COLUMN fingerprint     BYTEA CHECK (length(fingerprint) = 32),
    ALTER COLUMN brand DROP NOT NULL,
    ALTER COLUMN last4 DROP NOT NULL,
    -- 32 random bytes, base64url. Kept as it is (not hashed) so that a retry of the request with its
    -- Idempotency-Key gets the same link: the token lets its bearer type a card into this cash-in,
    -- nothing more.
    ADD COLUMN page_token      TEXT UNIQUE CHECK (page_token ~ '^[A-Za-z0-9_-]{43}$'),
    ADD COLUMN success_url     TEXT,
    ADD COLUMN reject_url      TEXT,
    ADD COLUMN page_expires_at TIMESTAMPTZ,
    DROP CONSTRAINT card_cash_ins_state_check,
    ADD CONSTRAINT card_cash_ins_state_check CHECK (state IN (
        'AWAITING_CARD', 'EXPIRED', 'CHARGING', 'DECLINED', 'APPROVED', 'MINTING', 'MINTED', 'MINT_FAILED')),
    -- The card is known from the charge on.
    ADD CONSTRAINT card_cash_ins_card_known CHECK (
        state IN ('AWAITING_CARD', 'EXPIRED') OR (brand IS NOT NULL AND last4 IS NOT NULL)),
    -- A page has both addresses and its end.
    ADD CONSTRAINT card_cash_ins_page CHECK (
        (page_token IS NULL AND success_url IS NULL AND reject_url IS NULL AND page_expires_at IS NULL)
        OR (page_token IS NOT NULL AND success_url IS NOT NULL AND reject_url IS NOT NULL
            AND page_expires_at IS NOT NULL));

-- The pages the follow-up expires.
CREATE INDEX card_cash_ins_awaiting ON card_cash_ins (page_expires_at) WHERE state = 'AWAITING_CARD';
-- Callbacks find their cash-in by reference (UNIQUE already indexes it).

-- The acquirer's callbacks taken, by the acquirer's event id: a callback replayed (the same event id)
-- changes nothing. Its signature's time must be close to the moment it arrives, so a replay later than
-- that is refused before it gets here.
CREATE TABLE acquirer_callbacks (
    event_id    TEXT PRIMARY KEY CHECK (length(event_id) BETWEEN 1 AND 200),
    reference   BYTEA NOT NULL CHECK (length(reference) = 32),
    decision    TEXT NOT NULL CHECK (decision IN ('APPROVED', 'DECLINED')),
    received_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

-- A wallet's movements show its cash-ins not decided yet (a page waiting, a card being charged).
CREATE INDEX card_cash_ins_undecided ON card_cash_ins (wallet_id)
    WHERE request_id IS NULL AND state IN ('AWAITING_CARD', 'CHARGING');
