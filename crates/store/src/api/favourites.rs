//! Favourite external accounts: bank accounts a wallet pays out to by name (see migration 0016).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::requests::{answer_request, insert_request};
use crate::{
    Result, Store,
    api::{NewRequest, Paging, RequestRow, Sort},
};

/// A stored favourite external account.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FavouriteRow {
    /// Its id.
    pub id: Uuid,
    /// The wallet it belongs to.
    pub wallet_id: Uuid,
    /// The wallet's client.
    pub client_id: Uuid,
    /// Its name, one ACTIVE favourite's per wallet.
    pub alias: String,
    /// The IBAN, electronic format.
    pub iban: String,
    /// ACTIVE or DELETED.
    pub status: String,
    /// Added.
    pub created_at: DateTime<Utc>,
    /// Deleted.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A favourite to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFavourite {
    /// Its id.
    pub id: Uuid,
    /// The wallet.
    pub wallet_id: Uuid,
    /// The wallet's client.
    pub client_id: Uuid,
    /// Its name.
    pub alias: String,
    /// The IBAN, electronic format.
    pub iban: String,
}

/// What adding a favourite came to.
#[derive(Debug, Clone, PartialEq)]
pub enum FavouriteAdded {
    /// Added (its request answered in the same transaction).
    Added(FavouriteRow),
    /// The request's key was used before: the first request.
    Repeated(Box<RequestRow>),
    /// The wallet has an ACTIVE favourite with this alias.
    AliasTaken(Uuid),
    /// The wallet has this many ACTIVE favourites already.
    TooMany(i64),
}

macro_rules! favourite_columns {
    () => {
        "id, wallet_id, client_id, alias, iban, status, created_at, deleted_at"
    };
}

impl Store {
    /// Adds `favourite` with `request` (answered, with its accepted answer, in the same transaction),
    /// unless the wallet already has an ACTIVE favourite with its alias or `max` ACTIVE ones. The
    /// wallet's favourites are counted with its row locked, so two processes never both add the last.
    pub async fn add_favourite(
        &self,
        request: &NewRequest,
        favourite: &NewFavourite,
        max: u32,
    ) -> Result<FavouriteAdded> {
        let mut tx = self.pool().begin().await?;
        if let Some(first) = insert_request(&mut tx, request).await? {
            tx.commit().await?;
            return Ok(FavouriteAdded::Repeated(Box::new(first)));
        }
        sqlx::query("SELECT 1 FROM wallets WHERE id = $1 FOR UPDATE")
            .bind(favourite.wallet_id)
            .execute(&mut *tx)
            .await?;
        let taken: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM favourite_accounts WHERE wallet_id = $1 AND alias = $2 AND status = 'ACTIVE'",
        )
        .bind(favourite.wallet_id)
        .bind(&favourite.alias)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = taken {
            tx.rollback().await?;
            return Ok(FavouriteAdded::AliasTaken(id));
        }
        let active: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM favourite_accounts WHERE wallet_id = $1 AND status = 'ACTIVE'",
        )
        .bind(favourite.wallet_id)
        .fetch_one(&mut *tx)
        .await?;
        if active >= i64::from(max) {
            tx.rollback().await?;
            return Ok(FavouriteAdded::TooMany(active));
        }
        let row: FavouriteRow = sqlx::query_as(concat!(
            "INSERT INTO favourite_accounts (id, wallet_id, client_id, alias, iban, status)
             VALUES ($1, $2, $3, $4, $5, 'ACTIVE') RETURNING ",
            favourite_columns!()
        ))
        .bind(favourite.id)
        .bind(favourite.wallet_id)
        .bind(favourite.client_id)
        .bind(&favourite.alias)
        .bind(&favourite.iban)
        .fetch_one(&mut *tx)
        .await?;
        answer_request(&mut tx, request.id).await?;
        tx.commit().await?;
        Ok(FavouriteAdded::Added(row))
    }

    /// Favourite `id` of wallet `wallet_id`.
    pub async fn favourite(&self, wallet_id: Uuid, id: Uuid) -> Result<Option<FavouriteRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            favourite_columns!(),
            " FROM favourite_accounts WHERE wallet_id = $1 AND id = $2"
        ))
        .bind(wallet_id)
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Deletes favourite `id` of wallet `wallet_id` (for ever); the favourite as it now is (None if the
    /// wallet has no such favourite). Deleting a deleted one changes nothing.
    pub async fn delete_favourite(
        &self,
        wallet_id: Uuid,
        id: Uuid,
    ) -> Result<Option<FavouriteRow>> {
        sqlx::query(
            "UPDATE favourite_accounts SET status = 'DELETED', deleted_at = clock_timestamp()
             WHERE wallet_id = $1 AND id = $2 AND status = 'ACTIVE'",
        )
        .bind(wallet_id)
        .bind(id)
        .execute(self.pool())
        .await?;
        self.favourite(wallet_id, id).await
    }

    /// A page of wallet `wallet_id`'s favourites (ACTIVE and DELETED), by `sort` (`createdAt`,
    /// `alias` or `status`; `desc`), and how many it has.
    pub async fn favourites_page(
        &self,
        wallet_id: Uuid,
        sort: &Sort,
        paging: Paging,
    ) -> Result<(Vec<FavouriteRow>, i64)> {
        let rows = sqlx::query_as(concat!(
            "SELECT ",
            favourite_columns!(),
            " FROM favourite_accounts WHERE wallet_id = $1
             ORDER BY
               CASE WHEN $2 = 'createdAt' AND NOT $3 THEN created_at END ASC,
               CASE WHEN $2 = 'createdAt' AND $3 THEN created_at END DESC,
               CASE WHEN $2 = 'alias' AND NOT $3 THEN alias END ASC,
               CASE WHEN $2 = 'alias' AND $3 THEN alias END DESC,
               CASE WHEN $2 = 'status' AND NOT $3 THEN status END ASC,
               CASE WHEN $2 = 'status' AND $3 THEN status END DESC,
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
            sqlx::query_scalar("SELECT count(*) FROM favourite_accounts WHERE wallet_id = $1")
                .bind(wallet_id)
                .fetch_one(self.pool())
                .await?;
        Ok((rows, total))
    }
}
