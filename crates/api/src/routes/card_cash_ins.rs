//! Card cash-ins: the card is charged through the acquirer, then the money is minted (kind card) against
//! the cash-in's payment reference. Never a card charged twice for one cash-in (the acquirer charges a
//! reference once; a retry with the `Idempotency-Key` finds the cash-in), never a mint twice (the
//! contract takes a reference once), whatever instant a process dies at: the platform's follow-up
//! settles what a crash left (see `card_cash_ins` in migration 0014).

use alloy::primitives::{Address, B256, keccak256};
use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use emtoken_sdk::{Amount, MintKind};
use emtoken_store::{
    WalletRow,
    api::{CardCashInRow, ExpectedMovement, NewCardCashIn, NewRequest, RequestKind},
    ids,
    vocabulary::MovementType,
};
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

use serde::Deserialize;

use super::ready;
use crate::{
    ApiState, Problem, SETTLE_AFTER,
    acquirer::{Charge, Decision, Unreachable},
    answers::{Accepted, CardCashInAccepted, Link, SelfLink},
    cards::{CheckedCard, EncryptedCard, NOT_ENCRYPTED},
    fields, idempotency,
    platform::Call,
    post::{Post, WalletPost},
    views::{self, PUBLIC},
};

/// A card cash-in: the amount and the card, its fields encrypted under a temporal key.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CardCashIn {
    /// The amount credited to the wallet.
    #[schema(value_type = crate::fields::RequestAmount)]
    amount: String,
    /// The card.
    card: EncryptedCardFields,
    /// Purpose.
    #[schema(value_type = Option<crate::fields::Concept>)]
    concept: Option<String>,
}

/// A card's fields: `owner`, `number`, `expiration` (MMYY) and `cvv` each AES-256-ECB (PKCS#7) of the
/// UTF-8 text under a temporal key (`POST /api/v1/public/wallets/temporalpk`), base64; `brand` in clear.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EncryptedCardFields {
    /// The holder's full name, encrypted.
    #[schema(example = "sJEdXGTBSdVGrZq7dBrc0Q==")]
    owner: String,
    /// VISA or MCAR (Mastercard), in clear.
    #[schema(pattern = "^(VISA|MCAR)$", example = "VISA")]
    brand: String,
    /// The card number, encrypted.
    #[schema(example = "44D22AuX5Kpkh3ikBiQKjPLNdu/KRw7/C1OYY9L549A=")]
    number: String,
    /// The expiry, MMYY, encrypted.
    #[schema(example = "NHGI+g5uD8tsA+uvqGsqYQ==")]
    expiration: String,
    /// The CVV, encrypted.
    #[schema(example = "7SV2eco0RRyiPVgUhVn0Xg==")]
    cvv: String,
}

/// `POST /api/v1/public/wallets/{walletId}/cards/cashIns`: charges a card and credits the wallet.
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/cards/cashIns", tag = "wallets", request_body = CardCashIn,
    params(("walletId" = uuid::Uuid, Path, description = "the wallet credited (one of the client's users')")),
    responses((status = 202, description = "the card was charged; the CARD_CASHIN movement is PENDING until the mint is mined", body = crate::answers::CardCashInAccepted),
              (status = 400, description = "a field is wrong; `Card data not encrypted.` when the card's fields do not open under a live temporal key of the client (used, expired, another's, not encrypted as documented)", body = crate::answers::Errors),
              (status = 402, description = "the card was declined: nothing charged, the movement is ERROR", body = crate::answers::Errors),
              (status = 409, description = "the wallet is not READY, or the contract would refuse the mint (the wallet's KYC limits): nothing charged", body = crate::answers::Errors),
              (status = 503, description = "the acquirer or the chain node did not answer: ask again with the same Idempotency-Key", body = crate::answers::Errors)))]
pub(crate) async fn card_cash_in(
    axum::extract::State(state): axum::extract::State<ApiState>,
    post: WalletPost<CardCashIn>,
) -> Result<Response, Problem> {
    let wallet = &post.wallet;
    if let Some(key) = post.key.as_deref()
        && let Some(row) = state.store.card_cash_in_by_key(post.caller.id, key).await?
    {
        return resume(&state, Some(&post.post), &row).await;
    }
    ready(wallet, "the credited")?;
    let body = &post.body;
    let amount = fields::amount("amount", &body.amount, state.chain.decimals)?;
    let concept = fields::concept(body.concept.clone())?;
    crate::cards::Brand::parse(&body.card.brand)?;
    // Before the card is opened (which uses its key up) and charged: the contract takes the mint.
    let id = Uuid::new_v4();
    let reference = keccak256(format!("CARD:{id}"));
    let call = mint_call(
        &state,
        &wallet.address,
        amount.units(),
        reference.as_slice(),
    )?;
    state.platform.check(&call).await?;
    let now = state.onboarding.clock.now();
    let data = state
        .temporal_keys
        .open(
            post.caller.id,
            EncryptedCard {
                owner: &body.card.owner,
                number: &body.card.number,
                expiration: &body.card.expiration,
                cvv: &body.card.cvv,
            },
            now,
        )
        .map_err(|_| Problem::new(StatusCode::BAD_REQUEST, NOT_ENCRYPTED))?;
    let card = CheckedCard::check(&body.card.brand, data, now)?;
    charge_and_mint(
        &state,
        &post.post,
        wallet,
        (id, reference),
        amount,
        concept,
        &card,
    )
    .await
}

/// The mint of a cash-in.
fn mint_call(
    state: &ApiState,
    wallet: &[u8],
    amount: Decimal,
    reference: &[u8],
) -> Result<Call, Problem> {
    let amount = Amount::from_units(amount, state.chain.decimals).map_err(Problem::internal)?;
    Ok(Call::operator(state.platform.operator.prepare().mint(
        Address::from_slice(wallet),
        amount,
        MintKind::Card,
        B256::from_slice(reference),
    )))
}

/// Charges `card` for `amount` into `wallet` (READY, the caller's; the mint checked by the caller) and
/// mints it: the 202, or 402 when the card is declined (the movement is ERROR).
async fn charge_and_mint<B>(
    state: &ApiState,
    post: &Post<B>,
    wallet: &WalletRow,
    (id, reference): (Uuid, B256),
    amount: Amount,
    concept: Option<String>,
    card: &CheckedCard,
) -> Result<Response, Problem> {
    let movement_id = ids::card_cashin_movement_id(state.chain.chain_id, &reference.0);
    let units = amount.units();
    let new = NewCardCashIn {
        id,
        client_id: post.caller.id,
        idempotency_key: post.key.clone(),
        wallet_id: wallet.id,
        movement_id,
        amount: units,
        concept,
        brand: card.brand.as_str().to_owned(),
        last4: card.last_four.clone(),
        reference: reference.0,
    };
    let Some(row) = state.store.begin_card_cash_in(&new).await? else {
        // A retry with the key of a cash-in on its way: the extractor saw no answer yet.
        let key = post.key.as_deref().unwrap_or_default();
        let row = state
            .store
            .card_cash_in_by_key(post.caller.id, key)
            .await?
            .ok_or_else(|| Problem::internal("card cash-in key without its row"))?;
        return resume(state, Some(post), &row).await;
    };
    let amount_text = views::amount(state, units);
    let decision = state
        .acquirer
        .charge(&Charge {
            reference: reference.0,
            amount: &amount_text,
            number: card.number(),
            exp_month: card.expiry_month,
            exp_year: u32::try_from(card.expiry_year).unwrap_or_default(),
            cvv: card.cvv(),
            owner: card.owner(),
        })
        .await;
    settle(state, Some(post), &row, decision).await
}

/// A retry (or the follow-up) meets cash-in `row`: its answer, settling it if it can be.
pub(crate) async fn resume<B>(
    state: &ApiState,
    post: Option<&Post<B>>,
    row: &CardCashInRow,
) -> Result<Response, Problem> {
    match row.state.as_str() {
        "CHARGING" => {
            let age = chrono::Utc::now() - row.updated_at;
            if age.to_std().unwrap_or_default() < SETTLE_AFTER {
                return Err(Problem::conflict(format!(
                    "card cash-in {} is still being charged: ask again in a moment",
                    row.id
                ))
                .retry_after(1));
            }
            let reference: [u8; 32] = row
                .reference
                .as_slice()
                .try_into()
                .map_err(Problem::internal)?;
            let decision = match state.acquirer.decision(&reference).await {
                Ok(Some(decision)) => Ok(decision),
                // The charge never reached the acquirer: nothing was charged.
                Ok(None) => Ok(Decision::Declined {
                    reason: "not charged: the acquirer never received the charge".into(),
                }),
                Err(unreachable) => Err(unreachable),
            };
            settle(state, post, row, decision).await
        }
        "APPROVED" => mint(state, post, row).await,
        "DECLINED" => Err(declined(
            row,
            row.decline_reason.as_deref().unwrap_or("declined"),
        )),
        "MINT_FAILED" => Err(Problem::conflict(format!(
            "card cash-in {}: the card was charged but the contract refused the mint; the institution refunds the card",
            row.id
        ))),
        // MINTING, MINTED: on its way or done.
        _ => Ok((StatusCode::ACCEPTED, Json(accepted(state, row))).into_response()),
    }
}

/// The 202 of a cash-in.
fn accepted(state: &ApiState, row: &CardCashInRow) -> CardCashInAccepted {
    CardCashInAccepted {
        links: SelfLink {
            this: Link::new(format!(
                "{PUBLIC}/wallets/{}/movements/{}",
                row.wallet_id, row.movement_id
            )),
        },
        id: row.id,
        movement_id: row.movement_id,
        wallet_id: row.wallet_id,
        amount: views::amount(state, row.amount),
        concept: row.concept.clone(),
        brand: row.brand.clone(),
        last4: row.last4.clone(),
        status: Accepted::Pending,
    }
}

/// The 402 of a declined card.
fn declined(row: &CardCashInRow, reason: &str) -> Problem {
    Problem::new(
        StatusCode::PAYMENT_REQUIRED,
        format!(
            "the card was declined ({reason}): nothing was charged; movement {} is ERROR",
            row.movement_id
        ),
    )
}

/// The request that stands for the cash-in (with its CARD_CASHIN movement), the client's when `post`.
fn request<B>(post: Option<&Post<B>>, row: &CardCashInRow) -> NewRequest {
    let request = NewRequest {
        id: Uuid::new_v4(),
        client_id: row.client_id,
        wallet_id: Some(row.wallet_id),
        record_id: Some(row.id),
        concept: row.concept.clone(),
        details: json!({ "brand": row.brand, "last4": row.last4 }),
        movements: vec![ExpectedMovement {
            id: row.movement_id,
            wallet_id: row.wallet_id,
            r#type: MovementType::CardCashin,
            amount: row.amount,
            origin_address: None,
            target_address: None,
            iban: None,
        }],
        ..NewRequest::new(RequestKind::CardCashIn)
    };
    match post {
        Some(post) => post.own(request),
        None => request,
    }
}

/// Settles a CHARGING cash-in with the acquirer's decision.
async fn settle<B>(
    state: &ApiState,
    post: Option<&Post<B>>,
    row: &CardCashInRow,
    decision: Result<Decision, Unreachable>,
) -> Result<Response, Problem> {
    match decision {
        Err(Unreachable(why)) => {
            tracing::warn!(cash_in = %row.id, error = %why, "the acquirer did not answer");
            Err(Problem::unavailable(format!(
                "the acquirer did not answer ({why}): card cash-in {} is settled later; ask again with the same Idempotency-Key to learn its outcome",
                row.id
            ))
            .retry_after(5))
        }
        Ok(Decision::Declined { reason }) => {
            let problem = declined(row, &reason);
            let body = serde_json::to_value(problem.body()).map_err(Problem::internal)?;
            let request = request(post, row);
            state
                .store
                .decline_card_cash_in(row.id, &reason, &request, (402, &body))
                .await?;
            Err(problem)
        }
        Ok(Decision::Approved { authorization }) => {
            state
                .store
                .approve_card_cash_in(row.id, &authorization)
                .await?;
            mint(state, post, row).await
        }
    }
}

/// Mints an APPROVED cash-in: the 202 (also when the node could not take the mint now: the card was
/// charged, the follow-up mints it).
async fn mint<B>(
    state: &ApiState,
    post: Option<&Post<B>>,
    row: &CardCashInRow,
) -> Result<Response, Problem> {
    let wallet = state
        .store
        .wallet(emtoken_store::WalletRef::Id(row.wallet_id))
        .await?
        .ok_or_else(|| Problem::internal("card cash-in of no wallet"))?;
    let call = mint_call(state, &wallet.address, row.amount, &row.reference)?;
    let request = request(post, row);
    let request_id = request.id;
    let answer = accepted(state, row);
    let body = serde_json::to_value(&answer).map_err(Problem::internal)?;
    match idempotency::run(
        state,
        request,
        vec![call],
        (StatusCode::ACCEPTED, body),
        None,
    )
    .await
    {
        Ok(response) => {
            state.store.minting_card_cash_in(row.id, request_id).await?;
            Ok(response)
        }
        Err(problem) if problem.detail.contains("MintReferenceUsed") => {
            // Minted already (a mint whose request was lost): done.
            state.store.card_cash_in_state(row.id, "MINTED").await?;
            Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
        }
        Err(problem) if problem.status == StatusCode::CONFLICT => {
            tracing::error!(cash_in = %row.id, error = %problem.detail, "the contract refused the mint of a charged card: refund it");
            state
                .store
                .card_cash_in_state(row.id, "MINT_FAILED")
                .await?;
            Err(problem)
        }
        Err(problem) => {
            tracing::warn!(cash_in = %row.id, error = %problem.detail, "mint not sent: the follow-up sends it");
            Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
        }
    }
}

/// The follow-up of card cash-ins: what a crash (or an acquirer or node that did not answer) left.
pub(crate) async fn follow_card_cash_ins(state: &ApiState) -> Result<(), Problem> {
    let older = SETTLE_AFTER * 6;
    for (row, request_state) in state.store.unsettled_card_cash_ins(older).await? {
        let result = match (row.state.as_str(), request_state.as_deref()) {
            ("CHARGING" | "APPROVED", _) => resume::<()>(state, None, &row).await.map(drop),
            ("MINTING", None) => {
                // Its mint was forgotten (never sent): again.
                state.store.card_cash_in_state(row.id, "APPROVED").await?;
                mint::<()>(state, None, &row).await.map(drop)
            }
            ("MINTING", Some("MINED")) => state
                .store
                .card_cash_in_state(row.id, "MINTED")
                .await
                .map_err(Problem::from),
            ("MINTING", Some("FAILED")) => {
                tracing::error!(cash_in = %row.id, "the mint of a charged card failed on chain: refund it");
                state
                    .store
                    .card_cash_in_state(row.id, "MINT_FAILED")
                    .await
                    .map_err(Problem::from)
            }
            _ => Ok(()),
        };
        if let Err(problem) = result {
            tracing::warn!(cash_in = %row.id, error = %problem.detail, "card cash-in not settled yet");
        }
    }
    Ok(())
}
