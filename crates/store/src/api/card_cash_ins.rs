//! Card cash-ins: a card charged through the acquirer, then the money minted against the cash-in's
//! payment reference. The store keeps where each stands (see migration 0014) so that a crash at any
//! instant leaves a row the platform's follow-up settles: never a card charged twice for one cash-in,
//! never a mint twice (the contract takes a reference once).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::requests::insert_request;
use crate::{Hash, Result, Store, api::NewRequest};

/// A card cash-in about to be charged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCardCashIn {
    /// Its id.
    pub id: Uuid,
    /// The client.
    pub client_id: Uuid,
    /// The client's `Idempotency-Key`, if any: a retry with it finds this cash-in.
    pub idempotency_key: Option<String>,
    /// The wallet credited.
    pub wallet_id: Uuid,
    /// Its CARD_CASHIN movement (from the reference).
    pub movement_id: Uuid,
    /// Base units.
    pub amount: Decimal,
    /// The client's concept.
    pub concept: Option<String>,
    /// VISA or MCAR.
    pub brand: String,
    /// The card number's last four digits.
    pub last4: String,
    /// The mint's payment reference.
    pub reference: Hash,
}

/// A stored card cash-in.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CardCashInRow {
    /// Its id.
    pub id: Uuid,
    /// The client.
    pub client_id: Uuid,
    /// The wallet credited.
    pub wallet_id: Uuid,
    /// Its CARD_CASHIN movement.
    pub movement_id: Uuid,
    /// Base units.
    pub amount: Decimal,
    /// The client's concept.
    pub concept: Option<String>,
    /// VISA or MCAR.
    pub brand: String,
    /// Last four digits.
    pub last4: String,
    /// The mint's payment reference.
    pub reference: Vec<u8>,
    /// CHARGING, DECLINED, APPROVED, MINTING or MINT_FAILED.
    pub state: String,
    /// Why the card was declined.
    pub decline_reason: Option<String>,
    /// The acquirer's authorization code.
    pub authorization_code: Option<String>,
    /// The mint's request.
    pub request_id: Option<Uuid>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "id, client_id, wallet_id, movement_id, amount, concept, brand, last4, reference, state,
         decline_reason, authorization_code, request_id, created_at, updated_at"
    };
}

impl Store {
    /// Records a card cash-in as CHARGING before the acquirer is asked. None when the client already
    /// has one with this idempotency key (see [`Store::card_cash_in_by_key`]).
    pub async fn begin_card_cash_in(&self, c: &NewCardCashIn) -> Result<Option<CardCashInRow>> {
        Ok(sqlx::query_as(concat!("INSERT INTO card_cash_ins (id, client_id, idempotency_key, wallet_id, movement_id, amount,
                                        concept, brand, last4, reference, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'CHARGING')
             ON CONFLICT (client_id, idempotency_key) DO NOTHING
             RETURNING ", columns!(), ""))
        .bind(c.id)
        .bind(c.client_id)
        .bind(&c.idempotency_key)
        .bind(c.wallet_id)
        .bind(c.movement_id)
        .bind(c.amount)
        .bind(&c.concept)
        .bind(&c.brand)
        .bind(&c.last4)
        .bind(c.reference.as_slice())
        .fetch_optional(self.pool())
        .await?)
    }

    /// The client's card cash-in with this idempotency key.
    pub async fn card_cash_in_by_key(
        &self,
        client_id: Uuid,
        key: &str,
    ) -> Result<Option<CardCashInRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM card_cash_ins WHERE client_id = $1 AND idempotency_key = $2"
        ))
        .bind(client_id)
        .bind(key)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A card cash-in.
    pub async fn card_cash_in(&self, id: Uuid) -> Result<Option<CardCashInRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM card_cash_ins WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The acquirer approved cash-in `id` (CHARGING → APPROVED): the money is owed. False if it was
    /// settled meanwhile.
    pub async fn approve_card_cash_in(&self, id: Uuid, authorization: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE card_cash_ins SET state = 'APPROVED', authorization_code = $2,
                                      updated_at = clock_timestamp()
             WHERE id = $1 AND state = 'CHARGING'",
        )
        .bind(id)
        .bind(authorization)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The acquirer declined cash-in `id` (CHARGING → DECLINED), and `request` (the client's, with the
    /// movement it expected) is recorded as FAILED with `reason` and its answer: the movement shows
    /// ERROR, a retry with the key gets the answer. One transaction; false if settled meanwhile.
    pub async fn decline_card_cash_in(
        &self,
        id: Uuid,
        reason: &str,
        request: &NewRequest,
        answer: (u16, &serde_json::Value),
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE card_cash_ins SET state = 'DECLINED', decline_reason = $2, request_id = $3,
                                      updated_at = clock_timestamp()
             WHERE id = $1 AND state = 'CHARGING'",
        )
        .bind(id)
        .bind(reason)
        .bind(request.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        if insert_request(&mut tx, request).await?.is_none() {
            sqlx::query(
                "UPDATE api_requests SET state = 'FAILED', error = $2, response_status = $3,
                                         response_body = $4, updated_at = clock_timestamp()
                 WHERE id = $1",
            )
            .bind(request.id)
            .bind(reason)
            .bind(i16::try_from(answer.0).unwrap_or(500))
            .bind(answer.1)
            .execute(&mut *tx)
            .await?;
            for m in &request.movements {
                sqlx::query(
                    "INSERT INTO api_movements (id, request_id, wallet_id, type, amount, concept)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                )
                .bind(m.id)
                .bind(request.id)
                .bind(m.wallet_id)
                .bind(m.r#type)
                .bind(m.amount)
                .bind(&request.concept)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Cash-in `id`'s mint is request `request_id` (APPROVED → MINTING).
    pub async fn minting_card_cash_in(&self, id: Uuid, request_id: Uuid) -> Result<()> {
        sqlx::query(
            "UPDATE card_cash_ins SET state = 'MINTING', request_id = $2, updated_at = clock_timestamp()
             WHERE id = $1 AND state IN ('APPROVED', 'MINTING')",
        )
        .bind(id)
        .bind(request_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Cash-in `id` goes back to APPROVED (its mint's request was forgotten: never sent) or to
    /// MINT_FAILED (the contract refused the mint).
    pub async fn card_cash_in_state(&self, id: Uuid, state: &str) -> Result<()> {
        sqlx::query(
            "UPDATE card_cash_ins SET state = $2, updated_at = clock_timestamp() WHERE id = $1",
        )
        .bind(id)
        .bind(state)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Card cash-ins not settled and untouched for `older_than`: CHARGING (ask the acquirer), APPROVED
    /// (mint), MINTING (with their request's state; None when it was forgotten).
    pub async fn unsettled_card_cash_ins(
        &self,
        older_than: std::time::Duration,
    ) -> Result<Vec<(CardCashInRow, Option<String>)>> {
        let rows: Vec<CardCashInRow> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM card_cash_ins
             WHERE state IN ('CHARGING', 'APPROVED', 'MINTING')
               AND updated_at < clock_timestamp() - make_interval(secs => $1)
             ORDER BY updated_at LIMIT 100"
        ))
        .bind(older_than.as_secs_f64())
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let state: Option<String> = match row.request_id {
                Some(request) => {
                    sqlx::query_scalar("SELECT state FROM api_requests WHERE id = $1")
                        .bind(request)
                        .fetch_optional(self.pool())
                        .await?
                }
                None => None,
            };
            out.push((row, state));
        }
        Ok(out)
    }
}
