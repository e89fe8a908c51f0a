use uuid::Uuid;

use super::{Paging, Sort, onboarding::wallet_is_empty};
use crate::{Addr, Result, Store, WalletRow, read::wallet_columns};

/// A wallet the platform registers for a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWallet {
    /// Its id (the same UUIDv5 the indexer gives the address).
    pub id: Uuid,
    /// Chain id.
    pub chain_id: i64,
    /// Its address.
    pub address: Addr,
    /// The user.
    pub user_id: Uuid,
    /// The user's client.
    pub client_id: Uuid,
    /// Its virtual IBAN (None: it gets one only when asked, see [`Store::set_iban`]).
    pub iban: Option<String>,
    /// The most wallets the user may have, unsubscribed ones not counted (None: no limit).
    pub max_for_user: Option<i64>,
}

/// What registering an address gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// Registered now (the row, as stored).
    Registered(WalletRow),
    /// The address already belongs to a user's wallet.
    Taken(WalletRow),
    /// The address was unsubscribed: it can never be registered again.
    Unsubscribed(WalletRow),
    /// The user has this many wallets already: the most it may have.
    TooMany(i64),
}

/// Which wallets to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletsQuery {
    /// The calling client (only its wallets are listed).
    pub client_id: Uuid,
    /// Only this user's wallets.
    pub user_id: Option<Uuid>,
    /// Sort by createdAt, balance, availableBalance, heldBalance, status or dltAddress.
    pub sort: Sort,
    /// Which page.
    pub paging: Paging,
}

impl Store {
    /// Registers `wallet` for a user, unless its address already belongs to one or was unsubscribed.
    /// An address the chain has shown already keeps its row (and balances) and gains its owner.
    pub async fn register_wallet(&self, wallet: &NewWallet) -> Result<Registration> {
        let mut tx = self.pool().begin().await?;
        // The user's wallets are counted and added one request at a time.
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(wallet.user_id)
            .execute(&mut *tx)
            .await?;
        if let Some(max) = wallet.max_for_user {
            let (count,): (i64,) = sqlx::query_as(
                "SELECT count(*) FROM wallets
                 WHERE user_id = $1 AND status <> 'UNSUBSCRIBED' AND NOT (chain_id = $2 AND address = $3)",
            )
            .bind(wallet.user_id)
            .bind(wallet.chain_id)
            .bind(wallet.address)
            .fetch_one(&mut *tx)
            .await?;
            if count >= max {
                return Ok(Registration::TooMany(count));
            }
        }
        let registered: Option<WalletRow> = sqlx::query_as(concat!(
            "INSERT INTO wallets (id, chain_id, address, user_id, client_id, iban, registered_at)
             VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())
             ON CONFLICT (chain_id, address) DO UPDATE
             SET user_id = excluded.user_id, client_id = excluded.client_id, iban = excluded.iban,
                 registered_at = excluded.registered_at
             WHERE wallets.user_id IS NULL AND wallets.status <> 'UNSUBSCRIBED'
             RETURNING ",
            wallet_columns!()
        ))
        .bind(wallet.id)
        .bind(wallet.chain_id)
        .bind(wallet.address)
        .bind(wallet.user_id)
        .bind(wallet.client_id)
        .bind(&wallet.iban)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = registered {
            tx.commit().await?;
            return Ok(Registration::Registered(row));
        }
        let existing: WalletRow = sqlx::query_as(concat!(
            "SELECT ",
            wallet_columns!(),
            " FROM wallets WHERE chain_id = $1 AND address = $2"
        ))
        .bind(wallet.chain_id)
        .bind(wallet.address)
        .fetch_one(&mut *tx)
        .await?;
        Ok(
            if existing.status == emtoken_types::WalletStatus::Unsubscribed {
                Registration::Unsubscribed(existing)
            } else {
                Registration::Taken(existing)
            },
        )
    }

    /// Unsubscribes a wallet if all its balances (final and head, gross and held) are 0 and no request of
    /// the platform for it is still on its way; returns the updated row, or None when it does not qualify.
    /// Its ACTIVE scheduled operations are DELETED with it (no date of theirs comes any more).
    pub async fn unsubscribe_wallet(&self, id: Uuid) -> Result<Option<WalletRow>> {
        Ok(sqlx::query_as(concat!(
            "WITH gone AS (
               UPDATE wallets w SET status = 'UNSUBSCRIBED', updated_at = clock_timestamp()
               WHERE id = $1 AND status <> 'UNSUBSCRIBED' AND ",
            wallet_is_empty!(),
            " RETURNING ",
            wallet_columns!(),
            "), cancelled AS (
               UPDATE scheduled_operations SET status = 'DELETED', next_due = NULL,
                                               updated_at = clock_timestamp()
               WHERE wallet_id IN (SELECT id FROM gone) AND status = 'ACTIVE')
             SELECT ",
            wallet_columns!(),
            " FROM gone"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The wallet with this IBAN.
    pub async fn wallet_by_iban(&self, iban: &str) -> Result<Option<WalletRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            wallet_columns!(),
            " FROM wallets WHERE iban = $1"
        ))
        .bind(iban)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A page of a client's wallets and the total count. The platform's own accounts (suspense
    /// account, operators) are never a client's, whoever registered their address.
    pub async fn wallets_page(&self, q: &WalletsQuery) -> Result<(Vec<WalletRow>, i64)> {
        let rows: Vec<WalletRow> = sqlx::query_as(concat!(
            "SELECT ",
            wallet_columns!(),
            " FROM wallets
             WHERE client_id = $1 AND ($2::uuid IS NULL OR user_id = $2) AND system_role IS NULL
             ORDER BY
               CASE WHEN $3 = 'createdAt' AND NOT $4 THEN COALESCE(registered_at, created_at) END ASC,
               CASE WHEN $3 = 'createdAt' AND $4 THEN COALESCE(registered_at, created_at) END DESC,
               CASE WHEN $3 = 'balance' AND NOT $4 THEN balance END ASC,
               CASE WHEN $3 = 'balance' AND $4 THEN balance END DESC,
               CASE WHEN $3 = 'availableBalance' AND NOT $4 THEN head_total - held END ASC,
               CASE WHEN $3 = 'availableBalance' AND $4 THEN head_total - held END DESC,
               CASE WHEN $3 = 'heldBalance' AND NOT $4 THEN held END ASC,
               CASE WHEN $3 = 'heldBalance' AND $4 THEN held END DESC,
               CASE WHEN $3 = 'status' AND NOT $4 THEN status END ASC,
               CASE WHEN $3 = 'status' AND $4 THEN status END DESC,
               CASE WHEN $3 = 'dltAddress' AND NOT $4 THEN address END ASC,
               CASE WHEN $3 = 'dltAddress' AND $4 THEN address END DESC,
               id
             LIMIT $5 OFFSET $6"
        ))
        .bind(q.client_id)
        .bind(q.user_id)
        .bind(&q.sort.field)
        .bind(q.sort.desc)
        .bind(q.paging.size)
        .bind(q.paging.offset())
        .fetch_all(self.pool())
        .await?;
        let (total,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM wallets
             WHERE client_id = $1 AND ($2::uuid IS NULL OR user_id = $2) AND system_role IS NULL",
        )
        .bind(q.client_id)
        .bind(q.user_id)
        .fetch_one(self.pool())
        .await?;
        Ok((rows, total))
    }

    /// The wallets with these ids (any order; unknown ids are left out).
    pub async fn wallets_by_ids(&self, ids: &[Uuid]) -> Result<Vec<WalletRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            wallet_columns!(),
            " FROM wallets WHERE id = ANY($1)"
        ))
        .bind(ids)
        .fetch_all(self.pool())
        .await?)
    }
}
