//! A user's way from CREATED: phone codes (`request-otp`, `validate-otp`), a new phone, the first wallet
//! made on verification, KYC levels set by the compliance side on every wallet of the user (with their
//! history), and unsubscribing a user.

use alloy::primitives::Address;
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use chrono::Duration;
use emtoken_store::{
    api::{
        CODE_TRIES, CodeCheck, CodeIssue, KycBegin, NewCode, NewKycLevel, NewRequest, PhoneChange,
        RequestKind, RequestState, UserRow, UserUnsubscription,
    },
    vocabulary::{UserStatus, WalletStatus},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{owned_user, start_wallet};
use crate::{
    ApiState, Problem,
    answers::{CodeSent, KycChange, KycHistory, KycLevelEntry, KycLinks, Link, SelfLink, User},
    auth::{BankCaller, ClientCaller},
    body::JsonBody,
    contact, fields, idempotency,
    otp::{self, Code},
    platform::Call,
    post::{Bank, Post},
    sms::Sms,
    views::{self, BANK, PUBLIC},
};

/// A code given back.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ValidateOtp {
    /// The six digits the SMS carried.
    #[schema(pattern = r"^[0-9]{6}$", example = "123456")]
    code: String,
}

/// A user's new mobile phone.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ChangeMobilePhone {
    /// E.164: `+`, country code and number, 8 to 15 digits.
    #[schema(pattern = r"^\+[1-9][0-9]{7,14}$", example = "+34612345679")]
    mobile_phone: String,
}

/// A user's new KYC level, set by the compliance side.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SetUserKyc {
    /// The level (0–255); the token must have a tier for it, or the contract refuses it (409).
    #[serde(deserialize_with = "fields::level")]
    #[schema(value_type = u8, minimum = 0, maximum = 255)]
    kyc_level: u8,
    /// What the level rests on: the compliance side's reference of its file.
    #[schema(value_type = crate::fields::Evidence)]
    evidence: String,
}

/// `POST /api/v1/public/users/{userId}/request-otp`: sends a six-digit code to the user's mobile phone
/// by SMS (valid 5 minutes, 5 tries; at most one a minute and ten a day).
#[utoipa::path(post, path = "/api/v1/public/users/{userId}/request-otp", tag = "users", params(("userId" = uuid::Uuid, Path, description = "the user (one of the client's)")),
    responses((status = 202, description = "the code is on its way by SMS", body = crate::answers::CodeSent),
              (status = 400, description = "userId is not a UUID", body = crate::answers::Errors), (status = 403, description = "another client's user", body = crate::answers::Errors), (status = 404, description = "no such user", body = crate::answers::Errors),
              (status = 409, description = "the phone is verified already, or the user is unsubscribed", body = crate::answers::Errors),
              (status = 429, description = "a code was sent less than a minute ago, or ten in the last day (Retry-After)", body = crate::answers::Errors),
              (status = 503, description = "the SMS could not be sent: no code is valid, ask again", body = crate::answers::Errors)))]
pub(crate) async fn request_otp(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(user_id): Path<String>,
) -> Result<(StatusCode, Json<CodeSent>), Problem> {
    let user = owned_user(&state, &client, &user_id).await?;
    needs_code(&user)?;
    let code = Code::new().map_err(|e| Problem::unavailable(format!("no random code: {e}")))?;
    let now = state.onboarding.clock.now();
    let id = Uuid::new_v4();
    let issued = state
        .store
        .issue_code(&NewCode {
            id,
            user_id: user.id,
            mobile_phone: user.mobile_phone.clone(),
            salt: code.salt,
            code_hash: code.hash,
            now,
        })
        .await?;
    let wait = |until: chrono::DateTime<chrono::Utc>| {
        u32::try_from((until - now).num_seconds().max(1)).unwrap_or(u32::MAX)
    };
    match issued {
        CodeIssue::Issued => {}
        CodeIssue::TooSoon(next) => {
            return Err(Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "a code was sent to user {} less than a minute ago: the next one from {}",
                    user.id,
                    views::time(next)
                ),
            )
            .retry_after(wait(next)));
        }
        CodeIssue::DailyLimit(next) => {
            return Err(Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "ten codes were sent to user {} in the last 24 hours: the next one from {}",
                    user.id,
                    views::time(next)
                ),
            )
            .retry_after(wait(next)));
        }
        CodeIssue::PhoneChanged => {
            return Err(Problem::conflict(format!(
                "user {}'s mobile phone changed meanwhile: ask again",
                user.id
            )));
        }
        CodeIssue::NotNeeded => {
            return Err(Problem::conflict(format!(
                "user {} needs no code: its phone is verified, or it is unsubscribed",
                user.id
            )));
        }
    }
    // The code comes after the last "code: " (a client's name may hold digits).
    let text = format!(
        "Your {} verification code: {}. It is valid for 5 minutes. Never share it.",
        client.name, code.digits
    );
    drop(code);
    let sent = state
        .onboarding
        .sms
        .send(
            &state.store,
            &Sms {
                id,
                to: &user.mobile_phone,
                text: &text,
                user_id: user.id,
            },
        )
        .await;
    let recorded = state.store.code_sent(id, sent.is_ok()).await?;
    if let Err(why) = sent {
        return Err(Problem::unavailable(format!(
            "the code could not be sent ({why}): no code is valid, ask again"
        )));
    }
    if !recorded {
        return Err(Problem::conflict(format!(
            "another code was asked for user {} meanwhile: only the newest is valid",
            user.id
        )));
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(CodeSent {
            links: SelfLink {
                this: Link::new(format!("{PUBLIC}/users/{}", user.id)),
            },
            user_id: user.id,
            sent_to: masked(&user.mobile_phone),
            expires_at: views::time(now + emtoken_store::api::CODE_LIFETIME),
            next_code_at: views::time(now + Duration::minutes(1)),
            tries: CODE_TRIES,
        }),
    ))
}

/// A phone with all but its country's `+` and last three digits hidden.
fn masked(phone: &str) -> String {
    let keep = phone.len().saturating_sub(3);
    phone
        .char_indices()
        .map(|(i, c)| if i == 0 || i >= keep { c } else { '*' })
        .collect()
}

/// 409 unless the user's phone needs a code.
fn needs_code(user: &UserRow) -> Result<(), Problem> {
    if user.status == UserStatus::Unsubscribed {
        return Err(Problem::conflict(format!(
            "user {} is unsubscribed",
            user.id
        )));
    }
    if user.phone_verified_at.is_some() {
        return Err(Problem::conflict(format!(
            "user {}'s mobile phone {} is verified already",
            user.id, user.mobile_phone
        )));
    }
    Ok(())
}

/// `POST /api/v1/public/users/{userId}/validate-otp`: the code the SMS carried. The first time, the
/// user is VERIFIED at KYC level 0 and its first wallet is registered at its address (PENDING, then
/// READY, and the user ACTIVATED).
#[utoipa::path(post, path = "/api/v1/public/users/{userId}/validate-otp", tag = "users", request_body = ValidateOtp, params(("userId" = uuid::Uuid, Path, description = "the user (one of the client's)")),
    responses((status = 200, description = "the phone is verified: the user", body = crate::answers::User),
              (status = 400, description = "not six digits, or the wrong code (the detail says how many tries are left; the fifth wrong one voids the code)", body = crate::answers::Errors),
              (status = 403, description = "another client's user", body = crate::answers::Errors), (status = 404, description = "no such user", body = crate::answers::Errors),
              (status = 409, description = "no valid code: none was sent, it expired, was used or voided, or a newer one replaced it; or the phone is verified already", body = crate::answers::Errors)))]
pub(crate) async fn validate_otp(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(user_id): Path<String>,
    JsonBody { value, .. }: JsonBody<ValidateOtp>,
) -> Result<Json<User>, Problem> {
    let user = owned_user(&state, &client, &user_id).await?;
    let digits = value.code;
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::bad(
            "code",
            "must be the six digits the SMS carried",
        ));
    }
    needs_code(&user)?;
    let now = state.onboarding.clock.now();
    let check = state
        .store
        .check_code(user.id, now, move |salt, hash| {
            otp::matches(salt, hash, &digits)
        })
        .await?;
    match check {
        CodeCheck::NoCode => Err(Problem::conflict(format!(
            "user {} has no valid code: ask for one (POST {PUBLIC}/users/{}/request-otp)",
            user.id, user.id
        ))),
        CodeCheck::Expired => Err(Problem::conflict(format!(
            "user {}'s code expired: ask for another (POST {PUBLIC}/users/{}/request-otp)",
            user.id, user.id
        ))),
        CodeCheck::Wrong(0) => Err(Problem::bad(
            "code",
            "wrong: that was the fifth wrong try, the code is void; ask for another",
        )),
        CodeCheck::Wrong(left) => Err(Problem::bad("code", format!("wrong: {left} tries left"))),
        CodeCheck::Verified { .. } => {
            first_wallet(&state, user.id).await;
            let user = owned_user(&state, &client, &user_id).await?;
            Ok(Json(views::user(&user)))
        }
    }
}

/// Starts the first wallet of verified user `user_id` at its address if it has none. A failure is
/// logged: the platform's follow-up ([`crate::follow_up`]) tries again.
pub(crate) async fn first_wallet(state: &ApiState, user_id: Uuid) {
    let result = async {
        let Some(user) = state.store.user(user_id).await? else {
            return Ok(());
        };
        if !matches!(user.status, UserStatus::Verified | UserStatus::Activated)
            || !state.store.user_wallets(user.id).await?.is_empty()
        {
            return Ok(());
        }
        let address = Address::from_slice(&user.dlt_address);
        // A user's first wallet holds the platform's own token.
        let token = state.primary_token().await?;
        let (answer, request, calls) = start_wallet(state, &token, &user, address, None).await?;
        let body = serde_json::to_value(&answer).map_err(Problem::internal)?;
        idempotency::run(state, request, calls, (StatusCode::CREATED, body), None).await?;
        tracing::info!(user = %user.id, wallet = %answer.wallet_id, "first wallet on its way");
        Ok::<(), Problem>(())
    }
    .await;
    if let Err(problem) = result {
        tracing::warn!(user = %user_id, error = %problem.detail, "first wallet not started: the follow-up tries again");
    }
}

/// `PATCH /api/v1/public/users/{userId}/mobile-phone`: a new number; it needs a code again (the user
/// keeps its status and wallets).
#[utoipa::path(patch, path = "/api/v1/public/users/{userId}/mobile-phone", tag = "users", request_body = ChangeMobilePhone, params(("userId" = uuid::Uuid, Path, description = "the user (one of the client's)")),
    responses((status = 200, description = "changed: the user, its phone to be verified", body = crate::answers::User),
              (status = 400, description = "mobilePhone is not E.164", body = crate::answers::Errors),
              (status = 403, description = "another client's user", body = crate::answers::Errors), (status = 404, description = "no such user", body = crate::answers::Errors),
              (status = 409, description = "another of the client's users has this number, the user has it already, or the user is unsubscribed", body = crate::answers::Errors)))]
pub(crate) async fn change_mobile_phone(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(user_id): Path<String>,
    JsonBody { value, .. }: JsonBody<ChangeMobilePhone>,
) -> Result<Json<User>, Problem> {
    let user = owned_user(&state, &client, &user_id).await?;
    let phone = contact::phone("mobilePhone", &value.mobile_phone)?;
    match state.store.change_phone(user.id, &phone).await? {
        PhoneChange::Changed => {}
        PhoneChange::Same => {
            return Err(Problem::conflict(format!(
                "user {} has mobile phone {phone} already",
                user.id
            )));
        }
        PhoneChange::Taken(other) => {
            return Err(Problem::conflict(format!(
                "client {} already has a user with mobile phone {phone}: user {other}",
                client.name
            )));
        }
        PhoneChange::Unsubscribed => {
            return Err(Problem::conflict(format!(
                "user {} is unsubscribed",
                user.id
            )));
        }
    }
    let user = owned_user(&state, &client, &user_id).await?;
    Ok(Json(views::user(&user)))
}

/// `DELETE /api/v1/public/users/{userId}`: unsubscribes a user for good, with every wallet of its
/// (all empty, nothing on its way); the wallets are frozen on chain.
#[utoipa::path(delete, path = "/api/v1/public/users/{userId}", tag = "users", params(("userId" = uuid::Uuid, Path, description = "the user (one of the client's)")),
    responses((status = 200, description = "unsubscribed, its wallets too (frozen on chain): irreversible", body = crate::answers::User),
              (status = 400, description = "userId is not a UUID", body = crate::answers::Errors),
              (status = 403, description = "another client's user", body = crate::answers::Errors), (status = 404, description = "no such user", body = crate::answers::Errors),
              (status = 409, description = "already unsubscribed, or a wallet has money or an operation on its way", body = crate::answers::Errors)))]
pub(crate) async fn unsubscribe_user(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(user_id): Path<String>,
) -> Result<Json<User>, Problem> {
    let user = owned_user(&state, &client, &user_id).await?;
    match state.store.unsubscribe_user(user.id).await? {
        UserUnsubscription::Already => Err(Problem::conflict(format!(
            "user {} is already unsubscribed",
            user.id
        ))),
        UserUnsubscription::Busy(w) => {
            let token = state.token_of(&w).await?;
            Err(Problem::conflict(format!(
                "user {} cannot be unsubscribed: wallet {} has balance {}, held {}, or an operation on its way (everything must be 0 and settled)",
                user.id,
                w.id,
                views::amount(&token.chain, w.balance),
                views::amount(&token.chain, w.held)
            )))
        }
        UserUnsubscription::Done(wallets) => {
            for wallet in wallets.iter().filter(|w| w.registered && !w.frozen) {
                freeze(&state, client.id, wallet).await;
            }
            let user = owned_user(&state, &client, &user_id).await?;
            Ok(Json(views::user(&user)))
        }
    }
}

/// Freezes an unsubscribed wallet on chain (the platform's records have it unsubscribed whatever the
/// chain says; the follow-up tries again if the node refuses, logged).
pub(crate) async fn freeze(state: &ApiState, client_id: Uuid, wallet: &emtoken_store::WalletRow) {
    let wallet_id = wallet.id;
    let token = match state.served_token(wallet.chain_id).await {
        Ok(Some(token)) => token,
        Ok(None) => return,
        Err(problem) => {
            tracing::warn!(wallet = %wallet_id, error = %problem.detail, "unsubscribed wallet not frozen yet");
            return;
        }
    };
    let call = token
        .compliance
        .prepare()
        .freeze(Address::from(wallet.address));
    let request = NewRequest {
        id: Uuid::new_v4(),
        client_id,
        record_id: Some(wallet_id),
        details: json!({}),
        ..NewRequest::new(RequestKind::Unsubscribe)
    };
    if let Err(problem) = idempotency::run(
        state,
        request,
        vec![token.compliance_call(call)],
        (StatusCode::OK, json!({})),
        None,
    )
    .await
    {
        tracing::warn!(wallet = %wallet_id, error = %problem.detail, "unsubscribed wallet not frozen yet");
    }
}

/// `POST /api/v1/bank/users/{userId}/kyc`: the compliance side sets a user's KYC level, with its
/// evidence: every wallet of the user gets `setKycLevel` (one request, a transaction a wallet); the
/// level is the user's once the request is with the node, and its history keeps who, when, the
/// evidence and the transaction.
#[utoipa::path(post, path = "/api/v1/bank/users/{userId}/kyc", tag = "bank", request_body = SetUserKyc,
    params(("userId" = uuid::Uuid, Path, description = "any client's user")),
    responses((status = 202, description = "on its way to the user's wallets; the user has the level now, its wallets once mined", body = crate::answers::KycChange),
              (status = 400, description = "kycLevel or evidence is wrong", body = crate::answers::Errors),
              (status = 404, description = "no such user", body = crate::answers::Errors),
              (status = 409, description = "the user is not ACTIVATED, has the level already, a wallet of its is PENDING, another level is on its way, or the contract refused the level (no tier for it)", body = crate::answers::Errors)))]
pub(crate) async fn bank_set_user_kyc(
    State(state): State<ApiState>,
    Path(user_id): Path<String>,
    post: Post<SetUserKyc, Bank>,
) -> Result<Response, Problem> {
    let id = fields::uuid("userId", &user_id)?;
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no user with id {id}")))?;
    let evidence = fields::line("evidence", &post.body.evidence, 200)?;
    let level = post.body.kyc_level;
    set_user_level(&state, &post, &user, level, evidence, |plan| KycChange {
        links: kyc_links(user.id),
        id: plan.entry,
        user_id: user.id,
        kyc_level: level,
        previous_kyc_level: user.kyc_level,
        evidence: plan.evidence.clone(),
        wallet_ids: plan.wallets.clone(),
        request_id: plan.request,
    })
    .await
}

fn kyc_links(user: Uuid) -> KycLinks {
    KycLinks {
        this: Link::new(format!("{BANK}/users/{user}/kyc")),
        user: Link::new(format!("{PUBLIC}/users/{user}")),
    }
}

/// What a level change sends.
#[derive(Debug)]
pub(crate) struct LevelPlan {
    /// The history line.
    pub(crate) entry: Uuid,
    /// The request.
    pub(crate) request: Uuid,
    /// The wallets whose level is set.
    pub(crate) wallets: Vec<Uuid>,
    /// The evidence.
    pub(crate) evidence: String,
}

/// Sets `level` on every wallet of `user` through one request of the bank's `post`, recorded in the
/// user's history as PENDING first (so that a crash leaves a line the follow-up settles), APPLIED once
/// the request is with the node, REFUSED when it never was; `answer` is the 202's body.
pub(crate) async fn set_user_level<B, A: Serialize>(
    state: &ApiState,
    post: &Post<B, Bank>,
    user: &UserRow,
    level: u8,
    evidence: String,
    answer: impl FnOnce(&LevelPlan) -> A,
) -> Result<Response, Problem> {
    match user.status {
        UserStatus::Activated => {}
        UserStatus::Unsubscribed => {
            return Err(Problem::conflict(format!(
                "user {} is unsubscribed",
                user.id
            )));
        }
        other => {
            return Err(Problem::conflict(format!(
                "user {} is {other}: its level can change once it is ACTIVATED (phone verified, first wallet READY)",
                user.id
            )));
        }
    }
    if user.kyc_level == Some(i16::from(level)) {
        return Err(Problem::conflict(format!(
            "user {} is at KYC level {level} already",
            user.id
        )));
    }
    let wallets: Vec<_> = state
        .store
        .user_wallets(user.id)
        .await?
        .into_iter()
        .filter(|w| w.status != WalletStatus::Unsubscribed)
        .collect();
    if let Some(pending) = wallets.iter().find(|w| w.status != WalletStatus::Ready) {
        return Err(Problem::conflict(format!(
            "wallet {} of user {} is {}: its level can change once every wallet is READY",
            pending.id, user.id, pending.status
        )));
    }
    let targets: Vec<_> = wallets.iter().filter(|w| !w.frozen).collect();
    // Each wallet on its own token's contract.
    let tokens = state.tokens_of(targets.iter().map(|w| w.chain_id)).await?;
    let mut calls: Vec<Call> = Vec::with_capacity(targets.len());
    for w in &targets {
        let token = tokens.get(&w.chain_id).ok_or_else(|| {
            Problem::internal(format!(
                "wallet {} is on a ledger this API does not serve",
                w.id
            ))
        })?;
        calls.push(
            token.compliance_call(
                token
                    .compliance
                    .prepare()
                    .set_kyc_level(Address::from(w.address), level),
            ),
        );
    }
    // Each wallet's token must take the level (a tier for it): the calls after the first (which sending
    // checks) are checked before anything is written, so that a level is never applied on one token and
    // refused by another.
    for call in calls.iter().skip(1) {
        state.platform.check(call).await?;
    }
    let plan = LevelPlan {
        entry: Uuid::new_v4(),
        request: Uuid::new_v4(),
        wallets: targets.iter().map(|w| w.id).collect(),
        evidence,
    };
    let body = answer(&plan);
    let request = NewRequest {
        id: plan.request,
        record_id: Some(user.id),
        details: json!({ "kycLevel": level, "userId": user.id, "evidence": plan.evidence }),
        ..NewRequest::new(RequestKind::SetKycLevel)
    };
    match state
        .store
        .begin_kyc_level(&NewKycLevel {
            id: plan.entry,
            user_id: user.id,
            level,
            evidence: plan.evidence.clone(),
            set_by: post.caller.id,
            request_id: plan.request,
        })
        .await?
    {
        KycBegin::Begun => {}
        KycBegin::Busy => {
            return Err(Problem::conflict(format!(
                "another KYC level of user {} is on its way: try again in a moment",
                user.id
            )));
        }
    }
    let result = post
        .run(state, request, calls, (StatusCode::ACCEPTED, body), None)
        .await;
    let with_the_node = matches!(&result, Ok(r) if r.status() == StatusCode::ACCEPTED);
    if with_the_node {
        // The user's level from now on.
        state.store.settle_kyc_level(plan.entry, true).await?;
    } else {
        settle_level(state, plan.entry, plan.request).await?;
    }
    result
}

/// Settles a PENDING history line from its request: APPLIED once the request is with the node
/// (or mined), REFUSED when it is gone (never sent) or failed before; left PENDING while it is
/// still being sent.
pub(crate) async fn settle_level(
    state: &ApiState,
    entry: Uuid,
    request: Uuid,
) -> Result<(), Problem> {
    let row = state.store.request(request).await?;
    let applied = match row.map(|r| r.state) {
        Some(RequestState::PendingDlt | RequestState::Mined) => true,
        Some(RequestState::Requested) => return Ok(()),
        Some(RequestState::Failed) | None => false,
    };
    state.store.settle_kyc_level(entry, applied).await?;
    Ok(())
}

/// `GET /api/v1/bank/users/{userId}/kyc`: a user's KYC levels, oldest first: who set each, when, on
/// what evidence, and the request and transaction that set it on chain.
#[utoipa::path(get, path = "/api/v1/bank/users/{userId}/kyc", tag = "bank",
    params(("userId" = uuid::Uuid, Path, description = "any client's user")),
    responses((status = 200, description = "the user's KYC history", body = crate::answers::KycHistory),
              (status = 400, description = "userId is not a UUID", body = crate::answers::Errors),
              (status = 404, description = "no such user", body = crate::answers::Errors)))]
pub(crate) async fn bank_user_kyc_history(
    State(state): State<ApiState>,
    BankCaller(_bank): BankCaller,
    Path(user_id): Path<String>,
) -> Result<Json<KycHistory>, Problem> {
    let id = fields::uuid("userId", &user_id)?;
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no user with id {id}")))?;
    let levels = state
        .store
        .kyc_history(id)
        .await?
        .into_iter()
        .map(|k| KycLevelEntry {
            id: k.id,
            kyc_level: k.level,
            previous_kyc_level: k.previous,
            status: k.state,
            evidence: k.evidence,
            set_by: k.set_by_name,
            request_id: k.request_id,
            request_status: k.request_state,
            tx_hash: k.tx_hash.as_deref().map(views::hex),
            created_at: views::time(k.created_at),
        })
        .collect();
    Ok(Json(KycHistory {
        links: kyc_links(id),
        user_id: id,
        kyc_level: user.kyc_level,
        levels,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_shows_only_its_plus_and_last_three_digits() {
        assert_eq!(masked("+34612345678"), "+********678");
        assert_eq!(masked("+1"), "+1");
    }
}
