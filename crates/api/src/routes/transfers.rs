use alloy::primitives::{Address, keccak256};
use axum::{extract::State, http::StatusCode, response::Response};
use emtoken_sdk::{Amount, OperationId};
use emtoken_store::{
    WalletRow,
    api::{ExpectedMovement, NewRequest, RequestKind},
    ids,
    vocabulary::{CommissionOperation, FeeKind, MovementType, RecordKind, Role},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{Charge, charge_for, commission_movement, ready, same_token, target_wallet};
use crate::{
    ApiState, Problem,
    answers::{Accepted, CashOutAccepted, Link, SelfLink, TransferAccepted, TransferLinks},
    fields,
    iban::Iban,
    idempotency::Outflow,
    platform::Call,
    post::WalletPost,
    tokens::Token,
    views::PUBLIC,
};

/// Send money to another wallet.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Transfer {
    /// Amount, a decimal string ("1.50").
    #[schema(value_type = crate::fields::RequestAmount)]
    amount: String,
    /// Purpose (shown on both movements).
    #[schema(value_type = Option<crate::fields::Concept>)]
    concept: Option<String>,
    /// The receiving wallet: another READY wallet (400 if none).
    #[schema(value_type = uuid::Uuid)]
    target_wallet_id: String,
}

/// An IBAN object.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct IbanObject {
    /// The IBAN (checked: country, length, checksum).
    #[schema(value_type = crate::fields::IbanText)]
    pub(crate) account_number: String,
}

/// Send money out to a bank account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CashOut {
    /// The receiving bank account.
    iban: IbanObject,
    /// Amount, a decimal string.
    #[schema(value_type = crate::fields::RequestAmount)]
    amount: String,
    /// Purpose.
    #[schema(value_type = Option<crate::fields::Concept>)]
    concept: Option<String>,
}

/// `POST /api/v1/public/wallets/{walletId}/transfer`: an operator transfer to another wallet. 202 with the
/// TRANSFER_OUT movement's id (PENDING until final).
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/transfer", tag = "transfers", request_body = Transfer, params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')")),
    responses((status = 202, description = "on its way: the TRANSFER_OUT and TRANSFER_IN movements, PENDING until final", body = crate::answers::TransferAccepted),
              (status = 404, description = "no such wallet", body = crate::answers::Errors),
              (status = 409, description = "a wallet is not READY, the available balance less what is on its way cannot cover it, or the contract refused it (limits, compliance)", body = crate::answers::Errors)))]
pub(crate) async fn transfer(
    State(state): State<ApiState>,
    post: WalletPost<Transfer>,
) -> Result<Response, Problem> {
    let (wallet, req) = (&post.wallet, &post.body);
    let token = state.token_of(wallet).await?;
    let amount = fields::amount("amount", &req.amount, token.chain.decimals)?;
    let concept = fields::concept(req.concept.clone())?;
    let target = target_wallet(&state, "targetWalletId", &req.target_wallet_id).await?;
    ready(wallet, "sending")?;
    if target.id == wallet.id {
        return Err(Problem::bad(
            "targetWalletId",
            "is the sending wallet itself",
        ));
    }
    same_token(&state, wallet, &target).await?;
    let charge = charge_for(&state, wallet, CommissionOperation::Transfer, amount).await?;
    let prepared = transfer_request(
        &state,
        &token,
        Uuid::new_v4(),
        wallet,
        &target,
        amount,
        concept,
        charge,
    );
    post.run(
        &state,
        prepared.request,
        prepared.calls,
        (StatusCode::ACCEPTED, prepared.answer),
        Some(prepared.outflow),
    )
    .await
}

/// A money-moving request ready to record and send (`idempotency::run`): the request (without caller
/// or key), its calls, the answer it gives once accepted and what it takes out of the wallet.
#[derive(Debug)]
pub(crate) struct Prepared<A> {
    /// The request.
    pub(crate) request: NewRequest,
    /// Its calls.
    pub(crate) calls: Vec<Call>,
    /// Its answer.
    pub(crate) answer: A,
    /// Its outflow.
    pub(crate) outflow: Outflow,
}

/// The contract key of the record request `request_id` makes (its operation id is the request id;
/// the platform's operator key issues it, on every token).
fn record_key(state: &ApiState, request_id: Uuid) -> [u8; 32] {
    let operator = state.platform.operator.signer().unwrap_or_default();
    OperationId::from_uuid(request_id).record_key(operator).0
}

/// The TRANSFER_OUT movement of transfer request `request_id` on ledger `ledger`.
pub(crate) fn transfer_out_id(state: &ApiState, ledger: i64, request_id: Uuid) -> Uuid {
    let key = record_key(state, request_id);
    ids::record_movement_id(ledger, RecordKind::OperatorTransfer, &key, Role::Out)
}

/// The BANK_ACCOUNT_CASHOUT movement of cash-out request `request_id` on ledger `ledger`.
pub(crate) fn cash_out_id(state: &ApiState, ledger: i64, request_id: Uuid) -> Uuid {
    let key = record_key(state, request_id);
    ids::record_movement_id(ledger, RecordKind::Payout, &key, Role::Cashout)
}

/// Request `request_id`: `amount` from `wallet` to `target` by the operator (both READY, checked by the
/// caller), with `request_id` as the chain's operation id; with `charge`, the sender pays its commission
/// to the fee account in the same transaction (`operatorTransferWithFee`), and the request takes the
/// amount and the commission out of its available balance.
pub(crate) fn transfer_request(
    state: &ApiState,
    token: &Token,
    request_id: Uuid,
    wallet: &WalletRow,
    target: &WalletRow,
    amount: Amount,
    concept: Option<String>,
    charge: Option<Charge>,
) -> Prepared<TransferAccepted> {
    let operation = OperationId::from_uuid(request_id);
    let key_of_record = record_key(state, request_id);
    let (from, to) = (Address::from(wallet.address), Address::from(target.address));
    let amount_units = amount.units();
    let out_id = transfer_out_id(state, token.chain.chain_id, request_id);
    let in_id = ids::record_movement_id(
        token.chain.chain_id,
        RecordKind::OperatorTransfer,
        &key_of_record,
        Role::In,
    );
    let movement = |id, wallet_id, ty| ExpectedMovement {
        id,
        wallet_id,
        r#type: ty,
        amount: amount_units,
        origin_address: Some(wallet.address),
        target_address: Some(target.address),
        iban: None,
    };
    let prepare = token.operator.prepare();
    let call = match charge {
        Some(c) => prepare.operator_transfer_with_fee(operation, from, to, amount, c.fee),
        None => prepare.operator_transfer(operation, from, to, amount),
    };
    let commission = charge
        .map(|c| commission_movement(token, wallet, FeeKind::OperatorTransfer, &key_of_record, c));
    let fee_units = charge.map_or(rust_decimal::Decimal::ZERO, |c| c.fee.units());
    let answer = TransferAccepted {
        links: TransferLinks {
            this: Link::new(format!("{PUBLIC}/wallets/{}/movements/{out_id}", wallet.id)),
            target_movement: Link::new(format!("{PUBLIC}/wallets/{}/movements/{in_id}", target.id)),
        },
        movement_id: out_id,
        target_movement_id: in_id,
        status: Accepted::Pending,
        amount: amount.to_string(),
        concept: concept.clone(),
        origin_wallet_id: wallet.id,
        target_wallet_id: target.id,
        commission: charge.map_or_else(
            || Amount::zero(amount.decimals()).to_string(),
            |c| c.fee.to_string(),
        ),
        commission_movement_id: commission.as_ref().map(|m| m.id),
    };
    let mut movements = vec![
        movement(out_id, wallet.id, MovementType::TransferOut),
        movement(in_id, target.id, MovementType::TransferIn),
    ];
    movements.extend(commission);
    let request = NewRequest {
        id: request_id,
        wallet_id: Some(wallet.id),
        record_id: Some(out_id),
        record_key: Some(key_of_record),
        concept,
        details: match charge {
            Some(c) => json!({ "commission": c.fee.to_string(), "commissionVersionId": c.version }),
            None => json!({}),
        },
        movements,
        ..NewRequest::new(RequestKind::Transfer)
    };
    Prepared {
        request,
        calls: vec![token.operator_call(call)],
        answer,
        // The commission moves in the same transaction as the transfer: one movement settles both.
        outflow: Outflow {
            amount: amount_units + fee_units,
            movement: out_id,
        },
    }
}

/// What a cash-out's answer names: its BANK_ACCOUNT_CASHOUT movement and its commission.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CashOutIds {
    /// The BANK_ACCOUNT_CASHOUT movement.
    pub(crate) movement_id: Uuid,
    /// The commission reserved with it ("0.00": none).
    pub(crate) commission: String,
    /// The COMMISSION movement it will have once the bank executes it (None: no commission).
    pub(crate) commission_movement_id: Option<Uuid>,
}

/// Request `request_id`: a payout order of `amount` from `wallet` (READY, checked by the caller) to
/// `iban`, with `request_id` as the chain's operation id. With `charge`, the commission is reserved with
/// the payout (`orderPayoutFromWithFee`: amount and commission locked, the commission charged when the
/// bank executes it, unlocked if rejected), and the request takes both out of the available balance.
pub(crate) fn cash_out_request(
    state: &ApiState,
    token: &Token,
    request_id: Uuid,
    wallet: &WalletRow,
    iban: &Iban,
    amount: Amount,
    concept: Option<String>,
    charge: Option<Charge>,
) -> Prepared<CashOutIds> {
    let operation = OperationId::from_uuid(request_id);
    let payout_key = record_key(state, request_id);
    let movement_id = cash_out_id(state, token.chain.chain_id, request_id);
    // Only a hash of the bank details goes on chain.
    let instructions = keccak256(iban.as_str().as_bytes());
    let (prepare, address) = (token.operator.prepare(), Address::from(wallet.address));
    let call = match charge {
        Some(c) => {
            prepare.order_payout_from_with_fee(operation, address, amount, c.fee, instructions)
        }
        None => prepare.order_payout_from(operation, address, amount, instructions),
    };
    let fee_units = charge.map_or(rust_decimal::Decimal::ZERO, |c| c.fee.units());
    let details = match charge {
        Some(c) => json!({
            "iban": iban.as_str(),
            "commission": c.fee.to_string(),
            "commissionVersionId": c.version,
        }),
        None => json!({ "iban": iban.as_str() }),
    };
    // The COMMISSION movement comes with the bank's execution (its request names it), not now.
    let ids = CashOutIds {
        movement_id,
        commission: charge.map_or_else(
            || Amount::zero(amount.decimals()).to_string(),
            |c| c.fee.to_string(),
        ),
        commission_movement_id: charge.map(|_| {
            ids::commission_movement_id(
                token.chain.chain_id,
                FeeKind::Payout,
                &payout_key,
                Role::Commission,
            )
        }),
    };
    let request = NewRequest {
        id: request_id,
        wallet_id: Some(wallet.id),
        record_id: Some(movement_id),
        record_key: Some(payout_key),
        concept,
        details,
        movements: vec![ExpectedMovement {
            id: movement_id,
            wallet_id: wallet.id,
            r#type: MovementType::BankAccountCashout,
            amount: amount.units(),
            origin_address: None,
            target_address: None,
            iban: Some(iban.to_string()),
        }],
        ..NewRequest::new(RequestKind::CashOut)
    };
    Prepared {
        request,
        calls: vec![token.operator_call(call)],
        answer: ids,
        // The reserved commission is locked with the amount by the same transaction.
        outflow: Outflow {
            amount: amount.units() + fee_units,
            movement: movement_id,
        },
    }
}

/// `POST /api/v1/public/wallets/{walletId}/cashOuts`: a payout order to a bank account; its
/// BANK_ACCOUNT_CASHOUT movement is PENDING until the bank side executes (SUCCESS) or rejects (ERROR) it.
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/cashOuts", tag = "cash-outs", request_body = CashOut, params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')")),
    responses((status = 202, description = "ordered: the BANK_ACCOUNT_CASHOUT movement, PENDING until the bank side decides", body = crate::answers::CashOutAccepted),
              (status = 404, description = "no such wallet", body = crate::answers::Errors),
              (status = 409, description = "the wallet is not READY, the available balance less what is on its way cannot cover it, or the contract refused it", body = crate::answers::Errors)))]
pub(crate) async fn cash_out(
    State(state): State<ApiState>,
    post: WalletPost<CashOut>,
) -> Result<Response, Problem> {
    let (wallet, req) = (&post.wallet, &post.body);
    let iban =
        Iban::parse(&req.iban.account_number).map_err(|e| Problem::bad("iban.accountNumber", e))?;
    let token = state.token_of(wallet).await?;
    let amount = fields::amount("amount", &req.amount, token.chain.decimals)?;
    let concept = fields::concept(req.concept.clone())?;
    let answer_concept = concept.clone();
    order_cash_out(&state, &post, &iban, amount, concept, |ids| {
        CashOutAccepted {
            links: SelfLink {
                this: Link::new(format!(
                    "{PUBLIC}/wallets/{}/movements/{}",
                    wallet.id, ids.movement_id
                )),
            },
            movement_id: ids.movement_id,
            status: Accepted::Pending,
            amount: amount.to_string(),
            iban: iban.as_str().to_owned(),
            concept: answer_concept,
            commission: ids.commission,
            commission_movement_id: ids.commission_movement_id,
        }
    })
    .await
}

/// Orders a payout of `amount` from `post`'s wallet (READY) to `iban`, with its CASH_OUT commission
/// reserved: the request's answer is `answer(its ids)` (202). Shared by `cashOuts` and the cash-out to a
/// favourite.
pub(crate) async fn order_cash_out<B, A: serde::Serialize>(
    state: &ApiState,
    post: &WalletPost<B>,
    iban: &Iban,
    amount: emtoken_sdk::Amount,
    concept: Option<String>,
    answer: impl FnOnce(CashOutIds) -> A,
) -> Result<Response, Problem> {
    ready(&post.wallet, "paying")?;
    let charge = charge_for(state, &post.wallet, CommissionOperation::CashOut, amount).await?;
    let token = state.token_of(&post.wallet).await?;
    let prepared = cash_out_request(
        state,
        &token,
        Uuid::new_v4(),
        &post.wallet,
        iban,
        amount,
        concept,
        charge,
    );
    post.run(
        state,
        prepared.request,
        prepared.calls,
        (StatusCode::ACCEPTED, answer(prepared.answer)),
        Some(prepared.outflow),
    )
    .await
}
