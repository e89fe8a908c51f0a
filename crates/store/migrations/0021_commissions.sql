-- Commission profiles (the several-currencies work, second part): what the platform charges for an
-- operation of a currency, for every KYC level or for one. A profile's terms are versions, each valid from
-- a time: a change is a new version from now or later, never a rewrite of what was charged before.
CREATE TABLE commission_profiles (
    id           UUID PRIMARY KEY,
    operation    TEXT NOT NULL CHECK (operation IN ('CARD_CASHIN', 'BANK_TOP_UP', 'TRANSFER', 'CASH_OUT',
                                                     'HOLD_EXECUTION')),
    currency_id  UUID NOT NULL REFERENCES currencies,
    kyc_level    SMALLINT CHECK (kyc_level BETWEEN 0 AND 255),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- One profile per operation, currency and level (NULL: every level without a profile of its own).
    UNIQUE NULLS NOT DISTINCT (operation, currency_id, kyc_level)
);

-- A version of a profile's terms: commission = fixed + amount × percent / 100, kept between minimum and
-- maximum (NULL: none), rounded to the currency's decimals; or, when not active, no profile of its own from
-- then on (the every-level profile applies again).
CREATE TABLE commission_versions (
    id           UUID PRIMARY KEY,
    profile_id   UUID NOT NULL REFERENCES commission_profiles,
    valid_from   TIMESTAMPTZ NOT NULL,
    active       BOOLEAN NOT NULL,
    fixed        NUMERIC NOT NULL CHECK (fixed >= 0),
    percent      NUMERIC NOT NULL CHECK (percent >= 0 AND percent <= 100),
    minimum      NUMERIC NOT NULL CHECK (minimum >= 0),
    maximum      NUMERIC CHECK (maximum >= minimum),
    rounding     TEXT NOT NULL CHECK (rounding IN ('HALF_UP', 'HALF_EVEN', 'UP', 'DOWN')),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (profile_id, valid_from)
);
