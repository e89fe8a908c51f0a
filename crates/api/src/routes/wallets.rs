use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use axum::{
    Json,
    extract::{Path, Query, State},
    http::{StatusCode, header::LOCATION},
    response::Response,
};
use emtoken_store::{
    api::{ExpectedMovement, NewRequest, NewWallet, Registration, RequestKind, WalletsQuery},
    ids,
    vocabulary::WalletStatus,
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
    views::{self, PUBLIC},
};

/// Register a wallet for a user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CreateWallet {
    /// The user (a UUID of the client's choosing).
    #[schema(value_type = uuid::Uuid)]
    user_id: String,
    /// The address to register; without it the platform generates one and keeps no key. A mixed-case
    /// address must carry its EIP-55 checksum (400).
    #[schema(value_type = Option<crate::answers::HexAddress>)]
    dlt_address: Option<String>,
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
    let wallets = rows
        .iter()
        .map(|w| views::wallet(&state, w, Some(&client.name)))
        .collect();
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
    Ok(Json(views::wallet(&state, &wallet, Some(&client.name))))
}

/// `POST /api/v1/public/wallets`: registers an address (given, or generated with its key thrown away)
/// for a user at a KYC level; the wallet is PENDING until its on-chain registration is indexed.
#[utoipa::path(post, path = "/api/v1/public/wallets", tag = "wallets", request_body = CreateWallet,
    responses((status = 201, description = "registered: PENDING until the chain has it (Location: the wallet)", body = crate::answers::WalletRegistered,
                   headers(("Location" = String, description = "the wallet"))),
              (status = 409, description = "the address belongs to a wallet, was unsubscribed, or is one of the platform's own", body = crate::answers::Errors)))]
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
    // New wallets start at KYC level 0; only the compliance side changes levels.
    let level = 0u8;
    refuse_platform_address(&state, address).await?;
    let chain_id = state.chain.chain_id;
    let wallet_id = ids::wallet_id(chain_id, &address.0.0);
    let account = u64::from_be_bytes(wallet_id.as_bytes()[..8].try_into().unwrap_or_default());
    let iban = iban::generate_es("9999", "0001", account).to_string();
    let wallet = match state
        .store
        .register_wallet(&NewWallet {
            id: wallet_id,
            chain_id,
            address: address.0.0,
            user_id,
            client_id: client.id,
            iban,
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
    };
    let calls = if wallet.registered {
        vec![]
    } else {
        let call = state
            .platform
            .compliance
            .prepare()
            .register_wallet(address, level);
        vec![Call::compliance(call)]
    };
    let answer = WalletRegistered {
        links: SelfLink {
            this: Link::new(format!("{PUBLIC}/wallets/{wallet_id}")),
        },
        dlt_address: format!("{address:#x}"),
        dlt_network: state.chain.network.clone(),
        status: if wallet.registered {
            WalletStatus::Ready
        } else {
            WalletStatus::Pending
        },
        user_id,
        wallet_id,
        iban: wallet.iban.clone(),
    };
    let request = NewRequest {
        id: Uuid::new_v4(),
        wallet_id: Some(wallet_id),
        record_id: Some(wallet_id),
        record_key: None,
        concept: None,
        details: json!({ "kycLevel": level }),
        movements: Vec::<ExpectedMovement>::new(),
        ..NewRequest::new(RequestKind::RegisterWallet)
    };
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

/// Refuses (409) addresses that cannot be a user's wallet: the zero address, the token contract, the
/// suspense account and the platform's own signing keys.
pub(crate) async fn refuse_platform_address(
    state: &ApiState,
    address: Address,
) -> Result<(), Problem> {
    let platform = &state.platform;
    let suspense = platform
        .operator
        .contract()
        .suspenseAccount()
        .call()
        .await
        .map_err(|e| Problem::unavailable(format!("cannot read the suspense account: {e}")))?;
    let why = if address == Address::ZERO {
        Some("the zero address")
    } else if address == state.chain.contract {
        Some("the token contract itself")
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
            views::amount(&state, wallet.balance),
            views::amount(&state, wallet.available()),
            views::amount(&state, wallet.held)
        )));
    };
    let address = Address::from(row.address);
    if row.registered && !row.frozen {
        let call = state.platform.compliance.prepare().freeze(address);
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
            vec![Call::compliance(call)],
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
        dlt_network: state.chain.network.clone(),
        status: row.status,
        user_id: row.user_id,
        wallet_id: row.id,
    }))
}
