//! Commissions: the administrator's profiles (per operation, currency and optionally KYC level, each a
//! history of versions valid from a time) and the clients' `…/calculate` endpoints, which quote what an
//! operation of an amount charges now (amount in → amount, commission, total).

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use chrono::Utc;
use emtoken_store::{
    api::{
        CommissionProfileRow, CommissionVersionRow, CurrencyRow, ExpectedMovement, NewVersion,
        VersionAdded,
    },
    ids,
};
use emtoken_types::{CommissionOperation, FeeKind, MovementType, Role, Rounding};
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::{ADMIN, owned_wallet};
use crate::{
    ApiState, Problem,
    answers::{
        CommissionLinks, CommissionProfile, CommissionProfileList, CommissionQuote,
        CommissionVersion, Link,
    },
    auth::{AdminCaller, ClientCaller},
    body::JsonBody,
    commission::{self, QuoteError, Terms},
    fields,
    paging::ListQuery,
    views,
};

/// Decimals a percentage may have.
const PERCENT_DECIMALS: u8 = 4;

/// A commission profile to create, with its first terms (the fields of [`TermsBody`] written out: serde's
/// `flatten` would lose the field's name in the error a wrong value gets).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NewProfile {
    /// The operation it prices.
    operation: CommissionOperation,
    /// The currency.
    #[schema(value_type = uuid::Uuid)]
    currency_id: String,
    /// The KYC level it is for; absent: every level without a profile of its own.
    #[serde(default, deserialize_with = "optional_level")]
    #[schema(minimum = 0, maximum = 255)]
    kyc_level: Option<u8>,
    /// The fixed part, in the currency (default 0).
    #[schema(value_type = Option<String>, example = "0.30")]
    fixed: Option<String>,
    /// The percentage of the amount, 0 to 100 with at most 4 decimals (default 0).
    #[schema(value_type = Option<String>, example = "1.5", pattern = r"^(100(\.0{1,4})?|[1-9]?[0-9](\.[0-9]{1,4})?)$")]
    percent: Option<String>,
    /// The least commission (default 0).
    #[schema(value_type = Option<String>, example = "0.50")]
    minimum: Option<String>,
    /// The most commission (default: none).
    #[schema(value_type = Option<String>, example = "5.00")]
    maximum: Option<String>,
    /// How the commission is rounded to the currency's decimals (default HALF_UP).
    rounding: Option<Rounding>,
    /// From when the terms apply: now (the default) or later; a change never rewrites the past.
    #[schema(value_type = Option<String>, format = DateTime)]
    valid_from: Option<String>,
    /// False: the profile starts without terms of its own (default true).
    active: Option<bool>,
}

impl NewProfile {
    /// Its first terms.
    fn terms(&self) -> TermsBody {
        TermsBody {
            fixed: self.fixed.clone(),
            percent: self.percent.clone(),
            minimum: self.minimum.clone(),
            maximum: self.maximum.clone(),
            rounding: self.rounding,
            valid_from: self.valid_from.clone(),
            active: self.active,
        }
    }
}

/// Terms of a version.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TermsBody {
    /// The fixed part, in the currency (default 0).
    #[schema(value_type = Option<String>, example = "0.30")]
    fixed: Option<String>,
    /// The percentage of the amount, 0 to 100 with at most 4 decimals (default 0).
    #[schema(value_type = Option<String>, example = "1.5", pattern = r"^(100(\.0{1,4})?|[1-9]?[0-9](\.[0-9]{1,4})?)$")]
    percent: Option<String>,
    /// The least commission (default 0).
    #[schema(value_type = Option<String>, example = "0.50")]
    minimum: Option<String>,
    /// The most commission (default: none).
    #[schema(value_type = Option<String>, example = "5.00")]
    maximum: Option<String>,
    /// How the commission is rounded to the currency's decimals (default HALF_UP).
    rounding: Option<Rounding>,
    /// From when the terms apply: now (the default) or later; a change never rewrites the past.
    #[schema(value_type = Option<String>, format = DateTime)]
    valid_from: Option<String>,
    /// False ends the profile's own terms from `validFrom` (the every-level profile applies again);
    /// default true.
    active: Option<bool>,
}

/// A body with an amount.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CalculateBody {
    /// The operation's amount, a decimal string.
    #[schema(value_type = crate::fields::RequestAmount)]
    amount: String,
}

/// A level, or null.
fn optional_level<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    use serde::de::Error;
    match Option::<serde_json::Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => fields::level(n).map(Some).map_err(D::Error::custom),
    }
}

/// A non-negative amount of the currency, in the form amounts take (zero allowed).
fn money(field: &str, text: Option<&str>, decimals: u8) -> Result<Option<Decimal>, Problem> {
    text.map(|t| {
        emtoken_sdk::Amount::parse(t, decimals)
            .map(|a| a.to_decimal())
            .map_err(|e| Problem::bad(field, e))
    })
    .transpose()
}

/// The terms of a body, checked against the currency.
fn terms(body: &TermsBody, currency: &CurrencyRow) -> Result<NewVersion, Problem> {
    let decimals = u8::try_from(currency.decimals).map_err(Problem::internal)?;
    let fixed = money("fixed", body.fixed.as_deref(), decimals)?.unwrap_or_default();
    let minimum = money("minimum", body.minimum.as_deref(), decimals)?.unwrap_or_default();
    let maximum = money("maximum", body.maximum.as_deref(), decimals)?;
    let percent = match body.percent.as_deref() {
        None => Decimal::ZERO,
        Some(text) => {
            let p = emtoken_sdk::Amount::parse(text, PERCENT_DECIMALS)
                .map_err(|e| Problem::bad("percent", e))?
                .to_decimal();
            if p > Decimal::ONE_HUNDRED {
                return Err(Problem::bad("percent", format!("{text} is more than 100")));
            }
            p
        }
    };
    if let Some(max) = maximum
        && max < minimum
    {
        return Err(Problem::bad(
            "maximum",
            format!("{max} is less than the minimum {minimum}"),
        ));
    }
    let now = Utc::now();
    let valid_from = match body.valid_from.as_deref() {
        None => now,
        Some(text) => {
            let at = fields::zoned_date("validFrom", text)?.with_timezone(&Utc);
            // A second's grace for the caller's clock; anything earlier would rewrite the past.
            if at < now - chrono::Duration::seconds(1) {
                return Err(Problem::bad(
                    "validFrom",
                    format!(
                        "{text} is in the past: a change applies from now or later, never to what was charged"
                    ),
                ));
            }
            at.max(now)
        }
    };
    Ok(NewVersion {
        valid_from,
        active: body.active.unwrap_or(true),
        fixed,
        percent,
        minimum,
        maximum,
        rounding: body.rounding.unwrap_or(Rounding::HalfUp),
    })
}

fn version(v: &CommissionVersionRow) -> CommissionVersion {
    CommissionVersion {
        id: v.id,
        valid_from: views::time(v.valid_from),
        active: v.active,
        fixed: v.fixed.normalize().to_string(),
        percent: v.percent.normalize().to_string(),
        minimum: v.minimum.normalize().to_string(),
        maximum: v.maximum.map(|m| m.normalize().to_string()),
        rounding: v.rounding,
        created_at: views::time(v.created_at),
    }
}

fn profile(p: &CommissionProfileRow, versions: &[CommissionVersionRow]) -> CommissionProfile {
    let now = Utc::now();
    CommissionProfile {
        links: CommissionLinks {
            this: Link::new(format!("{ADMIN}/commissions/{}", p.id)),
            versions: Link::new(format!("{ADMIN}/commissions/{}/versions", p.id)),
            currency: Link::new(format!("{ADMIN}/currencies/{}", p.currency_id)),
        },
        id: p.id,
        operation: p.operation,
        currency_id: p.currency_id,
        currency_code: p.currency_code.clone(),
        kyc_level: p.kyc_level.and_then(|l| u8::try_from(l).ok()),
        current_version_id: versions.iter().rfind(|v| v.valid_from <= now).map(|v| v.id),
        versions: versions.iter().map(version).collect(),
        created_at: views::time(p.created_at),
    }
}

async fn answer(state: &ApiState, p: &CommissionProfileRow) -> Result<CommissionProfile, Problem> {
    let versions = state.store.commission_versions(p.id).await?;
    Ok(profile(p, &versions))
}

/// `POST /api/v1/admin/commissions`: a commission profile with its first terms.
#[utoipa::path(post, path = "/api/v1/admin/commissions", tag = "admin", request_body = NewProfile,
    responses((status = 201, description = "created, with its history (one version)", body = crate::answers::CommissionProfile),
              (status = 400, description = "a field is wrong: no such currency, an amount with more decimals than the currency's, a percentage above 100, a maximum below the minimum, a validFrom in the past", body = crate::answers::Errors),
              (status = 409, description = "a profile for this operation, currency and level exists (the detail names it: add a version to it)", body = crate::answers::Errors)))]
pub(crate) async fn create_commission(
    State(state): State<ApiState>,
    AdminCaller(_admin): AdminCaller,
    body: JsonBody<NewProfile>,
) -> Result<(StatusCode, Json<CommissionProfile>), Problem> {
    let body = body.value;
    let currency_id = fields::uuid("currencyId", &body.currency_id)?;
    let currency = state
        .store
        .currency(currency_id)
        .await?
        .ok_or_else(|| Problem::bad("currencyId", format!("no currency {currency_id}")))?;
    let new = terms(&body.terms(), &currency)?;
    match state
        .store
        .add_commission_profile(body.operation, currency_id, body.kyc_level, &new)
        .await?
    {
        VersionAdded::Added(p, _) => Ok((StatusCode::CREATED, Json(answer(&state, &p).await?))),
        VersionAdded::ProfileExists(id) => Err(Problem::conflict(format!(
            "a {} commission profile of {} for {} exists already: {id} (POST {ADMIN}/commissions/{id}/versions changes it)",
            body.operation,
            currency.code,
            body.kyc_level
                .map_or("every level".to_owned(), |l| format!("KYC level {l}"))
        ))),
        VersionAdded::VersionExists(id) => {
            Err(Problem::internal(format!("a new profile has version {id}")))
        }
    }
}

/// `POST /api/v1/admin/commissions/{commissionId}/versions`: new terms for a profile, from now or later.
#[utoipa::path(post, path = "/api/v1/admin/commissions/{commissionId}/versions", tag = "admin", request_body = TermsBody,
    params(("commissionId" = uuid::Uuid, Path, description = "the profile")),
    responses((status = 201, description = "added: the profile with its history", body = crate::answers::CommissionProfile),
              (status = 400, description = "a field is wrong (as for a new profile)", body = crate::answers::Errors),
              (status = 404, description = "no such profile", body = crate::answers::Errors),
              (status = 409, description = "the profile has terms from this very time", body = crate::answers::Errors)))]
pub(crate) async fn add_commission_version(
    State(state): State<ApiState>,
    AdminCaller(_admin): AdminCaller,
    Path(id): Path<String>,
    body: JsonBody<TermsBody>,
) -> Result<(StatusCode, Json<CommissionProfile>), Problem> {
    let id = fields::uuid("commissionId", &id)?;
    let p = state
        .store
        .commission_profile(id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no commission profile {id}")))?;
    let currency = state
        .store
        .currency(p.currency_id)
        .await?
        .ok_or_else(|| Problem::internal("a profile's currency vanished"))?;
    let b = &body.value;
    if b.fixed.is_none()
        && b.percent.is_none()
        && b.minimum.is_none()
        && b.maximum.is_none()
        && b.rounding.is_none()
        && b.valid_from.is_none()
        && b.active.is_none()
    {
        return Err(Problem::bad(
            "body",
            "give the new terms: fixed, percent, minimum, maximum, rounding, validFrom or active",
        ));
    }
    let new = terms(b, &currency)?;
    match state.store.add_commission_version(id, &new).await? {
        Some(VersionAdded::Added(p, _)) => {
            Ok((StatusCode::CREATED, Json(answer(&state, &p).await?)))
        }
        Some(VersionAdded::VersionExists(v)) => Err(Problem::conflict(format!(
            "commission profile {id} has terms from {} already: {v}",
            views::time(new.valid_from)
        ))),
        Some(VersionAdded::ProfileExists(_)) | None => {
            Err(Problem::not_found(format!("no commission profile {id}")))
        }
    }
}

/// `GET /api/v1/admin/commissions`: paged, by currency, operation and level, each with its history;
/// `currencyId` and `operation` keep one currency's or one operation's.
#[utoipa::path(get, path = "/api/v1/admin/commissions", tag = "admin",
    params(("currencyId" = Option<uuid::Uuid>, Query, description = "only this currency's profiles"), ("operation" = Option<CommissionOperation>, Query, description = "only this operation's profiles"), ("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)")),
    responses((status = 200, description = "a page of the profiles", body = crate::answers::Page<crate::answers::CommissionProfileList>),
              (status = 400, description = "a parameter is wrong", body = crate::answers::Errors)))]
pub(crate) async fn list_commissions(
    State(state): State<ApiState>,
    AdminCaller(_admin): AdminCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<crate::answers::Page<CommissionProfileList>>, Problem> {
    let q = ListQuery::parse(params, &["currency"], &["currencyId", "operation"])?;
    let currency = q
        .filters
        .get("currencyId")
        .map(|id| fields::uuid("currencyId", id))
        .transpose()?;
    let operation = q
        .filters
        .get("operation")
        .map(|o| {
            o.parse::<CommissionOperation>()
                .map_err(|e| Problem::bad("operation", e))
        })
        .transpose()?;
    let (rows, total) = state
        .store
        .commission_profiles_page(currency, operation, q.paging)
        .await?;
    let mut commissions = Vec::with_capacity(rows.len());
    for p in &rows {
        commissions.push(answer(&state, p).await?);
    }
    Ok(Json(q.page(
        &format!("{ADMIN}/commissions"),
        CommissionProfileList { commissions },
        total,
    )))
}

/// `GET /api/v1/admin/commissions/{commissionId}`: a profile with its history.
#[utoipa::path(get, path = "/api/v1/admin/commissions/{commissionId}", tag = "admin",
    params(("commissionId" = uuid::Uuid, Path, description = "the profile")),
    responses((status = 200, description = "the profile with every version", body = crate::answers::CommissionProfile),
              (status = 400, description = "the id is not a UUID", body = crate::answers::Errors),
              (status = 404, description = "no such profile", body = crate::answers::Errors)))]
pub(crate) async fn get_commission(
    State(state): State<ApiState>,
    AdminCaller(_admin): AdminCaller,
    Path(id): Path<String>,
) -> Result<Json<CommissionProfile>, Problem> {
    let id = fields::uuid("commissionId", &id)?;
    let p = state
        .store
        .commission_profile(id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no commission profile {id}")))?;
    Ok(Json(answer(&state, &p).await?))
}

/// A quote with what priced it.
struct Priced {
    /// The arithmetic's result, in the currency's units.
    quote: commission::Quote,
    /// The terms in force (None: none applies, the commission is 0).
    version: Option<CommissionVersionRow>,
    /// The currency's code (None: the wallet's token has no issuer registered).
    currency: Option<String>,
}

/// What `operation` of `amount` from (or to) `wallet` charges now: the terms in force for the currency
/// of the wallet's token and the wallet's KYC level (none when its token has no issuer registered, or
/// no profile applies). `…/calculate` shows it; the operations charge it.
async fn price(
    state: &ApiState,
    wallet: &emtoken_store::WalletRow,
    operation: CommissionOperation,
    amount: Decimal,
) -> Result<Priced, Problem> {
    let token = state.token_of(wallet).await?;
    let issuer = state
        .store
        .issuer_of_token(token.chain.evm_chain_id, token.chain.contract.into_array())
        .await?;
    let level = wallet.kyc_level.and_then(|l| u8::try_from(l).ok());
    let version = match &issuer {
        Some(issuer) => {
            state
                .store
                .commission_in_force(operation, issuer.currency_id, level, Utc::now())
                .await?
        }
        None => None,
    };
    let terms = version.as_ref().map_or(Terms::NONE, |v| Terms {
        fixed: v.fixed,
        percent: v.percent,
        minimum: v.minimum,
        maximum: v.maximum,
        rounding: v.rounding,
    });
    let quote = commission::quote(operation, amount, &terms, u32::from(token.chain.decimals))
        .map_err(|e| match e {
            QuoteError::NothingLeft { .. } => Problem::conflict(format!("amount: {e}")),
        })?;
    Ok(Priced {
        quote,
        version,
        currency: issuer.map(|i| i.currency_code),
    })
}

/// An amount of the token, from the currency's units (a quote's figures have at most its decimals).
fn token_amount(chain: &crate::ChainInfo, units: Decimal) -> Result<emtoken_sdk::Amount, Problem> {
    emtoken_sdk::Amount::from_decimal(units, chain.decimals).map_err(|e| Problem::bad("amount", e))
}

async fn calculate(
    state: ApiState,
    client: emtoken_store::api::ClientRow,
    wallet_id: String,
    body: CalculateBody,
    operation: CommissionOperation,
) -> Result<Json<CommissionQuote>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let token = state.token_of(&wallet).await?;
    let amount = fields::amount("amount", &body.amount, token.chain.decimals)?.to_decimal();
    let p = price(&state, &wallet, operation, amount).await?;
    let text = |units| token_amount(&token.chain, units).map(|a| a.to_string());
    Ok(Json(CommissionQuote {
        operation,
        amount: text(p.quote.amount)?,
        commission: text(p.quote.commission)?,
        total: text(p.quote.total)?,
        currency: p.currency,
        commission_version_id: p.version.map(|v| v.id),
    }))
}

macro_rules! calculate_endpoint {
    ($name:ident, $path:literal, $operation:expr, $what:literal) => {
        #[doc = concat!("`POST ", $path, "`: ", $what)]
        #[utoipa::path(post, path = $path, tag = "commissions", request_body = CalculateBody,
            params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')")),
            responses((status = 200, description = "the quote: amount, commission, total", body = crate::answers::CommissionQuote),
                      (status = 400, description = "the amount is wrong", body = crate::answers::Errors),
                      (status = 404, description = "no such wallet", body = crate::answers::Errors),
                      (status = 409, description = "a cash-in's commission would take all of the amount", body = crate::answers::Errors)))]
        pub(crate) async fn $name(
            State(state): State<ApiState>,
            ClientCaller(client): ClientCaller,
            Path(wallet_id): Path<String>,
            body: JsonBody<CalculateBody>,
        ) -> Result<Json<CommissionQuote>, Problem> {
            calculate(state, client, wallet_id, body.value, $operation).await
        }
    };
}

calculate_endpoint!(
    calculate_transfer,
    "/api/v1/public/wallets/{walletId}/transfer/calculate",
    CommissionOperation::Transfer,
    "what a transfer of the amount from the wallet charges now (the total leaves the wallet)."
);
calculate_endpoint!(
    calculate_cash_out,
    "/api/v1/public/wallets/{walletId}/cashOuts/calculate",
    CommissionOperation::CashOut,
    "what a cash-out of the amount from the wallet charges now (the total leaves the wallet)."
);
calculate_endpoint!(
    calculate_card_cash_in,
    "/api/v1/public/wallets/{walletId}/cards/cashIns/calculate",
    CommissionOperation::CardCashin,
    "what a card cash-in of the amount to the wallet charges now (the total reaches the wallet)."
);
calculate_endpoint!(
    calculate_top_up,
    "/api/v1/public/wallets/{walletId}/top-up-requests/calculate",
    CommissionOperation::BankTopUp,
    "what a bank top-up of the amount to the wallet charges now (the total reaches the wallet)."
);
calculate_endpoint!(
    calculate_hold_execution,
    "/api/v1/public/wallets/{walletId}/hold/executeHold/calculate",
    CommissionOperation::HoldExecution,
    "what executing a hold of the wallet for the amount charges its payer now (the total leaves the wallet)."
);

/// A commission an operation charges, as its quote said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Charge {
    /// The commission.
    pub(crate) fee: emtoken_sdk::Amount,
    /// The terms that priced it.
    pub(crate) version: Uuid,
}

/// What `operation` of `amount` from `wallet` charges now, as `…/calculate` quotes it: None when
/// nothing. Problems are the quote's (a 409 when a cash-in's commission takes it all).
pub(crate) async fn charge_for(
    state: &ApiState,
    wallet: &emtoken_store::WalletRow,
    operation: CommissionOperation,
    amount: emtoken_sdk::Amount,
) -> Result<Option<Charge>, Problem> {
    let p = price(state, wallet, operation, amount.to_decimal()).await?;
    let token = state.token_of(wallet).await?;
    let fee = token_amount(&token.chain, p.quote.commission)?;
    Ok(match p.version {
        Some(v) if !fee.is_zero() => Some(Charge { fee, version: v.id }),
        _ => None,
    })
}

/// The payer's COMMISSION movement of an operation charging `charge`, under the id the indexer will
/// give it (from the fee's kind and the operation's key): shown PENDING until it is indexed.
pub(crate) fn commission_movement(
    token: &crate::tokens::Token,
    wallet: &emtoken_store::WalletRow,
    kind: FeeKind,
    operation_key: &[u8; 32],
    charge: Charge,
) -> ExpectedMovement {
    commission_movement_of_fee(token, wallet, kind, operation_key, charge.fee)
}

/// [`commission_movement`] of a commission `fee` decided earlier (a top-up's, quoted when requested).
pub(crate) fn commission_movement_of_fee(
    token: &crate::tokens::Token,
    wallet: &emtoken_store::WalletRow,
    kind: FeeKind,
    operation_key: &[u8; 32],
    fee: emtoken_sdk::Amount,
) -> ExpectedMovement {
    ExpectedMovement {
        id: ids::commission_movement_id(
            token.chain.chain_id,
            kind,
            operation_key,
            Role::Commission,
        ),
        wallet_id: wallet.id,
        r#type: MovementType::Commission,
        amount: fee.units(),
        origin_address: Some(wallet.address),
        target_address: None,
        iban: None,
    }
}

/// `GET /api/v1/bank/commissions/report`: commissions charged from `from` to `to`, summed by currency
/// and operation.
#[utoipa::path(get, path = "/api/v1/bank/commissions/report", tag = "bank",
    params(("from" = String, Query, format = DateTime, description = "charged at or after: RFC 3339, or 2026-12-01 12:00:00 (UTC) or 2026-12-01"),
           ("to" = String, Query, format = DateTime, description = "charged before (same forms; after from)"),
           ("currency" = Option<String>, Query, pattern = "^[A-Z]{3}$", description = "one currency's code"),
           ("operation" = Option<CommissionOperation>, Query, description = "one operation")),
    responses((status = 200, description = "the sums, by currency then operation", body = crate::answers::CommissionReport),
              (status = 400, description = "a parameter is missing, wrong or unknown, or from is not before to", body = crate::answers::Errors)))]
pub(crate) async fn bank_commission_report(
    State(state): State<ApiState>,
    crate::auth::BankCaller(_bank): crate::auth::BankCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<crate::answers::CommissionReport>, Problem> {
    let (mut from, mut to, mut currency, mut operation) = (None, None, None, None);
    for (name, value) in &params {
        match name.as_str() {
            "from" => from = Some(fields::filter_date("from", value)?),
            "to" => to = Some(fields::filter_date("to", value)?),
            "currency" => {
                let code = emtoken_types::catalogue::CurrencyCode::parse(value)
                    .map_err(|e| Problem::bad("currency", e))?;
                currency = Some(code.to_string());
            }
            "operation" => {
                operation = Some(value.parse::<CommissionOperation>().map_err(|_| {
                    Problem::bad(
                        "operation",
                        format!("'{value}' is none of CARD_CASHIN, BANK_TOP_UP, TRANSFER, CASH_OUT, HOLD_EXECUTION"),
                    )
                })?);
            }
            other => {
                return Err(Problem::bad(
                    other,
                    "unknown query parameter: this report takes from, to, currency and operation",
                ));
            }
        }
    }
    let from = from.ok_or_else(|| Problem::bad("from", "is required"))?;
    let to = to.ok_or_else(|| Problem::bad("to", "is required"))?;
    if from >= to {
        return Err(Problem::bad("to", "must be after from"));
    }
    let rows = state
        .store
        .commission_report(from, to, currency.as_deref(), operation.map(|o| o.as_str()))
        .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let decimals = u8::try_from(row.decimals).map_err(Problem::internal)?;
        lines.push(crate::answers::CommissionReportLine {
            currency: row.currency,
            operation: row.operation.parse().map_err(Problem::internal)?,
            count: row.count,
            total: emtoken_sdk::Amount::from_units(row.total, decimals)
                .map_err(Problem::internal)?
                .to_string(),
        });
    }
    Ok(Json(crate::answers::CommissionReport {
        from: views::time(from),
        to: views::time(to),
        lines,
    }))
}
