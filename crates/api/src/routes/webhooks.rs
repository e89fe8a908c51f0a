//! Webhook endpoints of a client: register (the signing secret shown once), list, read, delete; the
//! delivery log of one, and sending a delivery again.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use emtoken_store::api::{DeliveryRow, WebhookEndpointRow};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    ApiState, Problem,
    answers::{
        Delivery, DeliveryAttempt, DeliveryList, DeliveryState, Link, Page, SelfLink, Webhook,
        WebhookCreated, WebhookEvent, WebhookList, WebhookStatus,
    },
    auth::ClientCaller,
    body::JsonBody,
    fields,
    paging::ListQuery,
    views::{self, PUBLIC},
    webhooks::check_registration,
};

/// The most ACTIVE endpoints a client may have.
const MAX_ENDPOINTS: i64 = 10;

/// A webhook endpoint to register.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AddWebhook {
    /// Where deliveries are POSTed: an https (or http) address with a host on a public network, without
    /// user or password, at most 2,000 characters.
    #[schema(
        example = "https://hooks.example.com/emtoken",
        max_length = 2000,
        pattern = r"^https?://[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*(:[1-9][0-9]{0,3})?(/[!-~]*)?$"
    )]
    url: String,
    /// The events to receive, at least one.
    #[schema(min_items = 1, max_items = 3)]
    events: Vec<WebhookEvent>,
}

fn path(id: Uuid) -> String {
    format!("{PUBLIC}/webhooks/{id}")
}

fn webhook(row: &WebhookEndpointRow) -> Webhook {
    Webhook {
        links: SelfLink {
            this: Link::new(path(row.id)),
        },
        id: row.id,
        url: row.url.clone(),
        events: row
            .events
            .iter()
            .filter_map(|e| serde_json::from_value(serde_json::Value::String(e.clone())).ok())
            .collect(),
        status: if row.status == "ACTIVE" {
            WebhookStatus::Active
        } else {
            WebhookStatus::Deleted
        },
        created_at: views::time(row.created_at),
    }
}

/// `POST /api/v1/public/webhooks`: registers an endpoint; its signing secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/public/webhooks", tag = "webhooks", request_body = AddWebhook,
    responses((status = 201, description = "registered, ACTIVE; `secret` signs every delivery (keep it: it is not shown again)", body = crate::answers::WebhookCreated),
              (status = 400, description = "a field is wrong (the url: its form, or a host on a private, loopback or link-local address; the events)", body = crate::answers::Errors),
              (status = 409, description = "an ACTIVE endpoint of the client has this url already, or the client has as many ACTIVE endpoints as it may (10)", body = crate::answers::Errors)))]
pub(crate) async fn add_webhook(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    body: JsonBody<AddWebhook>,
) -> Result<Response, Problem> {
    let body = body.value;
    let url = fields::web_address("url", &body.url)?;
    if body.events.is_empty() {
        return Err(Problem::bad("events", "name at least one event"));
    }
    let mut events: Vec<String> = body.events.iter().map(|e| e.as_str().to_owned()).collect();
    events.sort();
    events.dedup();
    check_registration(&url, state.webhooks.allow_private_addresses)
        .await
        .map_err(|e| Problem::bad("url", e))?;
    let (active, same) = state.store.active_webhooks(client.id, url.as_str()).await?;
    if let Some(id) = same {
        return Err(Problem::conflict(format!(
            "webhook {id} of client {} has this url already: delete it first to register it again",
            client.name
        )));
    }
    if active >= MAX_ENDPOINTS {
        return Err(Problem::conflict(format!(
            "client {} has {active} ACTIVE webhooks, as many as a client may have ({MAX_ENDPOINTS}): delete one first",
            client.name
        )));
    }
    let mut secret = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret);
    let row = state
        .store
        .add_webhook_endpoint(Uuid::new_v4(), client.id, url.as_str(), &events, &secret)
        .await
        .map_err(|e| match e {
            // Two registrations of one url at once: the unique index took one.
            emtoken_store::Error::Conflict(what) => Problem::conflict(what),
            other => other.into(),
        })?;
    let created = WebhookCreated {
        webhook: webhook(&row),
        secret: format!("whsec_{}", hex::encode(secret)),
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// `GET /api/v1/public/webhooks`: the client's endpoints, paged.
#[utoipa::path(get, path = "/api/v1/public/webhooks", tag = "webhooks",
    params(("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)"),
           ("sort" = Option<String>, Query, pattern = r"^createdAt(,([aA][sS][cC]|[dD][eE][sS][cC]))?$", description = "createdAt[,asc|desc] (default createdAt,asc)")),
    responses((status = 200, description = "a page of the client's endpoints (ACTIVE and DELETED)", body = crate::answers::Page<crate::answers::WebhookList>),
              (status = 400, description = "a parameter is wrong", body = crate::answers::Errors)))]
pub(crate) async fn list_webhooks(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<WebhookList>>, Problem> {
    let q = ListQuery::parse(params, &["createdAt"], &[])?;
    let (rows, total) = state
        .store
        .webhook_endpoints(client.id, q.sort.desc, q.paging)
        .await?;
    Ok(Json(q.page(
        &format!("{PUBLIC}/webhooks"),
        WebhookList {
            webhooks: rows.iter().map(webhook).collect(),
        },
        total,
    )))
}

/// The client's endpoint `id` (path text): 400, 404.
async fn find(
    state: &ApiState,
    client: &emtoken_store::api::ClientRow,
    id: &str,
) -> Result<WebhookEndpointRow, Problem> {
    let id = fields::uuid("webhookId", id)?;
    state
        .store
        .webhook_endpoint(client.id, id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("client {} has no webhook {id}", client.name)))
}

/// `GET /api/v1/public/webhooks/{webhookId}`.
#[utoipa::path(get, path = "/api/v1/public/webhooks/{webhookId}", tag = "webhooks",
    params(("webhookId" = uuid::Uuid, Path, description = "the endpoint")),
    responses((status = 200, description = "the endpoint (ACTIVE or DELETED)", body = crate::answers::Webhook),
              (status = 400, description = "the id is not a UUID", body = crate::answers::Errors), (status = 404, description = "no such endpoint", body = crate::answers::Errors)))]
pub(crate) async fn get_webhook(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(id): Path<String>,
) -> Result<Json<Webhook>, Problem> {
    Ok(Json(webhook(&find(&state, &client, &id).await?)))
}

/// `DELETE /api/v1/public/webhooks/{webhookId}`: no more events for it; its pending deliveries end
/// FAILED. A deleted one answers the same again.
#[utoipa::path(delete, path = "/api/v1/public/webhooks/{webhookId}", tag = "webhooks",
    params(("webhookId" = uuid::Uuid, Path, description = "the endpoint")),
    responses((status = 200, description = "deleted", body = crate::answers::Webhook),
              (status = 400, description = "the id is not a UUID", body = crate::answers::Errors), (status = 404, description = "no such endpoint", body = crate::answers::Errors)))]
pub(crate) async fn delete_webhook(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(id): Path<String>,
) -> Result<Json<Webhook>, Problem> {
    let row = find(&state, &client, &id).await?;
    let row = state
        .store
        .delete_webhook_endpoint(client.id, row.id)
        .await?
        .ok_or_else(|| Problem::internal("a webhook vanished"))?;
    Ok(Json(webhook(&row)))
}

/// A delivery with its attempts.
async fn delivery(
    state: &ApiState,
    endpoint: Uuid,
    row: &DeliveryRow,
) -> Result<Delivery, Problem> {
    let attempts = state.store.webhook_attempts(endpoint, row.event_id).await?;
    let pending = row.state == "PENDING";
    Ok(Delivery {
        event_id: row.event_id,
        event_type: serde_json::from_value(serde_json::Value::String(row.event_type.clone()))
            .map_err(Problem::internal)?,
        created_at: views::time(row.created_at),
        state: match row.state.as_str() {
            "DELIVERED" => DeliveryState::Delivered,
            "FAILED" => DeliveryState::Failed,
            _ => DeliveryState::Pending,
        },
        attempts: row.attempts,
        next_attempt_at: pending.then(|| views::time(row.next_attempt_at)),
        delivered_at: row.delivered_at.map(views::time),
        last_status_code: row.last_status,
        last_error: row.last_error.clone(),
        attempt_log: attempts
            .into_iter()
            .map(
                |(attempt, at, status_code, error, duration_ms)| DeliveryAttempt {
                    attempt,
                    at: views::time(at),
                    status_code,
                    error,
                    duration_ms,
                },
            )
            .collect(),
    })
}

/// `GET /api/v1/public/webhooks/{webhookId}/deliveries`: the endpoint's delivery log, paged.
#[utoipa::path(get, path = "/api/v1/public/webhooks/{webhookId}/deliveries", tag = "webhooks",
    params(("webhookId" = uuid::Uuid, Path, description = "the endpoint"),
           ("state" = Option<crate::answers::DeliveryState>, Query, description = "only deliveries in this state"),
           ("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)"),
           ("sort" = Option<String>, Query, pattern = r"^createdAt(,([aA][sS][cC]|[dD][eE][sS][cC]))?$", description = "createdAt[,asc|desc]: the order of the events (default createdAt,asc)")),
    responses((status = 200, description = "a page of the endpoint's deliveries, each with its attempts", body = crate::answers::Page<crate::answers::DeliveryList>),
              (status = 400, description = "a parameter is wrong", body = crate::answers::Errors), (status = 404, description = "no such endpoint", body = crate::answers::Errors)))]
pub(crate) async fn list_deliveries(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<DeliveryList>>, Problem> {
    let endpoint = find(&state, &client, &id).await?;
    let q = ListQuery::parse(params, &["createdAt"], &["state"])?;
    let filter = match q.filters.get("state").map(String::as_str) {
        None => None,
        Some(s @ ("PENDING" | "DELIVERED" | "FAILED")) => Some(s),
        Some(other) => {
            return Err(Problem::bad(
                "state",
                format!("must be PENDING, DELIVERED or FAILED, got '{other}'"),
            ));
        }
    };
    let (rows, total) = state
        .store
        .webhook_deliveries(endpoint.id, filter, q.sort.desc, q.paging)
        .await?;
    let mut deliveries = Vec::with_capacity(rows.len());
    for row in &rows {
        deliveries.push(delivery(&state, endpoint.id, row).await?);
    }
    Ok(Json(q.page(
        &format!("{}/deliveries", path(endpoint.id)),
        DeliveryList { deliveries },
        total,
    )))
}

/// `POST /api/v1/public/webhooks/{webhookId}/deliveries/{eventId}/resend`: the delivery is due again
/// now, with another 24 hours to succeed, whatever its state (an ACTIVE endpoint only).
#[utoipa::path(post, path = "/api/v1/public/webhooks/{webhookId}/deliveries/{eventId}/resend", tag = "webhooks",
    params(("webhookId" = uuid::Uuid, Path, description = "the endpoint"), ("eventId" = uuid::Uuid, Path, description = "the event")),
    responses((status = 202, description = "queued: PENDING, due now", body = crate::answers::Delivery),
              (status = 400, description = "an id is not a UUID", body = crate::answers::Errors),
              (status = 404, description = "no such endpoint, or no delivery of this event to it", body = crate::answers::Errors),
              (status = 409, description = "the endpoint is DELETED", body = crate::answers::Errors)))]
pub(crate) async fn resend_delivery(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path((id, event)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let endpoint = find(&state, &client, &id).await?;
    let event = fields::uuid("eventId", &event)?;
    if endpoint.status != "ACTIVE" {
        return Err(Problem::conflict(format!(
            "webhook {} is DELETED: it receives nothing more",
            endpoint.id
        )));
    }
    let row = state
        .store
        .resend_webhook(endpoint.id, event)
        .await?
        .ok_or_else(|| {
            Problem::not_found(format!(
                "webhook {} has no delivery of event {event}",
                endpoint.id
            ))
        })?;
    let answer = delivery(&state, endpoint.id, &row).await?;
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}
