use chrono::{DateTime, Utc};
use emtoken_types::{HoldState, RequestKind, RequestState};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{Paging, Sort};
use crate::{Addr, Result, Store};

/// A hold as the API shows it: the chain's record, or the request for it before the chain has it; with
/// the platform's latest request about it (which gives the seed's *_REQUESTED / PENDING_DLT_* / *_FAILED
/// statuses while it is on its way).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HoldView {
    /// Hold id.
    pub id: Uuid,
    /// The contract's key.
    pub hold_key: Vec<u8>,
    /// The issuer's operation id.
    pub operation_id: Vec<u8>,
    /// Issuer.
    pub issuer: Vec<u8>,
    /// Payer.
    pub payer: Vec<u8>,
    /// Payee.
    pub payee: Vec<u8>,
    /// Notary.
    pub notary: Vec<u8>,
    /// Amount originally held (base units).
    pub held_value: Decimal,
    /// Sent to the payee so far.
    pub executed_value: Decimal,
    /// Still held.
    pub remaining: Decimal,
    /// The status the chain gives it (None: not on chain yet).
    pub chain_status: Option<HoldState>,
    /// Expiry (None: perpetual).
    pub expiration: Option<DateTime<Utc>>,
    /// Creation.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Kind of the platform's latest request about it (HOLD, EXECUTE_HOLD, …).
    pub request_kind: Option<RequestKind>,
    /// That request's state.
    pub request_state: Option<RequestState>,
    /// Whether the indexer has seen that request's transaction.
    pub request_indexed: Option<bool>,
}

/// Which holds of a wallet to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldsQuery {
    /// Chain id.
    pub chain_id: i64,
    /// The wallet's address (payer or payee).
    pub address: Addr,
    /// The wallet's id (holds requested through the API).
    pub wallet_id: Uuid,
    /// Sort by createdAt, updatedAt or heldValue.
    pub sort: Sort,
    /// Which page.
    pub paging: Paging,
}

/// Holds of a wallet ($1 chain, $2 address, $3 wallet id), chain records and requested ones, each with
/// the platform's latest request about it.
macro_rules! holds_of_wallet {
    () => {
        "WITH all_h AS (
           SELECT h.id, h.hold_key, h.operation_id, h.issuer, h.payer, h.payee, h.notary, h.held_value,
                  h.executed_value, h.remaining, h.status AS chain_status, h.expiration, h.created_at,
                  h.updated_at
           FROM holds h WHERE h.chain_id = $1 AND (h.payer = $2 OR h.payee = $2)
           UNION ALL
           SELECT r.record_id, r.record_key, decode(r.details->>'operationId', 'hex'),
                  decode(r.details->>'issuer', 'hex'), decode(r.details->>'payer', 'hex'),
                  decode(r.details->>'payee', 'hex'), decode(r.details->>'notary', 'hex'),
                  (r.details->>'amount')::numeric, 0, (r.details->>'amount')::numeric, NULL,
                  (r.details->>'expiration')::timestamptz, r.created_at, r.updated_at
           FROM api_requests r
           WHERE r.kind = 'HOLD' AND r.wallet_id = $3
             AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.id = r.record_id)
             AND (r.state <> 'FAILED' OR r.tx_hash IS NOT NULL)
         ),
         viewed AS (
           SELECT a.*, lr.kind AS request_kind, lr.state AS request_state,
                  CASE WHEN lr.kind IS NULL THEN NULL
                       ELSE lr.tx_hash IS NOT NULL AND EXISTS (SELECT 1 FROM events e WHERE e.tx_hash = lr.tx_hash)
                  END AS request_indexed
           FROM all_h a
           LEFT JOIN LATERAL (SELECT r.kind, r.state, r.tx_hash FROM api_requests r WHERE r.record_id = a.id
                                AND (r.state <> 'FAILED' OR r.tx_hash IS NOT NULL)
                              ORDER BY r.created_at DESC, r.id LIMIT 1) lr ON true
         )"
    };
}

impl Store {
    /// A page of a wallet's holds and the total count.
    pub async fn holds_page(&self, q: &HoldsQuery) -> Result<(Vec<HoldView>, i64)> {
        let rows: Vec<HoldView> = sqlx::query_as(concat!(
            holds_of_wallet!(),
            " SELECT * FROM viewed
             ORDER BY
               CASE WHEN $4 = 'createdAt' AND NOT $5 THEN created_at END ASC,
               CASE WHEN $4 = 'createdAt' AND $5 THEN created_at END DESC,
               CASE WHEN $4 = 'updatedAt' AND NOT $5 THEN updated_at END ASC,
               CASE WHEN $4 = 'updatedAt' AND $5 THEN updated_at END DESC,
               CASE WHEN $4 = 'heldValue' AND NOT $5 THEN held_value END ASC,
               CASE WHEN $4 = 'heldValue' AND $5 THEN held_value END DESC,
               id
             LIMIT $6 OFFSET $7"
        ))
        .bind(q.chain_id)
        .bind(q.address)
        .bind(q.wallet_id)
        .bind(&q.sort.field)
        .bind(q.sort.desc)
        .bind(q.paging.size)
        .bind(q.paging.offset())
        .fetch_all(self.pool())
        .await?;
        let (total,): (i64,) =
            sqlx::query_as(concat!(holds_of_wallet!(), " SELECT count(*) FROM viewed"))
                .bind(q.chain_id)
                .bind(q.address)
                .bind(q.wallet_id)
                .fetch_one(self.pool())
                .await?;
        Ok((rows, total))
    }

    /// One hold of a wallet (as payer or payee).
    pub async fn hold_view(
        &self,
        chain_id: i64,
        address: Addr,
        wallet_id: Uuid,
        id: Uuid,
    ) -> Result<Option<HoldView>> {
        Ok(sqlx::query_as(concat!(
            holds_of_wallet!(),
            " SELECT * FROM viewed WHERE id = $4"
        ))
        .bind(chain_id)
        .bind(address)
        .bind(wallet_id)
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A chain order (TRANSFER, FUND, PAYOUT) by its id.
    pub async fn order(&self, id: Uuid) -> Result<Option<crate::OrderRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            crate::ingest::order_columns!(),
            " FROM orders WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }
}
