//! The bank side's lists: payouts waiting, a notary's holds, the platform's own accounts.

use emtoken_types::HoldState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{CashOutList, Link};

/// A payout waiting for the bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingCashOut {
    /// Its BANK_ACCOUNT_CASHOUT movement (what execute and reject take).
    pub movement_id: Uuid,
    /// The paying wallet.
    pub wallet_id: Uuid,
    /// The amount.
    #[schema(value_type = super::DecimalAmount)]
    pub amount: String,
    /// Its currency (null while the wallet's token has no issuer registered).
    pub currency: Option<String>,
    /// The bank account to pay.
    pub iban: Option<String>,
    /// Who pays: the wallet's user's full name (null for a wallet of no user the platform knows).
    pub payer_name: Option<String>,
    /// Where the payout stands on chain.
    #[schema(value_type = super::PayoutStatus)]
    pub status: String,
}

/// Payouts waiting for the bank, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PendingCashOuts {
    /// The payouts.
    #[serde(rename = "_embedded")]
    pub embedded: CashOutList,
}

/// A hold as its notary sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotaryHold {
    /// The hold's id.
    pub id: Uuid,
    /// Its key on chain.
    #[schema(value_type = super::HexBytes)]
    pub hold_key: String,
    /// Its operation id.
    #[schema(value_type = super::HexBytes)]
    pub operation_id: String,
    /// Whose money is held.
    #[schema(value_type = super::HexAddress)]
    pub payer_dlt_address: String,
    /// Who receives it when executed.
    #[schema(value_type = super::HexAddress)]
    pub payee_dlt_address: String,
    /// Who decides.
    #[schema(value_type = super::HexAddress)]
    pub notary_dlt_address: String,
    /// The payer's wallet, if the platform knows it.
    pub payer_wallet_id: Option<Uuid>,
    /// The payee's wallet, if the platform knows it.
    pub payee_wallet_id: Option<Uuid>,
    /// What was put on hold.
    #[schema(value_type = super::DecimalAmount)]
    pub held_value: String,
    /// What was sent to the payee.
    #[schema(value_type = super::DecimalAmount)]
    pub executed_value: String,
    /// What went back to the payer.
    #[schema(value_type = super::DecimalAmount)]
    pub released_value: String,
    /// What is still on hold.
    #[schema(value_type = super::DecimalAmount)]
    pub remaining_value: String,
    /// The currency held (null while its token has no issuer registered).
    pub currency: Option<String>,
    /// The token held.
    #[schema(value_type = super::HexAddress)]
    pub contract_address: String,
    /// The chain's status.
    pub status: HoldState,
    /// When it expires (null: perpetual).
    #[schema(value_type = Option<super::Timestamp>)]
    pub expiration: Option<String>,
    /// Creation.
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
    /// Last change.
    #[schema(value_type = super::Timestamp)]
    pub updated_at: String,
}

/// A notary's holds, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NotaryHolds {
    /// The holds.
    #[serde(rename = "_embedded")]
    pub embedded: NotaryHoldList,
}

/// A notary's holds, under `holds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NotaryHoldList {
    /// The holds.
    pub holds: Vec<NotaryHold>,
}

/// A system account's links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SystemAccountLinks {
    /// Its movements.
    pub movements: Link,
}

/// One of the platform's own accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemAccount {
    /// Link to its movements.
    #[serde(rename = "_links")]
    pub links: SystemAccountLinks,
    /// SUSPENSE or OPERATOR.
    #[schema(value_type = Option<super::SystemRole>)]
    pub role: Option<String>,
    /// Its id.
    pub id: Uuid,
    /// Its address.
    #[schema(value_type = super::HexAddress)]
    pub dlt_address: String,
    /// The network's name.
    pub dlt_network: String,
    /// The token this account is of (each token has its own system accounts).
    #[schema(value_type = super::HexAddress)]
    pub contract_address: String,
    /// That token's currency (null while no issuer of it is registered).
    pub currency: Option<String>,
    /// That token's issuer (null while none is registered).
    pub issuer_id: Option<Uuid>,
    /// Balance as of final blocks.
    #[schema(value_type = super::DecimalAmount)]
    pub balance: String,
    /// Balance less what is held, at the last indexed block.
    #[schema(value_type = super::DecimalAmount)]
    pub available_balance: String,
    /// What is on hold, at the last indexed block.
    #[schema(value_type = super::DecimalAmount)]
    pub held_balance: String,
    /// When the index first saw it.
    #[schema(value_type = Option<super::Timestamp>)]
    pub created_at: Option<String>,
}

/// The platform's own accounts (not paged).
pub type SystemAccounts = super::HrefPage<super::SystemAccountList>;

/// What one operation of one currency charged in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommissionReportLine {
    /// The currency's code (null: a token with no issuer registered).
    pub currency: Option<String>,
    /// CARD_CASHIN, BANK_TOP_UP, TRANSFER, CASH_OUT or HOLD_EXECUTION.
    pub operation: emtoken_types::CommissionOperation,
    /// How many commissions were charged.
    pub count: i64,
    /// Their sum, in the currency.
    #[schema(value_type = super::DecimalAmount)]
    pub total: String,
}

/// Commissions charged in a period, by currency and operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommissionReport {
    /// From (included; RFC 3339).
    #[schema(value_type = super::Timestamp)]
    pub from: String,
    /// To (excluded; RFC 3339).
    #[schema(value_type = super::Timestamp)]
    pub to: String,
    /// One line per currency and operation that charged something, by currency then operation.
    pub lines: Vec<CommissionReportLine>,
}
