//! Favourite external accounts (the guide's "Add favourite external account" and what follows): bank
//! accounts a wallet's user pays out to by name, and the cash-out to one.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use emtoken_store::{
    WalletRow,
    api::{FavouriteAdded, FavouriteRow, NewFavourite, NewRequest, RequestKind},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{owned_wallet, ready, transfers::order_cash_out};
use crate::{
    ApiState, Problem,
    answers::{
        Favourite, FavouriteCashOutAccepted, FavouriteChanged, FavouriteLinks, FavouriteList,
        FavouriteStatus, Link, Page, SelfLink,
    },
    auth::ClientCaller,
    fields,
    iban::Iban,
    idempotency,
    paging::ListQuery,
    post::WalletPost,
    views::{self, PUBLIC},
};

/// The longest alias.
const MAX_ALIAS: usize = 100;

/// A favourite external account to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AddFavourite {
    /// Its name: one line of 1 to 100 characters, one ACTIVE favourite's per wallet.
    #[schema(example = "My favourite account", min_length = 1, max_length = 100)]
    alias: String,
    /// The bank account.
    external_iban: super::transfers::IbanObject,
}

/// A cash-out to a favourite external account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct FavouriteCashOut {
    /// The favourite (ACTIVE, of this wallet).
    #[schema(value_type = uuid::Uuid)]
    favourite_external_account_id: String,
    /// Amount, a decimal string.
    #[schema(value_type = crate::fields::RequestAmount)]
    amount: String,
    /// Purpose.
    #[schema(value_type = Option<crate::fields::Concept>)]
    concept: Option<String>,
}

fn list_path(wallet: Uuid) -> String {
    format!("{PUBLIC}/wallets/{wallet}/favourite-external-accounts")
}

fn status(row: &FavouriteRow) -> FavouriteStatus {
    if row.status == "ACTIVE" {
        FavouriteStatus::Active
    } else {
        FavouriteStatus::Deleted
    }
}

/// The answer to adding or deleting `row`.
fn changed(row: &FavouriteRow) -> FavouriteChanged {
    FavouriteChanged {
        links: SelfLink {
            this: Link::new(list_path(row.wallet_id)),
        },
        favourite_external_account_id: row.id,
        alias: row.alias.clone(),
        external_iban: row.iban.clone(),
        status: status(row),
    }
}

/// `row` as the guide reads one.
fn favourite(row: &FavouriteRow) -> Favourite {
    Favourite {
        links: FavouriteLinks {
            this: Link::new(format!("{}/{}", list_path(row.wallet_id), row.id)),
            wallet: Link::new(format!("{PUBLIC}/wallets/{}", row.wallet_id)),
        },
        id: row.id,
        wallet_id: row.wallet_id,
        alias: row.alias.clone(),
        iban: row.iban.clone(),
        status: status(row),
        created_at: views::time(row.created_at),
    }
}

/// `POST /api/v1/public/wallets/{walletId}/favourite-external-accounts`: adds a favourite external
/// account to a READY wallet.
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/favourite-external-accounts", tag = "favourites", request_body = AddFavourite,
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')")),
    responses((status = 201, description = "added, ACTIVE", body = crate::answers::FavouriteChanged),
              (status = 400, description = "a field is wrong (the alias, the IBAN: its country's length, its check digits)", body = crate::answers::Errors),
              (status = 404, description = "no such wallet", body = crate::answers::Errors),
              (status = 409, description = "the wallet is not READY, has an ACTIVE favourite with this alias, or has as many ACTIVE favourites as it may", body = crate::answers::Errors)))]
pub(crate) async fn add_favourite(
    State(state): State<ApiState>,
    post: WalletPost<AddFavourite>,
) -> Result<Response, Problem> {
    let (wallet, body) = (&post.wallet, &post.body);
    let alias = fields::line("alias", &body.alias, MAX_ALIAS)?;
    let iban = Iban::parse(&body.external_iban.account_number)
        .map_err(|e| Problem::bad("externalIban.accountNumber", e))?;
    ready(wallet, "the")?;
    let id = Uuid::new_v4();
    let row = FavouriteRow {
        id,
        wallet_id: wallet.id,
        client_id: post.caller.id,
        alias,
        iban: iban.as_str().to_owned(),
        status: "ACTIVE".into(),
        created_at: chrono::Utc::now(),
        deleted_at: None,
    };
    let answer = serde_json::to_value(changed(&row)).map_err(Problem::internal)?;
    let request = post.own(NewRequest {
        wallet_id: Some(wallet.id),
        record_id: Some(id),
        details: json!({ "alias": row.alias, "iban": row.iban }),
        calls: json!([]),
        accepted: (StatusCode::CREATED.as_u16(), answer.clone()),
        ..NewRequest::new(RequestKind::AddFavouriteAccount)
    });
    let max = state.onboarding.max_favourites;
    let new = NewFavourite {
        id,
        wallet_id: wallet.id,
        client_id: post.caller.id,
        alias: row.alias.clone(),
        iban: row.iban.clone(),
    };
    match state.store.add_favourite(&request, &new, max).await? {
        FavouriteAdded::Added(_) => Ok((StatusCode::CREATED, Json(answer)).into_response()),
        FavouriteAdded::Repeated(first) => Ok(idempotency::replay(&first, &post.fingerprint)),
        FavouriteAdded::AliasTaken(other) => Err(Problem::conflict(format!(
            "wallet {} has a favourite external account with alias {:?} already: {other}",
            wallet.id, row.alias
        ))),
        FavouriteAdded::TooMany(n) => Err(Problem::conflict(format!(
            "wallet {} has {n} favourite external accounts, as many as a wallet may have ({max}): delete one first",
            wallet.id
        ))),
    }
}

/// The wallet's favourite with id `id` (path text): 400, 404.
async fn find(state: &ApiState, wallet: &WalletRow, id: &str) -> Result<FavouriteRow, Problem> {
    let id = fields::uuid("favouriteExternalAccountId", id)?;
    state.store.favourite(wallet.id, id).await?.ok_or_else(|| {
        Problem::not_found(format!(
            "wallet {} has no favourite external account {id}",
            wallet.id
        ))
    })
}

/// `GET /api/v1/public/wallets/{walletId}/favourite-external-accounts/{favouriteExternalAccountId}`.
#[utoipa::path(get, path = "/api/v1/public/wallets/{walletId}/favourite-external-accounts/{favouriteExternalAccountId}", tag = "favourites",
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"), ("favouriteExternalAccountId" = uuid::Uuid, Path, description = "the favourite")),
    responses((status = 200, description = "the favourite (ACTIVE or DELETED)", body = crate::answers::Favourite),
              (status = 400, description = "an id is not a UUID", body = crate::answers::Errors), (status = 404, description = "no such wallet or favourite", body = crate::answers::Errors)))]
pub(crate) async fn get_favourite(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path((wallet_id, id)): Path<(String, String)>,
) -> Result<Json<Favourite>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    Ok(Json(favourite(&find(&state, &wallet, &id).await?)))
}

/// `GET /api/v1/public/wallets/{walletId}/favourite-external-accounts`: paged, ACTIVE and DELETED ones.
#[utoipa::path(get, path = "/api/v1/public/wallets/{walletId}/favourite-external-accounts", tag = "favourites",
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"),
           ("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)"),
           ("sort" = Option<String>, Query, pattern = r"^(createdAt|alias|status)(,([aA][sS][cC]|[dD][eE][sS][cC]))?$", description = "field[,asc|desc] (default createdAt,asc)")),
    responses((status = 200, description = "a page of the wallet's favourites", body = crate::answers::Page<crate::answers::FavouriteList>),
              (status = 400, description = "a parameter is wrong", body = crate::answers::Errors), (status = 404, description = "no such wallet", body = crate::answers::Errors)))]
pub(crate) async fn list_favourites(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(wallet_id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<FavouriteList>>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let q = ListQuery::parse(params, &["createdAt", "alias", "status"], &[])?;
    let (rows, total) = state
        .store
        .favourites_page(wallet.id, &q.sort, q.paging)
        .await?;
    Ok(Json(q.page(
        &list_path(wallet.id),
        FavouriteList {
            favourite_external_accounts: rows.iter().map(favourite).collect(),
        },
        total,
    )))
}

/// `DELETE /api/v1/public/wallets/{walletId}/favourite-external-accounts/{favouriteExternalAccountId}`:
/// for ever (a deleted one answers the same again).
#[utoipa::path(delete, path = "/api/v1/public/wallets/{walletId}/favourite-external-accounts/{favouriteExternalAccountId}", tag = "favourites",
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"), ("favouriteExternalAccountId" = uuid::Uuid, Path, description = "the favourite")),
    responses((status = 200, description = "deleted", body = crate::answers::FavouriteChanged),
              (status = 400, description = "an id is not a UUID", body = crate::answers::Errors), (status = 404, description = "no such wallet or favourite", body = crate::answers::Errors)))]
pub(crate) async fn delete_favourite(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path((wallet_id, id)): Path<(String, String)>,
) -> Result<Json<FavouriteChanged>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let row = find(&state, &wallet, &id).await?;
    let row = state
        .store
        .delete_favourite(wallet.id, row.id)
        .await?
        .ok_or_else(|| Problem::internal("a favourite vanished"))?;
    Ok(Json(changed(&row)))
}

/// `POST /api/v1/public/wallets/{walletId}/cashout-to-favourite-external-account`: a cash-out to an
/// ACTIVE favourite of the wallet, as `cashOuts` to its IBAN.
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/cashout-to-favourite-external-account", tag = "favourites", request_body = FavouriteCashOut,
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')")),
    responses((status = 202, description = "ordered: the BANK_ACCOUNT_CASHOUT movement, PENDING until the bank side decides", body = crate::answers::FavouriteCashOutAccepted),
              (status = 400, description = "a field is wrong, or the wallet has no such favourite", body = crate::answers::Errors),
              (status = 404, description = "no such wallet", body = crate::answers::Errors),
              (status = 409, description = "the favourite is DELETED, the wallet is not READY, the available balance less what is on its way cannot cover it, or the contract refused it", body = crate::answers::Errors)))]
pub(crate) async fn cash_out_to_favourite(
    State(state): State<ApiState>,
    post: WalletPost<FavouriteCashOut>,
) -> Result<Response, Problem> {
    let (wallet, body) = (&post.wallet, &post.body);
    let id = fields::uuid(
        "favouriteExternalAccountId",
        &body.favourite_external_account_id,
    )?;
    let token = state.token_of(wallet).await?;
    let amount = fields::amount("amount", &body.amount, token.chain.decimals)?;
    let concept = fields::concept(body.concept.clone())?;
    let row = state.store.favourite(wallet.id, id).await?.ok_or_else(|| {
        Problem::bad(
            "favouriteExternalAccountId",
            format!(
                "wallet {} has no favourite external account {id}",
                wallet.id
            ),
        )
    })?;
    if row.status != "ACTIVE" {
        return Err(Problem::conflict(format!(
            "favourite external account {id} is DELETED: it takes no cash-out"
        )));
    }
    let iban = Iban::parse(&row.iban).map_err(Problem::internal)?;
    order_cash_out(&state, &post, &iban, amount, concept, |ids| {
        FavouriteCashOutAccepted {
            links: SelfLink {
                this: Link::new(format!(
                    "{PUBLIC}/wallets/{}/movements/{}",
                    wallet.id, ids.movement_id
                )),
            },
            movement_id: ids.movement_id,
            status: crate::answers::Accepted::Pending,
            amount: amount.to_string(),
            favourite_external_account_iban: row.iban.clone(),
            favourite_external_account_id: row.id,
            alias: row.alias.clone(),
            commission: ids.commission,
            commission_movement_id: ids.commission_movement_id,
        }
    })
    .await
}
