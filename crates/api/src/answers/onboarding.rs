//! Answers of a user's onboarding: a code on its way, a KYC level on its way, a user's KYC history.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Link, SelfLink};

/// A phone code sent (202): valid until `expiresAt`, at most five tries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CodeSent {
    /// Links: the user.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// The user.
    pub user_id: Uuid,
    /// Where it went, all but the last three digits hidden.
    pub sent_to: String,
    /// When the code stops being valid.
    #[schema(value_type = super::Timestamp)]
    pub expires_at: String,
    /// When another code may be asked for.
    #[schema(value_type = super::Timestamp)]
    pub next_code_at: String,
    /// Wrong tries the code allows.
    pub tries: i16,
}

/// A user's new KYC level on its way to its wallets (202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KycChange {
    /// Links: the user and its history.
    #[serde(rename = "_links")]
    pub links: KycLinks,
    /// The history line's id.
    pub id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// The new level.
    pub kyc_level: u8,
    /// The level before.
    pub previous_kyc_level: Option<i16>,
    /// The evidence given.
    pub evidence: String,
    /// The wallets whose level is set (the request's transactions, one per wallet).
    pub wallet_ids: Vec<Uuid>,
    /// The request that sets it.
    pub request_id: Uuid,
}

/// Links of a KYC level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KycLinks {
    /// The user's KYC history.
    #[serde(rename = "self")]
    pub this: Link,
    /// The user.
    pub user: Link,
}

/// One level of a user's KYC history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KycLevelEntry {
    /// Its id.
    pub id: Uuid,
    /// The level.
    pub kyc_level: i16,
    /// The level before (null: the first).
    pub previous_kyc_level: Option<i16>,
    /// PENDING (on its way to the node), APPLIED (the user's level from then on) or REFUSED (never sent).
    pub status: String,
    /// The evidence (null: level 0 on the phone's verification).
    pub evidence: Option<String>,
    /// Who set it: the API client's name (null: the platform, on verification).
    pub set_by: Option<String>,
    /// The request that set it on the user's wallets.
    pub request_id: Option<Uuid>,
    /// That request's state (REQUESTED, PENDING_DLT, MINED, FAILED).
    pub request_status: Option<String>,
    /// Its (last) transaction.
    #[schema(value_type = Option<super::HexBytes>)]
    pub tx_hash: Option<String>,
    /// When.
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
}

/// A user's KYC history, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KycHistory {
    /// Links: the history and the user.
    #[serde(rename = "_links")]
    pub links: KycLinks,
    /// The user.
    pub user_id: Uuid,
    /// Its level now (null until its phone is verified).
    pub kyc_level: Option<i16>,
    /// Every level it was given.
    pub levels: Vec<KycLevelEntry>,
}
