//! Holds that expire: the open holds whose expiration the chain has reached, which the platform releases
//! (docs/api.md, Holds), and the claim that lets one process at a time send a hold's release.
//!
//! "Expired" is the chain's time, not the wall clock: a hold is expired once its expiration is at or
//! before the time of the newest indexed block, which the contract has seen (it releases a hold as
//! RELEASED_ON_EXPIRATION from `block.timestamp >= expiration` on).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{NewRequest, requests::insert_request};
use crate::{Result, Store};

/// An open hold whose expiration the chain has reached, with nothing about it on its way.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExpiredHold {
    /// Hold id.
    pub id: Uuid,
    /// The contract's key.
    pub hold_key: Vec<u8>,
    /// The payer's wallet (the index has one for every address the chain named).
    pub payer_wallet_id: Option<Uuid>,
    /// When it expired.
    pub expiration: DateTime<Utc>,
    /// The time of the newest indexed block.
    pub chain_time: DateTime<Utc>,
}

/// The chain's time on chain `$chain` (an SQL expression): the newest indexed block's.
macro_rules! chain_time {
    ($chain:literal) => {
        concat!(
            "(SELECT b.time FROM blocks b WHERE b.chain_id = ",
            $chain,
            " ORDER BY b.number DESC LIMIT 1)"
        )
    };
}

/// Holds `h` of chain `$chain` (an SQL expression) that are open and expired at the chain's time.
macro_rules! expired_open {
    ($chain:literal) => {
        concat!(
            "h.status IN ('CREATED', 'RENEWED', 'EXECUTED_AND_KEPT_OPEN') AND h.expiration IS NOT NULL
             AND h.expiration <= ",
            chain_time!($chain)
        )
    };
}

/// No request about hold `h` is on its way: none REQUESTED or PENDING_DLT (a user's execution or release
/// included); none MINED whose transaction the indexer has not seen yet (for 10 minutes at most: a
/// transaction a reorganisation dropped does not keep the hold for ever); and no release on expiration
/// settled in the last 30 seconds (one that failed is tried again then, not every round).
macro_rules! nothing_on_its_way {
    () => {
        "NOT EXISTS (
           SELECT 1 FROM api_requests r
           WHERE r.record_id = h.id
             AND (r.state IN ('REQUESTED', 'PENDING_DLT')
                  OR (r.state = 'MINED' AND r.tx_hash IS NOT NULL
                      AND r.updated_at > clock_timestamp() - interval '10 minutes'
                      AND NOT EXISTS (SELECT 1 FROM events e WHERE e.tx_hash = r.tx_hash))
                  OR (r.kind = 'RELEASE_EXPIRED_HOLD'
                      AND r.updated_at > clock_timestamp() - interval '30 seconds')))"
    };
}

impl Store {
    /// Up to `limit` open holds of chain `chain_id` whose expiration the chain has reached and about which
    /// nothing is on its way, the longest expired first: whoever made them (the API, or a call to the
    /// contract), whoever their notary.
    pub async fn expired_holds(&self, chain_id: i64, limit: i64) -> Result<Vec<ExpiredHold>> {
        Ok(sqlx::query_as(concat!(
            // The chain's time is read once (`$1`, not the row's chain): the index of open holds by
            // expiration (migration 0018) then stops at it.
            "SELECT h.id, h.hold_key, w.id AS payer_wallet_id, h.expiration, ",
            chain_time!("$1"),
            " AS chain_time
             FROM holds h
             LEFT JOIN wallets w ON w.chain_id = h.chain_id AND w.address = h.payer
             WHERE h.chain_id = $1 AND ",
            expired_open!("$1"),
            " AND ",
            nothing_on_its_way!(),
            " ORDER BY h.expiration, h.id LIMIT $2"
        ))
        .bind(chain_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Records `request`, the release of expired hold `request.record_id`, if the hold is still open and
    /// expired and nothing about it is on its way; `false` (nothing recorded) otherwise: another process
    /// is releasing it, or it is closed. Claims of one hold are checked one at a time (a
    /// transaction-scoped advisory lock: it holds across processes sharing the database), so that two
    /// follow-ups release a hold once.
    pub async fn begin_expiry_release(&self, request: &NewRequest) -> Result<bool> {
        let Some(hold) = request.record_id else {
            return Ok(false);
        };
        let mut tx = self.pool().begin().await?;
        // 7302: holds' claims (7301 is wallets' outflow checks, `begin_request`).
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7302))")
            .bind(hold)
            .execute(&mut *tx)
            .await?;
        let (free,): (bool,) = sqlx::query_as(concat!(
            "SELECT EXISTS (SELECT 1 FROM holds h WHERE h.id = $1 AND ",
            expired_open!("h.chain_id"),
            " AND ",
            nothing_on_its_way!(),
            ")"
        ))
        .bind(hold)
        .fetch_one(&mut *tx)
        .await?;
        if !free {
            tx.rollback().await?;
            return Ok(false);
        }
        let first = insert_request(&mut tx, request).await?;
        tx.commit().await?;
        Ok(first.is_none())
    }
}
