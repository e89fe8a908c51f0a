//! Webhooks (migration 0026): clients' endpoints, the outbox the triggers write, and its deliveries.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Result, Store, api::Paging};

/// The event types an endpoint may take.
pub const WEBHOOK_EVENTS: [&str; 3] = [
    "movement.status_changed",
    "hold.status_changed",
    "wallet.status_changed",
];

/// A client's endpoint.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WebhookEndpointRow {
    /// Its id.
    pub id: Uuid,
    /// Its client.
    pub client_id: Uuid,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The event types it takes.
    pub events: Vec<String>,
    /// ACTIVE or DELETED.
    pub status: String,
    /// Registered.
    pub created_at: DateTime<Utc>,
    /// Deleted.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A delivery that is due, claimed by one process for a minute.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DueDelivery {
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// Where to POST.
    pub url: String,
    /// The signing key.
    pub secret: Vec<u8>,
    /// The event (its id is the deduplication key).
    pub event_id: Uuid,
    /// The event's order of writing.
    pub seq: i64,
    /// Its type.
    pub event_type: String,
    /// Its data.
    pub data: serde_json::Value,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// This attempt's number, from 1.
    pub attempt: i32,
    /// After this, a failed attempt gives up.
    pub give_up_at: DateTime<Utc>,
}

/// One delivery of an endpoint, as its log shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeliveryRow {
    /// The event.
    pub event_id: Uuid,
    /// Its type.
    pub event_type: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// PENDING, DELIVERED or FAILED.
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
    /// When the next one is due (PENDING).
    pub next_attempt_at: DateTime<Utc>,
    /// The last attempt's HTTP status, if it got one.
    pub last_status: Option<i32>,
    /// The last attempt's failure, if any.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// How an attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// The HTTP status, if the endpoint answered.
    pub status: Option<i32>,
    /// What went wrong (a non-2xx status, a timeout, a refused connection); None when delivered.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i32,
    /// When to try again, if it failed and the delivery has time left; None: delivered, or give up.
    pub retry_at: Option<DateTime<Utc>>,
}

impl Store {
    /// How many ACTIVE endpoints the client has, and the id of one with `url`, if any.
    pub async fn active_webhooks(&self, client_id: Uuid, url: &str) -> Result<(i64, Option<Uuid>)> {
        Ok(sqlx::query_as(
            "SELECT count(*), (array_agg(id) FILTER (WHERE url = $2))[1] FROM webhook_endpoints
             WHERE client_id = $1 AND status = 'ACTIVE'",
        )
        .bind(client_id)
        .bind(url)
        .fetch_one(self.pool())
        .await?)
    }

    /// Registers an endpoint of `client` with its signing `secret`; [`crate::Error::Conflict`] when an
    /// ACTIVE endpoint of the client has this url (registered at the same moment).
    pub async fn add_webhook_endpoint(
        &self,
        id: Uuid,
        client_id: Uuid,
        url: &str,
        events: &[String],
        secret: &[u8],
    ) -> Result<WebhookEndpointRow> {
        sqlx::query_as::<_, WebhookEndpointRow>(
            "INSERT INTO webhook_endpoints (id, client_id, url, events, secret) VALUES ($1, $2, $3, $4, $5)
             RETURNING id, client_id, url, events, status, created_at, deleted_at",
        )
        .bind(id)
        .bind(client_id)
        .bind(url)
        .bind(events)
        .bind(secret)
        .fetch_one(self.pool())
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => crate::Error::Conflict(format!(
                "an ACTIVE webhook of the client has the url {url} already"
            )),
            other => other.into(),
        })
    }

    /// The client's endpoints by registration (the newest first when `desc`), a page of them, and how
    /// many there are.
    pub async fn webhook_endpoints(
        &self,
        client_id: Uuid,
        desc: bool,
        paging: Paging,
    ) -> Result<(Vec<WebhookEndpointRow>, i64)> {
        let query = if desc {
            "SELECT id, client_id, url, events, status, created_at, deleted_at FROM webhook_endpoints
             WHERE client_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        } else {
            "SELECT id, client_id, url, events, status, created_at, deleted_at FROM webhook_endpoints
             WHERE client_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3"
        };
        let rows = sqlx::query_as::<_, WebhookEndpointRow>(query)
            .bind(client_id)
            .bind(paging.size)
            .bind(paging.offset())
            .fetch_all(self.pool())
            .await?;
        let (total,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM webhook_endpoints WHERE client_id = $1")
                .bind(client_id)
                .fetch_one(self.pool())
                .await?;
        Ok((rows, total))
    }

    /// The client's endpoint `id`, if it has one.
    pub async fn webhook_endpoint(
        &self,
        client_id: Uuid,
        id: Uuid,
    ) -> Result<Option<WebhookEndpointRow>> {
        Ok(sqlx::query_as::<_, WebhookEndpointRow>(
            "SELECT id, client_id, url, events, status, created_at, deleted_at FROM webhook_endpoints
             WHERE client_id = $1 AND id = $2",
        )
        .bind(client_id)
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Deletes the client's endpoint `id`: no new events for it, and its PENDING deliveries end FAILED
    /// ("endpoint deleted"). The endpoint as it is now (None: the client has no such endpoint).
    pub async fn delete_webhook_endpoint(
        &self,
        client_id: Uuid,
        id: Uuid,
    ) -> Result<Option<WebhookEndpointRow>> {
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query_as::<_, WebhookEndpointRow>(
            "UPDATE webhook_endpoints SET status = 'DELETED', deleted_at = coalesce(deleted_at, clock_timestamp())
             WHERE client_id = $1 AND id = $2
             RETURNING id, client_id, url, events, status, created_at, deleted_at",
        )
        .bind(client_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if row.is_some() {
            sqlx::query(
                "UPDATE webhook_deliveries SET state = 'FAILED', last_error = 'endpoint deleted'
                 WHERE endpoint_id = $1 AND state = 'PENDING'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(row)
    }

    /// Up to `limit` deliveries due now, oldest event first, each claimed for a minute (another
    /// process takes it again after that, should this one die while delivering it).
    pub async fn claim_webhook_deliveries(&self, limit: i64) -> Result<Vec<DueDelivery>> {
        Ok(sqlx::query_as::<_, DueDelivery>(
            "WITH due AS (
                 SELECT d.endpoint_id, d.event_id FROM webhook_deliveries d
                 WHERE d.state = 'PENDING' AND d.next_attempt_at <= clock_timestamp()
                 ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
             ), claimed AS (
                 UPDATE webhook_deliveries d
                 SET attempts = d.attempts + 1, next_attempt_at = clock_timestamp() + interval '1 minute'
                 FROM due WHERE d.endpoint_id = due.endpoint_id AND d.event_id = due.event_id
                 RETURNING d.endpoint_id, d.event_id, d.attempts, d.give_up_at
             )
             SELECT c.endpoint_id, p.url, p.secret, c.event_id, e.seq, e.type AS event_type, e.data,
                    e.created_at, c.attempts AS attempt, c.give_up_at
             FROM claimed c JOIN webhook_endpoints p ON p.id = c.endpoint_id
                  JOIN webhook_events e ON e.id = c.event_id
             ORDER BY e.seq",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Records an attempt of a claimed delivery and what follows from it: DELIVERED, PENDING again at
    /// `retry_at`, or FAILED.
    pub async fn record_webhook_attempt(
        &self,
        delivery: &DueDelivery,
        outcome: &AttemptOutcome,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO webhook_attempts (endpoint_id, event_id, attempt, status_code, error, duration_ms)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(delivery.endpoint_id)
        .bind(delivery.event_id)
        .bind(delivery.attempt)
        .bind(outcome.status)
        .bind(&outcome.error)
        .bind(outcome.duration_ms)
        .execute(&mut *tx)
        .await?;
        let state = match (&outcome.error, outcome.retry_at) {
            (None, _) => "DELIVERED",
            (Some(_), Some(_)) => "PENDING",
            (Some(_), None) => "FAILED",
        };
        // A delivery deleted or resent meanwhile keeps what that made of it.
        sqlx::query(
            "UPDATE webhook_deliveries
             SET state = $3, last_status = $4, last_error = $5,
                 next_attempt_at = coalesce($6, next_attempt_at),
                 delivered_at = CASE WHEN $3 = 'DELIVERED' THEN clock_timestamp() ELSE delivered_at END
             WHERE endpoint_id = $1 AND event_id = $2 AND state = 'PENDING' AND attempts = $7",
        )
        .bind(delivery.endpoint_id)
        .bind(delivery.event_id)
        .bind(state)
        .bind(outcome.status)
        .bind(&outcome.error)
        .bind(outcome.retry_at)
        .bind(delivery.attempt)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The endpoint's deliveries in the order of their events (the newest first when `desc`), a page of
    /// them (optionally in one state), and how many there are.
    pub async fn webhook_deliveries(
        &self,
        endpoint_id: Uuid,
        state: Option<&str>,
        desc: bool,
        paging: Paging,
    ) -> Result<(Vec<DeliveryRow>, i64)> {
        let query = if desc {
            "SELECT d.event_id, e.type AS event_type, e.created_at, d.state, d.attempts, d.next_attempt_at,
                    d.last_status, d.last_error, d.delivered_at
             FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
             WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.state = $2)
             ORDER BY e.seq DESC LIMIT $3 OFFSET $4"
        } else {
            "SELECT d.event_id, e.type AS event_type, e.created_at, d.state, d.attempts, d.next_attempt_at,
                    d.last_status, d.last_error, d.delivered_at
             FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
             WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.state = $2)
             ORDER BY e.seq LIMIT $3 OFFSET $4"
        };
        let rows = sqlx::query_as::<_, DeliveryRow>(query)
            .bind(endpoint_id)
            .bind(state)
            .bind(paging.size)
            .bind(paging.offset())
            .fetch_all(self.pool())
            .await?;
        let (total,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM webhook_deliveries
             WHERE endpoint_id = $1 AND ($2::text IS NULL OR state = $2)",
        )
        .bind(endpoint_id)
        .bind(state)
        .fetch_one(self.pool())
        .await?;
        Ok((rows, total))
    }

    /// Queues the endpoint's delivery of `event_id` again, due now, with another 24 hours to succeed
    /// (whatever its state: a receiver that lost what it got may ask for it again). The delivery as it is
    /// now; None when the endpoint has no such delivery.
    pub async fn resend_webhook(
        &self,
        endpoint_id: Uuid,
        event_id: Uuid,
    ) -> Result<Option<DeliveryRow>> {
        Ok(sqlx::query_as::<_, DeliveryRow>(
            "WITH d AS (
                 UPDATE webhook_deliveries
                 SET state = 'PENDING', next_attempt_at = clock_timestamp(),
                     give_up_at = clock_timestamp() + interval '24 hours'
                 WHERE endpoint_id = $1 AND event_id = $2
                 RETURNING *
             )
             SELECT d.event_id, e.type AS event_type, e.created_at, d.state, d.attempts, d.next_attempt_at,
                    d.last_status, d.last_error, d.delivered_at
             FROM d JOIN webhook_events e ON e.id = d.event_id",
        )
        .bind(endpoint_id)
        .bind(event_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The attempts of the endpoint's delivery of `event_id`, first first: (attempt, at, status, error,
    /// duration in ms).
    pub async fn webhook_attempts(
        &self,
        endpoint_id: Uuid,
        event_id: Uuid,
    ) -> Result<Vec<(i32, DateTime<Utc>, Option<i32>, Option<String>, i32)>> {
        Ok(sqlx::query_as(
            "SELECT attempt, at, status_code, error, duration_ms FROM webhook_attempts
             WHERE endpoint_id = $1 AND event_id = $2 ORDER BY id",
        )
        .bind(endpoint_id)
        .bind(event_id)
        .fetch_all(self.pool())
        .await?)
    }
}
