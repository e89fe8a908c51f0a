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
    /// The fingerprint of the client's request (a retry with the key must carry the same).
    pub fingerprint: Hash,
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
    /// The CARD_CASHIN commission quoted when the cash-in was made, in base units, taken out of the
    /// amount by the mint (None: none).
    pub commission: Option<Decimal>,
    /// The commission profile version that priced it (with `commission`).
    pub commission_version_id: Option<Uuid>,
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
    /// VISA or MCAR (None while a payment page waits for the card).
    pub brand: Option<String>,
    /// Last four digits (None while a payment page waits for the card).
    pub last4: Option<String>,
    /// The mint's payment reference.
    pub reference: Vec<u8>,
    /// AWAITING_CARD, EXPIRED, CHARGING, DECLINED, APPROVED, MINTING, MINTED or MINT_FAILED.
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
    /// A payment page's address after success.
    pub success_url: Option<String>,
    /// A payment page's address after a refusal.
    pub reject_url: Option<String>,
    /// Until when a payment page takes the card.
    pub page_expires_at: Option<DateTime<Utc>>,
    /// The payment page's token.
    pub page_token: Option<String>,
    /// The fingerprint of the client's request (None: made before fingerprints were kept).
    pub fingerprint: Option<Vec<u8>>,
    /// The CARD_CASHIN commission quoted when the cash-in was made, in base units: what its mint
    /// charges (None: none; see migration 0022).
    pub commission: Option<Decimal>,
    /// The commission profile version that priced it (with `commission`).
    pub commission_version_id: Option<Uuid>,
}

/// A card cash-in whose card is typed on the platform's payment page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCardPage {
    /// The cash-in as far as it is known: its `brand` and `last4` are ignored.
    pub cash_in: NewCardCashIn,
    /// The page's token (its address is `/pay/{token}`).
    pub token: String,
    /// Where the browser goes after success.
    pub success_url: String,
    /// Where the browser goes after a refusal.
    pub reject_url: String,
    /// Until when the page takes the card.
    pub expires_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "id, client_id, wallet_id, movement_id, amount, concept, brand, last4, reference, state,
         decline_reason, authorization_code, request_id, created_at, updated_at, success_url,
         reject_url, page_expires_at, page_token, fingerprint, commission, commission_version_id"
    };
}

impl Store {
    /// Records a card cash-in as CHARGING before the acquirer is asked. None when the client already
    /// has one with this idempotency key (see [`Store::card_cash_in_by_key`]).
    pub async fn begin_card_cash_in(&self, c: &NewCardCashIn) -> Result<Option<CardCashInRow>> {
        Ok(sqlx::query_as(concat!("INSERT INTO card_cash_ins (id, client_id, idempotency_key, wallet_id, movement_id, amount,
                                        concept, brand, last4, reference, state, fingerprint,
                                        commission, commission_version_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'CHARGING', $11, $12, $13)
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
        .bind(c.fingerprint.as_slice())
        .bind(c.commission)
        .bind(c.commission_version_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Records a cash-in whose card is to be typed on its payment page (AWAITING_CARD). None when the
    /// client already has one with this idempotency key.
    pub async fn begin_card_page(&self, p: &NewCardPage) -> Result<Option<CardCashInRow>> {
        let c = &p.cash_in;
        Ok(sqlx::query_as(concat!("INSERT INTO card_cash_ins (id, client_id, idempotency_key, wallet_id, movement_id, amount,
                                        concept, reference, state, page_token, success_url,
                                        reject_url, page_expires_at, fingerprint, commission,
                                        commission_version_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'AWAITING_CARD', $9, $10, $11, $12, $13, $14,
                     $15)
             ON CONFLICT (client_id, idempotency_key) DO NOTHING
             RETURNING ", columns!(), ""))
        .bind(c.id)
        .bind(c.client_id)
        .bind(&c.idempotency_key)
        .bind(c.wallet_id)
        .bind(c.movement_id)
        .bind(c.amount)
        .bind(&c.concept)
        .bind(c.reference.as_slice())
        .bind(&p.token)
        .bind(&p.success_url)
        .bind(&p.reject_url)
        .bind(p.expires_at)
        .bind(c.fingerprint.as_slice())
        .bind(c.commission)
        .bind(c.commission_version_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The cash-in of the payment page with `token`.
    pub async fn card_cash_in_by_page(&self, token: &str) -> Result<Option<CardCashInRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM card_cash_ins WHERE page_token = $1"
        ))
        .bind(token)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The cash-in with payment reference `reference`.
    pub async fn card_cash_in_by_reference(
        &self,
        reference: &Hash,
    ) -> Result<Option<CardCashInRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM card_cash_ins WHERE reference = $1"
        ))
        .bind(reference.as_slice())
        .fetch_optional(self.pool())
        .await?)
    }

    /// The card typed on page `id` is about to be charged (AWAITING_CARD → CHARGING, with its brand
    /// and last four digits), if the page still takes a card at `now`: false when it was used or has
    /// expired (one card a page, once).
    pub async fn take_card_page(
        &self,
        id: Uuid,
        brand: &str,
        last4: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE card_cash_ins SET state = 'CHARGING', brand = $2, last4 = $3,
                                      updated_at = clock_timestamp()
             WHERE id = $1 AND state = 'AWAITING_CARD' AND page_expires_at > $4",
        )
        .bind(id)
        .bind(brand)
        .bind(last4)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Payment pages still waiting for a card at `now` past their end (at most 100).
    pub async fn expired_card_pages(&self, now: DateTime<Utc>) -> Result<Vec<CardCashInRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM card_cash_ins WHERE state = 'AWAITING_CARD' AND page_expires_at <= $1
             ORDER BY page_expires_at LIMIT 100"
        ))
        .bind(now)
        .fetch_all(self.pool())
        .await?)
    }

    /// Takes callback `event_id` of the acquirer (its decision on `reference`): false when it was
    /// taken already (a replay).
    pub async fn take_acquirer_callback(
        &self,
        event_id: &str,
        reference: &Hash,
        approved: bool,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO acquirer_callbacks (event_id, reference, decision) VALUES ($1, $2, $3)
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(reference.as_slice())
        .bind(if approved { "APPROVED" } else { "DECLINED" })
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The cards (brand, last four digits) of the card cash-ins of these movements, by movement id;
    /// a page still waiting for its card has none.
    pub async fn card_cash_in_cards(
        &self,
        movements: &[Uuid],
    ) -> Result<Vec<(Uuid, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT movement_id, brand, last4 FROM card_cash_ins
             WHERE movement_id = ANY($1) AND brand IS NOT NULL AND last4 IS NOT NULL",
        )
        .bind(movements)
        .fetch_all(self.pool())
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
        self.fail_card_cash_in(id, ("CHARGING", "DECLINED"), None, reason, request, answer)
            .await
    }

    /// Payment page `id` expired unused at `now` (AWAITING_CARD → EXPIRED), its movement ERROR as a
    /// declined card's. False if the card was typed meanwhile.
    pub async fn expire_card_page(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        request: &NewRequest,
        answer: (u16, &serde_json::Value),
    ) -> Result<bool> {
        self.fail_card_cash_in(
            id,
            ("AWAITING_CARD", "EXPIRED"),
            Some(now),
            "the payment page expired before a card was submitted",
            request,
            answer,
        )
        .await
    }

    /// Cash-in `id` goes from state `from` to `to` (a page only when expired at `expired_at`), its
    /// request failed: see [`Store::decline_card_cash_in`].
    async fn fail_card_cash_in(
        &self,
        id: Uuid,
        (from, to): (&str, &str),
        expired_at: Option<DateTime<Utc>>,
        reason: &str,
        request: &NewRequest,
        answer: (u16, &serde_json::Value),
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE card_cash_ins SET state = $5, decline_reason = $2, request_id = $3,
                                      updated_at = clock_timestamp()
             WHERE id = $1 AND state = $4 AND ($6::timestamptz IS NULL OR page_expires_at <= $6)",
        )
        .bind(id)
        .bind(reason)
        .bind(request.id)
        .bind(from)
        .bind(to)
        .bind(expired_at)
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

    /// Cash-in `id`, still CHARGING, was looked at now (the acquirer has not decided yet).
    pub async fn touch_card_cash_in(&self, id: Uuid) -> Result<()> {
        sqlx::query(
            "UPDATE card_cash_ins SET updated_at = clock_timestamp() WHERE id = $1 AND state = 'CHARGING'",
        )
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
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
