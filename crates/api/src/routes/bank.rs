use std::collections::HashMap;

use alloy::primitives::{Address, B256};
use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use emtoken_sdk::MintKind;
use emtoken_store::{
    WalletRef,
    api::{NewRequest, RequestKind},
    ids,
    vocabulary::{FeeKind, OrderKind, OrderState},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::ready;
use crate::{
    ApiState, Problem,
    answers::{
        Accepted, CashInAccepted, CashOutDecision, CashOutList, Decision, KycLevelAccepted,
        NotaryHold, NotaryHoldList, NotaryHolds, PendingCashOut, PendingCashOuts,
    },
    auth::BankCaller,
    fields,
    iban::Iban,
    post::{Bank, Post},
    screening::ScreeningQuestion,
    tokens::Token,
    views,
};

/// A SEPA transfer the bank received for a wallet: credit it (mint of kind bank transfer).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct BankCashIn {
    /// The wallet's IBAN (the account the transfer was sent to); or give walletId.
    #[schema(value_type = Option<crate::fields::IbanText>)]
    iban: Option<String>,
    /// The wallet's id; or give iban.
    #[schema(value_type = Option<uuid::Uuid>)]
    wallet_id: Option<String>,
    /// Amount received, a decimal string.
    #[schema(value_type = crate::fields::RequestAmount)]
    amount: String,
    /// The transfer's remittance information.
    #[schema(value_type = Option<crate::fields::Concept>)]
    concept: Option<String>,
    /// The bank's own reference of the transfer (e.g. its SEPA end-to-end id), 1–140 characters: the
    /// mint carries its hash, and the contract mints against a reference once, so the same transfer
    /// reported twice is credited once (the second is a 409). Without it, the request's id is used.
    #[schema(value_type = Option<crate::fields::PaymentReference>)]
    payment_reference: Option<String>,
}

/// A wallet's new KYC level, set by the compliance side.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SetKycLevel {
    /// The level (0–255); the token must have a tier for it, or the contract refuses it (409).
    #[schema(value_type = u8, minimum = 0, maximum = 255)]
    #[serde(deserialize_with = "fields::level")]
    kyc_level: u8,
    /// What the level rests on: kept in the user's KYC history.
    #[schema(value_type = Option<crate::fields::Evidence>)]
    evidence: Option<String>,
}

/// `POST /api/v1/bank/cashIns`: credits a SEPA cash-in to a wallet found by IBAN or id; its
/// BANK_ACCOUNT_CASHIN movement appears once mined.
#[utoipa::path(post, path = "/api/v1/bank/cashIns", tag = "bank", request_body = BankCashIn,
    responses((status = 202, description = "the mint on its way; the BANK_ACCOUNT_CASHIN movement appears once mined", body = crate::answers::CashInAccepted),
              (status = 409, description = "the wallet is not READY, or the contract refused the mint (e.g. the payment reference was credited already)", body = crate::answers::Errors)))]
pub(crate) async fn bank_cash_in(
    State(state): State<ApiState>,
    post: Post<BankCashIn, Bank>,
) -> Result<Response, Problem> {
    let req = &post.body;
    let concept = fields::concept(req.concept.clone())?;
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
    if state.served_token(wallet.chain_id).await?.is_none() {
        return Err(Problem::bad(
            "walletId",
            format!("no wallet with id {}", wallet.id),
        ));
    }
    let token = state.token_of(&wallet).await?;
    // In the credited wallet's token's decimals.
    let amount = fields::amount("amount", &req.amount, token.chain.decimals)?;
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
    let call = token.operator.prepare().mint(
        Address::from(wallet.address),
        amount,
        MintKind::BankTransfer,
        reference,
    );
    let answer = CashInAccepted {
        id: request_id,
        wallet_id: wallet.id,
        iban: wallet.iban.clone(),
        amount: amount.to_string(),
        concept: concept.clone(),
        payment_reference,
        status: Accepted::Pending,
    };
    let request = NewRequest {
        id: request_id,
        wallet_id: Some(wallet.id),
        record_id: None,
        record_key: None,
        concept,
        details: json!({}),
        movements: vec![],
        ..NewRequest::new(RequestKind::SepaCashIn)
    };
    post.run(
        &state,
        request,
        vec![token.operator_call(call)],
        (StatusCode::ACCEPTED, answer),
        None,
    )
    .await
}

/// The payout behind a BANK_ACCOUNT_CASHOUT movement id: its key, and its order row once indexed.
async fn payout(
    state: &ApiState,
    movement: &str,
) -> Result<(Uuid, B256, emtoken_store::OrderRow, Token), Problem> {
    let id = fields::uuid("movementId", movement)?;
    let rows = state.store.cash_out_movement(id).await?;
    let (wallet, key) =
        rows.ok_or_else(|| Problem::not_found(format!("no cash-out movement {id}")))?;
    let key: [u8; 32] = key.as_slice().try_into().map_err(Problem::internal)?;
    let wallet = state
        .store
        .wallet(WalletRef::Id(wallet))
        .await?
        .ok_or_else(|| Problem::internal(format!("the wallet of cash-out {id} is gone")))?;
    let token = state
        .served_token(wallet.chain_id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no cash-out movement {id}")))?;
    let order = state
        .store
        .order(ids::order_id(token.chain.chain_id, OrderKind::Payout, &key))
        .await?
        .ok_or_else(|| {
            Problem::conflict(format!(
                "cash-out {id} is not on chain yet: try again in a moment"
            ))
        })?;
    Ok((id, B256::from(key), order, token))
}

/// `GET /api/v1/bank/cashOuts`: payouts waiting for the bank (ordered or in process), oldest first.
#[utoipa::path(get, path = "/api/v1/bank/cashOuts", tag = "bank",
    responses((status = 200, description = "payouts waiting for the bank (ordered, in process, funds in suspense), oldest first", body = crate::answers::PendingCashOuts),
              (status = 400, description = "a query parameter (this list takes none)", body = crate::answers::Errors)))]
pub(crate) async fn bank_list_cash_outs(
    State(state): State<ApiState>,
    BankCaller(_bank): BankCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<PendingCashOuts>, Problem> {
    if let Some((name, _)) = params.first() {
        return Err(Problem::bad(
            name,
            "unknown query parameter: this list takes none",
        ));
    }
    let mut rows = vec![];
    for token in state.served_tokens().await? {
        rows.extend(
            state
                .store
                .pending_cash_outs(token.chain.chain_id)
                .await?
                .into_iter()
                .map(|row| (row, std::sync::Arc::clone(&token.chain))),
        );
    }
    let wallets: Vec<Uuid> = rows.iter().map(|r| r.0.1).collect();
    let users: HashMap<Uuid, Uuid> = state
        .store
        .wallets_by_ids(&wallets)
        .await?
        .into_iter()
        .filter_map(|w| Some((w.id, w.user_id?)))
        .collect();
    let ids: Vec<Uuid> = users.values().copied().collect();
    let names: HashMap<Uuid, String> = state.store.user_names(&ids).await?.into_iter().collect();
    let cash_outs = rows
        .into_iter()
        .map(
            |((movement_id, wallet_id, amount, iban, status), chain)| PendingCashOut {
                movement_id,
                wallet_id,
                amount: views::amount(&chain, amount),
                currency: chain.currency.clone(),
                iban,
                payer_name: users.get(&wallet_id).and_then(|u| names.get(u)).cloned(),
                status,
            },
        )
        .collect();
    Ok(Json(PendingCashOuts {
        embedded: CashOutList { cash_outs },
    }))
}

/// `POST /api/v1/bank/cashOuts/{movementId}/execute`: the bank paid it; the payout is processed and
/// executed (burnt) on chain; the movement becomes SUCCESS once final.
#[utoipa::path(post, path = "/api/v1/bank/cashOuts/{movementId}/execute", tag = "bank", request_body(content = super::top_ups::Accept, description = "reviewedBy when the AML screening asks for a review; else {}"),
    params(("movementId" = uuid::Uuid, Path, description = "the BANK_ACCOUNT_CASHOUT movement")),
    responses((status = 202, description = "the execution on its way; the movement becomes SUCCESS once final", body = crate::answers::CashOutDecision),
              (status = 404, description = "no such cash-out movement", body = crate::answers::Errors),
              (status = 409, description = "decided already, not on chain yet, the AML screening blocked it or asks for a review, or the contract refused it", body = crate::answers::Errors),
              (status = 503, description = "the AML screening service cannot answer: nothing was decided", body = crate::answers::Errors)))]
pub(crate) async fn bank_execute_cash_out(
    State(state): State<ApiState>,
    Path(movement): Path<String>,
    post: Post<super::top_ups::Accept, Bank>,
) -> Result<Response, Problem> {
    let reviewed_by = super::top_ups::reviewer(&post.body)?;
    decide(&state, &post, &movement, Verdict::Execute(reviewed_by)).await
}

/// `POST /api/v1/bank/cashOuts/{movementId}/accept`: the withdrawal request's name for `…/execute`.
#[utoipa::path(post, path = "/api/v1/bank/cashOuts/{movementId}/accept", tag = "bank", request_body(content = super::top_ups::Accept, description = "reviewedBy when the AML screening asks for a review; else {}"),
    params(("movementId" = uuid::Uuid, Path, description = "the BANK_ACCOUNT_CASHOUT movement")),
    responses((status = 202, description = "the execution on its way; the movement becomes SUCCESS once final", body = crate::answers::CashOutDecision),
              (status = 404, description = "no such cash-out movement", body = crate::answers::Errors),
              (status = 409, description = "decided already, not on chain yet, the AML screening blocked it or asks for a review, or the contract refused it", body = crate::answers::Errors),
              (status = 503, description = "the AML screening service cannot answer: nothing was decided", body = crate::answers::Errors)))]
pub(crate) async fn bank_accept_cash_out(
    state: State<ApiState>,
    movement: Path<String>,
    post: Post<super::top_ups::Accept, Bank>,
) -> Result<Response, Problem> {
    bank_execute_cash_out(state, movement, post).await
}

/// `POST /api/v1/bank/cashOuts/{movementId}/reject`: the bank could not pay it; the funds are returned;
/// the movement becomes ERROR once final.
#[utoipa::path(post, path = "/api/v1/bank/cashOuts/{movementId}/reject", tag = "bank", request_body = super::top_ups::Decline,
    params(("movementId" = uuid::Uuid, Path, description = "the BANK_ACCOUNT_CASHOUT movement")),
    responses((status = 202, description = "the rejection on its way: the funds go back; the movement becomes ERROR once final", body = crate::answers::CashOutDecision),
              (status = 404, description = "no such cash-out movement", body = crate::answers::Errors),
              (status = 409, description = "decided already, not on chain yet, or the contract refused it", body = crate::answers::Errors)))]
pub(crate) async fn bank_reject_cash_out(
    State(state): State<ApiState>,
    Path(movement): Path<String>,
    post: Post<super::top_ups::Decline, Bank>,
) -> Result<Response, Problem> {
    let reason = super::top_ups::reason(&post.body)?;
    decide(&state, &post, &movement, Verdict::Reject(reason)).await
}

/// `POST /api/v1/bank/cashOuts/{movementId}/decline`: the withdrawal request's name for `…/reject`.
#[utoipa::path(post, path = "/api/v1/bank/cashOuts/{movementId}/decline", tag = "bank", request_body = super::top_ups::Decline,
    params(("movementId" = uuid::Uuid, Path, description = "the BANK_ACCOUNT_CASHOUT movement")),
    responses((status = 202, description = "the rejection on its way: the funds go back; the movement becomes ERROR once final", body = crate::answers::CashOutDecision),
              (status = 404, description = "no such cash-out movement", body = crate::answers::Errors),
              (status = 409, description = "decided already, not on chain yet, or the contract refused it", body = crate::answers::Errors)))]
pub(crate) async fn bank_decline_cash_out(
    state: State<ApiState>,
    movement: Path<String>,
    post: Post<super::top_ups::Decline, Bank>,
) -> Result<Response, Problem> {
    bank_reject_cash_out(state, movement, post).await
}

/// What the bank side decided on a payout.
enum Verdict {
    /// Paid (who reviewed it, if the screening asked for a review).
    Execute(Option<String>),
    /// Not paid, and why.
    Reject(String),
}

/// Executes or rejects the payout of a BANK_ACCOUNT_CASHOUT movement. An execution is screened first
/// (AML), and names the COMMISSION movement of a commission reserved with the payout.
async fn decide<B>(
    state: &ApiState,
    post: &Post<B, Bank>,
    movement: &str,
    verdict: Verdict,
) -> Result<Response, Problem> {
    let (movement_id, payout_key, order, token) = payout(state, movement).await?;
    if order.status.outcome().is_some() {
        return Err(Problem::conflict(format!(
            "cash-out {movement_id} is {}: nothing left to decide",
            order.status
        )));
    }
    let prepare = token.operator.prepare();
    let request_id = Uuid::new_v4();
    let mut calls = vec![];
    let mut movements = vec![];
    let (kind, decision, screening, concept) = match verdict {
        Verdict::Reject(reason) => {
            calls.push(token.operator_call(prepare.reject_payout(payout_key, &reason)));
            (
                RequestKind::RejectCashOut,
                Decision::Reject,
                None,
                Some(reason),
            )
        }
        Verdict::Execute(reviewed_by) => {
            let wallet = state
                .store
                .wallet_on(token.chain.chain_id, order.payer)
                .await?
                .ok_or_else(|| {
                    Problem::internal(format!("the wallet of cash-out {movement_id} is gone"))
                })?;
            let question = ScreeningQuestion {
                id: Uuid::new_v4(),
                operation: "WITHDRAWAL",
                subject_id: movement_id,
                wallet_id: wallet.id,
                user_id: wallet.user_id,
                user_name: super::top_ups::user_name(state, &wallet).await?,
                amount: views::amount(&token.chain, order.value),
                currency: token.chain.currency.clone(),
                counterparty: state.store.cash_out_iban(movement_id).await?,
                reference: None,
            };
            let screening = super::top_ups::screen(
                state,
                post,
                &question,
                "WITHDRAWAL",
                reviewed_by,
                request_id,
            )
            .await?;
            // A commission reserved when it was ordered is charged by the execution itself.
            let fee = token
                .operator
                .payout_fee_of(payout_key)
                .await
                .map_err(|e| {
                    Problem::unavailable(format!(
                        "cannot read the cash-out's reserved commission from the chain: {e}"
                    ))
                    .retry_after(5)
                })?;
            if !fee.is_zero() {
                movements.push(super::commission_movement_of_fee(
                    &token,
                    &wallet,
                    FeeKind::Payout,
                    &payout_key.0,
                    fee,
                ));
            }
            if order.status == OrderState::Ordered {
                calls.push(token.operator_call(prepare.process_payout(payout_key)));
            }
            calls.push(token.operator_call(prepare.execute_payout(payout_key)));
            let details = json!({ "screening": screening });
            (
                RequestKind::ExecuteCashOut,
                Decision::Execute,
                Some((screening, details)),
                None,
            )
        }
    };
    let (screening, details) = match screening {
        Some((s, d)) => (Some(s), d),
        None => (None, json!({})),
    };
    let answer = CashOutDecision {
        movement_id,
        decision,
        status: Accepted::Pending,
        screening,
    };
    let request = NewRequest {
        id: request_id,
        wallet_id: None,
        record_id: Some(movement_id),
        record_key: Some(payout_key.0),
        concept,
        details,
        movements,
        ..NewRequest::new(kind)
    };
    post.run(state, request, calls, (StatusCode::ACCEPTED, answer), None)
        .await
}

/// `POST /api/v1/bank/wallets/{walletId}/kycLevel`: the compliance side sets a wallet's KYC level (the
/// public API never does). A wallet of one of the platform's users sets its user's level, on every
/// wallet of the user, as `POST /api/v1/bank/users/{userId}/kyc` does; a wallet of no user the
/// platform knows (registered before users existed), that wallet's alone. A level without a tier on
/// chain, or the current level, is a 409 and nothing is sent.
#[utoipa::path(post, path = "/api/v1/bank/wallets/{walletId}/kycLevel", tag = "bank", request_body = SetKycLevel,
    params(("walletId" = uuid::Uuid, Path, description = "any user's wallet")),
    responses((status = 202, description = "on its way: the wallet shows the level once mined", body = crate::answers::KycLevelAccepted),
              (status = 404, description = "no such wallet", body = crate::answers::Errors),
              (status = 409, description = "the wallet is not READY, or the contract refused the level (no tier for it, the wallet's level already)", body = crate::answers::Errors)))]
pub(crate) async fn bank_set_kyc_level(
    State(state): State<ApiState>,
    Path(wallet_id): Path<String>,
    post: Post<SetKycLevel, Bank>,
) -> Result<Response, Problem> {
    let id = fields::uuid("walletId", &wallet_id)?;
    let wallet = state
        .store
        .wallet(WalletRef::Id(id))
        .await?
        .filter(|w| w.user_id.is_some())
        .ok_or_else(|| Problem::not_found(format!("no wallet with id {id}")))?;
    let Some(token) = state.served_token(wallet.chain_id).await? else {
        return Err(Problem::not_found(format!("no wallet with id {id}")));
    };
    ready(&wallet, "the")?;
    let level = post.body.kyc_level;
    let user = match wallet.user_id {
        Some(id) => state.store.user(id).await?,
        None => None,
    };
    if let Some(user) = user {
        let evidence = match &post.body.evidence {
            Some(text) => fields::line("evidence", text, 200)?,
            None => format!(
                "not given (POST {}/wallets/{}/kycLevel)",
                crate::views::BANK,
                wallet.id
            ),
        };
        return super::set_user_level(&state, &post, &user, level, evidence, |_| {
            KycLevelAccepted {
                wallet_id: wallet.id,
                kyc_level: level,
                status: Accepted::Pending,
            }
        })
        .await;
    }
    if let Some(text) = &post.body.evidence {
        fields::line("evidence", text, 200)?;
    }
    let call = token
        .compliance
        .prepare()
        .set_kyc_level(Address::from(wallet.address), level);
    let answer = KycLevelAccepted {
        wallet_id: wallet.id,
        kyc_level: level,
        status: Accepted::Pending,
    };
    let request = NewRequest {
        id: Uuid::new_v4(),
        wallet_id: Some(wallet.id),
        record_id: Some(wallet.id),
        details: json!({ "kycLevel": level }),
        ..NewRequest::new(RequestKind::SetKycLevel)
    };
    post.run(
        &state,
        request,
        vec![token.compliance_call(call)],
        (StatusCode::ACCEPTED, answer),
        None,
    )
    .await
}

/// `GET /api/v1/bank/holds`: the holds a notary decides (default: the platform's operator, the notary
/// of every hold made through the API), oldest first; `status` filters (comma-separated hold statuses,
/// or `open`: CREATED, RENEWED, EXECUTED_AND_KEPT_OPEN).
#[utoipa::path(get, path = "/api/v1/bank/holds", tag = "bank",
    params(("notary" = Option<String>, Query, pattern = r"^0x[0-9a-fA-F]{40}$", description = "the notary's address (default: the platform's operator)"),
           ("status" = Option<String>, Query, pattern = r"^(CREATED|RENEWED|EXECUTED|EXECUTED_AND_KEPT_OPEN|RELEASED_BY_NOTARY|RELEASED_BY_PAYEE|RELEASED_ON_EXPIRATION|open)(,(CREATED|RENEWED|EXECUTED|EXECUTED_AND_KEPT_OPEN|RELEASED_BY_NOTARY|RELEASED_BY_PAYEE|RELEASED_ON_EXPIRATION|open))*$", description = "open (CREATED, RENEWED, EXECUTED_AND_KEPT_OPEN) or hold statuses, comma-separated")),
    responses((status = 200, description = "the notary's holds, oldest first", body = crate::answers::NotaryHolds),
              (status = 400, description = "a query parameter is wrong or unknown", body = crate::answers::Errors)))]
pub(crate) async fn bank_list_holds(
    State(state): State<ApiState>,
    BankCaller(_bank): BankCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<NotaryHolds>, Problem> {
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
    let tokens = state.tokens_of(rows.iter().map(|r| r.chain_id)).await?;
    let mut items = vec![];
    for row in &rows {
        let Some(token) = tokens.get(&row.chain_id) else {
            continue;
        };
        let chain = &token.chain;
        let h = &row.hold;
        let payer = state.store.wallet_on(row.chain_id, h.payer).await?;
        let payee = state.store.wallet_on(row.chain_id, h.payee).await?;
        items.push(NotaryHold {
            id: h.id,
            hold_key: views::hex(&h.hold_key),
            operation_id: views::hex(&h.operation_id),
            payer_dlt_address: views::hex(&h.payer),
            payee_dlt_address: views::hex(&h.payee),
            notary_dlt_address: views::hex(&h.notary),
            payer_wallet_id: payer.map(|w| w.id),
            payee_wallet_id: payee.map(|w| w.id),
            held_value: views::amount(chain, h.held_value),
            executed_value: views::amount(chain, h.executed_value),
            released_value: views::amount(chain, h.released_value),
            remaining_value: views::amount(chain, h.remaining),
            currency: chain.currency.clone(),
            contract_address: views::hex(chain.contract.as_slice()),
            status: h.status,
            expiration: h.expiration.map(views::time),
            created_at: views::time(h.created_at),
            updated_at: views::time(h.updated_at),
        });
    }
    Ok(Json(NotaryHolds {
        embedded: NotaryHoldList { holds: items },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kyc_level_is_any_json_integer_from_0_to_255() {
        let level = |text: &str| {
            serde_json::from_str::<SetKycLevel>(&format!(r#"{{"kycLevel": {text}}}"#))
                .map(|b| b.kyc_level)
                .map_err(|e| e.to_string())
        };
        assert_eq!(level("119"), Ok(119));
        assert_eq!(level("119.0"), Ok(119));
        assert_eq!(level("1e2"), Ok(100));
        assert_eq!(level("0"), Ok(0));
        for bad in ["256", "256.0", "-1", "2.5", "\"1\"", "null"] {
            assert!(level(bad).is_err(), "{bad}");
        }
        assert!(
            level("300")
                .unwrap_err()
                .starts_with("300 is not a whole number")
        );
    }
}
