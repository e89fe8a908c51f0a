//! The 202 answers of requests that move money: what was asked, PENDING until the chain decides.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Accepted, Decision, Link, SelfLink};

/// A transfer's links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferLinks {
    /// The sender's TRANSFER_OUT movement.
    #[serde(rename = "self")]
    pub this: Link,
    /// The receiver's TRANSFER_IN movement.
    pub target_movement: Link,
}

/// A transfer on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferAccepted {
    /// Links to both movements.
    #[serde(rename = "_links")]
    pub links: TransferLinks,
    /// The sender's TRANSFER_OUT movement.
    pub movement_id: Uuid,
    /// The receiver's TRANSFER_IN movement.
    pub target_movement_id: Uuid,
    /// PENDING.
    pub status: Accepted,
    /// The amount.
    #[schema(value_type = super::DecimalAmount)]
    pub amount: String,
    /// Purpose.
    pub concept: Option<String>,
    /// The sending wallet.
    pub origin_wallet_id: Uuid,
    /// The receiving wallet.
    pub target_wallet_id: Uuid,
    /// The commission the sender pays on top, in the same transaction ("0.00": none).
    #[schema(value_type = super::DecimalAmount)]
    pub commission: String,
    /// The sender's COMMISSION movement (null: no commission).
    pub commission_movement_id: Option<Uuid>,
}

/// A payout to a bank account, ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CashOutAccepted {
    /// The BANK_ACCOUNT_CASHOUT movement.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// The BANK_ACCOUNT_CASHOUT movement (PENDING until the bank side decides).
    pub movement_id: Uuid,
    /// PENDING.
    pub status: Accepted,
    /// The amount.
    #[schema(value_type = super::DecimalAmount)]
    pub amount: String,
    /// The bank account, normalised.
    pub iban: String,
    /// Purpose.
    pub concept: Option<String>,
    /// The CASH_OUT commission, locked with the amount now and charged when the bank executes the
    /// cash-out (released if it is rejected); "0.00": none.
    #[schema(value_type = super::DecimalAmount)]
    pub commission: String,
    /// The COMMISSION movement the wallet gets when the bank executes it (null: no commission).
    pub commission_movement_id: Option<Uuid>,
}

/// A SEPA cash-in being credited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CashInAccepted {
    /// The request's id.
    pub id: Uuid,
    /// The wallet credited.
    pub wallet_id: Uuid,
    /// The wallet's IBAN.
    pub iban: Option<String>,
    /// The amount.
    #[schema(value_type = super::DecimalAmount)]
    pub amount: String,
    /// Remittance information.
    pub concept: Option<String>,
    /// The bank's reference, as given.
    pub payment_reference: Option<String>,
    /// PENDING.
    pub status: Accepted,
}

/// The bank's decision on a payout, on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CashOutDecision {
    /// The BANK_ACCOUNT_CASHOUT movement.
    pub movement_id: Uuid,
    /// EXECUTE or REJECT (`accept` is EXECUTE, `decline` REJECT).
    pub decision: Decision,
    /// PENDING.
    pub status: Accepted,
    /// The AML screening that let an execution through (null for a rejection).
    pub screening: Option<super::Screening>,
}

/// A wallet's new KYC level, on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KycLevelAccepted {
    /// The wallet.
    pub wallet_id: Uuid,
    /// The level asked for.
    pub kyc_level: u8,
    /// PENDING.
    pub status: Accepted,
}

/// A card cash-in: the card charged, the mint on its way (202); its CARD_CASHIN movement is PENDING
/// until the chain has the mint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardCashInAccepted {
    /// Links: the movement.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// The cash-in.
    pub id: Uuid,
    /// Its CARD_CASHIN movement.
    pub movement_id: Uuid,
    /// The wallet credited.
    pub wallet_id: Uuid,
    /// The amount.
    #[schema(value_type = super::DecimalAmount)]
    pub amount: String,
    /// Its currency: the wallet's token's (null while that token has no issuer registered).
    pub currency: Option<String>,
    /// Purpose.
    pub concept: Option<String>,
    /// VISA or MCAR.
    pub brand: String,
    /// The card number's last four digits (all that is kept of the card).
    pub last4: String,
    /// PENDING.
    pub status: Accepted,
    /// The CARD_CASHIN commission, quoted when the cash-in was made and taken out of the amount by the
    /// mint: the wallet gets amount − commission ("0.00": none).
    #[schema(value_type = super::DecimalAmount)]
    pub commission: String,
    /// The wallet's COMMISSION movement, PENDING once the mint is sent and SUCCESS with it (null: no
    /// commission).
    pub commission_movement_id: Option<Uuid>,
}

/// A card cash-in whose card is typed on the platform's payment page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardPaymentPage {
    /// Links: the movement.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// The cash-in.
    pub id: Uuid,
    /// Its CARD_CASHIN movement: PENDING until the card is decided, ERROR if declined or if the page
    /// expires unused.
    pub movement_id: Uuid,
    /// The wallet credited.
    pub wallet_id: Uuid,
    /// The amount.
    #[schema(value_type = super::DecimalAmount)]
    pub amount: String,
    /// Its currency: the wallet's token's (null while that token has no issuer registered).
    pub currency: Option<String>,
    /// Purpose.
    pub concept: Option<String>,
    /// The page where the cardholder types the card: one card, once, until `expiresAt`.
    pub payment_url: String,
    /// When the page stops taking the card (15 minutes after it was made).
    #[schema(value_type = super::Timestamp)]
    pub expires_at: String,
    /// PENDING.
    pub status: Accepted,
    /// The CARD_CASHIN commission, quoted now and taken out of the amount by the mint once the card is
    /// charged, whatever the terms are by then: the wallet gets amount − commission ("0.00": none).
    #[schema(value_type = super::DecimalAmount)]
    pub commission: String,
    /// The wallet's COMMISSION movement, PENDING once the mint is sent and SUCCESS with it (null: no
    /// commission).
    pub commission_movement_id: Option<Uuid>,
}
