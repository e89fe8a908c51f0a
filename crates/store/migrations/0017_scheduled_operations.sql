-- Scheduled and recurrent operations (docs/api.md, Scheduled operations): a wallet's payment to another
-- wallet or a bank account on the dates of a schedule, carried out by `emtoken serve`'s scheduler.
--
-- An operation is ACTIVE while it has dates left (`next_due`, the `next_seq`-th date of its schedule,
-- 0 being startDate), COMPLETED once its last date was triggered, DELETED when its user cancelled what
-- was left. Its alias is one not-deleted operation's per wallet.
CREATE TABLE scheduled_operations (
    id               UUID PRIMARY KEY,
    wallet_id        UUID NOT NULL,
    client_id        UUID NOT NULL REFERENCES api_clients,
    alias            TEXT NOT NULL CHECK (length(alias) BETWEEN 1 AND 100),
    concept          TEXT,
    amount           NUMERIC(78, 0) NOT NULL CHECK (amount > 0),
    receiver_type    TEXT NOT NULL CHECK (receiver_type IN ('IOCASH_WALLET',
                                                            'FAVOURITE_EXTERNAL_BANK_ACCOUNT',
                                                            'EXTERNAL_BANK_ACCOUNT')),
    -- A wallet id, a favourite external account id or an IBAN (electronic format), as the type says.
    receiver_account TEXT NOT NULL CHECK (length(receiver_account) BETWEEN 1 AND 64),
    start_date       TIMESTAMPTZ NOT NULL,
    -- The UTC offset startDate was given with, in seconds east of UTC: the dates keep its time of day.
    start_offset     INTEGER NOT NULL CHECK (start_offset BETWEEN -86399 AND 86399),
    frequency        TEXT NOT NULL CHECK (frequency IN ('ONCE', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY')),
    duration_type    TEXT CHECK (duration_type IN ('ENDLESS', 'NUMBER_OF_REPETITIONS', 'END_DATE')),
    repetitions      INTEGER CHECK (repetitions > 0),
    end_date         DATE,
    status           TEXT NOT NULL CHECK (status IN ('ACTIVE', 'DELETED', 'COMPLETED')),
    next_seq         INTEGER NOT NULL DEFAULT 0 CHECK (next_seq >= 0),
    next_due         TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    CHECK ((status = 'ACTIVE') = (next_due IS NOT NULL)),
    CHECK ((frequency = 'ONCE') = (duration_type IS NULL)),
    CHECK ((duration_type = 'NUMBER_OF_REPETITIONS') = (repetitions IS NOT NULL)),
    CHECK ((duration_type = 'END_DATE') = (end_date IS NOT NULL))
);
CREATE UNIQUE INDEX scheduled_operations_alias ON scheduled_operations (wallet_id, alias)
    WHERE status <> 'DELETED';
CREATE INDEX scheduled_operations_by_wallet ON scheduled_operations (wallet_id, created_at, id);
CREATE INDEX scheduled_operations_due ON scheduled_operations (next_due) WHERE status = 'ACTIVE';

-- One row per date of an operation that came: claimed with the operation's row locked, in the
-- transaction that moves the operation on to its next date, so each date is triggered once.
--
-- `request_id` is derived from (operation, due date) and is the request that carries the execution out:
-- the chain's operation id is made from it, and the contract refuses an operation id twice, so however
-- often a crash makes the scheduler send it again, the money moves once. Until that request exists the
-- execution is TRIGGERED and due to be sent by whichever process holds its lease (`lease_until`,
-- database time); FAILED here means nothing was sent (`reason` says why). SENT once the node has its
-- request (the request answered: it stays); from then on the request's state is the execution's: on its
-- way (TRIGGERED to readers), MINED (EXECUTED) or FAILED.
CREATE TABLE scheduled_executions (
    id           UUID PRIMARY KEY,
    operation_id UUID NOT NULL REFERENCES scheduled_operations,
    seq          INTEGER NOT NULL CHECK (seq >= 0),
    due_at       TIMESTAMPTZ NOT NULL,
    request_id   UUID NOT NULL UNIQUE,
    movement_id  UUID NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('TRIGGERED', 'SENT', 'FAILED')),
    reason       TEXT,
    triggered_at TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    lease_until  TIMESTAMPTZ,
    UNIQUE (operation_id, seq),
    CHECK ((status = 'FAILED') = (reason IS NOT NULL))
);
CREATE INDEX scheduled_executions_to_send ON scheduled_executions (due_at) WHERE status = 'TRIGGERED';
CREATE INDEX scheduled_executions_by_operation ON scheduled_executions (operation_id, triggered_at, id);
