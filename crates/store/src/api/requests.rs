use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{Addr, Hash, Result, Store};

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestState {
    /// Accepted, its transaction not yet handed to the node.
    Requested,
    /// Its transaction is with the node.
    PendingDlt,
    /// Its transaction was mined and succeeded.
    Mined,
    /// The contract refused it, or its transaction failed or was dropped.
    Failed,
}

impl RequestState {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Requested => "REQUESTED",
            RequestState::PendingDlt => "PENDING_DLT",
            RequestState::Mined => "MINED",
            RequestState::Failed => "FAILED",
        }
    }

    /// From its stored form.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "REQUESTED" => RequestState::Requested,
            "PENDING_DLT" => RequestState::PendingDlt,
            "MINED" => RequestState::Mined,
            "FAILED" => RequestState::Failed,
            _ => return None,
        })
    }
}

/// A movement a request will produce, under the id the indexer will give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedMovement {
    /// The movement's id.
    pub id: Uuid,
    /// Its wallet.
    pub wallet_id: Uuid,
    /// Its type.
    pub r#type: String,
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
    /// What it asks (HOLD, EXECUTE_HOLD, TRANSFER, CASH_OUT, …).
    pub kind: String,
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
    pub kind: String,
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
    /// REQUESTED, PENDING_DLT, MINED, FAILED.
    pub state: String,
    /// The transaction sent.
    pub tx_hash: Option<Vec<u8>>,
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
}

macro_rules! request_columns {
    () => {
        "id, client_id, fingerprint, kind, wallet_id, record_id, record_key, concept, details, state,
         tx_hash, error, response_status, response_body, created_at, updated_at"
    };
}

impl Store {
    /// Records a request and the movements it expects, unless the client already sent one with the same
    /// idempotency key (then that one comes back, whatever its state).
    pub async fn begin_request(&self, r: &NewRequest) -> Result<Begun> {
        let mut tx = self.pool().begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO api_requests (id, client_id, idempotency_key, fingerprint, kind, wallet_id,
                                       record_id, record_key, concept, details, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'REQUESTED')
             ON CONFLICT (client_id, idempotency_key) DO NOTHING",
        )
        .bind(r.id)
        .bind(r.client_id)
        .bind(&r.idempotency_key)
        .bind(r.fingerprint)
        .bind(&r.kind)
        .bind(r.wallet_id)
        .bind(r.record_id)
        .bind(r.record_key)
        .bind(&r.concept)
        .bind(&r.details)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            let first: RequestRow = sqlx::query_as(concat!(
                "SELECT ",
                request_columns!(),
                " FROM api_requests WHERE client_id = $1 AND idempotency_key = $2"
            ))
            .bind(r.client_id)
            .bind(&r.idempotency_key)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(Begun::Repeated(Box::new(first)));
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
            .bind(m.iter().map(|m| m.r#type.clone()).collect::<Vec<_>>())
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

    /// Moves a request on: its state, and the transaction hash or error when known.
    pub async fn set_request_state(
        &self,
        id: Uuid,
        state: RequestState,
        tx_hash: Option<Hash>,
        error: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE api_requests SET state = $2, tx_hash = COALESCE($3, tx_hash), error = COALESCE($4, error),
                                     updated_at = clock_timestamp()
             WHERE id = $1",
        )
        .bind(id)
        .bind(state.as_str())
        .bind(tx_hash)
        .bind(error)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Stores the response given to a request (what a retry with its idempotency key gets).
    pub async fn set_request_response(
        &self,
        id: Uuid,
        status: u16,
        body: &serde_json::Value,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE api_requests SET response_status = $2, response_body = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(i16::try_from(status).unwrap_or(500))
        .bind(body)
        .execute(self.pool())
        .await?;
        Ok(())
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

    /// Requests still on their way (REQUESTED or PENDING_DLT), oldest first: after a restart they are
    /// looked after again.
    pub async fn unfinished_requests(&self) -> Result<Vec<RequestRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            request_columns!(),
            " FROM api_requests WHERE state IN ('REQUESTED', 'PENDING_DLT') ORDER BY created_at, id"
        ))
        .fetch_all(self.pool())
        .await?)
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
