//! The JSON the API answers with: the field names of the platform's guide, amounts as exact decimal
//! strings ("12.50"), times in RFC 3339 (UTC), addresses and hashes as 0x hex.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use emtoken_sdk::{Amount, OperationId};
use emtoken_store::{
    WalletRow,
    api::{HoldView, MovementView, RequestKind, RequestState},
    ids,
    vocabulary::MovementType,
};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::ApiState;

/// Base of the public endpoints.
pub(crate) const PUBLIC: &str = "/api/v1/public";

/// A decimal amount from base units as stored (whole, at most the supply cap: the schema's and the
/// indexer's checks; anything else would be a corrupt row, shown as its raw base units and logged).
pub(crate) fn amount(state: &ApiState, units: Decimal) -> String {
    Amount::from_units(units, state.chain.decimals).map_or_else(
        |e| {
            tracing::error!(%units, error = %e, "stored amount outside the token's range");
            units.to_string()
        },
        |a| a.to_string(),
    )
}

/// RFC 3339, milliseconds, UTC.
pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// 0x hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    format!("0x{}", alloy::hex::encode(bytes))
}

fn link(href: String) -> Value {
    json!({ "href": href })
}

/// A wallet.
pub(crate) fn wallet(state: &ApiState, w: &WalletRow, client_alias: Option<&str>) -> Value {
    json!({
        "_links": {
            "self": link(format!("{PUBLIC}/wallets/{}", w.id)),
            "movements": link(format!("{PUBLIC}/wallets/{}/movements", w.id)),
            "holds": link(format!("{PUBLIC}/wallets/{}/holds", w.id)),
        },
        "id": w.id,
        "availableBalance": amount(state, w.available()),
        "balance": amount(state, w.balance),
        "heldBalance": amount(state, w.held),
        "clientAlias": client_alias,
        "clientId": w.client_id,
        "dltAddress": hex(&w.address),
        "dltNetwork": state.chain.network,
        "iban": w.iban,
        "kycLevel": w.kyc_level,
        "status": w.status,
        "userId": w.user_id,
        "createdAt": w.registered_at.or(w.created_at).map(time),
    })
}

/// Owners of the wallets a page of movements or holds names, by wallet id.
pub(crate) type Owners = HashMap<Uuid, WalletRow>;

/// Loads the wallets of these addresses.
pub(crate) async fn owners(
    state: &ApiState,
    addresses: impl Iterator<Item = Option<Vec<u8>>>,
) -> Result<Owners, crate::Problem> {
    let ids: Vec<Uuid> = addresses
        .flatten()
        .filter_map(|a| <[u8; 20]>::try_from(a.as_slice()).ok())
        .map(|a| ids::wallet_id(state.chain.chain_id, &a))
        .collect();
    Ok(state
        .store
        .wallets_by_ids(&ids)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect())
}

fn party(
    state: &ApiState,
    owners: &Owners,
    address: Option<&[u8]>,
) -> (Option<Uuid>, Option<Uuid>) {
    let Some(address) = address.and_then(|a| <[u8; 20]>::try_from(a).ok()) else {
        return (None, None);
    };
    let id = ids::wallet_id(state.chain.chain_id, &address);
    (Some(id), owners.get(&id).and_then(|w| w.user_id))
}

/// A movement of `wallet`.
pub(crate) fn movement(
    state: &ApiState,
    wallet: &WalletRow,
    m: &MovementView,
    owners: &Owners,
) -> Value {
    let transfer = matches!(
        m.r#type,
        MovementType::TransferIn | MovementType::TransferOut
    );
    let (origin_wallet, origin_user) = party(state, owners, m.origin_address.as_deref());
    let (target_wallet, target_user) = party(state, owners, m.target_address.as_deref());
    let mut links = serde_json::Map::new();
    links.insert(
        "self".into(),
        link(format!("{PUBLIC}/wallets/{}/movements/{}", wallet.id, m.id)),
    );
    links.insert(
        "wallet".into(),
        link(format!("{PUBLIC}/wallets/{}", wallet.id)),
    );
    if let Some(id) = origin_wallet {
        links.insert(
            "originWallet".into(),
            link(format!("{PUBLIC}/wallets/{id}")),
        );
    }
    if let Some(id) = target_wallet {
        links.insert(
            "targetWallet".into(),
            link(format!("{PUBLIC}/wallets/{id}")),
        );
    }
    json!({
        "_links": links,
        "id": m.id,
        "walletId": m.wallet_id,
        "type": m.r#type,
        "status": m.status,
        "amount": amount(state, m.amount),
        "concept": m.concept,
        "createdAt": time(m.created_at),
        "updatedAt": time(m.updated_at),
        "originUserId": origin_user,
        "targetUserId": target_user,
        "originDltAddress": m.origin_address.as_deref().map(hex),
        "targetDltAddress": m.target_address.as_deref().map(hex),
        "originWalletId": origin_wallet,
        "targetWalletId": target_wallet,
        "userId": if transfer { None } else { wallet.user_id },
        "clientId": wallet.client_id,
        "dltNetwork": state.chain.network,
        "iban": m.iban,
        "scheduledOperationId": Value::Null,
        "chainId": state.chain.chain_id,
        "contractAddress": hex(state.chain.contract.as_slice()),
        "txHash": m.tx_hash.as_deref().map(hex),
        "blockNumber": m.block_number,
        "blockHash": m.block_hash.as_deref().map(hex),
        "logIndex": m.log_index,
        "recordKind": m.record_kind,
        "recordKey": m.record_key.as_deref().map(hex),
        "paymentReference": m.payment_reference.as_deref().map(hex),
    })
}

/// The status of a hold as the platform's guide has it: the platform's latest request about it
/// while that is on its way or failed, else what the chain says.
pub(crate) fn hold_status(h: &HoldView) -> String {
    let chain = h.chain_status.map(|s| s.as_str().to_owned());
    let (Some(kind), Some(state)) = (h.request_kind, h.request_state) else {
        return chain.unwrap_or_else(|| "PENDING_DLT_CREATION".into());
    };
    let (requested, pending, failed) = match kind {
        RequestKind::Hold => (
            "CREATION_REQUESTED",
            "PENDING_DLT_CREATION",
            "CREATION_FAILED",
        ),
        RequestKind::ExecuteHold => (
            "EXECUTION_REQUESTED",
            "PENDING_DLT_EXECUTION",
            "EXECUTION_FAILED",
        ),
        RequestKind::ExecuteHoldAndKeepOpen => (
            "EXECUTION_AND_KEEP_OPEN_REQUESTED",
            "PENDING_DLT_EXECUTE_AND_KEPT_OPEN",
            "EXECUTION_AND_KEPT_OPEN_FAILED",
        ),
        RequestKind::ReleaseHold => ("RELEASE_REQUESTED", "PENDING_DLT_RELEASE", "RELEASE_FAILED"),
        _ => ("RENEWAL_REQUESTED", "PENDING_DLT_RENEWAL", "RENEWAL_FAILED"),
    };
    match state {
        RequestState::Requested => requested.into(),
        RequestState::Failed => failed.into(),
        // Mined and indexed (the receipt may be recorded a moment after the indexer saw it).
        RequestState::Mined | RequestState::PendingDlt if h.request_indexed == Some(true) => {
            chain.unwrap_or_else(|| pending.into())
        }
        _ => pending.into(),
    }
}

/// Whether a hold can still be executed, released or renewed.
pub(crate) fn hold_open(h: &HoldView) -> bool {
    h.chain_status.is_some_and(|s| s.is_open())
}

/// A hold seen from `wallet`.
pub(crate) fn hold(state: &ApiState, wallet: &WalletRow, h: &HoldView, owners: &Owners) -> Value {
    let (payer_wallet, payer_user) = party(state, owners, Some(&h.payer));
    let (payee_wallet, _) = party(state, owners, Some(&h.payee));
    let payer_row = payer_wallet.and_then(|id| owners.get(&id));
    let operation = <[u8; 32]>::try_from(h.operation_id.as_slice())
        .ok()
        .map(|b| {
            let op = OperationId::from(alloy::primitives::B256::from(b));
            op.as_uuid().map_or_else(|| hex(&b), |u| u.to_string())
        });
    json!({
        "_links": {
            "self": link(format!("{PUBLIC}/wallets/{}/holds/{}", wallet.id, h.id)),
            "payerWallet": link(format!("{PUBLIC}/wallets/{}", payer_wallet.unwrap_or_default())),
            "payeeWallet": link(format!("{PUBLIC}/wallets/{}", payee_wallet.unwrap_or_default())),
        },
        "id": h.id,
        "userId": payer_user,
        "clientId": payer_row.and_then(|w| w.client_id),
        "issuerDltAddress": hex(&h.issuer),
        "payerDltAddress": hex(&h.payer),
        "payeeDltAddress": hex(&h.payee),
        "notaryDltAddress": hex(&h.notary),
        "heldValue": amount(state, h.held_value),
        "executedValue": amount(state, h.executed_value),
        "remainingValue": amount(state, h.remaining),
        "status": hold_status(h),
        "dltNetwork": state.chain.network,
        "contractAddress": hex(state.chain.contract.as_slice()),
        "operationId": operation,
        "holdKey": hex(&h.hold_key),
        "payerWalletId": payer_wallet,
        "payeeWalletId": payee_wallet,
        "createdAt": time(h.created_at),
        "updatedAt": time(h.updated_at),
        "expiration": h.expiration.map(time),
    })
}
