use chrono::{DateTime, Utc};
use emtoken_types::{MovementStatus, MovementType, RecordKind};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{Paging, Sort};
use crate::{Result, Store};

/// A movement as the API shows it: written by the indexer, or expected from a request of the platform
/// that the chain has not shown yet (PENDING, or ERROR when the request failed).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MovementView {
    /// Movement id.
    pub id: Uuid,
    /// Its wallet.
    pub wallet_id: Uuid,
    /// Its type.
    pub r#type: MovementType,
    /// PENDING, SUCCESS or ERROR.
    pub status: MovementStatus,
    /// Amount in base units.
    pub amount: Decimal,
    /// The concept given to the platform, if any.
    pub concept: Option<String>,
    /// Sender (transfers).
    pub origin_address: Option<Vec<u8>>,
    /// Receiver (transfers).
    pub target_address: Option<Vec<u8>>,
    /// Bank account (cash-ins and cash-outs).
    pub iban: Option<String>,
    /// HOLD, TRANSFER, FUND, PAYOUT or OPERATOR_TRANSFER.
    pub record_kind: Option<RecordKind>,
    /// That record's key.
    pub record_key: Option<Vec<u8>>,
    /// The payment reference of a direct mint (CARD_CASHIN / BANK_ACCOUNT_CASHIN), once indexed.
    pub payment_reference: Option<Vec<u8>>,
    /// The transaction (None before it is sent).
    pub tx_hash: Option<Vec<u8>>,
    /// Its block (None before it is indexed).
    pub block_number: Option<i64>,
    /// That block's hash.
    pub block_hash: Option<Vec<u8>>,
    /// The log's index.
    pub log_index: Option<i64>,
    /// Creation (block time once indexed, request time before).
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// The scheduled operation whose execution made it, if any.
    pub scheduled_operation_id: Option<Uuid>,
}

/// Which movements of a wallet to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovementsQuery {
    /// The wallet.
    pub wallet_id: Uuid,
    /// Only this status.
    pub status: Option<MovementStatus>,
    /// Created at or after.
    pub start: Option<DateTime<Utc>>,
    /// Created at or before.
    pub end: Option<DateTime<Utc>>,
    /// Sort by createdAt, updatedAt, amount, status or type.
    pub sort: Sort,
    /// Which page.
    pub paging: Paging,
}

/// The CARD_CASHIN movements of wallet $1's card cash-ins not decided yet (a payment page waiting for
/// the card, a card being charged): PENDING, in the columns of `all_m`. Once decided, the cash-in's
/// request stands for its movement.
macro_rules! undecided_card_cash_ins {
    () => {
        "SELECT c.movement_id AS id, c.wallet_id, 'CARD_CASHIN'::text AS type, 'PENDING'::text AS status,
                c.amount, c.concept, NULL::bytea AS origin_address, NULL::bytea AS target_address,
                NULL::text AS iban, NULL::text AS record_kind, NULL::bytea AS record_key,
                NULL::bytea AS payment_reference, NULL::bytea AS tx_hash, NULL::bigint AS block_number,
                NULL::bytea AS block_hash, NULL::bigint AS log_index, c.created_at, c.updated_at,
                true AS expected
         FROM card_cash_ins c
         WHERE c.wallet_id = $1 AND c.request_id IS NULL AND c.state IN ('AWAITING_CARD', 'CHARGING')
           AND NOT EXISTS (SELECT 1 FROM api_movements am WHERE am.id = c.movement_id)"
    };
}

/// A wallet's movements ($1): indexed ones and the expected ones not indexed yet, with the columns lists
/// sort and filter on. `concept` and `iban` are the movement's own here; `movement_columns!` completes an
/// indexed movement's from the request that caused it, for the rows shown only (that lookup per row was
/// most of a page's time on a wallet with thousands of movements).
macro_rules! movements_of_wallet {
    () => {
        concat!("WITH all_m AS (
           SELECT m.id, m.wallet_id, m.type, m.status, m.amount, m.concept, m.origin_address,
                  m.target_address, m.iban, m.record_kind, m.record_key, m.payment_reference, m.tx_hash,
                  m.block_number, m.block_hash, m.log_index, m.created_at, m.updated_at, false AS expected
           FROM movements m
           WHERE m.wallet_id = $1
           UNION ALL
           SELECT am.id, am.wallet_id, am.type,
                  CASE WHEN r.state = 'FAILED' THEN 'ERROR' ELSE 'PENDING' END, am.amount, am.concept,
                  am.origin_address, am.target_address, am.iban, NULL, r.record_key, NULL, r.tx_hash, NULL,
                  NULL, NULL, am.created_at, r.updated_at, true
           FROM api_movements am JOIN api_requests r ON r.id = am.request_id
           WHERE am.wallet_id = $1 AND NOT EXISTS (SELECT 1 FROM movements m WHERE m.id = am.id)
             -- a request refused before anything was sent (answered 409) leaves no movement; a card
             -- cash-in whose card was declined is a movement in ERROR
             AND (r.state <> 'FAILED' OR r.tx_hash IS NOT NULL OR r.kind = 'CARD_CASH_IN')
           UNION ALL
           ",
        undecided_card_cash_ins!(),
        "
         )")
    };
}

/// The columns of [`MovementView`] from rows `p` of `all_m`: an indexed movement takes the concept and
/// IBAN given to the platform (its expected movement's, else its request's).
macro_rules! movement_columns {
    () => {
        "SELECT p.id, p.wallet_id, p.type, p.status, p.amount,
                CASE WHEN p.expected THEN p.concept
                     ELSE COALESCE(p.concept, am.concept,
                                   (SELECT r.concept FROM api_requests r WHERE r.tx_hash = p.tx_hash
                                    ORDER BY r.created_at LIMIT 1)) END AS concept,
                p.origin_address, p.target_address,
                CASE WHEN p.expected THEN p.iban ELSE COALESCE(p.iban, am.iban) END AS iban,
                p.record_kind, p.record_key, p.payment_reference, p.tx_hash, p.block_number, p.block_hash,
                p.log_index, p.created_at, p.updated_at,
                (SELECT e.operation_id FROM api_movements x
                 JOIN scheduled_executions e ON e.request_id = x.request_id
                 WHERE x.id = p.id) AS scheduled_operation_id
         FROM page p LEFT JOIN api_movements am ON am.id = p.id AND NOT p.expected"
    };
}

/// The order of a page: sort field $5, descending when $6, then chain order.
macro_rules! movements_order {
    () => {
        " ORDER BY
           CASE WHEN $5 = 'createdAt' AND NOT $6 THEN created_at END ASC,
           CASE WHEN $5 = 'createdAt' AND $6 THEN created_at END DESC,
           CASE WHEN $5 = 'updatedAt' AND NOT $6 THEN updated_at END ASC,
           CASE WHEN $5 = 'updatedAt' AND $6 THEN updated_at END DESC,
           CASE WHEN $5 = 'amount' AND NOT $6 THEN amount END ASC,
           CASE WHEN $5 = 'amount' AND $6 THEN amount END DESC,
           CASE WHEN $5 = 'status' AND NOT $6 THEN status END ASC,
           CASE WHEN $5 = 'status' AND $6 THEN status END DESC,
           CASE WHEN $5 = 'type' AND NOT $6 THEN type END ASC,
           CASE WHEN $5 = 'type' AND $6 THEN type END DESC,
           block_number NULLS LAST, log_index, type, id"
    };
}

/// The filters of a page, on the columns of `movements` and of `all_m` alike.
macro_rules! movements_filter {
    () => {
        "($2::text IS NULL OR status = $2) AND ($3::timestamptz IS NULL OR created_at >= $3)
         AND ($4::timestamptz IS NULL OR created_at <= $4)"
    };
}

/// A page sorted by creation, oldest first (`$order` ASC) or newest first (DESC, chain order reversed
/// within a block): each side — the indexed movements, in the order of their index
/// `movements_by_wallet_order`, and the expected ones — gives at most `size + offset` rows, and the page
/// is cut from those. So a page reads what it shows (plus the offset), not every movement of the wallet.
macro_rules! movements_by_creation {
    ($dir:literal, $nulls:literal) => {
        concat!(
            "WITH indexed AS (
               SELECT m.id, m.wallet_id, m.type, m.status, m.amount, m.concept, m.origin_address,
                      m.target_address, m.iban, m.record_kind, m.record_key, m.payment_reference, m.tx_hash,
                      m.block_number, m.block_hash, m.log_index, m.created_at, m.updated_at, false AS expected
               FROM movements m
               WHERE m.wallet_id = $1 AND ",
            movements_filter!(),
            " ORDER BY created_at ", $dir, ", block_number ", $dir, " NULLS ", $nulls, ", log_index ", $dir,
            ", type ", $dir, ", id ", $dir, "
               LIMIT $5 + $6),
             expected AS (
               SELECT am.id, am.wallet_id, am.type,
                      CASE WHEN r.state = 'FAILED' THEN 'ERROR' ELSE 'PENDING' END AS status, am.amount,
                      am.concept, am.origin_address, am.target_address, am.iban, NULL::text AS record_kind,
                      r.record_key, NULL::bytea AS payment_reference, r.tx_hash, NULL::bigint AS block_number,
                      NULL::bytea AS block_hash, NULL::bigint AS log_index, am.created_at, r.updated_at,
                      true AS expected
               FROM api_movements am JOIN api_requests r ON r.id = am.request_id
               WHERE am.wallet_id = $1 AND NOT EXISTS (SELECT 1 FROM movements m WHERE m.id = am.id)
                 AND (r.state <> 'FAILED' OR r.tx_hash IS NOT NULL OR r.kind = 'CARD_CASH_IN')
               UNION ALL ",
            undecided_card_cash_ins!(),
            "),
             all_m AS (SELECT * FROM indexed UNION ALL SELECT * FROM expected),
             page AS (
               SELECT * FROM all_m WHERE ",
            movements_filter!(),
            " ORDER BY created_at ", $dir, ", block_number ", $dir, " NULLS ", $nulls, ", log_index ", $dir,
            ", type ", $dir, ", id ", $dir, "
               LIMIT $5 OFFSET $6)
             SELECT * FROM (",
            movement_columns!(),
            ") v ORDER BY created_at ", $dir, ", block_number ", $dir, " NULLS ", $nulls, ", log_index ",
            $dir, ", type ", $dir, ", id ", $dir
        )
    };
}

impl Store {
    /// A page of a wallet's movements and the total count.
    pub async fn movements_page(&self, q: &MovementsQuery) -> Result<(Vec<MovementView>, i64)> {
        if q.sort.field == "createdAt" {
            return self.movements_page_by_creation(q).await;
        }
        let rows: Vec<MovementView> = sqlx::query_as(concat!(
            movements_of_wallet!(),
            ", page AS (
               SELECT * FROM all_m
               WHERE ($2::text IS NULL OR status = $2) AND ($3::timestamptz IS NULL OR created_at >= $3)
                 AND ($4::timestamptz IS NULL OR created_at <= $4)",
            movements_order!(),
            " LIMIT $7 OFFSET $8)
             SELECT * FROM (",
            movement_columns!(),
            ") v",
            movements_order!(),
        ))
        .bind(q.wallet_id)
        .bind(q.status)
        .bind(q.start)
        .bind(q.end)
        .bind(&q.sort.field)
        .bind(q.sort.desc)
        .bind(q.paging.size)
        .bind(q.paging.offset())
        .fetch_all(self.pool())
        .await?;
        Ok((rows, self.movements_count(q).await?))
    }

    /// [`Store::movements_page`] sorted by creation (the default): see `movements_by_creation!`.
    async fn movements_page_by_creation(
        &self,
        q: &MovementsQuery,
    ) -> Result<(Vec<MovementView>, i64)> {
        let sql = if q.sort.desc {
            movements_by_creation!("DESC", "FIRST")
        } else {
            movements_by_creation!("ASC", "LAST")
        };
        let rows: Vec<MovementView> = sqlx::query_as(sql)
            .bind(q.wallet_id)
            .bind(q.status)
            .bind(q.start)
            .bind(q.end)
            .bind(q.paging.size)
            .bind(q.paging.offset())
            .fetch_all(self.pool())
            .await?;
        Ok((rows, self.movements_count(q).await?))
    }

    /// How many movements the pages of `q` hold. Without filters, the indexed side is counted from the
    /// index alone (an index-only scan).
    async fn movements_count(&self, q: &MovementsQuery) -> Result<i64> {
        if q.status.is_none() && q.start.is_none() && q.end.is_none() {
            return Ok(sqlx::query_scalar(concat!(
                "SELECT (SELECT count(*) FROM movements WHERE wallet_id = $1)
                        + (SELECT count(*) FROM api_movements am JOIN api_requests r ON r.id = am.request_id
                           WHERE am.wallet_id = $1 AND NOT EXISTS (SELECT 1 FROM movements m WHERE m.id = am.id)
                             AND (r.state <> 'FAILED' OR r.tx_hash IS NOT NULL OR r.kind = 'CARD_CASH_IN'))
                        + (SELECT count(*) FROM (",
                undecided_card_cash_ins!(),
                ") c)",
            ))
            .bind(q.wallet_id)
            .fetch_one(self.pool())
            .await?);
        }
        Ok(sqlx::query_scalar(concat!(
            movements_of_wallet!(),
            " SELECT count(*) FROM all_m WHERE ",
            movements_filter!()
        ))
        .bind(q.wallet_id)
        .bind(q.status)
        .bind(q.start)
        .bind(q.end)
        .fetch_one(self.pool())
        .await?)
    }

    /// One movement of a wallet.
    pub async fn movement_view(&self, wallet_id: Uuid, id: Uuid) -> Result<Option<MovementView>> {
        Ok(sqlx::query_as(concat!(
            movements_of_wallet!(),
            ", page AS (SELECT * FROM all_m WHERE id = $2) ",
            movement_columns!(),
        ))
        .bind(wallet_id)
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The wallet and payout key of a BANK_ACCOUNT_CASHOUT movement (indexed or expected).
    pub async fn cash_out_movement(&self, id: Uuid) -> Result<Option<(Uuid, Vec<u8>)>> {
        Ok(sqlx::query_as(
            "SELECT wallet_id, record_key FROM movements
             WHERE id = $1 AND type = 'BANK_ACCOUNT_CASHOUT' AND record_key IS NOT NULL
             UNION ALL
             SELECT am.wallet_id, r.record_key FROM api_movements am JOIN api_requests r ON r.id = am.request_id
             WHERE am.id = $1 AND am.type = 'BANK_ACCOUNT_CASHOUT' AND r.record_key IS NOT NULL
             LIMIT 1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The bank account a cash-out movement pays to, as its request recorded it.
    pub async fn cash_out_iban(&self, id: Uuid) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT iban FROM api_movements WHERE id = $1 AND type = 'BANK_ACCOUNT_CASHOUT'",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .flatten())
    }

    /// Payouts waiting for the bank: (movement id, wallet id, amount in base units, IBAN, order status),
    /// oldest first.
    #[allow(clippy::type_complexity)]
    pub async fn pending_cash_outs(
        &self,
        chain_id: i64,
    ) -> Result<Vec<(Uuid, Uuid, Decimal, Option<String>, String)>> {
        Ok(sqlx::query_as(
            "SELECT m.id, m.wallet_id, o.value, am.iban, o.status
             FROM orders o
             JOIN movements m ON m.chain_id = o.chain_id AND m.record_key = o.order_key
                              AND m.type = 'BANK_ACCOUNT_CASHOUT'
             LEFT JOIN api_movements am ON am.id = m.id
             WHERE o.chain_id = $1 AND o.kind = 'PAYOUT'
               AND o.status IN ('ORDERED', 'IN_PROCESS', 'FUNDS_IN_SUSPENSE')
             ORDER BY o.created_block, o.order_key",
        )
        .bind(chain_id)
        .fetch_all(self.pool())
        .await?)
    }
}
