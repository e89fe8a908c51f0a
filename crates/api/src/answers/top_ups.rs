//! Top-up requests and the bank side's decisions on top-ups and withdrawals.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use emtoken_types::{MovementStatus, OrderState};

use super::{Accepted, SelfLink};
use crate::screening::ScreeningResult;

/// A top-up request: money the wallet's owner sends by bank transfer, credited when the bank side
/// accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopUpRequest {
    /// This top-up request.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// Its id: its BANK_ACCOUNT_CASHIN movement's.
    pub id: Uuid,
    /// The wallet to credit.
    pub wallet_id: Uuid,
    /// The amount the bank transfer brings.
    #[schema(value_type = super::DecimalAmount)]
    pub amount: String,
    /// Its currency: the wallet's token's (null while that token has no issuer registered).
    pub currency: Option<String>,
    /// The BANK_TOP_UP commission taken out of it when accepted ("0.00": none).
    #[schema(value_type = super::DecimalAmount)]
    pub commission: String,
    /// What reaches the wallet: amount − commission.
    #[schema(value_type = super::DecimalAmount)]
    pub credited_amount: String,
    /// The COMMISSION movement it gets when accepted (null: no commission).
    pub commission_movement_id: Option<Uuid>,
    /// The bank of the catalogue the transfer comes through.
    pub bank_id: Uuid,
    /// That bank's BIC.
    pub bic: String,
    /// The payer's reference of the transfer.
    pub reference: String,
    /// Purpose.
    pub concept: Option<String>,
    /// PENDING until the bank side decides; SUCCESS once accepted and final; ERROR once declined (or
    /// the order failed on chain).
    pub status: MovementStatus,
    /// The fund order's status on chain (ORDERED, IN_PROCESS, EXECUTED, REJECTED, CANCELLED); null
    /// until indexed.
    pub order_status: Option<OrderState>,
    /// Why it was declined.
    pub decline_reason: Option<String>,
    /// The AML screenings asked before accepting, oldest first.
    pub screenings: Vec<Screening>,
    /// When it was asked (RFC 3339).
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
}

/// An AML screening's answer, kept with the decision it allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Screening {
    /// CLEAR, REVIEW, BLOCK, or UNSCREENED (no screening service configured).
    pub result: ScreeningResult,
    /// The screening service's reference of its check.
    pub reference: Option<String>,
    /// Who reviewed a REVIEW answer.
    pub reviewed_by: Option<String>,
    /// Whether it let an acceptance through.
    pub accepted: bool,
    /// When (RFC 3339).
    #[schema(value_type = super::Timestamp)]
    pub screened_at: String,
}

/// Top-up requests waiting for the bank side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TopUpRequests {
    /// The requests.
    #[serde(rename = "_embedded")]
    pub embedded: TopUpRequestList,
}

/// The embedded list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopUpRequestList {
    /// Oldest first.
    pub top_up_requests: Vec<TopUpRequest>,
}

/// The bank side's decision on a top-up request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TopUpDecisionKind {
    /// Received: the money is minted to the wallet.
    Accept,
    /// Not received: nothing is minted.
    Decline,
}

/// A decision on a top-up request, on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopUpDecision {
    /// The top-up request.
    pub id: Uuid,
    /// ACCEPT or DECLINE.
    pub decision: TopUpDecisionKind,
    /// PENDING.
    pub status: Accepted,
    /// The AML screening that let an acceptance through (null for a decline).
    pub screening: Option<Screening>,
}
