//! The audit trail of writes, as the bank side reads it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The platform's record of a write request, when it made one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditedRequest {
    /// Its id.
    pub id: Uuid,
    /// What it is (e.g. TRANSFER, CASH_OUT, HOLD).
    pub kind: Option<String>,
    /// REQUESTED, PENDING_DLT, MINED or FAILED.
    pub state: Option<String>,
    /// The wallet it is about.
    pub wallet_id: Option<Uuid>,
    /// The transaction it sent (0x + 64 hex digits).
    pub transaction_hash: Option<String>,
}

/// One write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Its number, in the order written.
    pub id: i64,
    /// When it was answered.
    #[schema(value_type = super::Timestamp)]
    pub at: String,
    /// Who: the client's name; `cli:<user>` for the command line; `-` for a caller without a key.
    pub actor: String,
    /// The client.
    pub client_id: Option<Uuid>,
    /// The id of the API key used (never the key).
    pub key_id: Option<String>,
    /// The request id (`X-Request-Id`): the access log's too.
    pub request_id: String,
    /// The HTTP method (or the command).
    pub method: String,
    /// The route's template.
    pub route: String,
    /// The path as called.
    pub path: String,
    /// The answer's status.
    pub status: i16,
    /// The `Idempotency-Key`, if one was given.
    pub idempotency_key: Option<String>,
    /// How long the answer took, in milliseconds.
    pub duration_ms: i32,
    /// The platform's record of the request, and the transaction it sent.
    pub request: Option<AuditedRequest>,
}

/// Audit entries, under `auditLog`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditList {
    /// The entries.
    pub audit_log: Vec<AuditEntry>,
}
