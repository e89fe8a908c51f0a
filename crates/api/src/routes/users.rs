//! Users: a client creates people and companies (`/api/v2/public/users/…`, as the guide's version 2)
//! and reads its own (`/api/v1/public/users`). Creating one sends nothing to the chain: the user and the
//! request that makes it are written in one transaction, under the request's `Idempotency-Key`.

mod bodies;

use alloy::primitives::Address;
use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use emtoken_store::{
    api::{ClientRow, NewRequest, NewUser, RequestKind, Taken, UserCreation, UserRow, UsersQuery},
    vocabulary::UserStatus,
};
use serde_json::json;

pub(crate) use bodies::{CreateJuridicalUser, CreateNaturalUser};

use super::refuse_platform_address;
use crate::{
    ApiState, Problem,
    answers::{Link, Page, SelfLink, User, UserCreated, UserList},
    auth::ClientCaller,
    fields, idempotency,
    paging::ListQuery,
    post::Post,
    views::{self, PUBLIC},
};

/// `POST /api/v2/public/users/natural`: creates a person as one of the client's users, CREATED.
#[utoipa::path(post, path = "/api/v2/public/users/natural", tag = "users", request_body = CreateNaturalUser,
    responses((status = 202, description = "created: CREATED, its phone to be verified next", body = crate::answers::UserCreated),
              (status = 400, description = "a field is wrong, the detail names it: a DNI's or NIE's check letter, the phone not in E.164, the email, a birth date in the future or of someone under 18, an unknown country", body = crate::answers::Errors),
              (status = 409, description = "the client already has a user with this document or mobile phone; the dltAddress is already a user's or a wallet's, or one of the platform's own", body = crate::answers::Errors)))]
pub(crate) async fn create_natural_user(
    State(state): State<ApiState>,
    post: Post<CreateNaturalUser>,
) -> Result<Response, Problem> {
    let user = post.body.checked(post.caller.id, Utc::now().date_naive())?;
    if post.body.dlt_address.is_some() {
        let token = state.primary_token().await?;
        refuse_platform_address(&state, &token, Address::from(user.dlt_address)).await?;
    }
    create(&state, &post, user).await
}

/// `POST /api/v2/public/users/juridical`: creates a company as one of the client's users, CREATED.
#[utoipa::path(post, path = "/api/v2/public/users/juridical", tag = "users", request_body = CreateJuridicalUser,
    responses((status = 202, description = "created: CREATED, its phone to be verified next", body = crate::answers::UserCreated),
              (status = 400, description = "a field is wrong, the detail names it: a CIF's control character, the legal representative's DNI or NIE, the phone not in E.164, the email, an incorporation date in the future, an unknown country", body = crate::answers::Errors),
              (status = 409, description = "the client already has a user with this document or mobile phone; the dltAddress is already a user's or a wallet's, or one of the platform's own", body = crate::answers::Errors)))]
pub(crate) async fn create_juridical_user(
    State(state): State<ApiState>,
    post: Post<CreateJuridicalUser>,
) -> Result<Response, Problem> {
    let user = post.body.checked(post.caller.id, Utc::now().date_naive())?;
    if post.body.dlt_address.is_some() {
        let token = state.primary_token().await?;
        refuse_platform_address(&state, &token, Address::from(user.dlt_address)).await?;
    }
    create(&state, &post, user).await
}

/// Writes `user` with the request that makes it, in one transaction (a retry with the same
/// `Idempotency-Key` gets the first answer and creates nothing), and answers 202.
async fn create<B>(state: &ApiState, post: &Post<B>, user: NewUser) -> Result<Response, Problem> {
    let address = Address::from(user.dlt_address);
    let answer = UserCreated {
        links: SelfLink {
            this: Link::new(format!("{PUBLIC}/users/{}", user.id)),
        },
        id: user.id,
        kind: user.kind,
        status: UserStatus::Created,
        dlt_address: format!("{address:#x}"),
    };
    let body = serde_json::to_value(&answer).map_err(Problem::internal)?;
    let request = post.own(NewRequest {
        record_id: Some(user.id),
        details: json!({ "kind": user.kind }),
        calls: json!([]),
        accepted: (StatusCode::ACCEPTED.as_u16(), body.clone()),
        ..NewRequest::new(RequestKind::CreateUser)
    });
    let client = &post.caller.name;
    match state
        .store
        .create_user(&request, &user, state.chain.chain_id)
        .await?
    {
        UserCreation::Created(_) => Ok((StatusCode::ACCEPTED, Json(body)).into_response()),
        UserCreation::Repeated(first) => Ok(idempotency::replay(&first, &post.fingerprint)),
        UserCreation::Taken(taken) => Err(Problem::conflict(match taken {
            Taken::Document(id) => format!(
                "client {client} already has a user with {} {}: user {id}",
                user.document_type, user.document_number
            ),
            Taken::Phone(id) => format!(
                "client {client} already has a user with mobile phone {}: user {id}",
                user.mobile_phone
            ),
            Taken::UserAddress => {
                format!("dltAddress {address:#x} is already a user's: give another or none")
            }
            Taken::WalletAddress(wallet) => format!(
                "dltAddress {address:#x} belongs to wallet {wallet} (or was unsubscribed): give another or none"
            ),
        })),
    }
}

/// The user `id` (path text) if it exists (404) and is one of the caller's client's (403).
pub(crate) async fn owned_user(
    state: &ApiState,
    client: &ClientRow,
    id: &str,
) -> Result<UserRow, Problem> {
    let id = fields::uuid("userId", id)?;
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no user with id {id}")))?;
    if user.client_id != client.id {
        return Err(Problem::forbidden(format!(
            "user {id} is not a user of client {}",
            client.name
        )));
    }
    Ok(user)
}

/// `GET /api/v1/public/users/{userId}`.
#[utoipa::path(get, path = "/api/v1/public/users/{userId}", tag = "users", params(("userId" = uuid::Uuid, Path, description = "the user (one of the client's)")),
    responses((status = 200, description = "the user", body = crate::answers::User),
              (status = 400, description = "userId is not a UUID", body = crate::answers::Errors), (status = 404, description = "no such user", body = crate::answers::Errors)))]
pub(crate) async fn get_user(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(user_id): Path<String>,
) -> Result<Json<User>, Problem> {
    let user = owned_user(&state, &client, &user_id).await?;
    Ok(Json(views::user(&user)))
}

/// `GET /api/v1/public/users`: the client's users, paged.
#[utoipa::path(get, path = "/api/v1/public/users", tag = "users",
    params(("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)"),
           ("sort" = Option<String>, Query, pattern = r"^(createdAt|updatedAt|status)(,([aA][sS][cC]|[dD][eE][sS][cC]))?$", description = "field[,asc|desc] (default createdAt,asc)")),
    responses((status = 200, description = "a page of the client's users", body = crate::answers::Page<crate::answers::UserList>),
              (status = 400, description = "a query parameter is wrong or unknown", body = crate::answers::Errors)))]
pub(crate) async fn list_users(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<UserList>>, Problem> {
    let q = ListQuery::parse(params, &["createdAt", "updatedAt", "status"], &[])?;
    let (rows, total) = state
        .store
        .users_page(&UsersQuery {
            client_id: client.id,
            sort: q.sort.clone(),
            paging: q.paging,
        })
        .await?;
    let users = rows.iter().map(views::user).collect();
    Ok(Json(q.page(
        &format!("{PUBLIC}/users"),
        UserList { users },
        total,
    )))
}
