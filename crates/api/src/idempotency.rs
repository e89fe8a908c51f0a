//! `Idempotency-Key`: a POST retried with the same key gets the first answer and sends nothing again.

use axum::{
    Json,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use emtoken_store::api::{Begun, NewRequest, RequestRow};
use serde_json::Value;
use uuid::Uuid;

use crate::{ApiState, Problem, platform::Call};

/// The header.
pub(crate) const HEADER: &str = "idempotency-key";

/// The caller's idempotency key, checked (1–255 visible ASCII characters).
pub(crate) fn key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .ok()
        .filter(|t| !t.is_empty() && t.len() <= 255 && t.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            Problem::bad(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )
        })?;
    Ok(Some(text.to_owned()))
}

/// The answer to a repeated request: the stored one, or 409 if the key served another request or the
/// first is still being handled.
pub(crate) fn replay(first: &RequestRow, fingerprint: &[u8; 32]) -> Response {
    if first.fingerprint.as_slice() != fingerprint {
        return Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Idempotency-Key was already used for another request: use a new key",
        )
        .into_response();
    }
    match (first.response_status, &first.response_body) {
        (Some(status), Some(body)) => (
            StatusCode::from_u16(u16::try_from(status).unwrap_or(500))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Json(body.clone()),
        )
            .into_response(),
        _ => {
            Problem::conflict("the first request with this Idempotency-Key is still being handled")
                .into_response()
        }
    }
}

/// Looks a key up before validating the request again (a retry after the state changed must still get
/// the first answer).
pub(crate) async fn earlier(
    state: &ApiState,
    client: Uuid,
    key: Option<&str>,
    fingerprint: &[u8; 32],
) -> Result<Option<Response>, Problem> {
    let Some(key) = key else { return Ok(None) };
    Ok(state
        .store
        .request_by_key(client, key)
        .await?
        .map(|first| replay(&first, fingerprint)))
}

/// Records `request`, sends its calls and stores the answer: `accepted` (status and body) when the first
/// call is with the node, or the problem.
pub(crate) async fn run(
    state: &ApiState,
    request: NewRequest,
    calls: Vec<Call>,
    accepted: (StatusCode, Value),
) -> Result<Response, Problem> {
    let fingerprint = request.fingerprint;
    if let Begun::Repeated(first) = state.store.begin_request(&request).await? {
        return Ok(replay(&first, &fingerprint));
    }
    let (status, body) = match state
        .platform
        .dispatch(&state.store, request.id, calls)
        .await
    {
        Ok(()) => accepted,
        Err(problem) => (problem.status, problem.body()),
    };
    state
        .store
        .set_request_response(request.id, status.as_u16(), &body)
        .await?;
    Ok((status, Json(body)).into_response())
}
