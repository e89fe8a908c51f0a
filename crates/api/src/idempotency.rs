//! `Idempotency-Key` and the one path every money-moving request takes: recorded (with the calls it
//! sends and the answer it will give) before anything is sent, so that a retry with the same key gets
//! the first answer and sends nothing again — also after a crash at any instant, once the request is
//! settled from the chain (see [`crate::platform`]).

use axum::{
    Json,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use emtoken_store::api::{Begun, NewRequest, RequestRow, RequestState};
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

use crate::{
    ApiState, Problem,
    platform::{Call, SETTLE_AFTER, Start},
    views,
};

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

/// The answer to a repeated request: the stored one; 422 if the key served another request; 409 (with
/// `Retry-After`) while the first is still being handled.
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
        _ => Problem::conflict(
            "the first request with this Idempotency-Key is still being handled: try again shortly",
        )
        .retry_after(1)
        .into_response(),
    }
}

/// Looks a key up before validating the request again (a retry after the state changed must still get
/// the first answer). A first request without an answer that nobody touched for a while (its process
/// died) is settled from the chain here; if nothing of it was sent it is gone, and the retry runs anew.
pub(crate) async fn earlier(
    state: &ApiState,
    client: Uuid,
    key: Option<&str>,
    fingerprint: &[u8; 32],
) -> Result<Option<Response>, Problem> {
    let Some(key) = key else { return Ok(None) };
    let Some(mut first) = state.store.request_by_key(client, key).await? else {
        return Ok(None);
    };
    if first.response_status.is_none()
        && first.fingerprint.as_slice() == fingerprint
        && chrono::Utc::now() - first.updated_at
            >= chrono::Duration::from_std(SETTLE_AFTER).unwrap_or_default()
    {
        // The chain node may be unreachable now: the retry is told so, and to come back.
        state
            .platform
            .settle(&state.store, &first)
            .await
            .map_err(|e| {
                Problem::unavailable(format!(
                    "the first request with this Idempotency-Key cannot be settled from the chain now ({e}): try again shortly"
                ))
                .retry_after(1)
            })?;
        match state.store.request_by_key(client, key).await? {
            Some(row) => first = row,
            None => return Ok(None),
        }
    }
    Ok(Some(replay(&first, fingerprint)))
}

/// What a request takes out of its wallet's available balance, and the movement that takes it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outflow {
    /// Base units.
    pub(crate) amount: Decimal,
    /// The movement (TRANSFER_OUT, LOCK, BANK_ACCOUNT_CASHOUT) under the id the indexer will give it.
    pub(crate) movement: Uuid,
}

/// Records `request` with its `calls` and the answer it gives once accepted, then sends the first call:
/// `accepted` when it is with the node, or the problem. A request whose wallet cannot cover `outflow`
/// (available balance less what its requests in flight committed) is a 409 and nothing is recorded or
/// sent; so is a call the contract refuses. Every answer given is kept for retries with the same key.
pub(crate) async fn run(
    state: &ApiState,
    mut request: NewRequest,
    calls: Vec<Call>,
    accepted: (StatusCode, Value),
    outflow: Option<Outflow>,
) -> Result<Response, Problem> {
    let fingerprint = request.fingerprint;
    let id = request.id;
    keep_calls(&mut request, &calls, &accepted)?;
    request.outflow = outflow.map(|o| (o.amount, o.movement));
    match state.store.begin_request(&request).await? {
        Begun::New => {}
        Begun::Repeated(first) => return Ok(replay(&first, &fingerprint)),
        Begun::Uncovered {
            available,
            committed,
        } => {
            let wallet = request.wallet_id.unwrap_or_default();
            let amount = outflow.map_or(Decimal::ZERO, |o| o.amount);
            // In the wallet's token's decimals.
            let chain = match state
                .store
                .wallet(emtoken_store::WalletRef::Id(wallet))
                .await?
            {
                Some(row) => state.token_of(&row).await?.chain,
                None => std::sync::Arc::clone(&state.chain),
            };
            return Err(Problem::conflict(format!(
                "wallet {wallet} cannot cover {}: its available balance is {} and {} of it is committed to operations on their way",
                views::amount(&chain, amount),
                views::amount(&chain, available),
                views::amount(&chain, committed),
            )));
        }
    }
    send(state, id, calls, accepted).await
}

/// Stores on `request` the `calls` it sends and the answer it gives once `accepted`, before it is
/// recorded: what a process going on with it after a crash needs.
pub(crate) fn keep_calls(
    request: &mut NewRequest,
    calls: &[Call],
    accepted: &(StatusCode, Value),
) -> Result<(), Problem> {
    request.calls = serde_json::to_value(calls).map_err(Problem::internal)?;
    request.accepted = (accepted.0.as_u16(), accepted.1.clone());
    Ok(())
}

/// Sends the first of the `calls` of request `id`, recorded (with [`keep_calls`]) and not yet sent:
/// `accepted` once the node has it, kept as the request's answer; the problem otherwise. A request of
/// which nothing reached the chain is removed (see [`run`]).
pub(crate) async fn send(
    state: &ApiState,
    id: Uuid,
    calls: Vec<Call>,
    accepted: (StatusCode, Value),
) -> Result<Response, Problem> {
    match state.platform.start(&state.store, id, calls).await {
        Start::Sent => {
            let (status, body) = state
                .store
                .answer_request(id, accepted.0.as_u16(), &accepted.1)
                .await?
                .unwrap_or((
                    i16::try_from(accepted.0.as_u16()).unwrap_or(500),
                    accepted.1,
                ));
            let status = StatusCode::from_u16(u16::try_from(status).unwrap_or(500))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Ok((status, Json(body)).into_response())
        }
        Start::Refused(problem) => {
            // Nothing reached the chain: nothing remains of the request.
            state.store.forget_unsent_request(id, None).await?;
            Err(problem)
        }
        Start::Unknown(problem) => {
            // Not even recorded as sent: nothing of it can be on chain.
            if state
                .store
                .request(id)
                .await?
                .is_some_and(|r| r.state == RequestState::Requested)
            {
                state.store.forget_unsent_request(id, None).await?;
            }
            Err(problem)
        }
    }
}
