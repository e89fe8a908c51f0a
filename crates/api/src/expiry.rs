//! Holds that expire (seed: "when expired, the held amount is automatically made available on the origin
//! account"): the follow-up releases every open hold whose expiration the chain has reached, as the
//! platform's operator, whoever made the hold (the API or a call to the contract) and whoever its notary
//! is; the platform pays the gas. The contract lets anyone release a hold from its expiration second
//! on, and such a release closes it as RELEASED_ON_EXPIRATION.
//!
//! Expired is judged by the chain's time, the newest indexed block's, never the wall clock: the contract
//! has seen at least that time, so the release it gets is one it takes.
//!
//! Exactly once, also with several `serve` processes on one database: a release is first recorded as a
//! RELEASE_EXPIRED_HOLD request by a claim that succeeds only while nothing about the hold is on its way
//! (see [`emtoken_store::Store::begin_expiry_release`]); the hold shows PENDING_DLT_EXPIRATION until the
//! indexer has the release. A release the contract refuses (the hold was closed meanwhile, the token is
//! paused) sends nothing and leaves nothing: it is tried again next round while the hold is still open.

use alloy::primitives::B256;
use axum::http::StatusCode;
use emtoken_store::api::{ExpiredHold, NewRequest, PLATFORM_CLIENT, RequestKind};
use serde_json::json;
use uuid::Uuid;

use crate::{ApiState, Problem, idempotency};

/// The most expired holds one round releases (the rest wait for the next rounds, longest expired first).
const PER_ROUND: i64 = 100;

/// One round of the follow-up's last step: releases the expired open holds of every token `state` serves
/// (see [`crate::follow_up`]) and returns how many releases this call claimed, and so tried to send
/// (another process may have claimed the others). A hold whose release is refused is logged and left
/// for the next round; only a database that cannot be read is an error.
pub async fn release_expired_holds(state: &ApiState) -> Result<usize, Problem> {
    let mut claimed = 0;
    for token in state.served_tokens().await? {
        for hold in state
            .store
            .expired_holds(token.chain.chain_id, PER_ROUND)
            .await?
        {
            if release(state, &token, &hold).await {
                claimed += 1;
            }
        }
    }
    Ok(claimed)
}

/// Claims and sends the release of one expired hold; whether this call claimed it (nothing is sent if
/// another process claimed it first).
async fn release(state: &ApiState, token: &crate::tokens::Token, hold: &ExpiredHold) -> bool {
    let Ok(key) = <[u8; 32]>::try_from(hold.hold_key.as_slice()) else {
        tracing::error!(hold = %hold.id, "an indexed hold has a key that is not 32 bytes: not released");
        return false;
    };
    let call = token.operator_call(token.operator.prepare().release_hold(B256::from(key)));
    let accepted = (StatusCode::ACCEPTED, json!({}));
    let mut request = NewRequest {
        id: Uuid::new_v4(),
        client_id: PLATFORM_CLIENT,
        wallet_id: hold.payer_wallet_id,
        record_id: Some(hold.id),
        record_key: Some(key),
        details: json!({
            "expiration": hold.expiration.to_rfc3339(),
            "chainTime": hold.chain_time.to_rfc3339(),
            "followUp": true,
        }),
        ..NewRequest::new(RequestKind::ReleaseExpiredHold)
    };
    let calls = vec![call];
    let claimed = match idempotency::keep_calls(&mut request, &calls, &accepted) {
        Ok(()) => state.store.begin_expiry_release(&request).await,
        Err(problem) => {
            tracing::error!(hold = %hold.id, error = %problem.detail, "expired hold not released");
            return false;
        }
    };
    match claimed {
        Ok(true) => {}
        // Another process is releasing it, or it closed meanwhile.
        Ok(false) => return false,
        Err(error) => {
            tracing::warn!(hold = %hold.id, %error, "expired hold not released yet: tried again next round");
            return false;
        }
    }
    tracing::info!(hold = %hold.id, expiration = %hold.expiration, chain_time = %hold.chain_time, "releasing an expired hold");
    if let Err(problem) = idempotency::send(state, request.id, calls, accepted).await {
        tracing::warn!(hold = %hold.id, error = %problem.detail, "expired hold not released yet: tried again next round");
    }
    true
}
