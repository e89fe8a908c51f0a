//! Webhook endpoints and their deliveries, as the API shows them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::SelfLink;

/// The events an endpoint may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum WebhookEvent {
    /// A movement of one of the client's wallets appeared or changed status (PENDING, SUCCESS, ERROR).
    #[serde(rename = "movement.status_changed")]
    MovementStatusChanged,
    /// A hold one of the client's wallets pays or is paid by appeared or changed status.
    #[serde(rename = "hold.status_changed")]
    HoldStatusChanged,
    /// One of the client's wallets changed status (PENDING → READY once registered on chain,
    /// UNSUBSCRIBED).
    #[serde(rename = "wallet.status_changed")]
    WalletStatusChanged,
}

impl WebhookEvent {
    /// Its name, as deliveries carry it in `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MovementStatusChanged => "movement.status_changed",
            Self::HoldStatusChanged => "hold.status_changed",
            Self::WalletStatusChanged => "wallet.status_changed",
        }
    }
}

/// ACTIVE or DELETED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum WebhookStatus {
    /// Receives events.
    Active,
    /// Deleted: receives nothing more.
    Deleted,
}

/// A webhook endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// Links: itself.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// Its id.
    pub id: Uuid,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The events it receives.
    pub events: Vec<WebhookEvent>,
    /// ACTIVE or DELETED.
    pub status: WebhookStatus,
    /// When it was registered.
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
}

/// A webhook endpoint just registered, with its signing secret: shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookCreated {
    /// The endpoint.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The key of the HMAC-SHA256 in each delivery's `EmToken-Signature` header (`whsec_` + 64 hex
    /// digits; the key is the text after `whsec_`, as bytes of its hex): keep it, it is not shown again.
    #[schema(pattern = "^whsec_[0-9a-f]{64}$")]
    pub secret: String,
}

/// Webhook endpoints, under `webhooks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookList {
    /// The endpoints.
    pub webhooks: Vec<Webhook>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum DeliveryState {
    /// To be tried (again) at `nextAttemptAt`.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up: 24 hours of failures, or the endpoint deleted.
    Failed,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttempt {
    /// Its number, from 1.
    pub attempt: i32,
    /// When it was made.
    #[schema(value_type = super::Timestamp)]
    pub at: String,
    /// The endpoint's HTTP status, if it answered.
    pub status_code: Option<i32>,
    /// What went wrong, if it failed.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i32,
}

/// A delivery of an event to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// The event's id (what receivers deduplicate on).
    pub event_id: Uuid,
    /// The event's type.
    pub event_type: WebhookEvent,
    /// When the event happened.
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
    /// PENDING, DELIVERED or FAILED.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due (PENDING only).
    #[schema(value_type = Option<super::Timestamp>)]
    pub next_attempt_at: Option<String>,
    /// When it was delivered.
    #[schema(value_type = Option<super::Timestamp>)]
    pub delivered_at: Option<String>,
    /// The last attempt's HTTP status, if it got one.
    pub last_status_code: Option<i32>,
    /// The last attempt's failure.
    pub last_error: Option<String>,
    /// Every attempt, first first.
    pub attempt_log: Vec<DeliveryAttempt>,
}

/// Deliveries, under `deliveries`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryList {
    /// The deliveries, newest event first.
    pub deliveries: Vec<Delivery>,
}
