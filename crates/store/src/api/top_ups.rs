//! Top-up requests (a fund order the operator makes for a wallet, which the bank side accepts or
//! declines) and the AML screenings asked for before accepting a top-up or a withdrawal.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::RequestState;
use crate::{Result, Store};

/// A top-up request: what the platform recorded (its request and expected movement) and, once
/// indexed, its fund order and movement.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TopUpRow {
    /// Its BANK_ACCOUNT_CASHIN movement: the top-up's id.
    pub movement_id: Uuid,
    /// The request that ordered it.
    pub request_id: Uuid,
    /// The wallet to credit.
    pub wallet_id: Uuid,
    /// The amount ordered, base units.
    pub amount: Decimal,
    /// The request's details (bank, reference, commission).
    pub details: serde_json::Value,
    /// The caller's concept.
    pub concept: Option<String>,
    /// The request's state.
    pub request_state: RequestState,
    /// The fund order's key.
    pub record_key: Vec<u8>,
    /// When it was asked.
    pub created_at: DateTime<Utc>,
    /// The fund order's status once indexed (ORDERED, IN_PROCESS, EXECUTED, REJECTED, CANCELLED).
    pub order_status: Option<String>,
    /// Why it was rejected, once indexed.
    pub order_reason: Option<String>,
    /// The movement's status once indexed.
    pub movement_status: Option<String>,
}

/// An AML screening to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScreening {
    /// Its id (the question's).
    pub id: Uuid,
    /// The top-up's or withdrawal's movement.
    pub subject_id: Uuid,
    /// TOP_UP or WITHDRAWAL.
    pub operation: &'static str,
    /// CLEAR, REVIEW, BLOCK or UNSCREENED.
    pub result: &'static str,
    /// The service's reference.
    pub reference: Option<String>,
    /// Who reviewed it.
    pub reviewed_by: Option<String>,
    /// The bank key that asked.
    pub client_id: Uuid,
    /// The acceptance it let through.
    pub request_id: Option<Uuid>,
}

/// An AML screening kept.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScreeningRow {
    /// Its id.
    pub id: Uuid,
    /// CLEAR, REVIEW, BLOCK or UNSCREENED.
    pub result: String,
    /// The service's reference.
    pub reference: Option<String>,
    /// Who reviewed it.
    pub reviewed_by: Option<String>,
    /// The acceptance it let through.
    pub request_id: Option<Uuid>,
    /// When.
    pub screened_at: DateTime<Utc>,
}

/// The columns of [`TopUpRow`]; `$1` is the chain id. A request refused before anything was sent left
/// no top-up.
macro_rules! top_ups {
    () => {
        "
    SELECT am.id AS movement_id, r.id AS request_id, am.wallet_id, am.amount, r.details, r.concept,
           r.state AS request_state, r.record_key, r.created_at, o.status AS order_status,
           o.reason AS order_reason, m.status AS movement_status
    FROM api_requests r
    JOIN api_movements am ON am.request_id = r.id AND am.type = 'BANK_ACCOUNT_CASHIN'
    LEFT JOIN orders o ON o.chain_id = $1 AND o.kind = 'FUND' AND o.order_key = r.record_key
    LEFT JOIN movements m ON m.id = am.id
    WHERE r.kind = 'TOP_UP_REQUEST' AND r.record_key IS NOT NULL
      AND (r.state <> 'FAILED' OR r.tx_hash IS NOT NULL)"
    };
}

impl Store {
    /// The top-up request whose movement is `movement_id`, on chain `chain_id`.
    pub async fn top_up(&self, chain_id: i64, movement_id: Uuid) -> Result<Option<TopUpRow>> {
        Ok(sqlx::query_as(concat!(top_ups!(), " AND am.id = $2"))
            .bind(chain_id)
            .bind(movement_id)
            .fetch_optional(self.pool())
            .await?)
    }

    /// Top-up requests, oldest first: of `wallet` (every one), or, without, the ones waiting for the
    /// bank side (not decided on chain yet).
    pub async fn top_ups(&self, chain_id: i64, wallet: Option<Uuid>) -> Result<Vec<TopUpRow>> {
        let query = match wallet {
            Some(w) => sqlx::query_as(concat!(
                top_ups!(),
                " AND am.wallet_id = $2 ORDER BY r.created_at, am.id"
            ))
            .bind(chain_id)
            .bind(w),
            None => sqlx::query_as(concat!(
                top_ups!(),
                " AND r.state <> 'FAILED'
                  AND (o.status IS NULL OR o.status IN ('ORDERED', 'IN_PROCESS'))
                ORDER BY r.created_at, am.id"
            ))
            .bind(chain_id),
        };
        Ok(query.fetch_all(self.pool()).await?)
    }

    /// Keeps an AML screening.
    pub async fn add_screening(&self, s: &NewScreening) -> Result<()> {
        sqlx::query(
            "INSERT INTO aml_screenings (id, subject_id, operation, result, reference, reviewed_by,
                                         client_id, request_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(s.id)
        .bind(s.subject_id)
        .bind(s.operation)
        .bind(s.result)
        .bind(&s.reference)
        .bind(&s.reviewed_by)
        .bind(s.client_id)
        .bind(s.request_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The screenings of a top-up or withdrawal, oldest first.
    pub async fn screenings_of(&self, subject_id: Uuid) -> Result<Vec<ScreeningRow>> {
        Ok(sqlx::query_as(
            "SELECT id, result, reference, reviewed_by, request_id, screened_at
             FROM aml_screenings WHERE subject_id = $1 ORDER BY screened_at, id",
        )
        .bind(subject_id)
        .fetch_all(self.pool())
        .await?)
    }
}
