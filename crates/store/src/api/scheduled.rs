//! Scheduled and recurrent operations and their executions (see migration 0017). The dates themselves
//! are the API's to compute: the store keeps where each operation stands (`next_seq`, `next_due`) and
//! claims what is due with the operation's row locked.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::requests::{answer_request, insert_request};
use crate::{
    Result, Store,
    api::{NewRequest, Paging, RequestRow, Sort},
};

/// A stored scheduled operation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScheduledRow {
    /// Its id.
    pub id: Uuid,
    /// The paying wallet.
    pub wallet_id: Uuid,
    /// The wallet's client.
    pub client_id: Uuid,
    /// Its name, one not-deleted operation's per wallet.
    pub alias: String,
    /// The concept of its movements.
    pub concept: Option<String>,
    /// Amount of each execution, base units.
    pub amount: Decimal,
    /// IOCASH_WALLET, FAVOURITE_EXTERNAL_BANK_ACCOUNT or EXTERNAL_BANK_ACCOUNT.
    pub receiver_type: String,
    /// A wallet id, a favourite's id or an IBAN.
    pub receiver_account: String,
    /// The first date.
    pub start_date: DateTime<Utc>,
    /// The UTC offset it was given with, seconds east.
    pub start_offset: i32,
    /// ONCE, DAILY, WEEKLY, MONTHLY or YEARLY.
    pub frequency: String,
    /// ENDLESS, NUMBER_OF_REPETITIONS or END_DATE (None when ONCE).
    pub duration_type: Option<String>,
    /// With NUMBER_OF_REPETITIONS.
    pub repetitions: Option<i32>,
    /// With END_DATE (inclusive).
    pub end_date: Option<NaiveDate>,
    /// ACTIVE, DELETED or COMPLETED.
    pub status: String,
    /// How many of its dates were triggered.
    pub next_seq: i32,
    /// Its next date not triggered yet (ACTIVE only).
    pub next_due: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// The paying wallet's ledger (its token; None if the wallet is gone).
    pub wallet_ledger: Option<i64>,
}

/// What creating a scheduled operation came to.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduledCreated {
    /// Created (its request answered in the same transaction).
    Created(Box<ScheduledRow>),
    /// The request's key was used before: the first request.
    Repeated(Box<RequestRow>),
    /// The wallet has a not-deleted operation with this alias.
    AliasTaken(Uuid),
    /// The wallet has this many ACTIVE operations already.
    TooMany(i64),
}

/// What deleting a scheduled operation came to.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduledDeleted {
    /// Deleted: its dates to come are cancelled.
    Deleted(Box<ScheduledRow>),
    /// Not ACTIVE (DELETED or COMPLETED already): unchanged.
    NotActive(Box<ScheduledRow>),
    /// The wallet has no such operation.
    NotFound,
}

/// An execution of a scheduled operation, as it stands: its request's state decides once it exists.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExecutionView {
    /// Its id.
    pub id: Uuid,
    /// Its operation.
    pub operation_id: Uuid,
    /// Which date of the schedule (0 = startDate).
    pub seq: i32,
    /// The date it was due.
    pub due_at: DateTime<Utc>,
    /// When the scheduler triggered it.
    pub triggered_at: DateTime<Utc>,
    /// TRIGGERED, EXECUTED or FAILED.
    pub status: String,
    /// Why it failed.
    pub reason: Option<String>,
    /// Its movement (TRANSFER_OUT or BANK_ACCOUNT_CASHOUT), once sent.
    pub movement_id: Option<Uuid>,
}

/// A due date claimed: the execution to record and where its operation goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The execution's id.
    pub id: Uuid,
    /// The request that carries it out (derived from the operation and the due date).
    pub request_id: Uuid,
    /// The movement that request makes.
    pub movement_id: Uuid,
    /// Why it is not carried out at all (FAILED from the start), e.g. too late.
    pub failed: Option<String>,
    /// The operation's next date, None when this was its last.
    pub next_due: Option<DateTime<Utc>>,
}

/// An execution to send: TRIGGERED and without its request.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExecutionToSend {
    /// Its id.
    pub id: Uuid,
    /// Its operation.
    pub operation_id: Uuid,
    /// Which date.
    pub seq: i32,
    /// The date it was due.
    pub due_at: DateTime<Utc>,
    /// Its request's id.
    pub request_id: Uuid,
    /// Its movement's id.
    pub movement_id: Uuid,
}

macro_rules! scheduled_columns {
    () => {
        "id, wallet_id, client_id, alias, concept, amount, receiver_type, receiver_account, start_date,
         start_offset, frequency, duration_type, repetitions, end_date, status, next_seq, next_due,
         created_at, updated_at,
         (SELECT w.chain_id FROM wallets w WHERE w.id = scheduled_operations.wallet_id) AS wallet_ledger"
    };
}

/// Executions `e` with their request `r` (LEFT JOIN) as they stand.
macro_rules! execution_columns {
    () => {
        "e.id, e.operation_id, e.seq, e.due_at, e.triggered_at,
         CASE WHEN e.status = 'FAILED' OR r.state = 'FAILED' THEN 'FAILED'
              WHEN r.state = 'MINED' THEN 'EXECUTED' ELSE 'TRIGGERED' END AS status,
         COALESCE(e.reason, CASE WHEN r.state = 'FAILED' THEN COALESCE(r.error, 'the transaction failed') END)
             AS reason,
         CASE WHEN r.tx_hash IS NOT NULL THEN e.movement_id END AS movement_id"
    };
}

impl Store {
    /// Creates `operation` with `request` (answered in the same transaction), unless the wallet already
    /// has a not-deleted operation with its alias or `max` ACTIVE ones (counted with the wallet's row
    /// locked).
    pub async fn create_scheduled(
        &self,
        request: &NewRequest,
        operation: &ScheduledRow,
        max: u32,
    ) -> Result<ScheduledCreated> {
        let o = operation;
        let mut tx = self.pool().begin().await?;
        if let Some(first) = insert_request(&mut tx, request).await? {
            tx.commit().await?;
            return Ok(ScheduledCreated::Repeated(Box::new(first)));
        }
        sqlx::query("SELECT 1 FROM wallets WHERE id = $1 FOR UPDATE")
            .bind(o.wallet_id)
            .execute(&mut *tx)
            .await?;
        let taken: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM scheduled_operations
             WHERE wallet_id = $1 AND alias = $2 AND status <> 'DELETED'",
        )
        .bind(o.wallet_id)
        .bind(&o.alias)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = taken {
            tx.rollback().await?;
            return Ok(ScheduledCreated::AliasTaken(id));
        }
        let active: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM scheduled_operations WHERE wallet_id = $1 AND status = 'ACTIVE'",
        )
        .bind(o.wallet_id)
        .fetch_one(&mut *tx)
        .await?;
        if active >= i64::from(max) {
            tx.rollback().await?;
            return Ok(ScheduledCreated::TooMany(active));
        }
        let row: ScheduledRow = sqlx::query_as(concat!(
            "INSERT INTO scheduled_operations (id, wallet_id, client_id, alias, concept, amount,
                 receiver_type, receiver_account, start_date, start_offset, frequency, duration_type,
                 repetitions, end_date, status, next_seq, next_due, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'ACTIVE', 0, $9,
                     $15, $15)
             RETURNING ",
            scheduled_columns!()
        ))
        .bind(o.id)
        .bind(o.wallet_id)
        .bind(o.client_id)
        .bind(&o.alias)
        .bind(&o.concept)
        .bind(o.amount)
        .bind(&o.receiver_type)
        .bind(&o.receiver_account)
        .bind(o.start_date)
        .bind(o.start_offset)
        .bind(&o.frequency)
        .bind(&o.duration_type)
        .bind(o.repetitions)
        .bind(o.end_date)
        .bind(o.created_at)
        .fetch_one(&mut *tx)
        .await?;
        answer_request(&mut tx, request.id).await?;
        tx.commit().await?;
        Ok(ScheduledCreated::Created(Box::new(row)))
    }

    /// Scheduled operation `id` of wallet `wallet_id`.
    pub async fn scheduled(&self, wallet_id: Uuid, id: Uuid) -> Result<Option<ScheduledRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            scheduled_columns!(),
            " FROM scheduled_operations WHERE wallet_id = $1 AND id = $2"
        ))
        .bind(wallet_id)
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Deletes ACTIVE operation `id` of wallet `wallet_id`: no date of it is triggered from then on (an
    /// execution the scheduler is triggering now commits first: the row is locked).
    pub async fn delete_scheduled(
        &self,
        wallet_id: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<ScheduledDeleted> {
        let deleted: Option<ScheduledRow> = sqlx::query_as(concat!(
            "UPDATE scheduled_operations SET status = 'DELETED', next_due = NULL, updated_at = $3
             WHERE wallet_id = $1 AND id = $2 AND status = 'ACTIVE' RETURNING ",
            scheduled_columns!()
        ))
        .bind(wallet_id)
        .bind(id)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        Ok(match deleted {
            Some(row) => ScheduledDeleted::Deleted(Box::new(row)),
            None => match self.scheduled(wallet_id, id).await? {
                Some(row) => ScheduledDeleted::NotActive(Box::new(row)),
                None => ScheduledDeleted::NotFound,
            },
        })
    }

    /// A page of wallet `wallet_id`'s scheduled operations (every status), by `sort` (`createdAt`,
    /// `alias`, `status` or `nextDate`; `desc`), and how many it has.
    pub async fn scheduled_page(
        &self,
        wallet_id: Uuid,
        sort: &Sort,
        paging: Paging,
    ) -> Result<(Vec<ScheduledRow>, i64)> {
        let rows = sqlx::query_as(concat!(
            "SELECT ",
            scheduled_columns!(),
            " FROM scheduled_operations WHERE wallet_id = $1
             ORDER BY
               CASE WHEN $2 = 'createdAt' AND NOT $3 THEN created_at END ASC,
               CASE WHEN $2 = 'createdAt' AND $3 THEN created_at END DESC,
               CASE WHEN $2 = 'alias' AND NOT $3 THEN alias END ASC,
               CASE WHEN $2 = 'alias' AND $3 THEN alias END DESC,
               CASE WHEN $2 = 'status' AND NOT $3 THEN status END ASC,
               CASE WHEN $2 = 'status' AND $3 THEN status END DESC,
               CASE WHEN $2 = 'nextDate' AND NOT $3 THEN next_due END ASC,
               CASE WHEN $2 = 'nextDate' AND $3 THEN next_due END DESC,
               created_at, id
             LIMIT $4 OFFSET $5"
        ))
        .bind(wallet_id)
        .bind(&sort.field)
        .bind(sort.desc)
        .bind(paging.size)
        .bind(paging.offset())
        .fetch_all(self.pool())
        .await?;
        let total =
            sqlx::query_scalar("SELECT count(*) FROM scheduled_operations WHERE wallet_id = $1")
                .bind(wallet_id)
                .fetch_one(self.pool())
                .await?;
        Ok((rows, total))
    }

    /// Claims the next due date (`next_due <= now`) of at most `limit` ACTIVE operations no other
    /// process is claiming: for each, in one transaction with the operation's row locked, records the
    /// execution `plan` makes of it and moves the operation on to the claim's next date (COMPLETED when
    /// there is none). An operation with several dates missed gives one per call. The claimed
    /// operations, as they were, with their claims.
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: i64,
        mut plan: impl FnMut(&ScheduledRow) -> Claim,
    ) -> Result<Vec<(ScheduledRow, Claim)>> {
        let mut tx = self.pool().begin().await?;
        let due: Vec<ScheduledRow> = sqlx::query_as(concat!(
            "SELECT ",
            scheduled_columns!(),
            " FROM scheduled_operations WHERE status = 'ACTIVE' AND next_due <= $1
             ORDER BY next_due, id LIMIT $2 FOR UPDATE SKIP LOCKED"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::with_capacity(due.len());
        for op in due {
            let claim = plan(&op);
            sqlx::query(
                "INSERT INTO scheduled_executions (id, operation_id, seq, due_at, request_id,
                     movement_id, status, reason, triggered_at)
                 VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::text IS NULL THEN 'TRIGGERED' ELSE 'FAILED' END,
                         $7, $8)",
            )
            .bind(claim.id)
            .bind(op.id)
            .bind(op.next_seq)
            .bind(op.next_due)
            .bind(claim.request_id)
            .bind(claim.movement_id)
            .bind(&claim.failed)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE scheduled_operations
                 SET next_seq = next_seq + 1, next_due = $2, updated_at = $3,
                     status = CASE WHEN $2::timestamptz IS NULL THEN 'COMPLETED' ELSE status END
                 WHERE id = $1",
            )
            .bind(op.id)
            .bind(claim.next_due)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            claimed.push((op, claim));
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Takes the lease, for `lease`, of at most `limit` TRIGGERED executions whose request does not
    /// exist yet (never sent, or refused before anything reached the chain and forgotten) and whose
    /// lease is free: the caller sends them. Oldest due first. Executions whose request the node has are
    /// marked SENT first (a process may have died between sending and saying so).
    pub async fn executions_to_send(
        &self,
        limit: i64,
        lease: std::time::Duration,
    ) -> Result<Vec<(ScheduledRow, ExecutionToSend)>> {
        let mut tx = self.pool().begin().await?;
        // Those whose request the node has (answered: it stays) are sent: out of the way for good.
        sqlx::query(
            "UPDATE scheduled_executions e SET status = 'SENT', lease_until = NULL, updated_at = clock_timestamp()
             FROM api_requests r
             WHERE e.status = 'TRIGGERED' AND r.id = e.request_id AND r.response_status IS NOT NULL",
        )
        .execute(&mut *tx)
        .await?;
        let mut leased: Vec<ExecutionToSend> = sqlx::query_as(
            "UPDATE scheduled_executions e SET lease_until = clock_timestamp() + make_interval(secs => $2)
             WHERE e.id IN (
               SELECT x.id FROM scheduled_executions x
               WHERE x.status = 'TRIGGERED'
                 AND (x.lease_until IS NULL OR x.lease_until < clock_timestamp())
                 AND NOT EXISTS (SELECT 1 FROM api_requests r WHERE r.id = x.request_id)
               ORDER BY x.due_at, x.id LIMIT $1 FOR UPDATE SKIP LOCKED)
             RETURNING e.id, e.operation_id, e.seq, e.due_at, e.request_id, e.movement_id",
        )
        .bind(limit)
        .bind(lease.as_secs_f64())
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        leased.sort_by_key(|e| (e.due_at, e.id));
        let ids: Vec<Uuid> = leased.iter().map(|e| e.operation_id).collect();
        let operations: Vec<ScheduledRow> = sqlx::query_as(concat!(
            "SELECT ",
            scheduled_columns!(),
            " FROM scheduled_operations WHERE id = ANY($1)"
        ))
        .bind(&ids)
        .fetch_all(self.pool())
        .await?;
        Ok(leased
            .into_iter()
            .filter_map(|e| {
                let op = operations.iter().find(|o| o.id == e.operation_id)?;
                Some((op.clone(), e))
            })
            .collect())
    }

    /// Records that execution `id` was not sent, and why (only while TRIGGERED).
    pub async fn fail_execution(&self, id: Uuid, reason: &str) -> Result<()> {
        sqlx::query(
            "UPDATE scheduled_executions SET status = 'FAILED', reason = $2, updated_at = clock_timestamp(),
                                             lease_until = NULL
             WHERE id = $1 AND status = 'TRIGGERED'",
        )
        .bind(id)
        .bind(reason)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records that the node has execution `id`'s request, if it has (the request answered): its state
    /// is the execution's from now on.
    pub async fn execution_sent(&self, id: Uuid) -> Result<()> {
        sqlx::query(
            "UPDATE scheduled_executions e SET status = 'SENT', lease_until = NULL, updated_at = clock_timestamp()
             FROM api_requests r
             WHERE e.id = $1 AND e.status = 'TRIGGERED' AND r.id = e.request_id
               AND r.response_status IS NOT NULL",
        )
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Gives back the lease of execution `id` (to be tried again at once, e.g. after the node was
    /// unreachable).
    pub async fn release_execution(&self, id: Uuid) -> Result<()> {
        sqlx::query("UPDATE scheduled_executions SET lease_until = NULL WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A page of operation `operation_id`'s executions by `sort` (`createdAt`, the time triggered, or
    /// `date`, the due date; `desc`), and how many it has.
    pub async fn executions_page(
        &self,
        operation_id: Uuid,
        sort: &Sort,
        paging: Paging,
    ) -> Result<(Vec<ExecutionView>, i64)> {
        let rows = sqlx::query_as(concat!(
            "SELECT ",
            execution_columns!(),
            " FROM scheduled_executions e LEFT JOIN api_requests r ON r.id = e.request_id
             WHERE e.operation_id = $1
             ORDER BY
               CASE WHEN $2 = 'createdAt' AND NOT $3 THEN e.triggered_at END ASC,
               CASE WHEN $2 = 'createdAt' AND $3 THEN e.triggered_at END DESC,
               CASE WHEN $2 = 'date' AND NOT $3 THEN e.due_at END ASC,
               CASE WHEN $2 = 'date' AND $3 THEN e.due_at END DESC,
               CASE WHEN NOT $3 THEN e.seq END ASC,
               CASE WHEN $3 THEN e.seq END DESC
             LIMIT $4 OFFSET $5"
        ))
        .bind(operation_id)
        .bind(&sort.field)
        .bind(sort.desc)
        .bind(paging.size)
        .bind(paging.offset())
        .fetch_all(self.pool())
        .await?;
        let total =
            sqlx::query_scalar("SELECT count(*) FROM scheduled_executions WHERE operation_id = $1")
                .bind(operation_id)
                .fetch_one(self.pool())
                .await?;
        Ok((rows, total))
    }
}
