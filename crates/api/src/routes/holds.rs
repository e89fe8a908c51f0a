use alloy::primitives::{Address, B256};
use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use emtoken_sdk::OperationId;
use emtoken_store::{
    WalletRow,
    api::{ExpectedMovement, HoldView, HoldsQuery, NewRequest, RequestKind, RequestState},
    ids,
    vocabulary::{CommissionOperation, FeeKind, MovementType, RecordKind, Role},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{charge_for, commission_movement, owned_wallet, ready, same_token, target_wallet};
use crate::{
    ApiState, Problem,
    answers::{Hold, HoldList, Page},
    auth::ClientCaller,
    fields,
    idempotency::Outflow,
    paging::ListQuery,
    post::WalletPost,
    views::{self, PUBLIC},
};

/// Put money on hold for a payee; the platform is the notary.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CreateHold {
    /// Amount, a decimal string ("1.50").
    #[schema(value_type = crate::fields::RequestAmount)]
    amount: String,
    /// The wallet that receives the money when the hold is executed: another READY wallet (400 if none).
    #[schema(value_type = uuid::Uuid)]
    target_wallet_id: String,
    /// Purpose.
    #[schema(value_type = Option<crate::fields::Concept>)]
    concept: Option<String>,
    /// When it expires (e.g. "2030-02-06T10:04:45+02"); absent: perpetual.
    #[schema(value_type = Option<crate::fields::Expiration>)]
    expiration: Option<String>,
}

/// Execute a hold (in full or part).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ExecuteHold {
    /// Amount to send to the payee, a decimal string.
    #[schema(value_type = crate::fields::RequestAmount)]
    amount: String,
    /// Purpose.
    #[schema(value_type = Option<crate::fields::Concept>)]
    concept: Option<String>,
}

/// Release a hold.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ReleaseHold {
    /// Purpose.
    #[schema(value_type = Option<crate::fields::Concept>)]
    concept: Option<String>,
}

/// Renew a hold.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RenewHold {
    /// New expiration; absent: perpetual.
    #[schema(value_type = Option<crate::fields::Expiration>)]
    expiration: Option<String>,
}

fn as_addr(bytes: &[u8]) -> Address {
    Address::from_slice(bytes)
}

async fn hold_answer(
    state: &ApiState,
    wallet: &WalletRow,
    hold: &HoldView,
) -> Result<Hold, Problem> {
    let token = state.token_of(wallet).await?;
    let owners = views::owners(
        state,
        &token.chain,
        [Some(hold.payer.clone()), Some(hold.payee.clone())].into_iter(),
    )
    .await?;
    Ok(views::hold(&token.chain, wallet, hold, &owners))
}

/// `GET /api/v1/public/wallets/{walletId}/holds`: holds where the wallet pays or is paid, paged.
#[utoipa::path(get, path = "/api/v1/public/wallets/{walletId}/holds", tag = "holds",
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"), ("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)"), ("sort" = Option<String>, Query, pattern = r"^(createdAt|updatedAt|heldValue)(,([aA][sS][cC]|[dD][eE][sS][cC]))?$", description = "field[,asc|desc] (default createdAt,asc)")),
    responses((status = 200, description = "a page of the holds the wallet pays or is paid by", body = crate::answers::Page<crate::answers::HoldList>),
              (status = 400, description = "walletId is not a UUID, or a query parameter is wrong or unknown", body = crate::answers::Errors),
              (status = 404, description = "no such wallet", body = crate::answers::Errors)))]
pub(crate) async fn list_holds(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(wallet_id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<HoldList>>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let q = ListQuery::parse(params, &["createdAt", "updatedAt", "heldValue"], &[])?;
    let token = state.token_of(&wallet).await?;
    let (rows, total) = state
        .store
        .holds_page(&HoldsQuery {
            chain_id: wallet.chain_id,
            address: wallet.address,
            wallet_id: wallet.id,
            sort: q.sort.clone(),
            paging: q.paging,
        })
        .await?;
    let owners = views::owners(
        &state,
        &token.chain,
        rows.iter()
            .flat_map(|h| [Some(h.payer.clone()), Some(h.payee.clone())]),
    )
    .await?;
    let holds = rows
        .iter()
        .map(|h| views::hold(&token.chain, &wallet, h, &owners))
        .collect();
    Ok(Json(q.page(
        &format!("{PUBLIC}/wallets/{}/holds", wallet.id),
        HoldList { holds },
        total,
    )))
}

async fn find_hold(
    state: &ApiState,
    wallet: &WalletRow,
    hold_id: &str,
) -> Result<HoldView, Problem> {
    let id = fields::uuid("holdId", hold_id)?;
    state
        .store
        .hold_view(wallet.chain_id, wallet.address, wallet.id, id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("wallet {} has no hold {id}", wallet.id)))
}

/// `GET /api/v1/public/wallets/{walletId}/holds/{holdId}`.
#[utoipa::path(get, path = "/api/v1/public/wallets/{walletId}/holds/{holdId}", tag = "holds", params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"), ("holdId" = uuid::Uuid, Path, description = "the hold")),
    responses((status = 200, description = "the hold", body = crate::answers::Hold),
              (status = 400, description = "an id is not a UUID", body = crate::answers::Errors), (status = 404, description = "no such wallet or hold", body = crate::answers::Errors)))]
pub(crate) async fn get_hold(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path((wallet_id, hold_id)): Path<(String, String)>,
) -> Result<Json<Hold>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let hold = find_hold(&state, &wallet, &hold_id).await?;
    Ok(Json(hold_answer(&state, &wallet, &hold).await?))
}

/// `POST /api/v1/public/wallets/{walletId}/hold`: holds `amount` of the wallet for the target wallet,
/// with the platform as notary. 202 with the hold (PENDING_DLT_CREATION until indexed).
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/hold", tag = "holds", request_body = CreateHold, params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')")),
    responses((status = 202, description = "the hold, PENDING_DLT_CREATION until indexed", body = crate::answers::Hold),
              (status = 404, description = "no such wallet", body = crate::answers::Errors),
              (status = 409, description = "a wallet is not READY, the available balance less what is on its way cannot cover it, or the contract refused it (limits, compliance)", body = crate::answers::Errors)))]
pub(crate) async fn create_hold(
    State(state): State<ApiState>,
    post: WalletPost<CreateHold>,
) -> Result<Response, Problem> {
    let (wallet, req) = (&post.wallet, &post.body);
    let token = state.token_of(wallet).await?;
    let amount = fields::amount("amount", &req.amount, token.chain.decimals)?;
    let concept = fields::concept(req.concept.clone())?;
    let expiration = req
        .expiration
        .as_deref()
        .map(|e| fields::future_date("expiration", e))
        .transpose()?;
    let target = target_wallet(&state, "targetWalletId", &req.target_wallet_id).await?;
    ready(wallet, "payer")?;
    if target.id == wallet.id {
        return Err(Problem::bad(
            "targetWalletId",
            "a hold needs another wallet as payee",
        ));
    }
    same_token(&state, wallet, &target).await?;
    let request_id = Uuid::new_v4();
    let operation = OperationId::from_uuid(request_id);
    let operator = state.platform.operator.signer().unwrap_or_default();
    let hold_key = operation.record_key(operator);
    let hold_id = ids::hold_id(token.chain.chain_id, &hold_key.0);
    let (payer, payee) = (as_addr(&wallet.address), as_addr(&target.address));
    let prepare = token.operator.prepare();
    let call = match expiration {
        None => prepare.hold_from(operation, payer, payee, operator, amount, None),
        Some(date) => prepare.hold_from_until(
            operation,
            payer,
            payee,
            operator,
            amount,
            Some(u64::try_from(date.timestamp()).unwrap_or_default()),
        ),
    };
    let units = amount.units();
    let lock_id = ids::record_movement_id(
        token.chain.chain_id,
        RecordKind::Hold,
        &hold_key.0,
        Role::Lock,
    );
    let lock = ExpectedMovement {
        id: lock_id,
        wallet_id: wallet.id,
        r#type: MovementType::Lock,
        amount: units,
        origin_address: None,
        target_address: None,
        iban: None,
    };
    let hex = |a: &[u8]| alloy::hex::encode(a);
    let details = json!({
        "operationId": hex(operation.as_bytes().as_slice()),
        "issuer": hex(operator.as_slice()),
        "payer": hex(payer.as_slice()),
        "payee": hex(payee.as_slice()),
        "notary": hex(operator.as_slice()),
        "amount": units.to_string(),
        "expiration": expiration.map(|d| d.to_rfc3339()),
    });
    let view = HoldView {
        id: hold_id,
        hold_key: hold_key.0.to_vec(),
        operation_id: operation.as_bytes().to_vec(),
        issuer: operator.to_vec(),
        payer: payer.to_vec(),
        payee: payee.to_vec(),
        notary: operator.to_vec(),
        held_value: units,
        executed_value: rust_decimal::Decimal::ZERO,
        remaining: units,
        chain_status: None,
        expiration,
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
        request_kind: Some(RequestKind::Hold),
        request_state: Some(RequestState::PendingDlt),
        request_indexed: Some(false),
    };
    let answer = hold_answer(&state, wallet, &view).await?;
    let request = NewRequest {
        id: request_id,
        wallet_id: Some(wallet.id),
        record_id: Some(hold_id),
        record_key: Some(hold_key.0),
        concept,
        details,
        movements: vec![lock],
        ..NewRequest::new(RequestKind::Hold)
    };
    post.run(
        &state,
        request,
        vec![token.operator_call(call)],
        (StatusCode::ACCEPTED, answer),
        Some(Outflow {
            amount: units,
            movement: lock_id,
        }),
    )
    .await
}

/// The kinds of operation on an existing hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HoldOp {
    Execute,
    ExecuteKeepOpen,
    Release,
    Renew,
}

impl HoldOp {
    fn kind(self) -> RequestKind {
        match self {
            HoldOp::Execute => RequestKind::ExecuteHold,
            HoldOp::ExecuteKeepOpen => RequestKind::ExecuteHoldAndKeepOpen,
            HoldOp::Release => RequestKind::ReleaseHold,
            HoldOp::Renew => RequestKind::RenewHold,
        }
    }
}

/// An operation a request asks of an existing hold.
#[derive(Debug)]
struct HoldCommand {
    /// Which one.
    op: HoldOp,
    /// The hold (path text).
    hold_id: String,
    /// What to send to the payee (executions).
    amount: Option<String>,
    /// Purpose.
    concept: Option<String>,
    /// The new expiration (renewals; absent: perpetual).
    expiration: Option<String>,
}

/// Checks and sends an operation on an existing hold of the wallet (as payer), notarised by the platform.
async fn operate<B>(
    state: &ApiState,
    post: &WalletPost<B>,
    command: HoldCommand,
) -> Result<Response, Problem> {
    let HoldCommand {
        op,
        hold_id,
        amount,
        concept,
        expiration,
    } = command;
    let wallet = &post.wallet;
    let token = state.token_of(wallet).await?;
    let amount = amount
        .map(|a| fields::amount("amount", &a, token.chain.decimals))
        .transpose()?;
    let concept = fields::concept(concept)?;
    let expiration = expiration
        .map(|e| fields::future_date("expiration", &e))
        .transpose()?;
    let hold = find_hold(state, wallet, &hold_id).await?;
    if hold.payer != wallet.address {
        return Err(Problem::forbidden(format!(
            "wallet {} is the payee of hold {}: only the payer's wallet operates it",
            wallet.id, hold.id
        )));
    }
    let operator = state.platform.operator.signer().unwrap_or_default();
    if hold.notary != operator.as_slice() {
        return Err(Problem::conflict(format!(
            "hold {} names {} as notary, not the platform: it is executed or released on chain",
            hold.id,
            views::hex(&hold.notary)
        )));
    }
    // Another operation on its way: requested, or sent and not yet seen by the indexer.
    let busy = matches!(
        hold.request_state,
        Some(RequestState::Requested | RequestState::PendingDlt)
    ) && hold.request_indexed != Some(true);
    if !views::hold_open(&hold) || busy {
        return Err(Problem::conflict(format!(
            "hold {} is {}: it can only be {} while open (CREATED, RENEWED, EXECUTED_AND_KEPT_OPEN) with no other operation on its way",
            hold.id,
            views::hold_status(&hold),
            match op {
                HoldOp::Release => "released",
                HoldOp::Renew => "renewed",
                _ => "executed",
            }
        )));
    }
    let units = match amount {
        Some(a) => {
            let units = a.units();
            if units > hold.remaining {
                return Err(Problem::conflict(format!(
                    "hold {} has {} left on hold; cannot execute {}",
                    hold.id,
                    views::amount(&token.chain, hold.remaining),
                    a
                )));
            }
            Some((a, units))
        }
        None => None,
    };
    let hold_key = B256::from_slice(&hold.hold_key);
    // A full execution charges the payer the HOLD_EXECUTION commission of the executed amount, from its
    // available balance, in the same transaction (`executeHoldWithFee`); the contract has no fee form of
    // an execution that keeps the hold open, so those are not charged.
    let charge = match (op, &units) {
        (HoldOp::Execute, Some((a, _))) => {
            charge_for(state, wallet, CommissionOperation::HoldExecution, *a).await?
        }
        _ => None,
    };
    let commission =
        charge.map(|c| commission_movement(&token, wallet, FeeKind::HoldExecution, &hold_key.0, c));
    let prepare = token.operator.prepare();
    let call = match (op, &units) {
        (HoldOp::Execute, Some((a, _))) => match charge {
            Some(c) => prepare.execute_hold_with_fee(hold_key, *a, c.fee),
            None => prepare.execute_hold(hold_key, *a),
        },
        (HoldOp::ExecuteKeepOpen, Some((a, _))) => prepare.execute_hold_and_keep_open(hold_key, *a),
        (HoldOp::Release, _) => prepare.release_hold(hold_key),
        (HoldOp::Renew, _) => prepare.renew_hold_until(
            hold_key,
            expiration.map(|d| u64::try_from(d.timestamp()).unwrap_or_default()),
        ),
        _ => return Err(Problem::bad("amount", "is required")),
    };
    let mut view = hold.clone();
    view.request_kind = Some(op.kind());
    view.request_state = Some(RequestState::PendingDlt);
    view.request_indexed = Some(false);
    let answer = hold_answer(state, wallet, &view).await?;
    let request = NewRequest {
        id: Uuid::new_v4(),
        wallet_id: Some(wallet.id),
        record_id: Some(hold.id),
        record_key: Some(hold_key.0),
        concept,
        details: json!({
            "amount": units.map(|(_, u)| u.to_string()),
            "expiration": expiration.map(|d| d.to_rfc3339()),
            "commission": charge.map(|c| c.fee.to_string()),
            "commissionVersionId": charge.map(|c| c.version),
        }),
        movements: commission.iter().cloned().collect(),
        ..NewRequest::new(op.kind())
    };
    // The held amount is locked already; the commission comes out of the available balance.
    let outflow = commission.as_ref().map(|m| Outflow {
        amount: m.amount,
        movement: m.id,
    });
    post.run(
        state,
        request,
        vec![token.operator_call(call)],
        (StatusCode::ACCEPTED, answer),
        outflow,
    )
    .await
}

/// `POST …/hold/{holdId}/executeHold`: sends `amount` to the payee and releases the rest.
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/hold/{holdId}/executeHold", tag = "holds",
    request_body = ExecuteHold, params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"), ("holdId" = uuid::Uuid, Path, description = "the hold")),
    responses((status = 202, description = "the hold, its execution on its way", body = crate::answers::Hold),
              (status = 403, description = "the wallet is the payee (only the payer's wallet operates a hold), another client's wallet, or the other side's key", body = crate::answers::Errors),
              (status = 404, description = "no such wallet or hold", body = crate::answers::Errors),
              (status = 409, description = "the hold is not open or another operation is on its way, the amount is above what is held, the notary is not the platform, or the contract refused it", body = crate::answers::Errors)))]
pub(crate) async fn execute_hold(
    State(state): State<ApiState>,
    Path((_, hold_id)): Path<(String, String)>,
    post: WalletPost<ExecuteHold>,
) -> Result<Response, Problem> {
    let command = HoldCommand {
        op: HoldOp::Execute,
        hold_id,
        amount: Some(post.body.amount.clone()),
        concept: post.body.concept.clone(),
        expiration: None,
    };
    operate(&state, &post, command).await
}

/// `POST …/hold/{holdId}/executeHoldAndKeepOpen`: sends `amount`, keeps the rest on hold.
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/hold/{holdId}/executeHoldAndKeepOpen", tag = "holds",
    request_body = ExecuteHold, params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"), ("holdId" = uuid::Uuid, Path, description = "the hold")),
    responses((status = 202, description = "the hold, its execution on its way", body = crate::answers::Hold),
              (status = 403, description = "the wallet is the payee (only the payer's wallet operates a hold), another client's wallet, or the other side's key", body = crate::answers::Errors),
              (status = 404, description = "no such wallet or hold", body = crate::answers::Errors),
              (status = 409, description = "the hold is not open or another operation is on its way, the amount is above what is held, the notary is not the platform, or the contract refused it", body = crate::answers::Errors)))]
pub(crate) async fn execute_hold_and_keep_open(
    State(state): State<ApiState>,
    Path((_, hold_id)): Path<(String, String)>,
    post: WalletPost<ExecuteHold>,
) -> Result<Response, Problem> {
    let command = HoldCommand {
        op: HoldOp::ExecuteKeepOpen,
        hold_id,
        amount: Some(post.body.amount.clone()),
        concept: post.body.concept.clone(),
        expiration: None,
    };
    operate(&state, &post, command).await
}

/// `POST …/hold/{holdId}/releaseHold`: returns what is held to the payer.
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/hold/{holdId}/releaseHold", tag = "holds",
    request_body = ReleaseHold, params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"), ("holdId" = uuid::Uuid, Path, description = "the hold")),
    responses((status = 202, description = "the hold, its release on its way", body = crate::answers::Hold),
              (status = 403, description = "the wallet is the payee (only the payer's wallet operates a hold), another client's wallet, or the other side's key", body = crate::answers::Errors),
              (status = 404, description = "no such wallet or hold", body = crate::answers::Errors),
              (status = 409, description = "the hold is not open or another operation is on its way, the notary is not the platform, or the contract refused it", body = crate::answers::Errors)))]
pub(crate) async fn release_hold(
    State(state): State<ApiState>,
    Path((_, hold_id)): Path<(String, String)>,
    post: WalletPost<ReleaseHold>,
) -> Result<Response, Problem> {
    let command = HoldCommand {
        op: HoldOp::Release,
        hold_id,
        amount: None,
        concept: post.body.concept.clone(),
        expiration: None,
    };
    operate(&state, &post, command).await
}

/// `POST …/hold/{holdId}/renewHold`: a new expiration (absent: perpetual).
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/hold/{holdId}/renewHold", tag = "holds",
    request_body = RenewHold, params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"), ("holdId" = uuid::Uuid, Path, description = "the hold")),
    responses((status = 202, description = "the hold, its renewal on its way", body = crate::answers::Hold),
              (status = 403, description = "the wallet is the payee (only the payer's wallet operates a hold), another client's wallet, or the other side's key", body = crate::answers::Errors),
              (status = 404, description = "no such wallet or hold", body = crate::answers::Errors),
              (status = 409, description = "the hold is not open or another operation is on its way, the notary is not the platform, or the contract refused it", body = crate::answers::Errors)))]
pub(crate) async fn renew_hold(
    State(state): State<ApiState>,
    Path((_, hold_id)): Path<(String, String)>,
    post: WalletPost<RenewHold>,
) -> Result<Response, Problem> {
    let command = HoldCommand {
        op: HoldOp::Renew,
        hold_id,
        amount: None,
        concept: None,
        expiration: post.body.expiration.clone(),
    };
    operate(&state, &post, command).await
}
