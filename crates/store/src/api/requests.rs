use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use emtoken_types::{MovementType, RequestKind, RequestState};

use crate::{Addr, Hash, Result, Store};

/// A movement a request will produce, under the id the indexer will give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedMovement {
    /// The movement's id.
    pub id: Uuid,
    /// Its wallet.
    pub wallet_id: Uuid,
    /// Its type.
    pub r#type: MovementType,
    /// Amount in base units.
    pub amount: Decimal,
    /// Sender (transfers).
    pub origin_address: Option<Addr>,
    /// Receiver (transfers).
    pub target_address: Option<Addr>,
    /// Bank account (cash-outs).
    pub iban: Option<String>,
}

/// A state-changing request to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRequest {
    /// Its id.
    pub id: Uuid,
    /// The calling client.
    pub client_id: Uuid,
    /// The caller's `Idempotency-Key`, if any.
    pub idempotency_key: Option<String>,
    /// SHA-256 of method, path and body: a key reused for another request is refused.
    pub fingerprint: [u8; 32],
    /// What it asks.
    pub kind: RequestKind,
    /// The wallet it acts on.
    pub wallet_id: Option<Uuid>,
    /// The hold, order or movement it is about.
    pub record_id: Option<Uuid>,
    /// That record's contract key.
    pub record_key: Option<Hash>,
    /// The caller's concept.
    pub concept: Option<String>,
    /// Anything else the views need before the chain has it (e.g. a requested hold's parties).
    pub details: serde_json::Value,
    /// Movements it will produce.
    pub movements: Vec<ExpectedMovement>,
    /// The calls it sends, in order (opaque to the store: the API's own JSON).
    pub calls: serde_json::Value,
    /// The answer it gives once its first transaction is with the node (HTTP status and body).
    pub accepted: (u16, serde_json::Value),
    /// What it takes out of `wallet_id`'s available balance (base units), and the movement that takes
    /// it: refused unless the wallet's available balance, less what its other requests in flight
    /// already committed, covers it.
    pub outflow: Option<(Decimal, Uuid)>,
}

impl NewRequest {
    /// A request of `kind` with nothing else said yet (a fresh id; fill in the rest).
    pub fn new(kind: RequestKind) -> Self {
        Self {
            id: Uuid::new_v4(),
            client_id: Uuid::nil(),
            idempotency_key: None,
            fingerprint: [0; 32],
            kind,
            wallet_id: None,
            record_id: None,
            record_key: None,
            concept: None,
            details: serde_json::Value::Null,
            movements: Vec::new(),
            calls: serde_json::Value::Null,
            accepted: (0, serde_json::Value::Null),
            outflow: None,
        }
    }
}

/// A stored request.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RequestRow {
    /// Its id.
    pub id: Uuid,
    /// The client.
    pub client_id: Uuid,
    /// Its fingerprint.
    pub fingerprint: Vec<u8>,
    /// Its kind.
    pub kind: RequestKind,
    /// Wallet acted on.
    pub wallet_id: Option<Uuid>,
    /// Record it is about.
    pub record_id: Option<Uuid>,
    /// The record's key.
    pub record_key: Option<Vec<u8>>,
    /// The concept.
    pub concept: Option<String>,
    /// Details.
    pub details: serde_json::Value,
    /// Where it stands.
    pub state: RequestState,
    /// The calls it sends (the API's JSON).
    pub calls: serde_json::Value,
    /// The call it is at (0-based).
    pub call_index: i32,
    /// The transaction of that call, recorded before the node had it.
    pub tx_hash: Option<Vec<u8>>,
    /// Its signer.
    pub tx_from: Option<Vec<u8>>,
    /// Its nonce.
    pub tx_nonce: Option<i64>,
    /// The signed transaction.
    pub tx_raw: Option<Vec<u8>>,
    /// The answer once its first transaction is with the node: status.
    pub accepted_status: Option<i16>,
    /// … and body.
    pub accepted_body: Option<serde_json::Value>,
    /// Why it failed.
    pub error: Option<String>,
    /// The HTTP status answered.
    pub response_status: Option<i16>,
    /// The body answered.
    pub response_body: Option<serde_json::Value>,
    /// When it arrived.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// What recording a request gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Begun {
    /// A new request, recorded: go on and carry it out.
    New,
    /// The idempotency key was used before: this is the first request.
    Repeated(Box<RequestRow>),
    /// Not recorded: the wallet's available balance, less what its requests in flight committed, does
    /// not cover the request's outflow.
    Uncovered {
        /// The wallet's available balance at the indexed head (base units).
        available: Decimal,
        /// What its requests in flight already committed (base units).
        committed: Decimal,
    },
}

/// A signed transaction of a request, recorded before the node has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentTx {
    /// Its hash.
    pub hash: Hash,
    /// Its signer.
    pub from: Addr,
    /// Its nonce.
    pub nonce: u64,
    /// The signed bytes.
    pub raw: Vec<u8>,
    /// The chain it is on, when it is not the platform's own chain.
    pub chain_id: Option<i64>,
}

macro_rules! request_columns {
    () => {
        "id, client_id, fingerprint, kind, wallet_id, record_id, record_key, concept, details, state,
         calls, call_index, tx_hash, tx_from, tx_nonce, tx_raw, accepted_status, accepted_body,
         error, response_status, response_body, created_at, updated_at"
    };
}

impl Store {
    /// Records a request and the movements it expects, unless the client already sent one with the same
    /// idempotency key (then that one comes back, whatever its state), or the request takes more out of
    /// its wallet than the wallet can cover (then nothing is recorded). Requests of one wallet are
    /// checked one at a time (a transaction-scoped advisory lock: it holds across processes sharing the
    /// database, and does not wait for the indexer).
    pub async fn begin_request(&self, r: &NewRequest) -> Result<Begun> {
        let mut tx = self.pool().begin().await?;
        let outflow = match (r.outflow, r.wallet_id) {
            (Some((amount, movement)), Some(wallet)) => Some((amount, movement, wallet)),
            _ => None,
        };
        if let Some((_, _, wallet)) = outflow {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7301))")
                .bind(wallet)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(first) = insert_request(&mut tx, r).await? {
            tx.commit().await?;
            return Ok(Begun::Repeated(Box::new(first)));
        }
        if let Some((amount, _, wallet)) = outflow {
            // What no longer counts: failed requests, and those whose movement the indexer has (the
            // wallet's available balance at the head already shows it).
            sqlx::query(
                "UPDATE api_requests r SET outflow_settled = true
                 WHERE r.wallet_id = $1 AND NOT r.outflow_settled AND r.id <> $2
                   AND (r.state = 'FAILED'
                        OR EXISTS (SELECT 1 FROM movements m WHERE m.id = r.outflow_movement))",
            )
            .bind(wallet)
            .bind(r.id)
            .execute(&mut *tx)
            .await?;
            // One statement, one snapshot: the indexer's balance and the movements it wrote agree.
            let (available, committed): (Option<Decimal>, Decimal) = sqlx::query_as(
                "SELECT (SELECT w.head_total - w.held FROM wallets w WHERE w.id = $1),
                        COALESCE((SELECT SUM(r.outflow) FROM api_requests r
                                  WHERE r.wallet_id = $1 AND NOT r.outflow_settled AND r.id <> $2
                                    AND r.state <> 'FAILED'
                                    AND NOT EXISTS (SELECT 1 FROM movements m
                                                    WHERE m.id = r.outflow_movement)), 0)",
            )
            .bind(wallet)
            .bind(r.id)
            .fetch_one(&mut *tx)
            .await?;
            let available = available.unwrap_or_default();
            if committed + amount > available {
                tx.rollback().await?;
                return Ok(Begun::Uncovered {
                    available,
                    committed,
                });
            }
        }
        let m = &r.movements;
        if !m.is_empty() {
            sqlx::query(
                "INSERT INTO api_movements (id, request_id, wallet_id, type, amount, concept,
                                            origin_address, target_address, iban)
                 SELECT u.id, $1, u.wallet_id, u.type, u.amount, $2, u.origin, u.target, u.iban
                 FROM UNNEST($3::uuid[], $4::uuid[], $5::text[], $6::numeric[], $7::bytea[],
                             $8::bytea[], $9::text[])
                      AS u(id, wallet_id, type, amount, origin, target, iban)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(r.id)
            .bind(&r.concept)
            .bind(m.iter().map(|m| m.id).collect::<Vec<_>>())
            .bind(m.iter().map(|m| m.wallet_id).collect::<Vec<_>>())
            .bind(m.iter().map(|m| m.r#type).collect::<Vec<_>>())
            .bind(m.iter().map(|m| m.amount).collect::<Vec<_>>())
            .bind(m.iter().map(|m| m.origin_address).collect::<Vec<_>>())
            .bind(m.iter().map(|m| m.target_address).collect::<Vec<_>>())
            .bind(m.iter().map(|m| m.iban.clone()).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Begun::New)
    }

    /// Records the signed transaction of call `call_index` before the node has it. Only a request at
    /// that call and not yet sending it (or re-signing the same nonce after the node refused the first
    /// signature) takes it; `false` otherwise (settled or removed meanwhile): then it must not be sent.
    /// [`crate::Error::NonceTaken`] when another request in flight holds the signer's nonce (another
    /// process with the same key): not recorded, not to be sent.
    pub async fn record_sending(&self, id: Uuid, call_index: i32, sent: &SentTx) -> Result<bool> {
        let nonce = i64::try_from(sent.nonce).unwrap_or(i64::MAX);
        let updated = sqlx::query(
            "UPDATE api_requests
             SET state = 'PENDING_DLT', tx_hash = $3, tx_from = $4, tx_nonce = $5, tx_raw = $6,
                 tx_chain_id = $7, updated_at = clock_timestamp()
             WHERE id = $1 AND call_index = $2
               AND (state = 'REQUESTED'
                    OR (state = 'PENDING_DLT' AND tx_from = $4 AND tx_nonce = $5
                        AND tx_chain_id IS NOT DISTINCT FROM $7))",
        )
        .bind(id)
        .bind(call_index)
        .bind(sent.hash)
        .bind(sent.from)
        .bind(nonce)
        .bind(&sent.raw)
        .bind(sent.chain_id)
        .execute(self.pool())
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                crate::Error::NonceTaken { nonce: sent.nonce }
            }
            other => other.into(),
        })?
        .rows_affected();
        Ok(updated == 1)
    }

    /// Call `call_index` of the request was mined and succeeded: on to the next call (REQUESTED), or
    /// MINED after the last. `false` if the request had moved on already.
    pub async fn advance_request(&self, id: Uuid, call_index: i32, last: bool) -> Result<bool> {
        let updated = sqlx::query(
            "UPDATE api_requests
             SET state = CASE WHEN $3 THEN 'MINED' ELSE 'REQUESTED' END,
                 call_index = CASE WHEN $3 THEN call_index ELSE call_index + 1 END,
                 tx_hash = CASE WHEN $3 THEN tx_hash END, tx_from = CASE WHEN $3 THEN tx_from END,
                 tx_nonce = CASE WHEN $3 THEN tx_nonce END,
                 tx_chain_id = CASE WHEN $3 THEN tx_chain_id END,
                 tx_raw = NULL, updated_at = clock_timestamp()
             WHERE id = $1 AND call_index = $2 AND state = 'PENDING_DLT'",
        )
        .bind(id)
        .bind(call_index)
        .bind(last)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    /// A request with nothing to send is done: MINED.
    pub async fn advance_request_without_calls(&self, id: Uuid) -> Result<()> {
        sqlx::query(
            "UPDATE api_requests SET state = 'MINED', updated_at = clock_timestamp()
             WHERE id = $1 AND state = 'REQUESTED'",
        )
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The request failed (a call refused or reverted, its transaction dropped): FAILED with why; what
    /// it committed of its wallet counts no more. `false` if it was already settled.
    pub async fn fail_request(&self, id: Uuid, error: &str) -> Result<bool> {
        let updated = sqlx::query(
            "UPDATE api_requests
             SET state = 'FAILED', error = $2, tx_raw = NULL, outflow_settled = true,
                 updated_at = clock_timestamp()
             WHERE id = $1 AND state IN ('REQUESTED', 'PENDING_DLT')",
        )
        .bind(id)
        .bind(error)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    /// Removes a request of which nothing reached the chain, as if it had never come (its expected
    /// movements with it): its idempotency key is free again. Only a request at its first call and
    /// without an answer is removed (`false` otherwise). `older_than: None` is for the process handling
    /// it, which knows the node refused its transaction; `Some(age)` for whoever settles it after a
    /// crash, which removes only a request that never recorded a transaction and was untouched that long.
    pub async fn forget_unsent_request(
        &self,
        id: Uuid,
        older_than: Option<std::time::Duration>,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let deleted: Option<(RequestKind, Option<Uuid>)> = sqlx::query_as(
            "DELETE FROM api_requests
             WHERE id = $1 AND call_index = 0 AND response_status IS NULL
               AND (($2::float8 IS NULL AND state IN ('REQUESTED', 'PENDING_DLT'))
                    OR (state = 'REQUESTED' AND tx_hash IS NULL
                        AND updated_at <= clock_timestamp() - make_interval(secs => $2)))
             RETURNING kind, record_id",
        )
        .bind(id)
        .bind(older_than.map(|d| d.as_secs_f64()))
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((kind, Some(wallet))) = &deleted
            && *kind == RequestKind::RegisterWallet
        {
            // The registration never reached the chain: the platform's claim on the address goes too
            // (the row itself when the chain never named the address).
            sqlx::query(
                "DELETE FROM wallets WHERE id = $1 AND NOT registered AND first_block IS NULL
                                         AND head_total = 0 AND balance = 0",
            )
            .bind(wallet)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE wallets SET user_id = NULL, client_id = NULL, iban = NULL, registered_at = NULL
                 WHERE id = $1 AND NOT registered",
            )
            .bind(wallet)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(deleted.is_some())
    }

    /// Stores the answer given to a request (what a retry with its idempotency key gets), unless one
    /// is stored already; returns the stored one.
    pub async fn answer_request(
        &self,
        id: Uuid,
        status: u16,
        body: &serde_json::Value,
    ) -> Result<Option<(i16, serde_json::Value)>> {
        let row: Option<(Option<i16>, Option<serde_json::Value>)> = sqlx::query_as(
            "WITH answered AS (
                 UPDATE api_requests SET response_status = $2, response_body = $3
                 WHERE id = $1 AND response_status IS NULL
                 RETURNING response_status, response_body)
             SELECT response_status, response_body FROM answered
             UNION ALL
             SELECT response_status, response_body FROM api_requests
             WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM answered)",
        )
        .bind(id)
        .bind(i16::try_from(status).unwrap_or(500))
        .bind(body)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.and_then(|(status, body)| Some((status?, body?))))
    }

    /// A request by id.
    pub async fn request(&self, id: Uuid) -> Result<Option<RequestRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            request_columns!(),
            " FROM api_requests WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Requests about a record (hold, order), oldest first.
    pub async fn requests_of_record(&self, record_id: Uuid) -> Result<Vec<RequestRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            request_columns!(),
            " FROM api_requests WHERE record_id = $1 ORDER BY created_at, id"
        ))
        .bind(record_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Requests to settle, oldest first: on their way (REQUESTED or PENDING_DLT) or without an answer,
    /// and untouched for `older_than` (younger ones may be in the hands of a live process).
    pub async fn unsettled_requests(
        &self,
        older_than: std::time::Duration,
        limit: i64,
    ) -> Result<Vec<RequestRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            request_columns!(),
            " FROM api_requests
              WHERE (state IN ('REQUESTED', 'PENDING_DLT') OR response_status IS NULL)
                AND updated_at <= clock_timestamp() - make_interval(secs => $1)
              ORDER BY updated_at, id LIMIT $2"
        ))
        .bind(older_than.as_secs_f64())
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Marks a request as looked at now (settling it found it still with the node).
    pub async fn touch_request(&self, id: Uuid) -> Result<()> {
        sqlx::query("UPDATE api_requests SET updated_at = clock_timestamp() WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Whether the indexer has seen any event of this transaction.
    pub async fn tx_indexed(&self, tx_hash: Hash) -> Result<bool> {
        let (seen,): (bool,) =
            sqlx::query_as("SELECT EXISTS (SELECT 1 FROM events WHERE tx_hash = $1)")
                .bind(tx_hash)
                .fetch_one(self.pool())
                .await?;
        Ok(seen)
    }

    /// The client's request with this idempotency key, if any.
    pub async fn request_by_key(&self, client_id: Uuid, key: &str) -> Result<Option<RequestRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            request_columns!(),
            " FROM api_requests WHERE client_id = $1 AND idempotency_key = $2"
        ))
        .bind(client_id)
        .bind(key)
        .fetch_optional(self.pool())
        .await?)
    }
}

/// Inserts request `r` (REQUESTED) in `tx`; if the client already sent one with the same idempotency
/// key, nothing is inserted and that one is returned (a concurrent first request is waited for).
pub(crate) async fn insert_request(
    tx: &mut sqlx::PgConnection,
    r: &NewRequest,
) -> Result<Option<RequestRow>> {
    let outflow = r.outflow.filter(|_| r.wallet_id.is_some());
    let inserted = sqlx::query(
        "INSERT INTO api_requests (id, client_id, idempotency_key, fingerprint, kind, wallet_id,
                                   record_id, record_key, concept, details, state, calls,
                                   accepted_status, accepted_body, outflow, outflow_movement,
                                   outflow_settled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'REQUESTED', $11, $12, $13, $14, $15,
                 $14 IS NULL)
         ON CONFLICT (client_id, idempotency_key) DO NOTHING",
    )
    .bind(r.id)
    .bind(r.client_id)
    .bind(&r.idempotency_key)
    .bind(r.fingerprint)
    .bind(r.kind)
    .bind(r.wallet_id)
    .bind(r.record_id)
    .bind(r.record_key)
    .bind(&r.concept)
    .bind(&r.details)
    .bind(&r.calls)
    .bind(i16::try_from(r.accepted.0).unwrap_or(500))
    .bind(&r.accepted.1)
    .bind(outflow.map(|(amount, _)| amount))
    .bind(outflow.map(|(_, movement)| movement))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(None);
    }
    Ok(Some(
        sqlx::query_as(concat!(
            "SELECT ",
            request_columns!(),
            " FROM api_requests WHERE client_id = $1 AND idempotency_key = $2"
        ))
        .bind(r.client_id)
        .bind(&r.idempotency_key)
        .fetch_one(&mut *tx)
        .await?,
    ))
}

/// Marks request `id` done with its accepted answer as its answer (a request that sends nothing and is
/// written, with the record it makes, in `tx`).
pub(crate) async fn answer_request(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: Uuid,
) -> Result<()> {
    sqlx::query(
        "UPDATE api_requests
         SET state = 'MINED', response_status = accepted_status, response_body = accepted_body,
             updated_at = clock_timestamp()
         WHERE id = $1",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
