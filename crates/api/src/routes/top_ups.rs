//! Top-up requests: the wallet's owner announces a bank transfer (amount, bank, reference); the operator
//! orders a fund order for the wallet on chain; the bank side accepts it once the money arrived (AML
//! screening, then the order processed and executed: the mint, less the BANK_TOP_UP commission) or
//! declines it (the order rejected). The accept and decline of withdrawals (cash-outs) are here too.

use alloy::primitives::{Address, B256, keccak256};
use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use emtoken_sdk::{Amount, OperationId};
use emtoken_store::{
    WalletRef, WalletRow,
    api::{ExpectedMovement, NewRequest, NewScreening, RequestKind, RequestState, TopUpRow},
    ids,
    vocabulary::{
        CommissionOperation, FeeKind, MovementStatus, MovementType, OrderKind, OrderState,
        RecordKind, Role,
    },
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{charge_for, commission_movement_of_fee, owned_wallet, ready};
use crate::{
    ApiState, ChainInfo, Problem,
    answers::{
        Accepted, Link, Screening, SelfLink, TopUpDecision, TopUpDecisionKind, TopUpRequest,
        TopUpRequestList, TopUpRequests,
    },
    auth::{BankCaller, ClientCaller},
    fields,
    post::{Bank, Post, WalletPost},
    screening::{self, Screened, ScreeningQuestion},
    tokens::Token,
    views::{self, BANK, PUBLIC},
};

/// Announce a bank transfer to the wallet.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NewTopUp {
    /// Amount the transfer brings, a decimal string.
    #[schema(value_type = crate::fields::RequestAmount)]
    amount: String,
    /// The bank it comes through: one of the bank catalogue's.
    #[schema(value_type = uuid::Uuid)]
    bank_id: String,
    /// The payer's reference of the transfer (what the bank statement shows), 1–140 characters.
    #[schema(value_type = crate::fields::TransferReference)]
    reference: String,
    /// Purpose.
    #[schema(value_type = Option<crate::fields::Concept>)]
    concept: Option<String>,
}

/// Accept a top-up or a withdrawal.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Accept {
    /// Who reviewed it, when the AML screening asks for a review (1–100 characters); without it such
    /// an acceptance is refused.
    #[schema(value_type = Option<crate::fields::Reviewer>)]
    reviewed_by: Option<String>,
}

/// Decline a top-up or a withdrawal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Decline {
    /// Why (recorded on chain).
    #[schema(value_type = crate::fields::Reason)]
    reason: String,
}

/// `POST /api/v1/public/wallets/{walletId}/top-up-requests`: announces a bank transfer; the operator
/// orders a fund order for the wallet; its BANK_ACCOUNT_CASHIN movement is PENDING until the bank side
/// accepts (SUCCESS) or declines (ERROR) it.
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/top-up-requests", tag = "top-ups", request_body = NewTopUp,
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')")),
    responses((status = 202, description = "ordered: the top-up request, PENDING until the bank side decides", body = crate::answers::TopUpRequest),
              (status = 400, description = "a field is wrong, or no bank of the catalogue has that id", body = crate::answers::Errors),
              (status = 404, description = "no such wallet", body = crate::answers::Errors),
              (status = 409, description = "the wallet is not READY, the commission would take all of it, or the contract refused the order", body = crate::answers::Errors)))]
pub(crate) async fn create_top_up(
    State(state): State<ApiState>,
    post: WalletPost<NewTopUp>,
) -> Result<Response, Problem> {
    let (wallet, req) = (&post.wallet, &post.body);
    let token = state.token_of(wallet).await?;
    let amount = fields::amount("amount", &req.amount, token.chain.decimals)?;
    let bank_id = fields::uuid("bankId", &req.bank_id)?;
    let reference = fields::line("reference", &req.reference, 140)?;
    let concept = fields::concept(req.concept.clone())?;
    let bank = state.store.bank(bank_id).await?.ok_or_else(|| {
        Problem::bad(
            "bankId",
            format!("no bank of the catalogue has id {bank_id}"),
        )
    })?;
    ready(wallet, "the credited")?;
    let charge = charge_for(&state, wallet, CommissionOperation::BankTopUp, amount).await?;
    let request_id = Uuid::new_v4();
    let operation = OperationId::from_uuid(request_id);
    let operator = state.platform.operator.signer().unwrap_or_default();
    let key = operation.record_key(operator).0;
    let movement_id =
        ids::record_movement_id(token.chain.chain_id, RecordKind::Fund, &key, Role::Cashin);
    // Only a hash of the bank and reference goes on chain.
    let instructions = keccak256(format!("TOPUP:{}:{reference}", bank.bic));
    let call = token.operator.prepare().order_fund_from(
        operation,
        Address::from(wallet.address),
        amount,
        instructions,
    );
    let commission = charge.map_or_else(|| Amount::zero(amount.decimals()), |c| c.fee);
    let details = json!({
        "bankId": bank.id,
        "bic": bank.bic,
        "reference": reference,
        "commission": commission.to_string(),
        "commissionVersionId": charge.map(|c| c.version),
    });
    let request = NewRequest {
        id: request_id,
        wallet_id: Some(wallet.id),
        record_id: Some(movement_id),
        record_key: Some(key),
        concept: concept.clone(),
        details: details.clone(),
        movements: vec![ExpectedMovement {
            id: movement_id,
            wallet_id: wallet.id,
            r#type: MovementType::BankAccountCashin,
            amount: amount.units(),
            origin_address: None,
            target_address: None,
            iban: None,
        }],
        ..NewRequest::new(RequestKind::TopUpRequest)
    };
    let row = TopUpRow {
        movement_id,
        request_id,
        wallet_id: wallet.id,
        amount: amount.units(),
        details,
        concept,
        request_state: RequestState::Requested,
        record_key: key.to_vec(),
        created_at: chrono::Utc::now(),
        order_status: None,
        order_reason: None,
        movement_status: None,
    };
    let answer = view(&token.chain, &row, vec![], PUBLIC)?;
    post.run(
        &state,
        request,
        vec![token.operator_call(call)],
        (StatusCode::ACCEPTED, answer),
        None,
    )
    .await
}

/// `GET /api/v1/public/wallets/{walletId}/top-up-requests/{topUpRequestId}`: one of the wallet's top-up
/// requests.
#[utoipa::path(get, path = "/api/v1/public/wallets/{walletId}/top-up-requests/{topUpRequestId}", tag = "top-ups",
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"),
           ("topUpRequestId" = uuid::Uuid, Path, description = "the top-up request")),
    responses((status = 200, description = "the top-up request", body = crate::answers::TopUpRequest),
              (status = 400, description = "an id is not a UUID", body = crate::answers::Errors),
              (status = 404, description = "no such wallet, or the wallet has no such top-up request", body = crate::answers::Errors)))]
pub(crate) async fn get_top_up(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path((wallet_id, top_up_id)): Path<(String, String)>,
) -> Result<Json<TopUpRequest>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let token = state.token_of(&wallet).await?;
    let id = fields::uuid("topUpRequestId", &top_up_id)?;
    let row = state
        .store
        .top_up(wallet.chain_id, id)
        .await?
        .filter(|r| r.wallet_id == wallet.id)
        .ok_or_else(|| {
            Problem::not_found(format!("wallet {} has no top-up request {id}", wallet.id))
        })?;
    let screenings = state.store.screenings_of(row.movement_id).await?;
    Ok(Json(view(&token.chain, &row, screenings, PUBLIC)?))
}

/// `GET /api/v1/bank/top-up-requests`: top-up requests waiting for the bank side, oldest first.
#[utoipa::path(get, path = "/api/v1/bank/top-up-requests", tag = "bank",
    responses((status = 200, description = "top-up requests not decided yet, oldest first", body = crate::answers::TopUpRequests),
              (status = 400, description = "a query parameter (this list takes none)", body = crate::answers::Errors)))]
pub(crate) async fn bank_list_top_ups(
    State(state): State<ApiState>,
    BankCaller(_bank): BankCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<TopUpRequests>, Problem> {
    if let Some((name, _)) = params.first() {
        return Err(Problem::bad(
            name,
            "unknown query parameter: this list takes none",
        ));
    }
    let mut rows = vec![];
    for token in state.served_tokens().await? {
        for row in state.store.top_ups(token.chain.chain_id, None).await? {
            rows.push((row, std::sync::Arc::clone(&token.chain)));
        }
    }
    rows.sort_by_key(|(row, _)| row.created_at);
    let mut top_up_requests = Vec::with_capacity(rows.len());
    for (row, chain) in &rows {
        let screenings = state.store.screenings_of(row.movement_id).await?;
        top_up_requests.push(view(chain, row, screenings, BANK)?);
    }
    Ok(Json(TopUpRequests {
        embedded: TopUpRequestList { top_up_requests },
    }))
}

/// `GET /api/v1/bank/top-up-requests/{topUpRequestId}`: any top-up request.
#[utoipa::path(get, path = "/api/v1/bank/top-up-requests/{topUpRequestId}", tag = "bank",
    params(("topUpRequestId" = uuid::Uuid, Path, description = "the top-up request")),
    responses((status = 200, description = "the top-up request", body = crate::answers::TopUpRequest),
              (status = 400, description = "the id is not a UUID", body = crate::answers::Errors),
              (status = 404, description = "no such top-up request", body = crate::answers::Errors)))]
pub(crate) async fn bank_get_top_up(
    State(state): State<ApiState>,
    BankCaller(_bank): BankCaller,
    Path(top_up_id): Path<String>,
) -> Result<Json<TopUpRequest>, Problem> {
    let (row, token) = find(&state, &top_up_id).await?;
    let screenings = state.store.screenings_of(row.movement_id).await?;
    Ok(Json(view(&token.chain, &row, screenings, BANK)?))
}

/// `POST /api/v1/bank/top-up-requests/{topUpRequestId}/accept`: the money arrived. After the AML
/// screening lets it through, the fund order is processed and executed (minted to the wallet; its
/// BANK_TOP_UP commission, quoted when it was requested, goes to the fee account in the same
/// transaction).
#[utoipa::path(post, path = "/api/v1/bank/top-up-requests/{topUpRequestId}/accept", tag = "bank", request_body(content = Accept, description = "reviewedBy when the screening asks for a review; else {}"),
    params(("topUpRequestId" = uuid::Uuid, Path, description = "the top-up request")),
    responses((status = 202, description = "the acceptance on its way; the top-up becomes SUCCESS once final", body = crate::answers::TopUpDecision),
              (status = 404, description = "no such top-up request", body = crate::answers::Errors),
              (status = 409, description = "decided already, not on chain yet, the AML screening blocked it or asks for a review, or the contract refused it", body = crate::answers::Errors),
              (status = 503, description = "the AML screening service cannot answer: nothing was decided", body = crate::answers::Errors)))]
pub(crate) async fn bank_accept_top_up(
    State(state): State<ApiState>,
    Path(top_up_id): Path<String>,
    post: Post<Accept, Bank>,
) -> Result<Response, Problem> {
    let reviewed_by = reviewer(&post.body)?;
    let (row, token) = find(&state, &top_up_id).await?;
    let (key, status) = undecided(&state, &token, &row).await?;
    let wallet = wallet_of(&state, row.wallet_id).await?;
    let details = TopUpDetails::of(&token.chain, &row)?;
    let question = ScreeningQuestion {
        id: Uuid::new_v4(),
        operation: "TOP_UP",
        subject_id: row.movement_id,
        wallet_id: wallet.id,
        user_id: wallet.user_id,
        user_name: user_name(&state, &wallet).await?,
        amount: views::amount(&token.chain, row.amount),
        currency: token.chain.currency.clone(),
        counterparty: Some(details.bic.clone()),
        reference: Some(details.reference.clone()),
    };
    let request_id = Uuid::new_v4();
    let screening = screen(
        &state,
        &post,
        &question,
        "TOP_UP",
        reviewed_by.clone(),
        request_id,
    )
    .await?;
    let prepare = token.operator.prepare();
    let mut calls = vec![];
    if status == OrderState::Ordered {
        calls.push(token.operator_call(prepare.process_fund(key)));
    }
    let mut movements = vec![];
    if details.commission.is_zero() {
        calls.push(token.operator_call(prepare.execute_fund(key)));
    } else {
        calls.push(token.operator_call(prepare.execute_fund_with_fee(key, details.commission)));
        movements.push(commission_movement_of_fee(
            &token,
            &wallet,
            FeeKind::Fund,
            &key.0,
            details.commission,
        ));
    }
    let answer = TopUpDecision {
        id: row.movement_id,
        decision: TopUpDecisionKind::Accept,
        status: Accepted::Pending,
        screening: Some(screening.clone()),
    };
    let request = NewRequest {
        id: request_id,
        wallet_id: Some(wallet.id),
        record_id: Some(row.movement_id),
        record_key: Some(key.0),
        details: json!({ "screening": screening }),
        movements,
        ..NewRequest::new(RequestKind::AcceptTopUp)
    };
    post.run(&state, request, calls, (StatusCode::ACCEPTED, answer), None)
        .await
}

/// `POST /api/v1/bank/top-up-requests/{topUpRequestId}/decline`: the money did not arrive (or must not
/// be taken): the fund order is rejected with the reason; nothing is minted.
#[utoipa::path(post, path = "/api/v1/bank/top-up-requests/{topUpRequestId}/decline", tag = "bank", request_body = Decline,
    params(("topUpRequestId" = uuid::Uuid, Path, description = "the top-up request")),
    responses((status = 202, description = "the decline on its way; the top-up becomes ERROR once final", body = crate::answers::TopUpDecision),
              (status = 404, description = "no such top-up request", body = crate::answers::Errors),
              (status = 409, description = "decided already, not on chain yet, or the contract refused it", body = crate::answers::Errors)))]
pub(crate) async fn bank_decline_top_up(
    State(state): State<ApiState>,
    Path(top_up_id): Path<String>,
    post: Post<Decline, Bank>,
) -> Result<Response, Problem> {
    let reason = reason(&post.body)?;
    let (row, token) = find(&state, &top_up_id).await?;
    let (key, _) = undecided(&state, &token, &row).await?;
    let call = token.operator.prepare().reject_fund(key, &reason);
    let answer = TopUpDecision {
        id: row.movement_id,
        decision: TopUpDecisionKind::Decline,
        status: Accepted::Pending,
        screening: None,
    };
    let request = NewRequest {
        id: Uuid::new_v4(),
        wallet_id: Some(row.wallet_id),
        record_id: Some(row.movement_id),
        record_key: Some(key.0),
        concept: Some(reason),
        details: json!({}),
        ..NewRequest::new(RequestKind::DeclineTopUp)
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

/// The decline's reason, checked.
pub(crate) fn reason(body: &Decline) -> Result<String, Problem> {
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(Problem::bad("reason", "must be 1 to 200 characters"));
    }
    fields::text("reason", &reason, 200)?;
    Ok(reason)
}

/// The reviewer an acceptance names, checked.
pub(crate) fn reviewer(body: &Accept) -> Result<Option<String>, Problem> {
    body.reviewed_by
        .as_deref()
        .map(|text| fields::line("reviewedBy", text, 100))
        .transpose()
}

/// Screens `question` and keeps the answer; Err is a refusal (409) or the service's failure (503).
/// The screening is kept as letting `request_id` through only when it does.
pub(crate) async fn screen<B>(
    state: &ApiState,
    post: &Post<B, Bank>,
    question: &ScreeningQuestion,
    operation: &'static str,
    reviewed_by: Option<String>,
    request_id: Uuid,
) -> Result<Screening, Problem> {
    let screened = state.screening.screen(question).await?;
    let verdict = screening::allows(&screened, reviewed_by.as_deref());
    let Screened { result, reference } = screened;
    // A reviewer is kept only where a review was asked for.
    let reviewed_by = reviewed_by.filter(|_| result == crate::ScreeningResult::Review);
    state
        .store
        .add_screening(&NewScreening {
            id: question.id,
            subject_id: question.subject_id,
            operation,
            result: result.as_str(),
            reference: reference.clone(),
            reviewed_by: reviewed_by.clone(),
            client_id: post.caller.id,
            request_id: verdict.is_ok().then_some(request_id),
        })
        .await?;
    verdict?;
    Ok(Screening {
        result,
        reference,
        reviewed_by,
        accepted: true,
        screened_at: views::time(chrono::Utc::now()),
    })
}

/// The user's name of `wallet`, if it has a user.
pub(crate) async fn user_name(
    state: &ApiState,
    wallet: &WalletRow,
) -> Result<Option<String>, Problem> {
    let Some(user) = wallet.user_id else {
        return Ok(None);
    };
    let names = state.store.user_names(&[user]).await?;
    Ok(names.into_iter().next().map(|(_, name)| name))
}

/// The wallet `id` (a top-up's or withdrawal's).
pub(crate) async fn wallet_of(state: &ApiState, id: Uuid) -> Result<WalletRow, Problem> {
    state
        .store
        .wallet(WalletRef::Id(id))
        .await?
        .ok_or_else(|| Problem::internal(format!("the wallet {id} of a top-up is gone")))
}

/// The top-up request `text` names, with its wallet's token (404 if none, on any token served).
async fn find(state: &ApiState, text: &str) -> Result<(TopUpRow, Token), Problem> {
    let id = fields::uuid("topUpRequestId", text)?;
    for token in state.served_tokens().await? {
        if let Some(row) = state.store.top_up(token.chain.chain_id, id).await? {
            return Ok((row, token));
        }
    }
    Err(Problem::not_found(format!("no top-up request {id}")))
}

/// The fund order's key and status, when it is on chain and not decided (409 otherwise).
async fn undecided(
    state: &ApiState,
    token: &Token,
    row: &TopUpRow,
) -> Result<(B256, OrderState), Problem> {
    let key: [u8; 32] = row
        .record_key
        .as_slice()
        .try_into()
        .map_err(Problem::internal)?;
    let order = state
        .store
        .order(ids::order_id(token.chain.chain_id, OrderKind::Fund, &key))
        .await?;
    let Some(order) = order else {
        return Err(if row.request_state == RequestState::Failed {
            Problem::conflict(format!(
                "top-up request {} failed on chain: nothing to decide",
                row.movement_id
            ))
        } else {
            Problem::conflict(format!(
                "top-up request {} is not on chain yet: try again in a moment",
                row.movement_id
            ))
        });
    };
    if order.status.outcome().is_some() {
        return Err(Problem::conflict(format!(
            "top-up request {} is {}: nothing left to decide",
            row.movement_id, order.status
        )));
    }
    Ok((B256::from(key), order.status))
}

/// What a top-up request recorded when it was made.
struct TopUpDetails {
    bank_id: Uuid,
    bic: String,
    reference: String,
    commission: Amount,
}

impl TopUpDetails {
    fn of(chain: &ChainInfo, row: &TopUpRow) -> Result<Self, Problem> {
        let d = &row.details;
        let text = |name: &str| {
            d.get(name)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .ok_or_else(|| {
                    Problem::internal(format!("top-up {} has no {name}", row.movement_id))
                })
        };
        let commission =
            Amount::parse(&text("commission")?, chain.decimals).map_err(Problem::internal)?;
        Ok(Self {
            bank_id: text("bankId")?.parse().map_err(Problem::internal)?,
            bic: text("bic")?,
            reference: text("reference")?,
            commission,
        })
    }
}

/// `row` as the API shows it, under `side` (the public or the bank side).
fn view(
    chain: &ChainInfo,
    row: &TopUpRow,
    screenings: Vec<emtoken_store::api::ScreeningRow>,
    side: &str,
) -> Result<TopUpRequest, Problem> {
    let details = TopUpDetails::of(chain, row)?;
    let amount = Amount::from_units(row.amount, chain.decimals).map_err(Problem::internal)?;
    let credited = Amount::from_units(row.amount - details.commission.units(), chain.decimals)
        .map_err(Problem::internal)?;
    let key: [u8; 32] = row
        .record_key
        .as_slice()
        .try_into()
        .map_err(Problem::internal)?;
    let status = match row.movement_status.as_deref() {
        Some("SUCCESS") => MovementStatus::Success,
        Some("ERROR") => MovementStatus::Error,
        _ if row.request_state == RequestState::Failed => MovementStatus::Error,
        _ => MovementStatus::Pending,
    };
    let link = if side == PUBLIC {
        format!(
            "{PUBLIC}/wallets/{}/top-up-requests/{}",
            row.wallet_id, row.movement_id
        )
    } else {
        format!("{BANK}/top-up-requests/{}", row.movement_id)
    };
    Ok(TopUpRequest {
        links: SelfLink {
            this: Link::new(link),
        },
        id: row.movement_id,
        wallet_id: row.wallet_id,
        amount: amount.to_string(),
        currency: chain.currency.clone(),
        commission: details.commission.to_string(),
        credited_amount: credited.to_string(),
        commission_movement_id: (!details.commission.is_zero()).then(|| {
            ids::commission_movement_id(chain.chain_id, FeeKind::Fund, &key, Role::Commission)
        }),
        bank_id: details.bank_id,
        bic: details.bic,
        reference: details.reference,
        concept: row.concept.clone(),
        status,
        order_status: row
            .order_status
            .as_deref()
            .map(|s| s.parse::<OrderState>().map_err(Problem::internal))
            .transpose()?,
        decline_reason: row.order_reason.clone(),
        screenings: screenings
            .into_iter()
            .map(|s| Screening {
                result: parse_result(&s.result),
                reference: s.reference,
                reviewed_by: s.reviewed_by,
                accepted: s.request_id.is_some(),
                screened_at: views::time(s.screened_at),
            })
            .collect(),
        created_at: views::time(row.created_at),
    })
}

fn parse_result(text: &str) -> crate::ScreeningResult {
    use crate::ScreeningResult as R;
    match text {
        "CLEAR" => R::Clear,
        "REVIEW" => R::Review,
        "BLOCK" => R::Block,
        _ => R::Unscreened,
    }
}
