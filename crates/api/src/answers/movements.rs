//! Movements.

use emtoken_types::{MovementStatus, MovementType, RecordKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Link;

/// A movement's links: a client's wallet's movement links itself and its wallet; a system account's,
/// its list and the system accounts; both link the wallets on either side that the platform knows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovementLinks {
    /// The movement (a client's wallet's).
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub this: Option<Link>,
    /// Its wallet (a client's wallet's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet: Option<Link>,
    /// The wallet the money came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_wallet: Option<Link>,
    /// The wallet the money went to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_wallet: Option<Link>,
    /// The user the money came from (a user the platform knows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_user: Option<Link>,
    /// The user the money went to (a user the platform knows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_user: Option<Link>,
    /// The account's movements (a system account's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub movements: Option<Link>,
    /// The system accounts (a system account's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_accounts: Option<Link>,
}

/// A movement of a wallet's money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Movement {
    /// Links.
    #[serde(rename = "_links")]
    pub links: MovementLinks,
    /// The movement's id (the same before and after the chain has it).
    pub id: Uuid,
    /// Its wallet.
    pub wallet_id: Uuid,
    /// What kind of movement.
    #[serde(rename = "type")]
    pub kind: MovementType,
    /// PENDING, SUCCESS or ERROR.
    pub status: MovementStatus,
    /// The amount (always positive: the type says the direction).
    #[schema(value_type = super::DecimalAmount)]
    pub amount: String,
    /// Purpose.
    pub concept: Option<String>,
    /// Creation (block time once indexed, request time before).
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
    /// Last change.
    #[schema(value_type = super::Timestamp)]
    pub updated_at: String,
    /// The user of the wallet the money came from.
    pub origin_user_id: Option<Uuid>,
    /// The user of the wallet the money went to.
    pub target_user_id: Option<Uuid>,
    /// The address the money came from.
    #[schema(value_type = Option<super::HexAddress>)]
    pub origin_dlt_address: Option<String>,
    /// The address the money went to.
    #[schema(value_type = Option<super::HexAddress>)]
    pub target_dlt_address: Option<String>,
    /// The wallet the money came from.
    pub origin_wallet_id: Option<Uuid>,
    /// The wallet the money went to.
    pub target_wallet_id: Option<Uuid>,
    /// The wallet's user (null for transfers: see origin and target).
    pub user_id: Option<Uuid>,
    /// The wallet's client.
    pub client_id: Option<Uuid>,
    /// A cash-out's payer: its wallet's user's full name (a person's name and surnames, a company's
    /// legal name); null for other types.
    pub payer_name: Option<String>,
    /// The network's name.
    pub dlt_network: String,
    /// The bank account of a cash-out.
    pub iban: Option<String>,
    /// The scheduled operation whose execution made it (null for any other movement).
    #[schema(value_type = Option<uuid::Uuid>)]
    pub scheduled_operation_id: Option<String>,
    /// The chain's id.
    pub chain_id: i64,
    /// The currency of the token moved (null while no issuer of that token is registered).
    pub currency: Option<String>,
    /// The issuer of the token moved (null while none is registered).
    pub issuer_id: Option<Uuid>,

    /// The token contract.
    #[schema(value_type = super::HexAddress)]
    pub contract_address: String,
    /// The transaction (once sent).
    #[schema(value_type = Option<super::HexBytes>)]
    pub tx_hash: Option<String>,
    /// Its block (once indexed).
    pub block_number: Option<i64>,
    /// That block's hash.
    #[schema(value_type = Option<super::HexBytes>)]
    pub block_hash: Option<String>,
    /// The event's index in the block.
    pub log_index: Option<i64>,
    /// The record behind it (OPERATOR_TRANSFER, HOLD, PAYOUT, FUND, TRANSFER), if any.
    pub record_kind: Option<RecordKind>,
    /// That record's key.
    #[schema(value_type = Option<super::HexBytes>)]
    pub record_key: Option<String>,
    /// A bank cash-in's payment reference (its hash, as the mint carries it).
    #[schema(value_type = Option<super::HexBytes>)]
    pub payment_reference: Option<String>,
    /// A card cash-in's card: its brand and last four digits, all the platform keeps of it (null
    /// while a payment page waits for the card, and for other movements).
    pub card: Option<MovementCard>,
}

/// The card of a CARD_CASHIN movement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovementCard {
    /// VISA or MCAR.
    pub brand: String,
    /// The number's last four digits.
    pub last4: String,
}
