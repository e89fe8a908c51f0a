//! Favourite external accounts, in the guide's shapes (which differ between adding or deleting one and
//! reading one).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Accepted, Link, SelfLink};

/// ACTIVE or DELETED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum FavouriteStatus {
    /// Usable.
    Active,
    /// Deleted, for ever.
    Deleted,
}

/// The answer to adding or deleting a favourite external account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FavouriteChanged {
    /// Links: the wallet's favourites.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// The favourite's id.
    pub favourite_external_account_id: Uuid,
    /// Its name.
    pub alias: String,
    /// The IBAN, electronic format.
    pub external_iban: String,
    /// ACTIVE (added) or DELETED.
    pub status: FavouriteStatus,
}

/// Links of a favourite external account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FavouriteLinks {
    /// The favourite.
    #[serde(rename = "self")]
    pub this: Link,
    /// Its wallet.
    pub wallet: Link,
}

/// A favourite external account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Favourite {
    /// Links: itself and its wallet.
    #[serde(rename = "_links")]
    pub links: FavouriteLinks,
    /// Its id.
    pub id: Uuid,
    /// Its wallet.
    pub wallet_id: Uuid,
    /// Its name.
    pub alias: String,
    /// The IBAN, electronic format.
    pub iban: String,
    /// ACTIVE or DELETED.
    pub status: FavouriteStatus,
    /// When it was added.
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
}

/// Favourite external accounts, under `favouriteExternalAccounts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FavouriteList {
    /// The favourites.
    pub favourite_external_accounts: Vec<Favourite>,
}

/// The answer to a cash-out to a favourite external account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FavouriteCashOutAccepted {
    /// Links: the movement.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// The BANK_ACCOUNT_CASHOUT movement.
    pub movement_id: Uuid,
    /// PENDING.
    pub status: Accepted,
    /// The amount.
    #[schema(value_type = super::DecimalAmount)]
    pub amount: String,
    /// The favourite's IBAN.
    pub favourite_external_account_iban: String,
    /// The favourite.
    pub favourite_external_account_id: Uuid,
    /// The favourite's name.
    pub alias: String,
    /// The CASH_OUT commission, locked with the amount now and charged when the bank executes the
    /// cash-out (released if it is rejected); "0.00": none.
    #[schema(value_type = super::DecimalAmount)]
    pub commission: String,
    /// The COMMISSION movement the wallet gets when the bank executes it (null: no commission).
    pub commission_movement_id: Option<Uuid>,
}
