//! The endpoints, one file per resource.

mod admin;
mod audit;
mod bank;
mod card_cash_ins;
mod commissions;
mod favourites;
mod holds;
mod movements;
mod onboarding;
mod payment_page;
mod scheduled;
mod scheduled_body;
mod system;
mod temporal_key;
mod top_ups;
mod transfers;
mod users;
mod wallets;
mod webhooks;

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    response::IntoResponse,
    routing::{get, patch, post},
};
use emtoken_store::{WalletRef, WalletRow, api::ClientRow, vocabulary::WalletStatus};

use crate::{ApiState, Problem, fields};

pub(crate) use admin::*;
pub(crate) use audit::*;
pub(crate) use bank::*;
pub(crate) use card_cash_ins::*;
pub(crate) use commissions::*;
pub(crate) use favourites::*;
pub(crate) use holds::*;
pub(crate) use movements::*;
pub(crate) use onboarding::*;
pub(crate) use payment_page::*;
pub(crate) use scheduled::*;
pub(crate) use scheduled_body::ReceiverKind;
pub(crate) use system::*;
pub(crate) use temporal_key::*;
pub(crate) use top_ups::*;
pub(crate) use transfers::*;
pub(crate) use users::*;
pub(crate) use wallets::*;
pub(crate) use webhooks::*;

/// Every route.
pub(crate) fn router() -> Router<ApiState> {
    let public = Router::new()
        .route("/wallets", get(list_wallets).post(create_wallet))
        // A fixed segment: matched before `/wallets/{walletId}` (a GET here is a 405, not a wallet).
        .route("/wallets/temporalpk", post(temporal_pk))
        .route(
            "/wallets/{walletId}",
            get(get_wallet).delete(unsubscribe_wallet),
        )
        .route("/wallets/{walletId}/movements", get(list_movements))
        .route(
            "/wallets/{walletId}/movements/{movementId}",
            get(get_movement),
        )
        .route("/wallets/{walletId}/holds", get(list_holds))
        .route("/wallets/{walletId}/holds/{holdId}", get(get_hold))
        .route("/wallets/{walletId}/hold", post(create_hold))
        .route(
            "/wallets/{walletId}/hold/{holdId}/executeHold",
            post(execute_hold),
        )
        .route(
            "/wallets/{walletId}/hold/{holdId}/executeHoldAndKeepOpen",
            post(execute_hold_and_keep_open),
        )
        .route(
            "/wallets/{walletId}/hold/{holdId}/releaseHold",
            post(release_hold),
        )
        .route(
            "/wallets/{walletId}/hold/{holdId}/renewHold",
            post(renew_hold),
        )
        .route("/wallets/{walletId}/transfer", post(transfer))
        .route(
            "/wallets/{walletId}/transfer/calculate",
            post(calculate_transfer),
        )
        .route(
            "/wallets/{walletId}/cashOuts/calculate",
            post(calculate_cash_out),
        )
        .route(
            "/wallets/{walletId}/cards/cashIns/calculate",
            post(calculate_card_cash_in),
        )
        .route(
            "/wallets/{walletId}/top-up-requests/calculate",
            post(calculate_top_up),
        )
        .route(
            "/wallets/{walletId}/hold/executeHold/calculate",
            post(calculate_hold_execution),
        )
        .route("/wallets/{walletId}/cashOuts", post(cash_out))
        .route("/wallets/{walletId}/top-up-requests", post(create_top_up))
        .route(
            "/wallets/{walletId}/top-up-requests/{topUpRequestId}",
            get(get_top_up),
        )
        .route("/wallets/{walletId}/create-iban", post(create_iban))
        .route("/wallets/{walletId}/cards/cashIns", post(card_cash_in))
        .route(
            "/wallets/{walletId}/scheduled-operations",
            get(list_scheduled).post(create_scheduled),
        )
        .route(
            "/wallets/{walletId}/scheduled-operations/{scheduledOperationId}",
            get(get_scheduled).delete(delete_scheduled),
        )
        .route(
            "/wallets/{walletId}/scheduled-operations/{scheduledOperationId}/executions",
            get(list_executions),
        )
        .route(
            "/wallets/{walletId}/favourite-external-accounts",
            get(list_favourites).post(add_favourite),
        )
        .route(
            "/wallets/{walletId}/favourite-external-accounts/{favouriteExternalAccountId}",
            get(get_favourite).delete(delete_favourite),
        )
        .route(
            "/wallets/{walletId}/cashout-to-favourite-external-account",
            post(cash_out_to_favourite),
        )
        .route("/webhooks", get(list_webhooks).post(add_webhook))
        .route(
            "/webhooks/{webhookId}",
            get(get_webhook).delete(delete_webhook),
        )
        .route("/webhooks/{webhookId}/deliveries", get(list_deliveries))
        .route(
            "/webhooks/{webhookId}/deliveries/{eventId}/resend",
            post(resend_delivery),
        )
        .route("/users", get(list_users))
        .route("/users/{userId}", get(get_user).delete(unsubscribe_user))
        .route("/users/{userId}/request-otp", post(request_otp))
        .route("/users/{userId}/validate-otp", post(validate_otp))
        .route("/users/{userId}/mobile-phone", patch(change_mobile_phone));
    // Users are created through the guide's version 2 of the endpoints.
    let public_v2 = Router::new()
        .route("/users/natural", post(create_natural_user))
        .route("/users/juridical", post(create_juridical_user));
    let bank = Router::new()
        .route("/cashIns", post(bank_cash_in))
        .route("/cashOuts", get(bank_list_cash_outs))
        .route(
            "/cashOuts/{movementId}/execute",
            post(bank_execute_cash_out),
        )
        .route("/cashOuts/{movementId}/reject", post(bank_reject_cash_out))
        .route("/cashOuts/{movementId}/accept", post(bank_accept_cash_out))
        .route(
            "/cashOuts/{movementId}/decline",
            post(bank_decline_cash_out),
        )
        .route("/audit-log", get(bank_audit_log))
        .route("/top-up-requests", get(bank_list_top_ups))
        .route("/top-up-requests/{topUpRequestId}", get(bank_get_top_up))
        .route(
            "/top-up-requests/{topUpRequestId}/accept",
            post(bank_accept_top_up),
        )
        .route(
            "/top-up-requests/{topUpRequestId}/decline",
            post(bank_decline_top_up),
        )
        .route("/wallets/{walletId}/kycLevel", post(bank_set_kyc_level))
        .route(
            "/users/{userId}/kyc",
            get(bank_user_kyc_history).post(bank_set_user_kyc),
        )
        .route("/holds", get(bank_list_holds))
        .route("/commissions/report", get(bank_commission_report))
        .route("/system-accounts", get(bank_list_system_accounts))
        .route(
            "/system-accounts/{address}/movements",
            get(bank_system_account_movements),
        );
    let admin = Router::new()
        .route("/currencies", get(list_currencies).post(create_currency))
        .route("/currencies/{currencyId}", get(get_currency))
        .route("/issuers", get(list_issuers).post(create_issuer))
        .route("/issuers/{issuerId}", get(get_issuer))
        .route("/bank-catalog", get(list_banks).post(create_bank))
        .route("/bank-catalog/{bankId}", get(get_bank))
        .route(
            "/commissions",
            get(list_commissions).post(create_commission),
        )
        .route("/commissions/{commissionId}", get(get_commission))
        .route(
            "/commissions/{commissionId}/versions",
            post(add_commission_version),
        );
    Router::new()
        // For load balancers and orchestrators (not in the OpenAPI document): alive, and ready.
        .route("/health", get(crate::ops::health))
        .route("/ready", get(crate::ops::ready))
        .nest("/api/v1/public", public)
        .nest("/api/v1/admin", admin)
        .nest("/api/v2/public", public_v2)
        .nest("/api/v1/bank", bank)
        .route("/api/v1/acquirer/callbacks", post(acquirer_callback))
        // HTML for the cardholder's browser (not in the OpenAPI document).
        .route("/pay/{token}", get(payment_page).post(pay))
        .route(
            "/simulator/3ds/{reference}",
            get(simulator_challenge).post(simulator_challenge_done),
        )
        .route(
            "/api/v1/openapi.json",
            get(|State(state): State<ApiState>| async move {
                // Amounts of every token served fit its pattern: the most decimals of them.
                let decimals = match state.served_tokens().await {
                    Ok(tokens) => tokens.iter().map(|t| t.chain.decimals).max(),
                    Err(_) => None,
                };
                Json(crate::openapi::document(
                    decimals.unwrap_or(state.chain.decimals),
                ))
            }),
        )
        .fallback(|| async {
            Problem::not_found("no such endpoint: see /api/v1/openapi.json").into_response()
        })
        .method_not_allowed_fallback(|| async {
            Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed on this endpoint",
            )
            .into_response()
        })
}

/// The wallet `id` (path text) if it exists (404) and belongs to the caller's client (403).
pub(crate) async fn owned_wallet(
    state: &ApiState,
    client: &ClientRow,
    field: &str,
    id: &str,
) -> Result<WalletRow, Problem> {
    let id = fields::uuid(field, id)?;
    let wallet = state
        .store
        .wallet(WalletRef::Id(id))
        .await?
        .ok_or_else(|| Problem::not_found(format!("no wallet with id {id}")))?;
    if state.served_token(wallet.chain_id).await?.is_none() {
        return Err(Problem::not_found(format!("no wallet with id {id}")));
    }
    if wallet.client_id != Some(client.id) {
        return Err(Problem::forbidden(format!(
            "wallet {id} does not belong to a user of client {}",
            client.name
        )));
    }
    Ok(wallet)
}

/// Refuses (409) an operation between wallets of different tokens: money moves within one token (a
/// wallet of EUR cannot pay a wallet of another currency, nor one of another EUR issuer).
pub(crate) async fn same_token(
    state: &ApiState,
    payer: &WalletRow,
    payee: &WalletRow,
) -> Result<(), Problem> {
    if payer.chain_id == payee.chain_id {
        return Ok(());
    }
    let (a, b) = (state.token_of(payer).await?, state.token_of(payee).await?);
    let name = |t: &crate::tokens::Token| match (&t.chain.currency, t.chain.issuer_id) {
        (Some(c), Some(i)) => format!("{c} of issuer {i}"),
        _ => format!("token {:#x}", t.chain.contract),
    };
    Err(Problem::conflict(format!(
        "wallet {} holds {} and wallet {} holds {}: money moves only between wallets of the same token",
        payer.id,
        name(&a),
        payee.id,
        name(&b)
    )))
}

/// A wallet that can send money now: READY.
pub(crate) fn ready(wallet: &WalletRow, role: &str) -> Result<(), Problem> {
    if wallet.status != WalletStatus::Ready {
        return Err(Problem::conflict(format!(
            "{role} wallet {} is {}: only READY wallets can operate",
            wallet.id, wallet.status
        )));
    }
    Ok(())
}

/// A wallet named in a body (any client's user may receive), READY.
pub(crate) async fn target_wallet(
    state: &ApiState,
    field: &str,
    id: &str,
) -> Result<WalletRow, Problem> {
    let id = fields::uuid(field, id)?;
    let wallet = state
        .store
        .wallet(WalletRef::Id(id))
        .await?
        .filter(|w| w.user_id.is_some())
        .ok_or_else(|| Problem::bad(field, format!("no wallet with id {id}")))?;
    if state.served_token(wallet.chain_id).await?.is_none() {
        return Err(Problem::bad(field, format!("no wallet with id {id}")));
    }
    ready(&wallet, "target")?;
    Ok(wallet)
}
