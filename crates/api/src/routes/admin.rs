//! The administrator's side (its own key kind): the currencies the platform counts, their issuers (one
//! EmToken deployment each; several issuers may issue one currency) and the catalogue of banks that
//! top-ups and withdrawals name. Creating is not keyed: every record has a unique field (code, legal id
//! and token, BIC), and a second creation of the same is a 409 naming the record that has it.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use emtoken_store::api::{Added, BankRow, CurrencyRow, IssuerRow, NewIssuer};
use emtoken_types::catalogue::{self, Bic, CurrencyCode};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    ApiState, Problem,
    answers::{
        Bank, BankList, Currency, CurrencyList, Issuer, IssuerLinks, IssuerList, Link, Page,
        SelfLink,
    },
    auth::AdminCaller,
    body::JsonBody,
    fields,
    issuers::{self, Refused},
    paging::ListQuery,
    views,
};

/// Base of the administrator's endpoints.
pub(crate) const ADMIN: &str = "/api/v1/admin";

/// The longest currency name.
const MAX_CURRENCY_NAME: usize = 100;
/// The longest issuer or bank name.
const MAX_NAME: usize = 140;
/// The longest legal identifier.
const MAX_LEGAL_ID: usize = 64;

/// A currency to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NewCurrency {
    /// Three capital letters (ISO 4217's form), unique.
    #[schema(example = "EUR", pattern = "^[A-Z]{3}$")]
    code: String,
    /// Its name: one line of 1 to 100 characters.
    #[schema(example = "Euro", min_length = 1, max_length = 100)]
    name: String,
    /// The decimals of its tokens, 0 to 18.
    #[schema(example = 2, minimum = 0, maximum = 18)]
    decimals: u8,
}

/// An issuer to register, with its token: either an EmToken proxy on the served chain, already deployed,
/// whose decimals are the currency's and on which the platform's operator and compliance keys hold their
/// roles (`tokenAddress`), or one the platform deploys now (`deploy`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NewIssuerBody {
    /// Its name: one line of 1 to 140 characters.
    #[schema(
        example = "EmToken Money Institution SA",
        min_length = 1,
        max_length = 140
    )]
    name: String,
    /// Its legal identifier (e.g. its LEI or registration number): one line of 1 to 64 characters, unique.
    #[schema(example = "5493001KJTIIGC8Y1R12", min_length = 1, max_length = 64)]
    legal_id: String,
    /// The currency it issues.
    #[schema(value_type = uuid::Uuid)]
    currency_id: String,
    /// The token: its EmToken proxy, 0x and 40 hex digits. Exactly one of tokenAddress and deploy.
    #[schema(pattern = r"^0x[0-9a-fA-F]{40}$")]
    token_address: Option<String>,
    /// A new EmToken to deploy for the issuer, of the currency's decimals. Exactly one of tokenAddress
    /// and deploy.
    deploy: Option<DeployBody>,
    /// The chain the token is on (deployed on): the platform's own chain when absent, else a chain
    /// the platform has a node of (`serve --chain-rpc`).
    #[schema(example = 31337, minimum = 1)]
    chain_id: Option<i64>,
}

/// A token the platform deploys (with its operator key, which becomes the token's operator; its
/// compliance key the compliance officer; the admin and minter-admin roles then go to `admin`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct DeployBody {
    /// The token's name: one line of 1 to 64 characters.
    #[schema(example = "EmToken Dollar", min_length = 1, max_length = 64)]
    name: String,
    /// Its symbol: 1 to 11 letters and digits.
    #[schema(example = "USDe", pattern = r"^[A-Za-z0-9]{1,11}$")]
    symbol: String,
    /// Who administers it (admin and minter-admin roles): the issuer's key, not one of the platform's.
    #[schema(pattern = r"^0x[0-9a-fA-F]{40}$")]
    admin: String,
    /// Who may pause it.
    #[schema(pattern = r"^0x[0-9a-fA-F]{40}$")]
    pauser: String,
    /// Who executes the upgrades the admin proposes: another key than the admin's and the platform's.
    #[schema(pattern = r"^0x[0-9a-fA-F]{40}$")]
    upgrader: String,
    /// The suspense account of its payouts: a dedicated address, not a wallet.
    #[schema(pattern = r"^0x[0-9a-fA-F]{40}$")]
    suspense: String,
    /// What the platform's operator may mint at first, in the currency (more than 0).
    #[schema(value_type = crate::answers::DecimalAmount, example = "1000000")]
    minter_allowance: String,
    /// The KYC tiers: a level each (no level twice), with its limits in the currency (null or absent:
    /// unlimited); 1 to 32 of them.
    tiers: Vec<TierBody>,
    /// The account the token's commissions are paid to: registered as a wallet at `kycLevel` (one of
    /// the tiers; fees are limited by it like any payment, so a level without a balance limit suits) and
    /// set before the admin role is handed over. Without it the issuer's admin sets one later, and
    /// operations with a commission are refused until then.
    fee_account: Option<FeeAccountBody>,
}

/// A deployed token's fee account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct FeeAccountBody {
    /// Its address: the issuer's, none of the platform's keys nor the suspense account.
    #[schema(pattern = r"^0x[0-9a-fA-F]{40}$")]
    address: String,
    /// The KYC level it is registered at: one of `tiers`.
    #[schema(minimum = 0, maximum = 255)]
    kyc_level: u8,
}

/// A KYC level's limits on a deployed token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TierBody {
    /// The level.
    #[schema(minimum = 0, maximum = 255)]
    kyc_level: u8,
    /// The most a wallet of this level may hold.
    #[schema(value_type = Option<crate::answers::DecimalAmount>)]
    max_balance: Option<String>,
    /// The most one transfer may move.
    #[schema(value_type = Option<crate::answers::DecimalAmount>)]
    max_transfer: Option<String>,
    /// The most a wallet may send in 30 days.
    #[schema(value_type = Option<crate::answers::DecimalAmount>)]
    max_outflow_30d: Option<String>,
}

/// A bank to add to the catalogue.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NewBank {
    /// Its name: one line of 1 to 140 characters.
    #[schema(example = "Deutsche Bank", min_length = 1, max_length = 140)]
    name: String,
    /// Its BIC (ISO 9362, the SWIFT code): 8 or 11 capitals and digits, unique (DEUTDEFF and
    /// DEUTDEFFXXX are one).
    #[schema(
        example = "DEUTDEFF",
        pattern = "^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$"
    )]
    bic: String,
    /// Its country: ISO 3166-1 alpha-2, the BIC's country letters.
    #[schema(example = "DE", pattern = "^[A-Z]{2}$")]
    country: String,
}

fn currency(row: &CurrencyRow) -> Currency {
    Currency {
        links: SelfLink {
            this: Link::new(format!("{ADMIN}/currencies/{}", row.id)),
        },
        id: row.id,
        code: row.code.clone(),
        name: row.name.clone(),
        decimals: u8::try_from(row.decimals).unwrap_or(u8::MAX),
        created_at: views::time(row.created_at),
    }
}

fn issuer(row: &IssuerRow) -> Issuer {
    Issuer {
        links: IssuerLinks {
            this: Link::new(format!("{ADMIN}/issuers/{}", row.id)),
            currency: Link::new(format!("{ADMIN}/currencies/{}", row.currency_id)),
        },
        id: row.id,
        name: row.name.clone(),
        legal_id: row.legal_id.clone(),
        currency_id: row.currency_id,
        currency_code: row.currency_code.clone(),
        chain_id: row.chain_id,
        token_address: views::hex(&row.token_address),
        token_name: row.token_name.clone(),
        token_symbol: row.token_symbol.clone(),
        created_at: views::time(row.created_at),
    }
}

fn bank(row: &BankRow) -> Bank {
    Bank {
        links: SelfLink {
            this: Link::new(format!("{ADMIN}/bank-catalog/{}", row.id)),
        },
        id: row.id,
        name: row.name.clone(),
        bic: row.bic.clone(),
        country: row.country.clone(),
        created_at: views::time(row.created_at),
    }
}

/// 409 naming the record that has the unique `field`.
fn taken(what: &str, field: &str, id: Uuid) -> Problem {
    Problem::conflict(format!(
        "{field}: a {what} with this {field} exists already: {id}"
    ))
}

/// `POST /api/v1/admin/currencies`: creates a currency.
#[utoipa::path(post, path = "/api/v1/admin/currencies", tag = "admin", request_body = NewCurrency,
    responses((status = 201, description = "created", body = crate::answers::Currency),
              (status = 400, description = "a field is wrong (the code's form, the name, the decimals)", body = crate::answers::Errors),
              (status = 409, description = "a currency with this code exists (the detail names it)", body = crate::answers::Errors)))]
pub(crate) async fn create_currency(
    State(state): State<ApiState>,
    AdminCaller(_admin): AdminCaller,
    body: JsonBody<NewCurrency>,
) -> Result<(StatusCode, Json<Currency>), Problem> {
    let body = body.value;
    let code = CurrencyCode::parse(&body.code).map_err(|e| Problem::bad("code", e))?;
    let name = fields::line("name", &body.name, MAX_CURRENCY_NAME)?;
    if body.decimals > catalogue::MAX_DECIMALS {
        return Err(Problem::bad(
            "decimals",
            format!(
                "must be 0 to {}, got {}",
                catalogue::MAX_DECIMALS,
                body.decimals
            ),
        ));
    }
    match state
        .store
        .add_currency(code.as_str(), &name, body.decimals)
        .await?
    {
        Added::Added(row) => Ok((StatusCode::CREATED, Json(currency(&row)))),
        Added::Taken(field, id) => Err(taken("currency", field, id)),
    }
}

/// `GET /api/v1/admin/currencies`: paged, by code.
#[utoipa::path(get, path = "/api/v1/admin/currencies", tag = "admin",
    params(("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)")),
    responses((status = 200, description = "a page of the currencies", body = crate::answers::Page<crate::answers::CurrencyList>),
              (status = 400, description = "a parameter is wrong", body = crate::answers::Errors)))]
pub(crate) async fn list_currencies(
    State(state): State<ApiState>,
    AdminCaller(_admin): AdminCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<CurrencyList>>, Problem> {
    let q = ListQuery::parse(params, &["code"], &[])?;
    let (rows, total) = state.store.currencies_page(q.paging).await?;
    Ok(Json(q.page(
        &format!("{ADMIN}/currencies"),
        CurrencyList {
            currencies: rows.iter().map(currency).collect(),
        },
        total,
    )))
}

/// `GET /api/v1/admin/currencies/{currencyId}`.
#[utoipa::path(get, path = "/api/v1/admin/currencies/{currencyId}", tag = "admin",
    params(("currencyId" = uuid::Uuid, Path, description = "the currency")),
    responses((status = 200, description = "the currency", body = crate::answers::Currency),
              (status = 400, description = "the id is not a UUID", body = crate::answers::Errors),
              (status = 404, description = "no such currency", body = crate::answers::Errors)))]
pub(crate) async fn get_currency(
    State(state): State<ApiState>,
    AdminCaller(_admin): AdminCaller,
    Path(id): Path<String>,
) -> Result<Json<Currency>, Problem> {
    let id = fields::uuid("currencyId", &id)?;
    let row = state
        .store
        .currency(id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no currency {id}")))?;
    Ok(Json(currency(&row)))
}

/// `POST /api/v1/admin/issuers`: registers an issuer of a currency with its token, after reading the
/// token on the served chain: an EmToken proxy, of the currency's decimals, on which the platform's
/// operator key holds the operator role and its compliance key the compliance role.
#[utoipa::path(post, path = "/api/v1/admin/issuers", tag = "admin", request_body = NewIssuerBody,
    responses((status = 201, description = "registered", body = crate::answers::Issuer),
              (status = 400, description = "a field is wrong: the name, the legal id, no such currency, no EmToken at the token address, or its decimals are not the currency's", body = crate::answers::Errors),
              (status = 409, description = "the legal id or the token is registered already (the detail names the issuer), or the platform's keys do not hold their roles on the token", body = crate::answers::Errors),
              (status = 503, description = "the chain node cannot be read", body = crate::answers::Errors)))]
pub(crate) async fn create_issuer(
    State(state): State<ApiState>,
    AdminCaller(_admin): AdminCaller,
    body: JsonBody<NewIssuerBody>,
) -> Result<(StatusCode, Json<Issuer>), Problem> {
    let body = body.value;
    let name = fields::line("name", &body.name, MAX_NAME)?;
    let legal_id = fields::line("legalId", &body.legal_id, MAX_LEGAL_ID)?;
    let currency_id = fields::uuid("currencyId", &body.currency_id)?;
    let currency = state
        .store
        .currency(currency_id)
        .await?
        .ok_or_else(|| Problem::bad("currencyId", format!("no currency {currency_id}")))?;
    let platform = &state.platform;
    let chain = match body.chain_id {
        None => platform.chain_id(),
        Some(id) => u64::try_from(id)
            .ok()
            .filter(|c| *c > 0 && platform.reaches(*c))
            .ok_or_else(|| {
                Problem::bad(
                    "chainId",
                    format!(
                        "this platform has no node of chain {id}: its chains are {}",
                        std::iter::once(platform.chain_id())
                            .chain(platform.other_chains())
                            .map(|c| c.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?,
    };
    let keys = platform.keys_on(chain).await.map_err(|e| {
        Problem::unavailable(format!("the node of chain {chain} cannot be reached: {e}"))
            .retry_after(1)
    })?;
    let key = |client: &emtoken_sdk::EmTokenClient| {
        client
            .signer()
            .ok_or_else(|| Problem::internal("a platform key does not sign"))
    };
    let (operator, compliance) = (key(&platform.operator)?, key(&platform.compliance)?);
    let token = match (&body.token_address, &body.deploy) {
        (Some(text), None) => fields::address("tokenAddress", text)?,
        (None, Some(deploy)) => {
            let mut config = deploy_config(deploy, &currency, operator, compliance)?;
            let fees = fee_account(deploy, &config)?;
            // With a fee account to set, the operator key keeps the admin role through the deployment,
            // sets it, then hands the role over.
            let issuer_admin = config.roles.admin;
            if fees.is_some() {
                config.roles.admin = operator;
            }
            if let Some(id) = state.store.issuer_with_legal_id(&legal_id).await? {
                return Err(Problem::conflict(format!(
                    "issuer {id} has legal id {legal_id}: nothing was deployed"
                )));
            }
            let failed = |e: emtoken_sdk::Error| match e {
                emtoken_sdk::Error::Invalid(why) => Problem::bad("deploy", why),
                other => Problem::unavailable(format!(
                    "deploying the token failed on the chain node: {other}; nothing was registered"
                )),
            };
            let (deployment, deployed) = emtoken_sdk::deploy_from(&keys.operator, &config)
                .await
                .map_err(failed)?;
            if let Some((account, level)) = fees {
                let registrar = keys
                    .compliance
                    .at(deployment.address)
                    .await
                    .map_err(failed)?;
                registrar
                    .register_wallet(account, level)
                    .await
                    .map_err(failed)?;
                deployed.set_fee_account(account).await.map_err(failed)?;
                deployed
                    .grant_role(emtoken_sdk::Role::Admin, issuer_admin)
                    .await
                    .map_err(failed)?;
                deployed
                    .renounce_role(emtoken_sdk::Role::Admin)
                    .await
                    .map_err(failed)?;
            }
            tracing::info!(token = %deployment.address, block = deployment.block, %legal_id, "deployed an issuer's token");
            deployment.address
        }
        _ => {
            return Err(Problem::bad(
                "tokenAddress",
                "give exactly one of tokenAddress (a deployed token) and deploy (a token to deploy)",
            ));
        }
    };
    let facts = issuers::check_token(&keys.operator, token, &currency, operator, compliance)
        .await
        .map_err(|e| match e {
            Refused::Token(e) => Problem::bad("tokenAddress", e),
            Refused::Roles(e) => Problem::conflict(e),
            Refused::Node(e) => Problem::unavailable(format!("the chain node cannot be read: {e}")),
        })?;
    let new = NewIssuer {
        name,
        legal_id,
        currency_id,
        chain_id: i64::try_from(chain).unwrap_or(i64::MAX),
        token_address: token.into_array(),
        token_name: facts.name,
        token_symbol: facts.symbol,
    };
    match state.store.add_issuer(&new).await? {
        Added::Added(row) => {
            // Its token is served from now on, with its currency and issuer.
            state.tokens.forget();
            Ok((StatusCode::CREATED, Json(issuer(&row))))
        }
        Added::Taken(field, id) => Err(taken("issuer", field, id)),
    }
}

/// `GET /api/v1/admin/issuers`: paged, in the order they were registered; `currencyId` keeps one
/// currency's.
#[utoipa::path(get, path = "/api/v1/admin/issuers", tag = "admin",
    params(("currencyId" = Option<uuid::Uuid>, Query, description = "only the issuers of this currency"), ("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)")),
    responses((status = 200, description = "a page of the issuers", body = crate::answers::Page<crate::answers::IssuerList>),
              (status = 400, description = "a parameter is wrong", body = crate::answers::Errors)))]
pub(crate) async fn list_issuers(
    State(state): State<ApiState>,
    AdminCaller(_admin): AdminCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<IssuerList>>, Problem> {
    let q = ListQuery::parse(params, &["createdAt"], &["currencyId"])?;
    let currency = q
        .filters
        .get("currencyId")
        .map(|id| fields::uuid("currencyId", id))
        .transpose()?;
    let (rows, total) = state.store.issuers_page(currency, q.paging).await?;
    Ok(Json(q.page(
        &format!("{ADMIN}/issuers"),
        IssuerList {
            issuers: rows.iter().map(issuer).collect(),
        },
        total,
    )))
}

/// `GET /api/v1/admin/issuers/{issuerId}`.
#[utoipa::path(get, path = "/api/v1/admin/issuers/{issuerId}", tag = "admin",
    params(("issuerId" = uuid::Uuid, Path, description = "the issuer")),
    responses((status = 200, description = "the issuer", body = crate::answers::Issuer),
              (status = 400, description = "the id is not a UUID", body = crate::answers::Errors),
              (status = 404, description = "no such issuer", body = crate::answers::Errors)))]
pub(crate) async fn get_issuer(
    State(state): State<ApiState>,
    AdminCaller(_admin): AdminCaller,
    Path(id): Path<String>,
) -> Result<Json<Issuer>, Problem> {
    let id = fields::uuid("issuerId", &id)?;
    let row = state
        .store
        .issuer(id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no issuer {id}")))?;
    Ok(Json(issuer(&row)))
}

/// `POST /api/v1/admin/bank-catalog`: adds a bank.
#[utoipa::path(post, path = "/api/v1/admin/bank-catalog", tag = "admin", request_body = NewBank,
    responses((status = 201, description = "added", body = crate::answers::Bank),
              (status = 400, description = "a field is wrong (the name, the BIC's form, a country that is not the BIC's)", body = crate::answers::Errors),
              (status = 409, description = "a bank with this BIC is in the catalogue (the detail names it)", body = crate::answers::Errors)))]
pub(crate) async fn create_bank(
    State(state): State<ApiState>,
    AdminCaller(_admin): AdminCaller,
    body: JsonBody<NewBank>,
) -> Result<(StatusCode, Json<Bank>), Problem> {
    let body = body.value;
    let name = fields::line("name", &body.name, MAX_NAME)?;
    let bic = Bic::parse(&body.bic).map_err(|e| Problem::bad("bic", e))?;
    let country =
        catalogue::bank_country(&body.country, &bic).map_err(|e| Problem::bad("country", e))?;
    match state.store.add_bank(&name, bic.as_str(), &country).await? {
        Added::Added(row) => Ok((StatusCode::CREATED, Json(bank(&row)))),
        Added::Taken(field, id) => Err(taken("bank", field, id)),
    }
}

/// `GET /api/v1/admin/bank-catalog`: paged, by name; `country` keeps one country's.
#[utoipa::path(get, path = "/api/v1/admin/bank-catalog", tag = "admin",
    params(("country" = Option<String>, Query, pattern = "^[A-Z]{2}$", description = "only the banks of this country (ISO 3166-1 alpha-2)"), ("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)")),
    responses((status = 200, description = "a page of the banks", body = crate::answers::Page<crate::answers::BankList>),
              (status = 400, description = "a parameter is wrong", body = crate::answers::Errors)))]
pub(crate) async fn list_banks(
    State(state): State<ApiState>,
    AdminCaller(_admin): AdminCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<BankList>>, Problem> {
    let q = ListQuery::parse(params, &["name"], &["country"])?;
    let country = q
        .filters
        .get("country")
        .map(|c| catalogue::country(c).map_err(|e| Problem::bad("country", e)))
        .transpose()?;
    let (rows, total) = state.store.banks_page(country, q.paging).await?;
    Ok(Json(q.page(
        &format!("{ADMIN}/bank-catalog"),
        BankList {
            banks: rows.iter().map(bank).collect(),
        },
        total,
    )))
}

/// `GET /api/v1/admin/bank-catalog/{bankId}`.
#[utoipa::path(get, path = "/api/v1/admin/bank-catalog/{bankId}", tag = "admin",
    params(("bankId" = uuid::Uuid, Path, description = "the bank")),
    responses((status = 200, description = "the bank", body = crate::answers::Bank),
              (status = 400, description = "the id is not a UUID", body = crate::answers::Errors),
              (status = 404, description = "no such bank", body = crate::answers::Errors)))]
pub(crate) async fn get_bank(
    State(state): State<ApiState>,
    AdminCaller(_admin): AdminCaller,
    Path(id): Path<String>,
) -> Result<Json<Bank>, Problem> {
    let id = fields::uuid("bankId", &id)?;
    let row = state
        .store
        .bank(id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no bank {id}")))?;
    Ok(Json(bank(&row)))
}

/// What the SDK deploys for `deploy`: the platform's operator and compliance keys in their roles, the
/// rest from the body, checked as [`issuers::deploy_config`] does (400 naming `deploy.<field>`).
fn deploy_config(
    deploy: &DeployBody,
    currency: &CurrencyRow,
    operator: alloy::primitives::Address,
    compliance: alloy::primitives::Address,
) -> Result<emtoken_sdk::DeployConfig, Problem> {
    let decimals = u8::try_from(currency.decimals).map_err(Problem::internal)?;
    let name = fields::line("deploy.name", &deploy.name, 64)?;
    let address = |field: &str, text: &str| fields::address(&format!("deploy.{field}"), text);
    let wanted = issuers::DeployWanted {
        name,
        symbol: deploy.symbol.clone(),
        admin: address("admin", &deploy.admin)?,
        pauser: address("pauser", &deploy.pauser)?,
        upgrader: address("upgrader", &deploy.upgrader)?,
        suspense: address("suspense", &deploy.suspense)?,
        minter_allowance: deploy.minter_allowance.clone(),
        tiers: deploy
            .tiers
            .iter()
            .map(|t| {
                (
                    t.kyc_level,
                    t.max_balance.clone(),
                    t.max_transfer.clone(),
                    t.max_outflow_30d.clone(),
                )
            })
            .collect(),
    };
    issuers::deploy_config(&wanted, decimals, operator, compliance)
        .map_err(|e| Problem::bad(&format!("deploy.{}", e.field), e.why))
}

/// The fee account a deployment sets, checked: its address (none of the token's role keys, the platform's
/// or its suspense account) and a level among its tiers (400 naming the field otherwise).
fn fee_account(
    deploy: &DeployBody,
    config: &emtoken_sdk::DeployConfig,
) -> Result<Option<(alloy::primitives::Address, u8)>, Problem> {
    let Some(fees) = &deploy.fee_account else {
        return Ok(None);
    };
    let account = fields::address("deploy.feeAccount.address", &fees.address)?;
    let roles = &config.roles;
    if account.is_zero()
        || [
            roles.operator,
            roles.compliance,
            config.suspense,
            roles.upgrader,
        ]
        .contains(&account)
    {
        return Err(Problem::bad(
            "deploy.feeAccount.address",
            "must be an account of its own: not zero, a platform key, the upgrader or the suspense account",
        ));
    }
    if !config
        .tiers
        .iter()
        .any(|(level, _)| *level == fees.kyc_level)
    {
        return Err(Problem::bad(
            "deploy.feeAccount.kycLevel",
            format!("level {} is not one of the tiers", fees.kyc_level),
        ));
    }
    Ok(Some((account, fees.kyc_level)))
}
