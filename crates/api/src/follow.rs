//! The platform's follow-up of users and card cash-ins: what a request started and a process that died (or a node that
//! refused a transaction) left half done is finished here, every few seconds, by any `serve` process.
//!
//! - a KYC level still PENDING in a user's history is settled from its request;
//! - a verified user without a wallet gets its first one;
//! - a user's wallet whose registration never reached the chain is registered, at the user's level;
//! - a READY wallet whose level on chain is not its user's gets `setKycLevel` (a wallet made while the
//!   user's level was changing);
//! - a wallet of an unsubscribed user that the chain has not frozen is frozen;
//! - a card cash-in left charging is settled from the acquirer's decision, one approved but never minted
//!   is minted (see `routes::card_cash_ins`);
//! - an open hold whose expiration the chain has reached is released, whoever made it (see [`expiry`]).
//!
//! Each step only sends what the records say is missing and nothing is on its way for, so two
//! processes doing it at once send at most one transaction too many, which the contract refuses; the
//! release of an expired hold is claimed in the database first, so two processes send it once.
//!
//! [`expiry`]: crate::expiry

use std::time::Duration;

use alloy::primitives::Address;
use axum::http::StatusCode;
use emtoken_store::api::{NewRequest, RequestKind};
use serde_json::json;
use tokio::sync::watch;
use uuid::Uuid;

use crate::{
    ApiState, SETTLE_AFTER,
    expiry::release_expired_holds,
    idempotency,
    platform::Call,
    routes::{first_wallet, follow_card_cash_ins, freeze, settle_level},
};

/// How long a level change may take before the follow-up sets it again (the index may lag).
const QUIET: Duration = Duration::from_secs(30);

/// Runs the follow-up every `interval` until `stop`. Expired holds are released apart from the other
/// steps, so that a step failing does not keep money held.
pub async fn follow_up(state: ApiState, interval: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = once(&state).await {
            tracing::warn!(error = %e.detail, "the follow-up failed: trying again");
        }
        if let Err(e) = release_expired_holds(&state).await {
            tracing::warn!(error = %e.detail, "releasing expired holds failed: trying again");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// One round.
async fn once(state: &ApiState) -> Result<(), crate::Problem> {
    let store = &state.store;
    for (entry, request) in store.stale_kyc_levels(SETTLE_AFTER * 2).await? {
        if let Some(request) = request {
            settle_level(state, entry, request).await?;
        } else {
            store.settle_kyc_level(entry, false).await?;
        }
    }
    for user in store.users_without_wallet().await? {
        first_wallet(state, user).await;
    }
    for (wallet, level) in store.unregistered_wallets(SETTLE_AFTER * 2).await? {
        let Ok(level) = u8::try_from(level) else {
            continue;
        };
        let address = Address::from(wallet.address);
        let Some(token) = state.served_token(wallet.chain_id).await? else {
            continue;
        };
        tracing::info!(wallet = %wallet.id, "registering a wallet whose registration never reached the chain");
        let call = token.compliance.prepare().register_wallet(address, level);
        send(
            state,
            &wallet,
            RequestKind::RegisterWallet,
            token.compliance_call(call),
            level,
        )
        .await;
    }
    for (wallet, level) in store.wallets_off_level(QUIET).await? {
        let Ok(level) = u8::try_from(level) else {
            continue;
        };
        let Some(token) = state.served_token(wallet.chain_id).await? else {
            continue;
        };
        tracing::info!(wallet = %wallet.id, level, "setting a wallet's KYC level to its user's");
        let call = token
            .compliance
            .prepare()
            .set_kyc_level(Address::from(wallet.address), level);
        send(
            state,
            &wallet,
            RequestKind::SetKycLevel,
            token.compliance_call(call),
            level,
        )
        .await;
    }
    follow_card_cash_ins(state).await?;
    for wallet in store.wallets_to_freeze().await? {
        freeze(state, wallet.client_id.unwrap_or_default(), &wallet).await;
    }
    Ok(())
}

/// Sends one call about `wallet` as the platform's own request (logged if refused).
async fn send(
    state: &ApiState,
    wallet: &emtoken_store::WalletRow,
    kind: RequestKind,
    call: Call,
    level: u8,
) {
    let request = NewRequest {
        id: Uuid::new_v4(),
        client_id: wallet.client_id.unwrap_or_default(),
        wallet_id: Some(wallet.id),
        record_id: Some(wallet.id),
        details: json!({ "kycLevel": level, "followUp": true }),
        ..NewRequest::new(kind)
    };
    if let Err(problem) = idempotency::run(
        state,
        request,
        vec![call],
        (StatusCode::ACCEPTED, json!({})),
        None,
    )
    .await
    {
        tracing::warn!(wallet = %wallet.id, %kind, error = %problem.detail, "follow-up call refused");
    }
}
