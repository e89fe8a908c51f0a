//! Card cash-ins: the card is charged through the acquirer, then the money is minted (kind card) against
//! the cash-in's payment reference. Never a card charged twice for one cash-in (the acquirer charges a
//! reference once; a retry with the `Idempotency-Key` finds the cash-in), never a mint twice (the
//! contract takes a reference once), whatever instant a process dies at: the platform's follow-up
//! settles what a crash left (see `card_cash_ins` in migration 0014). The CARD_CASHIN commission is
//! quoted when the cash-in is made and kept with it (migration 0022): the mint charges exactly that
//! (`mintWithFee`), whatever the profile becomes before the card is decided.

use alloy::primitives::{Address, B256, keccak256};
use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use emtoken_sdk::{Amount, MintKind};
use emtoken_store::{
    WalletRow,
    api::{CardCashInRow, ExpectedMovement, NewCardCashIn, NewCardPage, NewRequest, RequestKind},
    ids,
    vocabulary::{CommissionOperation, FeeKind, MovementType, Role},
};
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

use serde::Deserialize;

use super::{Charge as Commission, charge_for, commission_movement, ready};
use crate::{
    ApiState, ChainInfo, CrashPoint, Problem, SETTLE_AFTER,
    acquirer::{CallbackError, Charge, Decision, Unreachable},
    answers::{Accepted, CardCashInAccepted, CardPaymentPage, Link, SelfLink},
    cards::{CheckedCard, EncryptedCard, NOT_ENCRYPTED},
    fields, idempotency,
    platform::Call,
    post::{Post, WalletPost},
    tokens::Token,
    views::{self, PUBLIC},
};

/// A card cash-in: the amount and either the card, its fields encrypted under a temporal key, or the
/// two addresses of a payment page (`successUrl`, `rejectUrl`) where the cardholder types it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CardCashIn {
    /// The amount credited to the wallet.
    #[schema(value_type = crate::fields::RequestAmount)]
    amount: String,
    /// The card (not with `successUrl` and `rejectUrl`).
    card: Option<EncryptedCardFields>,
    /// Purpose.
    #[schema(value_type = Option<crate::fields::Concept>)]
    concept: Option<String>,
    /// Where the payment page sends the browser once the card is charged (absolute http or https
    /// address, at most 2,000 characters). With `rejectUrl`, and no `card`.
    #[schema(example = "https://shop.example/paid", max_length = 2000)]
    success_url: Option<String>,
    /// Where the payment page sends the browser when the card is refused.
    #[schema(example = "https://shop.example/refused", max_length = 2000)]
    reject_url: Option<String>,
}

/// How long a payment page takes the card.
pub(crate) const PAGE_LIFETIME: chrono::Duration = chrono::Duration::minutes(15);

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

/// `POST /api/v1/public/wallets/{walletId}/cards/cashIns`: charges a card and credits the wallet, or
/// makes the payment page where the cardholder types the card.
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/cards/cashIns", tag = "wallets", request_body = CardCashIn,
    params(("walletId" = uuid::Uuid, Path, description = "the wallet credited (one of the client's users')")),
    responses((status = 201, description = "a payment page: send the cardholder's browser to `paymentUrl`; the CARD_CASHIN movement is PENDING until the card is decided", body = crate::answers::CardPaymentPage),
              (status = 202, description = "the card was charged, or the acquirer decides later; the CARD_CASHIN movement is PENDING until the mint is mined, which takes the CARD_CASHIN commission quoted now out of the amount", body = crate::answers::CardCashInAccepted),
              (status = 400, description = "a field is wrong; `Card data not encrypted.` when the card's fields do not open under a live temporal key of the client (used, expired, another's, not encrypted as documented)", body = crate::answers::Errors),
              (status = 402, description = "the card was declined: nothing charged, the movement is ERROR", body = crate::answers::Errors),
              (status = 409, description = "the wallet is not READY, the CARD_CASHIN commission would take all of the amount, or the contract would refuse the mint (the wallet's KYC limits; a commission with no fee account set): nothing charged", body = crate::answers::Errors),
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
    let token = state.token_of(wallet).await?;
    let amount = fields::amount("amount", &body.amount, token.chain.decimals)?;
    let concept = fields::concept(body.concept.clone())?;
    let page = match (&body.card, &body.success_url, &body.reject_url) {
        (Some(card), None, None) => {
            crate::cards::Brand::parse(&card.brand)?;
            None
        }
        (Some(_), _, _) => {
            return Err(Problem::bad(
                "card",
                "either the card or a payment page's successUrl and rejectUrl, not both",
            ));
        }
        (None, Some(success), Some(reject)) => Some((
            fields::web_address("successUrl", success)?,
            fields::web_address("rejectUrl", reject)?,
        )),
        (None, None, _) => {
            return Err(Problem::bad(
                "successUrl",
                "required without a card (the payment page's address after success)",
            ));
        }
        (None, Some(_), None) => {
            return Err(Problem::bad(
                "rejectUrl",
                "required without a card (the payment page's address after a refusal)",
            ));
        }
    };
    // The commission as `…/cards/cashIns/calculate` quotes it now (a 409 when it would take all of the
    // amount), kept with the cash-in: its mint charges exactly that, however long the card takes.
    let charge = charge_for(&state, wallet, CommissionOperation::CardCashin, amount).await?;
    // Before the card is opened (which uses its key up) and charged: the contract takes the mint (and
    // its fee: a token without a fee account refuses it).
    let id = Uuid::new_v4();
    let reference = keccak256(format!("CARD:{id}"));
    let call = charged_mint_call(
        &token,
        &wallet.address,
        amount.units(),
        charge,
        reference.as_slice(),
    )?;
    state.platform.check(&call).await?;
    let now = state.onboarding.clock.now();
    if let Some((success, reject)) = page {
        return open_page(
            &state,
            &post.post,
            wallet,
            (id, reference),
            (amount, charge),
            concept,
            (success, reject),
        )
        .await;
    }
    let Some(card) = &body.card else {
        return Err(Problem::internal("a card cash-in without a card"));
    };
    let data = state
        .temporal_keys
        .open(
            post.caller.id,
            EncryptedCard {
                owner: &card.owner,
                number: &card.number,
                expiration: &card.expiration,
                cvv: &card.cvv,
            },
            now,
        )
        .map_err(|_| Problem::new(StatusCode::BAD_REQUEST, NOT_ENCRYPTED))?;
    let card = CheckedCard::check(&card.brand, data, now)?;
    charge_and_mint(
        &state,
        &post.post,
        wallet,
        (id, reference),
        (amount, charge),
        concept,
        &card,
    )
    .await
}

/// The cash-in's data before the card is known: `amount`, of which its mint charges `charge`.
fn new_cash_in<B>(
    token: &Token,
    post: &Post<B>,
    wallet: &WalletRow,
    (id, reference): (Uuid, B256),
    (amount, charge): (Amount, Option<Commission>),
    concept: Option<String>,
) -> NewCardCashIn {
    NewCardCashIn {
        id,
        client_id: post.caller.id,
        idempotency_key: post.key.clone(),
        fingerprint: post.fingerprint,
        wallet_id: wallet.id,
        movement_id: ids::card_cashin_movement_id(token.chain.chain_id, &reference.0),
        amount: amount.units(),
        concept,
        brand: String::new(),
        last4: String::new(),
        reference: reference.0,
        commission: charge.map(|c| c.fee.units()),
        commission_version_id: charge.map(|c| c.version),
    }
}

/// Makes the payment page of a cash-in: 201 with its address.
async fn open_page<B>(
    state: &ApiState,
    post: &Post<B>,
    wallet: &WalletRow,
    id: (Uuid, B256),
    amount: (Amount, Option<Commission>),
    concept: Option<String>,
    (success, reject): (url::Url, url::Url),
) -> Result<Response, Problem> {
    let mut secret = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret);
    let token = state.token_of(wallet).await?;
    let page = NewCardPage {
        cash_in: new_cash_in(&token, post, wallet, id, amount, concept),
        token: base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, secret),
        success_url: success.into(),
        reject_url: reject.into(),
        expires_at: state.onboarding.clock.now() + PAGE_LIFETIME,
    };
    let row = match state.store.begin_card_page(&page).await? {
        Some(row) => row,
        None => keyed(state, post).await?,
    };
    resume(state, Some(post), &row).await
}

/// The cash-in a request's `Idempotency-Key` already stands for (a retry that came in while the first
/// was on its way, so the extractor saw no answer yet).
async fn keyed<B>(state: &ApiState, post: &Post<B>) -> Result<CardCashInRow, Problem> {
    let key = post.key.as_deref().unwrap_or_default();
    state
        .store
        .card_cash_in_by_key(post.caller.id, key)
        .await?
        .ok_or_else(|| Problem::internal("card cash-in key without its row"))
}

/// The 201 of a payment page.
fn page_answer(
    state: &ApiState,
    chain: &ChainInfo,
    row: &CardCashInRow,
) -> Result<Response, Problem> {
    let (Some(token), Some(expires)) = (&row.page_token, row.page_expires_at) else {
        return Err(Problem::internal("a payment page without its token"));
    };
    let url = format!("{}/pay/{token}", state.public_url);
    let answer = CardPaymentPage {
        links: movement_link(row),
        id: row.id,
        movement_id: row.movement_id,
        wallet_id: row.wallet_id,
        amount: views::amount(chain, row.amount),
        currency: chain.currency.clone(),
        concept: row.concept.clone(),
        payment_url: url.clone(),
        expires_at: views::time(expires),
        status: Accepted::Pending,
        commission: views::amount(chain, row.commission.unwrap_or_default()),
        commission_movement_id: commission_movement_id(chain, row),
    };
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::LOCATION, url)],
        Json(answer),
    )
        .into_response())
}

/// The mint cash-in `row` will send to `wallet`: with the commission it was quoted when made.
pub(crate) fn mint_call(
    token: &Token,
    wallet: &[u8],
    row: &CardCashInRow,
) -> Result<Call, Problem> {
    let charge = stored_charge(&token.chain, row)?;
    charged_mint_call(token, wallet, row.amount, charge, &row.reference)
}

/// The mint of a cash-in of `amount` (base units) to `wallet` against `reference`: with `charge`, the
/// wallet pays it out of the amount to the fee account in the same transaction (`mintWithFee`).
fn charged_mint_call(
    token: &Token,
    wallet: &[u8],
    amount: Decimal,
    charge: Option<Commission>,
    reference: &[u8],
) -> Result<Call, Problem> {
    let amount = Amount::from_units(amount, token.chain.decimals).map_err(Problem::internal)?;
    let (to, reference) = (Address::from_slice(wallet), B256::from_slice(reference));
    let prepare = token.operator.prepare();
    Ok(token.operator_call(match charge {
        Some(c) => prepare.mint_with_fee(to, amount, c.fee, MintKind::Card, reference),
        None => prepare.mint(to, amount, MintKind::Card, reference),
    }))
}

/// The commission cash-in `row` was quoted when it was made: what its mint charges (None: nothing).
fn stored_charge(chain: &ChainInfo, row: &CardCashInRow) -> Result<Option<Commission>, Problem> {
    match (row.commission, row.commission_version_id) {
        (Some(units), Some(version)) => Ok(Some(Commission {
            fee: Amount::from_units(units, chain.decimals).map_err(Problem::internal)?,
            version,
        })),
        _ => Ok(None),
    }
}

/// The wallet's COMMISSION movement of cash-in `row`'s mint (its fee's key is the payment reference);
/// None when it charges no commission.
fn commission_movement_id(chain: &ChainInfo, row: &CardCashInRow) -> Option<Uuid> {
    row.commission?;
    let reference: [u8; 32] = row.reference.as_slice().try_into().ok()?;
    Some(ids::commission_movement_id(
        chain.chain_id,
        FeeKind::Mint,
        &reference,
        Role::Commission,
    ))
}

/// Charges `card` for `amount` into `wallet` (READY, the caller's; the mint checked by the caller) and
/// mints it: the 202, or 402 when the card is declined (the movement is ERROR).
async fn charge_and_mint<B>(
    state: &ApiState,
    post: &Post<B>,
    wallet: &WalletRow,
    id: (Uuid, B256),
    amount: (Amount, Option<Commission>),
    concept: Option<String>,
    card: &CheckedCard,
) -> Result<Response, Problem> {
    let token = state.token_of(wallet).await?;
    let new = NewCardCashIn {
        brand: card.brand.as_str().to_owned(),
        last4: card.last_four.clone(),
        ..new_cash_in(&token, post, wallet, id, amount, concept)
    };
    let Some(row) = state.store.begin_card_cash_in(&new).await? else {
        return resume(state, Some(post), &keyed(state, post).await?).await;
    };
    let decision = charge(state, &row, card, None).await;
    settle(state, Some(post), &row, decision).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted(&token.chain, &row))).into_response())
}

/// Asks the acquirer to charge `card` for cash-in `row` (CHARGING); `return_url`: the payment page a
/// 3-D Secure challenge comes back to.
pub(crate) async fn charge(
    state: &ApiState,
    row: &CardCashInRow,
    card: &CheckedCard,
    return_url: Option<&str>,
) -> Result<Decision, Unreachable> {
    let chain = match row_token(state, row).await {
        Ok(token) => token.chain,
        Err(problem) => return Err(Unreachable(problem.detail)),
    };
    let amount_text = views::amount(&chain, row.amount);
    let reference: [u8; 32] = row.reference.as_slice().try_into().unwrap_or_default();
    state
        .acquirer
        .charge(&Charge {
            reference,
            amount: &amount_text,
            number: card.number(),
            exp_month: card.expiry_month,
            exp_year: u32::try_from(card.expiry_year).unwrap_or_default(),
            cvv: card.cvv(),
            owner: card.owner(),
            return_url,
        })
        .await
}

/// A retry (or the follow-up) meets cash-in `row`: its answer, settling it if it can be.
pub(crate) async fn resume<B>(
    state: &ApiState,
    post: Option<&Post<B>>,
    row: &CardCashInRow,
) -> Result<Response, Problem> {
    if let Some(post) = post
        && row
            .fingerprint
            .as_deref()
            .is_some_and(|first| first != post.fingerprint.as_slice())
    {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Idempotency-Key was already used for another request: use a new key",
        ));
    }
    // A payment page's request: its first answer, the page (whose link shows where the payment
    // stands).
    let token = row_token(state, row).await?;
    if row.page_token.is_some() {
        return page_answer(state, &token.chain, row);
    }
    match row.state.as_str() {
        "AWAITING_CARD" => page_answer(state, &token.chain, row),
        "EXPIRED" => Err(expired(row)),
        "DECLINED" => Err(declined(
            row,
            row.decline_reason.as_deref().unwrap_or("declined"),
        )),
        _ => {
            settle_again(state, post, row).await?;
            Ok((StatusCode::ACCEPTED, Json(accepted(&token.chain, row))).into_response())
        }
    }
}

/// What cash-in `row` (charged or being charged) comes to now: settled from the acquirer's decision
/// if it is still CHARGING and old enough that no request is charging it, minted if APPROVED.
pub(crate) async fn settle_again<B>(
    state: &ApiState,
    post: Option<&Post<B>>,
    row: &CardCashInRow,
) -> Result<Settled, Problem> {
    match row.state.as_str() {
        "CHARGING" => {
            let age = chrono::Utc::now() - row.updated_at;
            let reference: [u8; 32] = row
                .reference
                .as_slice()
                .try_into()
                .map_err(Problem::internal)?;
            let decision = match state.acquirer.decision(&reference).await {
                Ok(Some(decision)) => Ok(decision),
                // Not received yet: the charge may still be on its way to the acquirer.
                Ok(None)
                    if age.to_std().unwrap_or_default()
                        < SETTLE_AFTER + state.acquirer.charge_timeout() =>
                {
                    return Err(Problem::conflict(format!(
                        "card cash-in {} is still being charged: ask again in a moment",
                        row.id
                    ))
                    .retry_after(1));
                }
                // The charge never reached the acquirer: nothing was charged.
                Ok(None) => Ok(Decision::Declined {
                    reason: "not charged: the acquirer never received the charge".into(),
                }),
                Err(unreachable) => Err(unreachable),
            };
            settle(state, post, row, decision).await
        }
        "APPROVED" => mint(state, post, row).await.map(|()| Settled::Approved),
        "DECLINED" => Err(declined(
            row,
            row.decline_reason.as_deref().unwrap_or("declined"),
        )),
        "EXPIRED" => Err(expired(row)),
        "MINT_FAILED" => Err(mint_failed(row)),
        "AWAITING_CARD" => Ok(Settled::Pending { challenge: None }),
        // MINTING, MINTED: on its way or done.
        _ => Ok(Settled::Approved),
    }
}

/// Where a charged (or being charged) cash-in stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Settled {
    /// The card was charged: the mint is sent, or the follow-up sends it.
    Approved,
    /// The acquirer has not decided: the cardholder is to pass the challenge at `challenge`, or the
    /// acquirer tells later.
    Pending {
        /// The 3-D Secure challenge's address.
        challenge: Option<String>,
    },
}

/// The 409 of a cash-in whose charged card the contract would not mint.
fn mint_failed(row: &CardCashInRow) -> Problem {
    Problem::conflict(format!(
        "card cash-in {}: the card was charged but the contract refused the mint; the institution refunds the card",
        row.id
    ))
}

/// The 410 of a payment page that expired unused.
fn expired(row: &CardCashInRow) -> Problem {
    Problem::new(
        StatusCode::GONE,
        format!(
            "the payment page of card cash-in {} expired before a card was submitted: nothing was charged; movement {} is ERROR",
            row.id, row.movement_id
        ),
    )
}

/// The link of a cash-in's answers: its movement.
fn movement_link(row: &CardCashInRow) -> SelfLink {
    SelfLink {
        this: Link::new(format!(
            "{PUBLIC}/wallets/{}/movements/{}",
            row.wallet_id, row.movement_id
        )),
    }
}

/// The 202 of a cash-in.
fn accepted(chain: &ChainInfo, row: &CardCashInRow) -> CardCashInAccepted {
    CardCashInAccepted {
        links: movement_link(row),
        id: row.id,
        movement_id: row.movement_id,
        wallet_id: row.wallet_id,
        amount: views::amount(chain, row.amount),
        currency: chain.currency.clone(),
        concept: row.concept.clone(),
        brand: row.brand.clone().unwrap_or_default(),
        last4: row.last4.clone().unwrap_or_default(),
        status: Accepted::Pending,
        commission: views::amount(chain, row.commission.unwrap_or_default()),
        commission_movement_id: commission_movement_id(chain, row),
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
fn request<B>(chain: &ChainInfo, post: Option<&Post<B>>, row: &CardCashInRow) -> NewRequest {
    let mut details = json!({ "brand": row.brand, "last4": row.last4 });
    if let (Some(units), Some(version)) = (row.commission, row.commission_version_id) {
        details["commission"] = json!(views::amount(chain, units));
        details["commissionVersionId"] = json!(version);
    }
    let request = NewRequest {
        id: Uuid::new_v4(),
        client_id: row.client_id,
        wallet_id: Some(row.wallet_id),
        record_id: Some(row.id),
        concept: row.concept.clone(),
        details,
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

/// Settles a CHARGING cash-in with the acquirer's decision: the card declined is a 402 (and the
/// movement ERROR), an acquirer that did not answer a 503. Only the one that settles it mints it; one
/// that finds it settled meanwhile answers what it became.
pub(crate) async fn settle<B>(
    state: &ApiState,
    post: Option<&Post<B>>,
    row: &CardCashInRow,
    decision: Result<Decision, Unreachable>,
) -> Result<Settled, Problem> {
    match decision {
        Err(Unreachable(why)) => {
            tracing::warn!(cash_in = %row.id, error = %why, "the acquirer did not answer");
            Err(Problem::unavailable(format!(
                "the acquirer did not answer ({why}): card cash-in {} is settled later; ask again with the same Idempotency-Key to learn its outcome",
                row.id
            ))
            .retry_after(5))
        }
        Ok(Decision::Pending { challenge }) => Ok(Settled::Pending { challenge }),
        Ok(Decision::Declined { reason }) => {
            let problem = declined(row, &reason);
            let body = serde_json::to_value(problem.body()).map_err(Problem::internal)?;
            let token = row_token(state, row).await?;
            let request = request(&token.chain, post, row);
            if state
                .store
                .decline_card_cash_in(row.id, &reason, &request, (402, &body))
                .await?
            {
                Err(problem)
            } else {
                now_settled(state, row).await
            }
        }
        Ok(Decision::Approved { authorization }) => {
            if state
                .store
                .approve_card_cash_in(row.id, &authorization)
                .await?
            {
                CrashPoint::CardApproved.reached(state.crash_at);
                let approved = CardCashInRow {
                    state: "APPROVED".into(),
                    ..row.clone()
                };
                mint(state, post, &approved).await?;
                Ok(Settled::Approved)
            } else {
                now_settled(state, row).await
            }
        }
    }
}

/// What cash-in `row`, settled by another meanwhile, became.
async fn now_settled(state: &ApiState, row: &CardCashInRow) -> Result<Settled, Problem> {
    let now = state
        .store
        .card_cash_in(row.id)
        .await?
        .ok_or_else(|| Problem::internal("a card cash-in vanished"))?;
    match now.state.as_str() {
        "DECLINED" => Err(declined(
            &now,
            now.decline_reason.as_deref().unwrap_or("declined"),
        )),
        "MINT_FAILED" => Err(mint_failed(&now)),
        "EXPIRED" => Err(expired(&now)),
        "CHARGING" | "AWAITING_CARD" => Ok(Settled::Pending { challenge: None }),
        _ => Ok(Settled::Approved),
    }
}

/// Mints an APPROVED cash-in: Ok also when the node could not take the mint now (the card was
/// charged: the follow-up mints it); a 409 when the contract refuses it (MINT_FAILED).
async fn mint<B>(
    state: &ApiState,
    post: Option<&Post<B>>,
    row: &CardCashInRow,
) -> Result<(), Problem> {
    let wallet = state
        .store
        .wallet(emtoken_store::WalletRef::Id(row.wallet_id))
        .await?
        .ok_or_else(|| Problem::internal("card cash-in of no wallet"))?;
    // Exactly the commission quoted when the cash-in was made, out of the amount; the wallet's
    // COMMISSION movement is named in advance (PENDING until the mint is indexed).
    let token = state.token_of(&wallet).await?;
    let charge = stored_charge(&token.chain, row)?;
    let call = charged_mint_call(&token, &wallet.address, row.amount, charge, &row.reference)?;
    let mut request = request(&token.chain, post, row);
    let reference: [u8; 32] = row
        .reference
        .as_slice()
        .try_into()
        .map_err(Problem::internal)?;
    request
        .movements
        .extend(charge.map(|c| commission_movement(&token, &wallet, FeeKind::Mint, &reference, c)));
    let request_id = request.id;
    let body = serde_json::to_value(accepted(&token.chain, row)).map_err(Problem::internal)?;
    match idempotency::run(
        state,
        request,
        vec![call],
        (StatusCode::ACCEPTED, body),
        None,
    )
    .await
    {
        Ok(_) => {
            state.store.minting_card_cash_in(row.id, request_id).await?;
            Ok(())
        }
        Err(problem) if problem.detail.contains("MintReferenceUsed") => {
            // Minted already (a mint whose request was lost): done.
            state.store.card_cash_in_state(row.id, "MINTED").await?;
            Ok(())
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
            Ok(())
        }
    }
}

/// The follow-up of card cash-ins: what a crash (or an acquirer or node that did not answer) left.
pub(crate) async fn follow_card_cash_ins(state: &ApiState) -> Result<(), Problem> {
    let now = state.onboarding.clock.now();
    for row in state.store.expired_card_pages(now).await? {
        expire_page(state, &row, now).await?;
    }
    let older = SETTLE_AFTER * 6;
    for (row, request_state) in state.store.unsettled_card_cash_ins(older).await? {
        let result = match (row.state.as_str(), request_state.as_deref()) {
            ("CHARGING" | "APPROVED", _) => match settle_again::<()>(state, None, &row).await {
                // The acquirer has it and has not decided (a challenge, a callback to come): looked
                // at again in a while, behind the others.
                Ok(Settled::Pending { .. }) => state
                    .store
                    .touch_card_cash_in(row.id)
                    .await
                    .map_err(Problem::from),
                other => other.map(drop),
            },
            ("MINTING", None) => {
                // Its mint was forgotten (never sent): again.
                state.store.card_cash_in_state(row.id, "APPROVED").await?;
                let approved = CardCashInRow {
                    state: "APPROVED".into(),
                    ..row.clone()
                };
                mint::<()>(state, None, &approved).await
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

/// Payment page `row` expired unused at `now`: its movement is ERROR. False if a card was typed
/// meanwhile.
pub(crate) async fn expire_page(
    state: &ApiState,
    row: &CardCashInRow,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, Problem> {
    let problem = expired(row);
    let body = serde_json::to_value(problem.body()).map_err(Problem::internal)?;
    let token = row_token(state, row).await?;
    let request = request::<()>(&token.chain, None, row);
    Ok(state
        .store
        .expire_card_page(row.id, now, &request, (410, &body))
        .await?)
}

/// `POST /api/v1/acquirer/callbacks`: the acquirer tells its decision on a charge (a signed callback,
/// see [`crate::acquirer::Acquirer::callback`]). 204 once taken; 200 for an event taken already (a
/// replay changes nothing); 401 for a signature that is missing, wrong or too old; 404 when the
/// platform's acquirer posts no callbacks or no cash-in has the reference.
pub(crate) async fn acquirer_callback(
    axum::extract::State(state): axum::extract::State<ApiState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<StatusCode, Problem> {
    let now = state.onboarding.clock.now();
    let callback = state
        .acquirer
        .callback(&headers, &body, now)
        .map_err(|error| match error {
            CallbackError::NotSupported => Problem::not_found(error.to_string()),
            CallbackError::Refused(_) => Problem::new(StatusCode::UNAUTHORIZED, error.to_string()),
            CallbackError::Malformed(_) => Problem::bad("body", error.to_string()),
        })?;
    let approved = match &callback.decision {
        Decision::Approved { .. } => true,
        Decision::Declined { .. } => false,
        Decision::Pending { .. } => {
            return Err(Problem::bad(
                "body",
                "a callback tells a decision: approved or declined",
            ));
        }
    };
    let row = state
        .store
        .card_cash_in_by_reference(&callback.reference)
        .await?
        .ok_or_else(|| Problem::not_found("no card cash-in has this reference"))?;
    if !state
        .store
        .take_acquirer_callback(&callback.event_id, &callback.reference, approved)
        .await?
    {
        tracing::info!(event = %callback.event_id, "acquirer callback taken already: ignored");
        return Ok(StatusCode::OK);
    }
    if row.state == "CHARGING" {
        match settle::<()>(&state, None, &row, Ok(callback.decision)).await {
            Ok(_) => {}
            // Declined, or charged but not mintable: settled all the same.
            Err(problem) if problem.status.is_client_error() => {}
            Err(problem) => return Err(problem),
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The token of cash-in `row`'s wallet.
pub(crate) async fn row_token(state: &ApiState, row: &CardCashInRow) -> Result<Token, Problem> {
    let wallet = state
        .store
        .wallet(emtoken_store::WalletRef::Id(row.wallet_id))
        .await?
        .ok_or_else(|| Problem::internal("card cash-in of no wallet"))?;
    state.token_of(&wallet).await
}
