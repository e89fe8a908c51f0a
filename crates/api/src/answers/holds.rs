//! Holds.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Link;

/// A hold's links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HoldLinks {
    /// The hold, seen from the wallet asked about.
    #[serde(rename = "self")]
    pub this: Link,
    /// The payer's wallet.
    pub payer_wallet: Link,
    /// The payee's wallet.
    pub payee_wallet: Link,
}

/// A hold, seen from a wallet that pays or is paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Hold {
    /// Links.
    #[serde(rename = "_links")]
    pub links: HoldLinks,
    /// The hold's id.
    pub id: Uuid,
    /// The payer's user.
    pub user_id: Option<Uuid>,
    /// The payer's client.
    pub client_id: Option<Uuid>,
    /// Who created it.
    #[schema(value_type = super::HexAddress)]
    pub issuer_dlt_address: String,
    /// Whose money is held.
    #[schema(value_type = super::HexAddress)]
    pub payer_dlt_address: String,
    /// Who receives it when executed.
    #[schema(value_type = super::HexAddress)]
    pub payee_dlt_address: String,
    /// Who decides (the platform for holds made through the API).
    #[schema(value_type = super::HexAddress)]
    pub notary_dlt_address: String,
    /// What was put on hold.
    #[schema(value_type = super::DecimalAmount)]
    pub held_value: String,
    /// What was sent to the payee so far.
    #[schema(value_type = super::DecimalAmount)]
    pub executed_value: String,
    /// What is still on hold.
    #[schema(value_type = super::DecimalAmount)]
    pub remaining_value: String,
    /// The platform's request about it on its way or failed, else the chain's status.
    pub status: super::HoldStatus,
    /// The network's name.
    pub dlt_network: String,
    /// The token contract.
    #[schema(value_type = super::HexAddress)]
    pub contract_address: String,
    /// The currency of the token held (null while no issuer of that token is registered).
    pub currency: Option<String>,
    /// The issuer of the token held (null while none is registered).
    pub issuer_id: Option<Uuid>,

    /// The operation id: a UUID for holds made through the API, else 0x hex.
    pub operation_id: Option<String>,
    /// The hold's key on chain.
    #[schema(value_type = super::HexBytes)]
    pub hold_key: String,
    /// The payer's wallet.
    pub payer_wallet_id: Option<Uuid>,
    /// The payee's wallet.
    pub payee_wallet_id: Option<Uuid>,
    /// Creation.
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
    /// Last change.
    #[schema(value_type = super::Timestamp)]
    pub updated_at: String,
    /// When it expires (null: perpetual).
    #[schema(value_type = Option<super::Timestamp>)]
    pub expiration: Option<String>,
}
