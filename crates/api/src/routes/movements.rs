use axum::{
    Json,
    extract::{Path, Query, State},
};
use emtoken_store::api::MovementsQuery;

use super::owned_wallet;
use emtoken_store::vocabulary::MovementStatus;

use crate::{
    ApiState, Problem,
    answers::{Movement, MovementList, Page},
    auth::ClientCaller,
    fields,
    paging::ListQuery,
    views::{self, PUBLIC},
};

/// `GET /api/v1/public/wallets/{walletId}/movements`: paged, filtered by `startDate`, `endDate`
/// (creation time, inclusive) and `status`.
#[utoipa::path(get, path = "/api/v1/public/wallets/{walletId}/movements", tag = "movements",
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"), ("startDate" = Option<String>, Query, format = DateTime, description = "created at or after: RFC 3339, or 2020-02-28 12:00:00 (UTC) or 2020-02-28; after endDate is a 400"), ("endDate" = Option<String>, Query, format = DateTime, description = "created at or before (same forms)"), ("status" = Option<crate::answers::MovementStatus>, Query, description = "only movements with this status"), ("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)"), ("sort" = Option<String>, Query, pattern = r"^(createdAt|updatedAt|amount|status|type)(,([aA][sS][cC]|[dD][eE][sS][cC]))?$", description = "field[,asc|desc] (default createdAt,asc)")),
    responses((status = 200, description = "a page of the wallet's movements", body = crate::answers::Page<crate::answers::MovementList>),
              (status = 400, description = "walletId is not a UUID, or a query parameter is wrong or unknown", body = crate::answers::Errors),
              (status = 404, description = "no such wallet", body = crate::answers::Errors)))]
pub(crate) async fn list_movements(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(wallet_id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<MovementList>>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let (q, movements, total) = movements_of(&state, &wallet, params).await?;
    Ok(Json(q.page(
        &format!("{PUBLIC}/wallets/{}/movements", wallet.id),
        MovementList { movements },
        total,
    )))
}

/// A page of `wallet`'s movements as `params` ask (filters, paging, sorting), each as the API shows it,
/// with the list query (for the page's links) and the total.
pub(crate) async fn movements_of(
    state: &ApiState,
    wallet: &emtoken_store::WalletRow,
    params: Vec<(String, String)>,
) -> Result<(ListQuery, Vec<Movement>, i64), Problem> {
    let (q, query) = movements_query(params, wallet.id)?;
    let (rows, total) = state.store.movements_page(&query).await?;
    let token = state.token_of(wallet).await?;
    let owners = views::owners(
        state,
        &token.chain,
        // The wallet itself too: its user pays its cash-outs.
        std::iter::once(Some(wallet.address.to_vec())).chain(
            rows.iter()
                .flat_map(|m| [m.origin_address.clone(), m.target_address.clone()]),
        ),
    )
    .await?
    .with_cards(state, rows.iter())
    .await?;
    let items = rows
        .iter()
        .map(|m| views::movement(&token.chain, wallet, m, &owners))
        .collect();
    Ok((q, items, total))
}

/// The list parameters of a wallet's movements (`startDate`, `endDate`, `status`, paging and sorting),
/// checked, and the store's query for them.
pub(crate) fn movements_query(
    params: Vec<(String, String)>,
    wallet_id: uuid::Uuid,
) -> Result<(ListQuery, MovementsQuery), Problem> {
    let q = ListQuery::parse(
        params,
        &["createdAt", "updatedAt", "amount", "status", "type"],
        &["startDate", "endDate", "status"],
    )?;
    let status = q
        .filters
        .get("status")
        .map(|s| {
            s.parse::<MovementStatus>().map_err(|_| {
                let known: Vec<_> = MovementStatus::ALL.iter().map(|s| s.as_str()).collect();
                Problem::bad(
                    "status",
                    format!("'{s}' is not one of {}", known.join(", ")),
                )
            })
        })
        .transpose()?;
    let start = q
        .filters
        .get("startDate")
        .map(|d| fields::filter_date("startDate", d))
        .transpose()?;
    let end = q
        .filters
        .get("endDate")
        .map(|d| fields::filter_date("endDate", d))
        .transpose()?;
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(Problem::bad("startDate", "is after endDate"));
    }
    let query = MovementsQuery {
        wallet_id,
        status,
        start,
        end,
        sort: q.sort.clone(),
        paging: q.paging,
    };
    Ok((q, query))
}

/// `GET /api/v1/public/wallets/{walletId}/movements/{movementId}`.
#[utoipa::path(get, path = "/api/v1/public/wallets/{walletId}/movements/{movementId}", tag = "movements",
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"), ("movementId" = uuid::Uuid, Path, description = "the movement")),
    responses((status = 200, description = "the movement", body = crate::answers::Movement),
              (status = 400, description = "an id is not a UUID", body = crate::answers::Errors), (status = 404, description = "no such wallet or movement", body = crate::answers::Errors)))]
pub(crate) async fn get_movement(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path((wallet_id, movement_id)): Path<(String, String)>,
) -> Result<Json<Movement>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let id = fields::uuid("movementId", &movement_id)?;
    let m = state
        .store
        .movement_view(wallet.id, id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("wallet {} has no movement {id}", wallet.id)))?;
    let token = state.token_of(&wallet).await?;
    let owners = views::owners(
        &state,
        &token.chain,
        [
            Some(wallet.address.to_vec()),
            m.origin_address.clone(),
            m.target_address.clone(),
        ]
        .into_iter(),
    )
    .await?
    .with_cards(&state, std::iter::once(&m))
    .await?;
    Ok(Json(views::movement(&token.chain, &wallet, &m, &owners)))
}
