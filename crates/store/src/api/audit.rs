//! The audit trail of writes (migration 0027).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Result, Store, api::Paging};

/// A write to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// The client, if a key was checked.
    pub client_id: Option<Uuid>,
    /// Who: the client's name, `cli:<user>`, or `-` for a caller without a key (an acquirer's callback).
    pub actor: String,
    /// The key's id (never the key).
    pub key_id: Option<String>,
    /// The request id (`X-Request-Id`).
    pub request_id: String,
    /// HTTP method, or the command.
    pub method: String,
    /// The route's template.
    pub route: String,
    /// The path as called.
    pub path: String,
    /// The answer's status.
    pub status: i16,
    /// The `Idempotency-Key`, if given.
    pub idempotency_key: Option<String>,
    /// The platform's record of the request, if it made one.
    pub api_request_id: Option<Uuid>,
    /// How long it took.
    pub duration_ms: i32,
}

/// A recorded write, with what became of its request.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    /// Its number.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The client.
    pub client_id: Option<Uuid>,
    /// Who.
    pub actor: String,
    /// The key's id.
    pub key_id: Option<String>,
    /// The request id.
    pub request_id: String,
    /// Method.
    pub method: String,
    /// Route template.
    pub route: String,
    /// Path.
    pub path: String,
    /// Status.
    pub status: i16,
    /// `Idempotency-Key`.
    pub idempotency_key: Option<String>,
    /// The platform's record of the request.
    pub api_request_id: Option<Uuid>,
    /// Duration.
    pub duration_ms: i32,
    /// The request's kind.
    pub kind: Option<String>,
    /// Its state (REQUESTED, PENDING_DLT, MINED, FAILED).
    pub state: Option<String>,
    /// The transaction it sent.
    pub tx_hash: Option<Vec<u8>>,
    /// The wallet it is about.
    pub wallet_id: Option<Uuid>,
}

/// Which entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Of this client.
    pub client_id: Option<Uuid>,
    /// With this request id.
    pub request_id: Option<String>,
    /// About this wallet.
    pub wallet_id: Option<Uuid>,
    /// With this method.
    pub method: Option<String>,
    /// With this status.
    pub status: Option<i16>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
    /// The newest first.
    pub desc: bool,
}

impl Store {
    /// Records a write.
    pub async fn record_audit(&self, entry: &NewAuditEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (client_id, actor, key_id, request_id, method, route, path, status,
                                    idempotency_key, api_request_id, duration_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(entry.client_id)
        .bind(&entry.actor)
        .bind(&entry.key_id)
        .bind(&entry.request_id)
        .bind(&entry.method)
        .bind(&entry.route)
        .bind(&entry.path)
        .bind(entry.status)
        .bind(&entry.idempotency_key)
        .bind(entry.api_request_id)
        .bind(entry.duration_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A page of the audit trail matching `q`, and how many entries match. A request recorded under
    /// its `Idempotency-Key` is found by the key when the entry did not name it.
    pub async fn audit_log(&self, q: &AuditQuery, paging: Paging) -> Result<(Vec<AuditRow>, i64)> {
        const FROM: &str = "FROM audit_log a
             LEFT JOIN api_requests r ON r.id = coalesce(a.api_request_id,
                 (SELECT x.id FROM api_requests x WHERE a.idempotency_key IS NOT NULL
                     AND x.client_id = a.client_id AND x.idempotency_key = a.idempotency_key))
             WHERE ($1::uuid IS NULL OR a.client_id = $1) AND ($2::text IS NULL OR a.request_id = $2)
               AND ($3::uuid IS NULL OR r.wallet_id = $3) AND ($4::text IS NULL OR a.method = $4)
               AND ($5::smallint IS NULL OR a.status = $5) AND ($6::timestamptz IS NULL OR a.at >= $6)
               AND ($7::timestamptz IS NULL OR a.at < $7)";
        const COLUMNS: &str = "SELECT a.id, a.at, a.client_id, a.actor, a.key_id, a.request_id, a.method,
                    a.route, a.path, a.status, a.idempotency_key, coalesce(a.api_request_id, r.id) AS api_request_id,
                    a.duration_ms, r.kind, r.state, r.tx_hash, r.wallet_id ";
        let order = if q.desc {
            " ORDER BY a.at DESC, a.id DESC LIMIT $8 OFFSET $9"
        } else {
            " ORDER BY a.at, a.id LIMIT $8 OFFSET $9"
        };
        let query = format!("{COLUMNS}{FROM}{order}");
        let rows = sqlx::query_as::<_, AuditRow>(sqlx::AssertSqlSafe(query))
            .bind(q.client_id)
            .bind(&q.request_id)
            .bind(q.wallet_id)
            .bind(&q.method)
            .bind(q.status)
            .bind(q.from)
            .bind(q.to)
            .bind(paging.size)
            .bind(paging.offset())
            .fetch_all(self.pool())
            .await?;
        let (total,): (i64,) =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT count(*) {FROM}")))
                .bind(q.client_id)
                .bind(&q.request_id)
                .bind(q.wallet_id)
                .bind(&q.method)
                .bind(q.status)
                .bind(q.from)
                .bind(q.to)
                .fetch_one(self.pool())
                .await?;
        Ok((rows, total))
    }
}
