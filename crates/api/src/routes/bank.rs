use alloy::primitives::{Address, B256};
use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use emtoken_sdk::MintKind;
use emtoken_store::{
    WalletRef,
    api::{NewRequest, RequestKind},
    ids,
    vocabulary::{OrderKind, OrderState},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::ready;
use crate::{
    ApiState, Problem, auth::BankCaller, body::JsonBody, fields, iban::Iban, idempotency,
    platform::Call, views,
};

/// A SEPA transfer the bank received for a wallet: credit it (mint of kind bank transfer).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct BankCashIn {
    /// The wallet's IBAN (the account the transfer was sent to); or give walletId.
    iban: Option<String>,
    /// The wallet's id; or give iban.
    wallet_id: Option<String>,
    /// Amount received, a decimal string.
    amount: String,
    /// The transfer's remittance information.
    concept: Option<String>,
    /// The bank's own reference of the transfer (e.g. its SEPA end-to-end id), 1–140 characters: the
    /// mint carries its hash, and the contract mints against a reference once, so the same transfer
    /// reported twice is credited once (the second is a 409). Without it, the request's id is used.
    payment_reference: Option<String>,
}

/// Reject a payout.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RejectCashOut {
    /// Why (recorded on chain).
    reason: String,
}

/// A wallet's new KYC level, set by the compliance side.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SetKycLevel {
    /// The level (0–255); the token must have a tier for it, or the contract refuses it (409).
    kyc_level: u8,
}

/// Execute a payout (no fields).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExecuteCashOut {}

/// `POST /api/v1/bank/cashIns`: credits a SEPA cash-in to a wallet found by IBAN or id; its
/// BANK_ACCOUNT_CASHIN movement appears once mined.
#[utoipa::path(post, path = "/api/v1/bank/cashIns", tag = "bank", request_body = BankCashIn,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, description = "mint on its way"), (status = 400), (status = 401), (status = 403), (status = 409)))]
pub(crate) async fn bank_cash_in(
    State(state): State<ApiState>,
    BankCaller(bank): BankCaller,
    headers: HeaderMap,
    body: JsonBody<BankCashIn>,
) -> Result<Response, Problem> {
    let key = idempotency::key(&headers)?;
    if let Some(answer) =
        idempotency::earlier(&state, bank.id, key.as_deref(), &body.fingerprint).await?
    {
        return Ok(answer);
    }
    let req = body.value;
    let amount = fields::amount("amount", &req.amount, state.chain.decimals)?;
    let concept = fields::concept(req.concept)?;
    let wallet = match (&req.iban, &req.wallet_id) {
        (Some(text), None) => {
            let iban = Iban::parse(text).map_err(|e| Problem::bad("iban", e))?;
            state
                .store
                .wallet_by_iban(iban.as_str())
                .await?
                .ok_or_else(|| Problem::bad("iban", format!("no wallet has IBAN {iban}")))?
        }
        (None, Some(id)) => {
            let id = fields::uuid("walletId", id)?;
            state
                .store
                .wallet(WalletRef::Id(id))
                .await?
                .filter(|w| w.user_id.is_some())
                .ok_or_else(|| Problem::bad("walletId", format!("no wallet with id {id}")))?
        }
        _ => {
            return Err(Problem::bad(
                "iban",
                "give exactly one of iban and walletId",
            ));
        }
    };
    ready(&wallet, "credited")?;
    let payment_reference = match req.payment_reference.as_deref().map(str::trim) {
        Some("") => {
            return Err(Problem::bad(
                "paymentReference",
                "must be 1 to 140 characters",
            ));
        }
        Some(text) => {
            fields::text("paymentReference", text, 140)?;
            Some(text.to_owned())
        }
        None => None,
    };
    let request_id = Uuid::new_v4();
    let reference = match &payment_reference {
        Some(text) => alloy::primitives::keccak256(format!("SEPA:{text}")),
        None => B256::from_slice(&[request_id.as_bytes().as_slice(), &[0u8; 16]].concat()),
    };
    let call = state.platform.operator.prepare().mint(
        Address::from(wallet.address),
        amount,
        MintKind::BankTransfer,
        reference,
    );
    let answer = json!({
        "id": request_id,
        "walletId": wallet.id,
        "iban": wallet.iban,
        "amount": amount.to_string(),
        "concept": concept,
        "paymentReference": payment_reference,
        "status": "PENDING",
    });
    let request = NewRequest {
        id: request_id,
        client_id: bank.id,
        idempotency_key: key,
        fingerprint: body.fingerprint,
        wallet_id: Some(wallet.id),
        record_id: None,
        record_key: None,
        concept,
        details: json!({}),
        movements: vec![],
        ..NewRequest::new(RequestKind::SepaCashIn)
    };
    idempotency::run(
        &state,
        request,
        vec![Call::operator(call)],
        (StatusCode::ACCEPTED, answer),
        None,
    )
    .await
}

/// The payout behind a BANK_ACCOUNT_CASHOUT movement id: its key, and its order row once indexed.
async fn payout(
    state: &ApiState,
    movement: &str,
) -> Result<(Uuid, B256, emtoken_store::OrderRow), Problem> {
    let id = fields::uuid("movementId", movement)?;
    let rows = state.store.cash_out_movement(id).await?;
    let (_, key) = rows.ok_or_else(|| Problem::not_found(format!("no cash-out movement {id}")))?;
    let key: [u8; 32] = key.as_slice().try_into().map_err(Problem::internal)?;
    let order = state
        .store
        .order(ids::order_id(state.chain.chain_id, OrderKind::Payout, &key))
        .await?
        .ok_or_else(|| {
            Problem::conflict(format!(
                "cash-out {id} is not on chain yet: try again in a moment"
            ))
        })?;
    Ok((id, B256::from(key), order))
}

/// `GET /api/v1/bank/cashOuts`: payouts waiting for the bank (ordered or in process), oldest first.
#[utoipa::path(get, path = "/api/v1/bank/cashOuts", tag = "bank",
    responses((status = 200, description = "pending cash-outs"), (status = 401), (status = 403)))]
pub(crate) async fn bank_list_cash_outs(
    State(state): State<ApiState>,
    BankCaller(_bank): BankCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, Problem> {
    if let Some((name, _)) = params.first() {
        return Err(Problem::bad(
            name,
            "unknown query parameter: this list takes none",
        ));
    }
    let rows = state.store.pending_cash_outs(state.chain.chain_id).await?;
    let items: Vec<_> = rows
        .iter()
        .map(|(movement_id, wallet_id, amount, iban, status)| {
            json!({
                "movementId": movement_id,
                "walletId": wallet_id,
                "amount": views::amount(&state, *amount),
                "iban": iban,
                "status": status,
            })
        })
        .collect();
    Ok(Json(json!({ "_embedded": { "cashOuts": items } })))
}

/// `POST /api/v1/bank/cashOuts/{movementId}/execute`: the bank paid it; the payout is processed and
/// executed (burnt) on chain; the movement becomes SUCCESS once final.
#[utoipa::path(post, path = "/api/v1/bank/cashOuts/{movementId}/execute", tag = "bank", request_body = ExecuteCashOut,
    params(("movementId" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409, description = "not pending any more")))]
pub(crate) async fn bank_execute_cash_out(
    State(state): State<ApiState>,
    BankCaller(bank): BankCaller,
    Path(movement): Path<String>,
    headers: HeaderMap,
    body: JsonBody<ExecuteCashOut>,
) -> Result<Response, Problem> {
    decide(state, bank, movement, headers, body.fingerprint, None).await
}

/// `POST /api/v1/bank/cashOuts/{movementId}/reject`: the bank could not pay it; the funds are returned;
/// the movement becomes ERROR once final.
#[utoipa::path(post, path = "/api/v1/bank/cashOuts/{movementId}/reject", tag = "bank", request_body = RejectCashOut,
    params(("movementId" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub(crate) async fn bank_reject_cash_out(
    State(state): State<ApiState>,
    BankCaller(bank): BankCaller,
    Path(movement): Path<String>,
    headers: HeaderMap,
    body: JsonBody<RejectCashOut>,
) -> Result<Response, Problem> {
    let reason = body.value.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(Problem::bad("reason", "must be 1 to 200 characters"));
    }
    fields::text("reason", &reason, 200)?;
    decide(
        state,
        bank,
        movement,
        headers,
        body.fingerprint,
        Some(reason),
    )
    .await
}

async fn decide(
    state: ApiState,
    bank: emtoken_store::api::ClientRow,
    movement: String,
    headers: HeaderMap,
    fingerprint: [u8; 32],
    reject: Option<String>,
) -> Result<Response, Problem> {
    let key = idempotency::key(&headers)?;
    if let Some(answer) =
        idempotency::earlier(&state, bank.id, key.as_deref(), &fingerprint).await?
    {
        return Ok(answer);
    }
    let (movement_id, payout_key, order) = payout(&state, &movement).await?;
    if order.status.outcome().is_some() {
        return Err(Problem::conflict(format!(
            "cash-out {movement_id} is {}: nothing left to decide",
            order.status
        )));
    }
    let prepare = state.platform.operator.prepare();
    let mut calls = vec![];
    let kind = match &reject {
        Some(reason) => {
            calls.push(Call::operator(prepare.reject_payout(payout_key, reason)));
            RequestKind::RejectCashOut
        }
        None => {
            if order.status == OrderState::Ordered {
                calls.push(Call::operator(prepare.process_payout(payout_key)));
            }
            calls.push(Call::operator(prepare.execute_payout(payout_key)));
            RequestKind::ExecuteCashOut
        }
    };
    let answer = json!({
        "movementId": movement_id,
        "decision": if reject.is_some() { "REJECT" } else { "EXECUTE" },
        "status": "PENDING",
    });
    let request = NewRequest {
        id: Uuid::new_v4(),
        client_id: bank.id,
        idempotency_key: key,
        fingerprint,
        wallet_id: None,
        record_id: Some(movement_id),
        record_key: Some(payout_key.0),
        concept: reject.clone(),
        details: json!({}),
        movements: vec![],
        ..NewRequest::new(kind)
    };
    idempotency::run(&state, request, calls, (StatusCode::ACCEPTED, answer), None).await
}

/// `POST /api/v1/bank/wallets/{walletId}/kycLevel`: the compliance side sets a wallet's KYC level (the
/// public API never does: new wallets start at 0). A level without a tier on chain, or the wallet's
/// current level, is a 409 and nothing is sent.
#[utoipa::path(post, path = "/api/v1/bank/wallets/{walletId}/kycLevel", tag = "bank", request_body = SetKycLevel,
    params(("walletId" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, description = "on its way: the wallet shows the level once mined"), (status = 400), (status = 401),
              (status = 403), (status = 404), (status = 409, description = "no tier for the level, same level, wallet not READY")))]
pub(crate) async fn bank_set_kyc_level(
    State(state): State<ApiState>,
    BankCaller(bank): BankCaller,
    Path(wallet_id): Path<String>,
    headers: HeaderMap,
    body: JsonBody<SetKycLevel>,
) -> Result<Response, Problem> {
    let key = idempotency::key(&headers)?;
    if let Some(answer) =
        idempotency::earlier(&state, bank.id, key.as_deref(), &body.fingerprint).await?
    {
        return Ok(answer);
    }
    let id = fields::uuid("walletId", &wallet_id)?;
    let wallet = state
        .store
        .wallet(WalletRef::Id(id))
        .await?
        .filter(|w| w.chain_id == state.chain.chain_id && w.user_id.is_some())
        .ok_or_else(|| Problem::not_found(format!("no wallet with id {id}")))?;
    ready(&wallet, "the")?;
    let level = body.value.kyc_level;
    let call = state
        .platform
        .compliance
        .prepare()
        .set_kyc_level(Address::from(wallet.address), level);
    let answer = json!({
        "walletId": wallet.id,
        "kycLevel": level,
        "status": "PENDING",
    });
    let request = NewRequest {
        id: Uuid::new_v4(),
        client_id: bank.id,
        idempotency_key: key,
        fingerprint: body.fingerprint,
        wallet_id: Some(wallet.id),
        record_id: Some(wallet.id),
        details: json!({ "kycLevel": level }),
        ..NewRequest::new(RequestKind::SetKycLevel)
    };
    idempotency::run(
        &state,
        request,
        vec![Call::compliance(call)],
        (StatusCode::ACCEPTED, answer),
        None,
    )
    .await
}

/// `GET /api/v1/bank/holds`: the holds a notary decides (default: the platform's operator, the notary
/// of every hold made through the API), oldest first; `status` filters (comma-separated hold statuses,
/// or `open`: CREATED, RENEWED, EXECUTED_AND_KEPT_OPEN).
#[utoipa::path(get, path = "/api/v1/bank/holds", tag = "bank",
    params(("notary" = Option<String>, Query, description = "the notary's address (default: the platform's operator)"),
           ("status" = Option<String>, Query, description = "open, or hold statuses, comma-separated")),
    responses((status = 200, description = "the notary's holds"), (status = 400), (status = 401), (status = 403)))]
pub(crate) async fn bank_list_holds(
    State(state): State<ApiState>,
    BankCaller(_bank): BankCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<serde_json::Value>, Problem> {
    let mut notary = state.platform.operator.signer().unwrap_or_default();
    let mut statuses = vec![];
    for (name, value) in &params {
        match name.as_str() {
            "notary" => notary = fields::address("notary", value)?,
            "status" => {
                statuses = emtoken_store::parse_hold_statuses(value)
                    .map_err(|e| Problem::bad("status", e))?;
            }
            other => {
                return Err(Problem::bad(
                    other,
                    "unknown query parameter: this list takes notary and status",
                ));
            }
        }
    }
    let rows = state.store.holds_of_notary(notary.0.0, &statuses).await?;
    let mut items = vec![];
    for row in rows.iter().filter(|r| r.chain_id == state.chain.chain_id) {
        let h = &row.hold;
        let payer = state.store.wallet(WalletRef::Address(h.payer)).await?;
        let payee = state.store.wallet(WalletRef::Address(h.payee)).await?;
        items.push(json!({
            "id": h.id,
            "holdKey": views::hex(&h.hold_key),
            "operationId": views::hex(&h.operation_id),
            "payerDltAddress": views::hex(&h.payer),
            "payeeDltAddress": views::hex(&h.payee),
            "notaryDltAddress": views::hex(&h.notary),
            "payerWalletId": payer.map(|w| w.id),
            "payeeWalletId": payee.map(|w| w.id),
            "heldValue": views::amount(&state, h.held_value),
            "executedValue": views::amount(&state, h.executed_value),
            "releasedValue": views::amount(&state, h.released_value),
            "remainingValue": views::amount(&state, h.remaining),
            "status": h.status,
            "expiration": h.expiration.map(views::time),
            "createdAt": views::time(h.created_at),
            "updatedAt": views::time(h.updated_at),
        }));
    }
    Ok(Json(json!({ "_embedded": { "holds": items } })))
}
