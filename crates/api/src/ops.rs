//! What operators ask of the API's own port: `GET /health` (the process answers) and `GET /ready`
//! (worth sending traffic to: the database answers, the index has caught up with the chain and keeps
//! up), and one access-log line per request.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::ApiState;

/// The indexer as `/ready` sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexerView {
    /// The chain's head as the indexer last saw it.
    pub head: u64,
    /// The last block indexed.
    pub indexed: i64,
    /// Whether it has caught up with the head once.
    pub caught_up: bool,
    /// Whether the node or the database is unreachable now (the indexer waits for it).
    pub outage: bool,
}

/// Reads the indexer's figures (`serve` gives its indexer's).
pub type IndexerProbe = Arc<dyn Fn() -> IndexerView + Send + Sync>;

/// Whether the API is ready: the indexer's progress as observed over time.
pub struct Readiness {
    probe: Option<IndexerProbe>,
    stall_after: Duration,
    /// The last indexed block seen, and the last time it changed or the indexer was level with the node.
    progress: Mutex<Option<(i64, Instant)>>,
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readiness")
            .field("probe", &self.probe.is_some())
            .field("stall_after", &self.stall_after)
            .finish_non_exhaustive()
    }
}

impl Default for Readiness {
    /// No indexer to watch: ready whenever the database answers.
    fn default() -> Self {
        Self {
            probe: None,
            stall_after: Duration::from_secs(30),
            progress: Mutex::new(None),
        }
    }
}

impl Readiness {
    /// Watches the indexer `probe` reads: not ready until it has caught up, nor while it has indexed
    /// nothing new for `stall_after` although the node's head is ahead of it.
    pub fn watching(probe: IndexerProbe, stall_after: Duration) -> Self {
        Self {
            probe: Some(probe),
            stall_after,
            progress: Mutex::new(None),
        }
    }

    /// Reads the indexer now (`serve` does every second, so that a stall is seen whoever asks):
    /// None without an indexer to watch; else its figures and for how long it has been stalled.
    pub fn observe(&self) -> Option<(IndexerView, Option<Duration>)> {
        let view = (self.probe.as_ref()?)();
        let mut progress = self
            .progress
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Stalled: the node has been ahead and nothing new indexed for `stall_after`, counted from the
        // last observation at which the indexer was level with the node or had moved.
        let behind = view.head > u64::try_from(view.indexed.max(0)).unwrap_or_default();
        let stalled = match *progress {
            Some((indexed, since)) if indexed == view.indexed && behind => {
                (since.elapsed() >= self.stall_after).then(|| since.elapsed())
            }
            _ => {
                *progress = Some((view.indexed, Instant::now()));
                None
            }
        };
        Some((view, stalled))
    }
}

/// `GET /health`'s and `GET /ready`'s answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Status {
    /// `ok` (alive), `ready`, or `unready`.
    status: &'static str,
    /// Why it is not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// The chain's head as the indexer last saw it.
    #[serde(skip_serializing_if = "Option::is_none")]
    head: Option<u64>,
    /// The last block indexed.
    #[serde(skip_serializing_if = "Option::is_none")]
    indexed: Option<i64>,
}

/// `GET /health`: 200 while the process answers.
pub(crate) async fn health() -> Json<Status> {
    Json(Status {
        status: "ok",
        reason: None,
        head: None,
        indexed: None,
    })
}

/// How long `/ready` waits for the database.
const DATABASE_WITHIN: Duration = Duration::from_secs(2);

/// `GET /ready`: 200 when the database answers and the index has caught up and keeps up; 503 naming
/// the reason otherwise (the database, catching up, a stalled indexer).
pub(crate) async fn ready(State(state): State<ApiState>) -> Response {
    let unready = |reason: String, view: Option<IndexerView>| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Status {
                status: "unready",
                reason: Some(reason),
                head: view.map(|v| v.head),
                indexed: view.map(|v| v.indexed),
            }),
        )
            .into_response()
    };
    match tokio::time::timeout(DATABASE_WITHIN, state.store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => return unready(format!("the database does not answer: {error}"), None),
        Err(_) => {
            return unready(
                format!("the database did not answer within {DATABASE_WITHIN:?}"),
                None,
            );
        }
    }
    let observed = state.readiness.observe();
    if let Some((view, stalled)) = observed {
        if view.outage {
            return unready(
                "the chain node or the database is unreachable: the indexer waits for it".into(),
                Some(view),
            );
        }
        if !view.caught_up {
            return unready(
                format!(
                    "the index is catching up: block {} of {}",
                    view.indexed, view.head
                ),
                Some(view),
            );
        }
        if let Some(for_how_long) = stalled {
            return unready(
                format!(
                    "the indexer has stayed at block {} for {} s while the node is at {}",
                    view.indexed,
                    for_how_long.as_secs(),
                    view.head
                ),
                Some(view),
            );
        }
    }
    Json(Status {
        status: "ready",
        reason: None,
        head: observed.map(|(v, _)| v.head),
        indexed: observed.map(|(v, _)| v.indexed),
    })
    .into_response()
}

/// What a request's handling found out, for its access-log line and audit entry: who called (filled in
/// by the key's check) and the platform's record of the request (filled in when it is made).
#[derive(Debug, Clone, Default)]
pub(crate) struct CallerSeen(Arc<Mutex<Seen>>);

#[derive(Debug, Clone, Default)]
struct Seen {
    /// The client's id and name, and the key's id.
    caller: Option<(uuid::Uuid, String, String)>,
    /// `api_requests.id` of the request.
    request: Option<uuid::Uuid>,
}

impl CallerSeen {
    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records the client and the key's id.
    pub(crate) fn set(&self, client_id: uuid::Uuid, client: &str, key_id: String) {
        self.seen().caller = Some((client_id, client.to_owned(), key_id));
    }

    /// Records the platform's record of the request.
    pub(crate) fn request(&self, id: uuid::Uuid) {
        self.seen().request = Some(id);
    }

    fn get(&self) -> Seen {
        self.seen().clone()
    }
}

/// The request id header: taken from the caller when it is a short visible token, else made here; sent
/// back with the answer.
pub(crate) const REQUEST_ID: &str = "x-request-id";

/// The caller's request id when usable: 1 to 64 visible ASCII characters.
fn given_id(request: &Request) -> Option<String> {
    let value = request.headers().get(REQUEST_ID)?.to_str().ok()?;
    (!value.is_empty() && value.len() <= 64 && value.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| value.to_owned())
}

/// The access log: one line per request (request id, method, path, status, milliseconds, client and
/// key id — never the key), at INFO under the target `emtoken_api::access`; and the request's duration
/// in `metrics`, by its route's template.
pub(crate) async fn access_log(
    metrics: crate::telemetry::ApiMetrics,
    store: emtoken_store::Store,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let id = given_id(&request).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let idempotency_key = request
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(200).collect::<String>());
    let seen = CallerSeen::default();
    request.extensions_mut().insert(seen.clone());
    let mut response = next.run(request).await;
    let found = seen.get();
    let (client, key) = found
        .caller
        .as_ref()
        .map_or(("-", "-"), |(_, c, k)| (c.as_str(), k.as_str()));
    if !matches!(
        method,
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    ) {
        let entry = emtoken_store::api::NewAuditEntry {
            client_id: found.caller.as_ref().map(|(id, _, _)| *id),
            actor: client.to_owned(),
            key_id: found.caller.as_ref().map(|(_, _, k)| k.clone()),
            request_id: id.clone(),
            method: method.to_string(),
            route: route.clone(),
            path: path.chars().take(2000).collect(),
            status: i16::try_from(response.status().as_u16()).unwrap_or(i16::MAX),
            idempotency_key,
            api_request_id: found.request,
            duration_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
        };
        if let Err(error) = store.record_audit(&entry).await {
            tracing::error!(%error, request_id = %id, "cannot record the write in the audit log");
        }
    }
    metrics.request(
        method.as_str(),
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    tracing::info!(
        target: "emtoken_api::access",
        request_id = %id,
        %method,
        path,
        status = response.status().as_u16(),
        ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        client,
        key_id = key,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}
