//! Wallets.

use emtoken_types::WalletStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Link, SelfLink};

/// A wallet's links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WalletLinks {
    /// The wallet.
    #[serde(rename = "self")]
    pub this: Link,
    /// Its movements.
    pub movements: Link,
    /// Its holds.
    pub holds: Link,
}

/// A wallet of a client's user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Wallet {
    /// Links to the wallet, its movements and holds.
    #[serde(rename = "_links")]
    pub links: WalletLinks,
    /// The wallet's id.
    pub id: Uuid,
    /// Balance less what is held, at the last indexed block.
    #[schema(value_type = super::DecimalAmount)]
    pub available_balance: String,
    /// Balance as of final blocks.
    #[schema(value_type = super::DecimalAmount)]
    pub balance: String,
    /// What is on hold, at the last indexed block.
    #[schema(value_type = super::DecimalAmount)]
    pub held_balance: String,
    /// The client's name.
    pub client_alias: Option<String>,
    /// The client's id.
    pub client_id: Option<Uuid>,
    /// The wallet's address.
    #[schema(value_type = super::HexAddress)]
    pub dlt_address: String,
    /// The network's name.
    pub dlt_network: String,
    /// The wallet's IBAN (where SEPA cash-ins for it are sent).
    pub iban: Option<String>,
    /// The currency of the wallet's token (null while no issuer of that token is registered).
    pub currency: Option<String>,
    /// The issuer of the wallet's token (null while none is registered).
    pub issuer_id: Option<Uuid>,
    /// The wallet's token (its EmToken contract): a wallet holds one token.
    #[schema(value_type = super::HexAddress)]
    pub contract_address: String,
    /// Its KYC level (set by the compliance side; new wallets start at 0).
    #[schema(minimum = 0, maximum = 255)]
    pub kyc_level: Option<i16>,
    /// PENDING, READY or UNSUBSCRIBED.
    pub status: WalletStatus,
    /// The user it belongs to.
    pub user_id: Option<Uuid>,
    /// When it was registered (on chain once indexed).
    #[schema(value_type = Option<super::Timestamp>)]
    pub created_at: Option<String>,
}

/// The answer to registering a wallet (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WalletRegistered {
    /// The wallet.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// The address registered.
    #[schema(value_type = super::HexAddress)]
    pub dlt_address: String,
    /// The network's name.
    pub dlt_network: String,
    /// PENDING until the chain registration is indexed (READY if it already was).
    pub status: WalletStatus,
    /// The user.
    pub user_id: Uuid,
    /// The wallet's id.
    pub wallet_id: Uuid,
    /// The wallet's IBAN.
    pub iban: Option<String>,
    /// The currency of the wallet's token (null while no issuer of that token is registered).
    pub currency: Option<String>,
    /// The issuer of the wallet's token (null while none is registered).
    pub issuer_id: Option<Uuid>,
}

/// The answer to unsubscribing a wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WalletUnsubscribed {
    /// The wallet.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// Its address (frozen on chain).
    #[schema(value_type = super::HexAddress)]
    pub dlt_address: String,
    /// The network's name.
    pub dlt_network: String,
    /// UNSUBSCRIBED.
    pub status: WalletStatus,
    /// The user.
    pub user_id: Option<Uuid>,
    /// The wallet's id.
    pub wallet_id: Uuid,
}
