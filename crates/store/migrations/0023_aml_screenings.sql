-- AML screenings the platform asked for before the bank side accepted a top-up or a withdrawal
-- (docs/api.md, "Top-up and withdrawal requests"): every answer is kept, the refused ones too; an
-- acceptance it allowed also carries it in its request's details.
CREATE TABLE aml_screenings (
    id           UUID PRIMARY KEY,
    -- the top-up's (BANK_ACCOUNT_CASHIN) or withdrawal's (BANK_ACCOUNT_CASHOUT) movement
    subject_id   UUID NOT NULL,
    operation    TEXT NOT NULL CHECK (operation IN ('TOP_UP', 'WITHDRAWAL')),
    result       TEXT NOT NULL CHECK (result IN ('CLEAR', 'REVIEW', 'BLOCK', 'UNSCREENED')),
    -- the screening service's own reference of its check
    reference    TEXT,
    -- who reviewed a REVIEW answer, as the bank side named them
    reviewed_by  TEXT,
    -- the bank key that asked
    client_id    UUID NOT NULL REFERENCES api_clients,
    -- the acceptance it let through (null: it was refused)
    request_id   UUID,
    screened_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX aml_screenings_by_subject ON aml_screenings (subject_id, screened_at);
