use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use axum::{
    Json,
    extract::{Path, Query, State},
    http::{StatusCode, header::LOCATION},
    response::Response,
};
use emtoken_store::{
    api::{NewRequest, NewWallet, Registration, RequestKind, UserRow, WalletsQuery},
    ids,
    vocabulary::{UserStatus, WalletStatus},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::owned_wallet;
use crate::{
    ApiState, Problem,
    answers::{Link, Page, SelfLink, Wallet, WalletList, WalletRegistered, WalletUnsubscribed},
    auth::ClientCaller,
    fields, iban, idempotency,
    paging::ListQuery,
    platform::Call,
    post::Post,
    tokens::Token,
    views::{self, PUBLIC},
};

/// Register a wallet for a user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CreateWallet {
    /// The user: one of the client's, ACTIVATED.
    #[schema(value_type = uuid::Uuid)]
    user_id: String,
    /// The address to register; without it the platform generates one and keeps no key. A mixed-case
    /// address must carry its EIP-55 checksum (400).
    #[schema(value_type = Option<crate::answers::HexAddress>)]
    dlt_address: Option<String>,
    /// The wallet's currency (ISO 4217 code of the admin side's catalogue): a wallet holds the token of
    /// one issuer of it. Without it (and without issuerId) the wallet holds the platform's own token.
    #[schema(value_type = Option<String>, pattern = "^[A-Z]{3}$")]
    currency: Option<String>,
    /// The issuer whose token the wallet holds; needed when the currency has several issuers.
    #[schema(value_type = Option<uuid::Uuid>)]
    issuer_id: Option<String>,
}

/// `GET /api/v1/public/wallets`: the client's wallets, paged; `userId` filters.
#[utoipa::path(get, path = "/api/v1/public/wallets", tag = "wallets",
    params(("userId" = Option<uuid::Uuid>, Query, description = "only this user's wallets"), ("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)"),
           ("sort" = Option<String>, Query, pattern = r"^(createdAt|balance|availableBalance|heldBalance|status|dltAddress)(,([aA][sS][cC]|[dD][eE][sS][cC]))?$", description = "field[,asc|desc] (default createdAt,asc)")),
    responses((status = 200, description = "a page of the client's wallets", body = crate::answers::Page<crate::answers::WalletList>),
              (status = 400, description = "a query parameter is wrong or unknown", body = crate::answers::Errors)))]
pub(crate) async fn list_wallets(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<WalletList>>, Problem> {
    let q = ListQuery::parse(
        params,
        &[
            "createdAt",
            "balance",
            "availableBalance",
            "heldBalance",
            "status",
            "dltAddress",
        ],
        &["userId"],
    )?;
    let user_id = q
        .filters
        .get("userId")
        .map(|u| fields::uuid("userId", u.trim_matches('"')))
        .transpose()?;
    let (rows, total) = state
        .store
        .wallets_page(&WalletsQuery {
            client_id: client.id,
            user_id,
            sort: q.sort.clone(),
            paging: q.paging,
        })
        .await?;
    let tokens = state.tokens_of(rows.iter().map(|w| w.chain_id)).await?;
    let wallets = rows
        .iter()
        .map(|w| {
            let token = tokens
                .get(&w.chain_id)
                .ok_or_else(|| crate::tokens::unserved(w))?;
            Ok(views::wallet(&token.chain, w, Some(&client.name)))
        })
        .collect::<Result<_, Problem>>()?;
    Ok(Json(q.page(
        &format!("{PUBLIC}/wallets"),
        WalletList { wallets },
        total,
    )))
}

/// `GET /api/v1/public/wallets/{walletId}`.
#[utoipa::path(get, path = "/api/v1/public/wallets/{walletId}", tag = "wallets", params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')")),
    responses((status = 200, description = "the wallet", body = crate::answers::Wallet),
              (status = 400, description = "walletId is not a UUID", body = crate::answers::Errors), (status = 404, description = "no such wallet", body = crate::answers::Errors)))]
pub(crate) async fn get_wallet(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(wallet_id): Path<String>,
) -> Result<Json<Wallet>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let token = state.token_of(&wallet).await?;
    Ok(Json(views::wallet(
        &token.chain,
        &wallet,
        Some(&client.name),
    )))
}

/// `POST /api/v1/public/wallets`: another wallet for an ACTIVATED user (at most
/// [`Onboarding::max_wallets`](crate::Onboarding) not unsubscribed), at an address given or generated
/// with its key thrown away, at the user's KYC level; PENDING until its on-chain registration is
/// indexed. (A user's first wallet is made when its phone is verified.)
#[utoipa::path(post, path = "/api/v1/public/wallets", tag = "wallets", request_body = CreateWallet,
    responses((status = 201, description = "registered: PENDING until the chain has it (Location: the wallet)", body = crate::answers::WalletRegistered,
                   headers(("Location" = String, description = "the wallet"))),
              (status = 400, description = "userId, dltAddress, currency or issuerId is malformed; no user, currency or issuer has this id; the currency has several issuers and issuerId is missing, or the issuer issues another currency", body = crate::answers::Errors),
              (status = 403, description = "the user is another client's", body = crate::answers::Errors),
              (status = 409, description = "the user is not ACTIVATED or has the most wallets it may have; the address belongs to a wallet or a user, was unsubscribed, or is one of the platform's own", body = crate::answers::Errors),
              (status = 503, description = "the token of the currency chosen was registered moments ago and its index is starting: nothing written, try again (Retry-After)", body = crate::answers::Errors)))]
pub(crate) async fn create_wallet(
    State(state): State<ApiState>,
    post: Post<CreateWallet>,
) -> Result<Response, Problem> {
    let client = &post.caller;
    let req = &post.body;
    let user_id = fields::uuid("userId", &req.user_id)?;
    let address: Address = match &req.dlt_address {
        Some(text) => fields::address("dltAddress", text)?,
        None => PrivateKeySigner::random().address(),
    };
    let token = wallet_token(&state, req.currency.as_deref(), req.issuer_id.as_deref()).await?;
    let user = state
        .store
        .user(user_id)
        .await?
        .ok_or_else(|| Problem::bad("userId", format!("no user with id {user_id}")))?;
    if user.client_id != client.id {
        return Err(Problem::forbidden(format!(
            "user {user_id} is not a user of client {}",
            client.name
        )));
    }
    if user.status != UserStatus::Activated {
        return Err(Problem::conflict(format!(
            "user {user_id} is {}: only an ACTIVATED user (phone verified, first wallet READY) may have more wallets",
            user.status
        )));
    }
    if let Some(owner) = state.store.user_with_address(address.as_slice()).await? {
        return Err(Problem::conflict(format!(
            "dltAddress {address:#x} is user {owner}'s address: give another or none"
        )));
    }
    let (answer, request, calls) = start_wallet(
        &state,
        &token,
        &user,
        address,
        Some(i64::from(state.onboarding.max_wallets)),
    )
    .await?;
    let wallet_id = answer.wallet_id;
    let mut response = post
        .run(&state, request, calls, (StatusCode::CREATED, answer), None)
        .await?;
    if response.status() == StatusCode::CREATED
        && let Ok(location) = format!("{PUBLIC}/wallets/{wallet_id}").parse()
    {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// Registers `address` as a wallet of `user` (at most `max` of them not unsubscribed) in the
/// platform's records, PENDING, without an IBAN; returns the answer, the request and the call
/// (`registerWallet` at the user's KYC level, none if the chain registered the address already) for
/// the caller to run.
pub(crate) async fn start_wallet(
    state: &ApiState,
    token: &Token,
    user: &UserRow,
    address: Address,
    max: Option<i64>,
) -> Result<(WalletRegistered, NewRequest, Vec<Call>), Problem> {
    let level = user
        .kyc_level
        .and_then(|l| u8::try_from(l).ok())
        .ok_or_else(|| {
            Problem::conflict(format!(
                "user {} has no KYC level yet: its phone must be verified first",
                user.id
            ))
        })?;
    refuse_platform_address(state, token, address).await?;
    let chain_id = token.chain.chain_id;
    // A token registered moments ago: its index starts within seconds (`serve` and `index` look for new
    // tokens every 2 s); its wallets are registered once it has.
    if !state.store.ledger_indexed(chain_id).await? {
        return Err(Problem::unavailable(format!(
            "the token {:#x} was registered moments ago and its index is starting: nothing was written; try again in a few seconds",
            token.chain.contract
        ))
        .retry_after(2));
    }
    let wallet_id = ids::wallet_id(chain_id, &address.0.0);
    let wallet = match state
        .store
        .register_wallet(&NewWallet {
            id: wallet_id,
            chain_id,
            address: address.0.0,
            user_id: user.id,
            client_id: user.client_id,
            iban: None,
            max_for_user: max,
        })
        .await?
    {
        Registration::Registered(row) => row,
        Registration::Taken(row) => {
            return Err(Problem::conflict(format!(
                "address {address:#x} already belongs to wallet {}",
                row.id
            )));
        }
        Registration::Unsubscribed(row) => {
            return Err(Problem::conflict(format!(
                "address {address:#x} was unsubscribed (wallet {}): it can never be registered again",
                row.id
            )));
        }
        Registration::TooMany(count) => {
            return Err(Problem::conflict(format!(
                "user {} has {count} wallets: the most a user may have",
                user.id
            )));
        }
    };
    let calls = if wallet.registered {
        vec![]
    } else {
        let call = token.compliance.prepare().register_wallet(address, level);
        vec![token.compliance_call(call)]
    };
    let answer = WalletRegistered {
        links: SelfLink {
            this: Link::new(format!("{PUBLIC}/wallets/{wallet_id}")),
        },
        dlt_address: format!("{address:#x}"),
        dlt_network: token.chain.network.clone(),
        status: if wallet.registered {
            WalletStatus::Ready
        } else {
            WalletStatus::Pending
        },
        user_id: user.id,
        wallet_id,
        iban: wallet.iban.clone(),
        currency: token.chain.currency.clone(),
        issuer_id: token.chain.issuer_id,
    };
    let request = NewRequest {
        id: Uuid::new_v4(),
        client_id: user.client_id,
        wallet_id: Some(wallet_id),
        record_id: Some(wallet_id),
        details: json!({ "kycLevel": level, "userId": user.id }),
        ..NewRequest::new(RequestKind::RegisterWallet)
    };
    Ok((answer, request, calls))
}

/// `POST /api/v1/public/wallets/{walletId}/create-iban`: gives a wallet its virtual IBAN (Spanish
/// form), which SEPA cash-ins name: the wallet READY, its user not unsubscribed and at KYC level 1 or
/// more. Asking again answers the IBAN it has.
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/create-iban", tag = "wallets", params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')")),
    responses((status = 200, description = "the wallet, with its IBAN", body = crate::answers::Wallet),
              (status = 400, description = "walletId is not a UUID", body = crate::answers::Errors), (status = 404, description = "no such wallet", body = crate::answers::Errors),
              (status = 409, description = "the wallet is not READY, or its user is unsubscribed or below KYC level 1", body = crate::answers::Errors)))]
pub(crate) async fn create_iban(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(wallet_id): Path<String>,
) -> Result<Json<Wallet>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let token = state.token_of(&wallet).await?;
    if wallet.iban.is_some() {
        return Ok(Json(views::wallet(
            &token.chain,
            &wallet,
            Some(&client.name),
        )));
    }
    if wallet.status != WalletStatus::Ready {
        return Err(Problem::conflict(format!(
            "wallet {} is {}: only a READY wallet gets an IBAN",
            wallet.id, wallet.status
        )));
    }
    let user = match wallet.user_id {
        Some(id) => state.store.user(id).await?,
        None => None,
    };
    let Some(user) = user else {
        return Err(Problem::conflict(format!(
            "wallet {} has no user the platform knows: it gets no IBAN",
            wallet.id
        )));
    };
    if user.status == UserStatus::Unsubscribed {
        return Err(Problem::conflict(format!(
            "user {} is unsubscribed: its wallets get no IBAN",
            user.id
        )));
    }
    if user.kyc_level.unwrap_or(0) < 1 {
        return Err(Problem::conflict(format!(
            "user {} is at KYC level {}: an IBAN needs level 1 or more",
            user.id,
            user.kyc_level.unwrap_or(0)
        )));
    }
    let account = u64::from_be_bytes(wallet.id.as_bytes()[..8].try_into().unwrap_or_default());
    let iban = iban::generate_es("9999", "0001", account).to_string();
    let row = match state.store.set_iban(wallet.id, &iban).await? {
        Some(row) => row,
        // Given one meanwhile: the wallet as it is now.
        None => owned_wallet(&state, &client, "walletId", &wallet_id).await?,
    };
    Ok(Json(views::wallet(&token.chain, &row, Some(&client.name))))
}

/// Refuses (409) addresses that cannot be a user's wallet of `token`: the zero address, a token
/// contract the platform serves, the token's suspense account and the platform's own signing keys.
pub(crate) async fn refuse_platform_address(
    state: &ApiState,
    token: &Token,
    address: Address,
) -> Result<(), Problem> {
    let platform = &state.platform;
    let suspense = token
        .operator
        .contract()
        .suspenseAccount()
        .call()
        .await
        .map_err(|e| Problem::unavailable(format!("cannot read the suspense account: {e}")))?;
    let another_token = address == state.chain.contract || state.token_at(address).await?.is_some();
    let why = if address == Address::ZERO {
        Some("the zero address")
    } else if address == token.chain.contract {
        Some("the token contract itself")
    } else if another_token {
        Some("a token contract the platform serves")
    } else if address == suspense {
        Some("the platform's suspense account")
    } else if Some(address) == platform.operator.signer() {
        Some("the platform's operator account")
    } else if Some(address) == platform.compliance.signer() {
        Some("the platform's compliance account")
    } else {
        None
    };
    match why {
        Some(what) => Err(Problem::conflict(format!(
            "dltAddress {address:#x} is {what}: it cannot be a user's wallet"
        ))),
        None => Ok(()),
    }
}

/// `DELETE /api/v1/public/wallets/{walletId}`: unsubscribes a wallet whose three balances are 0;
/// irreversible (the address is frozen on chain and can never be registered again).
#[utoipa::path(delete, path = "/api/v1/public/wallets/{walletId}", tag = "wallets", params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')")),
    responses((status = 200, description = "unsubscribed (and frozen on chain): irreversible", body = crate::answers::WalletUnsubscribed),
              (status = 400, description = "walletId is not a UUID", body = crate::answers::Errors), (status = 404, description = "no such wallet", body = crate::answers::Errors),
              (status = 409, description = "already unsubscribed, or the wallet has funds or operations on their way", body = crate::answers::Errors)))]
pub(crate) async fn unsubscribe_wallet(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(wallet_id): Path<String>,
) -> Result<Json<WalletUnsubscribed>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let token = state.token_of(&wallet).await?;
    if wallet.status == WalletStatus::Unsubscribed {
        return Err(Problem::conflict(format!(
            "wallet {} is already unsubscribed",
            wallet.id
        )));
    }
    let Some(row) = state.store.unsubscribe_wallet(wallet.id).await? else {
        return Err(Problem::conflict(format!(
            "wallet {} cannot be unsubscribed: balance {}, available {}, held {} must all be 0 and no operation may be on its way",
            wallet.id,
            views::amount(&token.chain, wallet.balance),
            views::amount(&token.chain, wallet.available()),
            views::amount(&token.chain, wallet.held)
        )));
    };
    let address = Address::from(row.address);
    if row.registered && !row.frozen {
        let call = token.compliance.prepare().freeze(address);
        let request = NewRequest {
            id: Uuid::new_v4(),
            client_id: client.id,
            idempotency_key: None,
            fingerprint: [0; 32],
            wallet_id: None,
            record_id: Some(row.id),
            record_key: None,
            concept: None,
            details: json!({}),
            movements: vec![],
            ..NewRequest::new(RequestKind::Unsubscribe)
        };
        // The wallet is unsubscribed in the platform's records whatever the chain says; freezing the
        // address is the on-chain half, retried by hand if the node refuses it (logged).
        let _ = idempotency::run(
            &state,
            request,
            vec![token.compliance_call(call)],
            (StatusCode::OK, json!({})),
            None,
        )
        .await;
    }
    Ok(Json(WalletUnsubscribed {
        links: SelfLink {
            this: Link::new(format!("{PUBLIC}/wallets/{}", row.id)),
        },
        dlt_address: format!("{address:#x}"),
        dlt_network: token.chain.network.clone(),
        status: row.status,
        user_id: row.user_id,
        wallet_id: row.id,
    }))
}

/// The token a new wallet holds: the platform's own without `currency` and `issuer`; else the token of
/// the issuer named, or of the currency's only issuer on the chains the platform reaches (400 naming the
/// field otherwise).
pub(crate) async fn wallet_token(
    state: &ApiState,
    currency: Option<&str>,
    issuer: Option<&str>,
) -> Result<Token, Problem> {
    let reached = |chain: i64| u64::try_from(chain).is_ok_and(|c| state.platform.reaches(c));
    let currency = match currency {
        Some(code) => {
            let code = emtoken_types::catalogue::CurrencyCode::parse(code)
                .map_err(|e| Problem::bad("currency", e))?;
            let code = code.as_str();
            Some(state.store.currency_by_code(code).await?.ok_or_else(|| {
                Problem::bad("currency", format!("no currency {code} in the catalogue"))
            })?)
        }
        None => None,
    };
    let issuer = match issuer {
        Some(text) => {
            let id = fields::uuid("issuerId", text)?;
            let row = state
                .store
                .issuer(id)
                .await?
                .ok_or_else(|| Problem::bad("issuerId", format!("no issuer {id}")))?;
            if !reached(row.chain_id) {
                return Err(Problem::bad(
                    "issuerId",
                    format!(
                        "issuer {id}'s token is on chain {}, which this platform has no node of",
                        row.chain_id
                    ),
                ));
            }
            if let Some(c) = &currency
                && c.id != row.currency_id
            {
                return Err(Problem::bad(
                    "issuerId",
                    format!("issuer {id} issues {}, not {}", row.currency_code, c.code),
                ));
            }
            Some(row)
        }
        None => match &currency {
            Some(c) => {
                let (rows, _) = state
                    .store
                    .issuers_page(
                        Some(c.id),
                        emtoken_store::api::Paging {
                            page: 0,
                            size: 1000,
                        },
                    )
                    .await?;
                let mut here = rows.into_iter().filter(|i| reached(i.chain_id));
                match (here.next(), here.next()) {
                    (Some(only), None) => Some(only),
                    (None, _) => {
                        return Err(Problem::bad(
                            "currency",
                            format!("no issuer of {} on a chain this platform serves", c.code),
                        ));
                    }
                    (Some(_), Some(_)) => {
                        return Err(Problem::bad(
                            "issuerId",
                            format!("{} has several issuers: name one", c.code),
                        ));
                    }
                }
            }
            None => None,
        },
    };
    let Some(issuer) = issuer else {
        return state.primary_token().await;
    };
    let contract = Address::from(issuer.token_address);
    state
        .token_on(issuer.chain_id, contract)
        .await?
        .ok_or_else(|| {
            Problem::internal(format!(
                "issuer {}'s token {contract:#x} is not served",
                issuer.id
            ))
        })
}
