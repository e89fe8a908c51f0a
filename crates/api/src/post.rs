//! The one pipeline every POST takes before what is its own: the caller's key (a client's or the bank's),
//! the JSON body and the request's fingerprint, the `Idempotency-Key` and the answer already given to it,
//! and — under `/wallets/{walletId}` — the caller's own wallet. [`Post::run`] then records and sends the
//! request through [`idempotency::run`] (which checks a wallet's requests one at a time).

use std::{collections::HashMap, marker::PhantomData};

use axum::{
    extract::{FromRequest, FromRequestParts, Path, Request},
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use emtoken_store::{WalletRow, api::ClientRow, api::NewRequest};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    ApiState, Problem,
    auth::{BankCaller, ClientCaller},
    body::JsonBody,
    idempotency::{self, Outflow},
    platform::Call,
    routes::owned_wallet,
};

/// Who may send a POST: a client's key or the bank's.
pub(crate) trait Role {
    /// The caller, or 401/403.
    fn caller(
        parts: &mut Parts,
        state: &ApiState,
    ) -> impl Future<Output = Result<ClientRow, Problem>> + Send;
}

/// A client's key: the public endpoints.
#[derive(Debug)]
pub(crate) struct Client;

/// The bank's key: the bank endpoints.
#[derive(Debug)]
pub(crate) struct Bank;

impl Role for Client {
    async fn caller(parts: &mut Parts, state: &ApiState) -> Result<ClientRow, Problem> {
        Ok(ClientCaller::from_request_parts(parts, state).await?.0)
    }
}

impl Role for Bank {
    async fn caller(parts: &mut Parts, state: &ApiState) -> Result<ClientRow, Problem> {
        Ok(BankCaller::from_request_parts(parts, state).await?.0)
    }
}

/// A POST past the pipeline: the caller, its `Idempotency-Key`, the body and the request's fingerprint.
/// A retry of a request already answered never gets here: the extractor answers it with the first
/// answer (or 409 while the first is on its way, 422 if the key served another request).
#[derive(Debug)]
pub(crate) struct Post<B, R = Client> {
    /// The caller.
    pub(crate) caller: ClientRow,
    /// The `Idempotency-Key`, checked.
    pub(crate) key: Option<String>,
    /// SHA-256 of method, path and body.
    pub(crate) fingerprint: [u8; 32],
    /// The body.
    pub(crate) body: B,
    /// Where the platform's record of the request is told to the audit log.
    seen: Option<crate::ops::CallerSeen>,
    role: PhantomData<R>,
}

/// A POST about one of the caller's wallets (`/wallets/{walletId}/…`): [`Post`] and the wallet, which
/// exists (404) and belongs to a user of the caller's client (403).
#[derive(Debug)]
pub(crate) struct WalletPost<B> {
    /// The request.
    pub(crate) post: Post<B, Client>,
    /// The wallet of the path.
    pub(crate) wallet: WalletRow,
}

/// Stops the pipeline: a problem, or the answer an earlier request with the same key was given.
#[derive(Debug)]
pub(crate) enum Stop {
    /// Not accepted.
    Problem(Problem),
    /// Answered already.
    Answered(Response),
}

impl From<Problem> for Stop {
    fn from(problem: Problem) -> Self {
        Stop::Problem(problem)
    }
}

impl IntoResponse for Stop {
    fn into_response(self) -> Response {
        match self {
            Stop::Problem(problem) => problem.into_response(),
            Stop::Answered(response) => response,
        }
    }
}

impl<B: DeserializeOwned + Send, R: Role + Send> FromRequest<ApiState> for Post<B, R> {
    type Rejection = Stop;

    async fn from_request(req: Request, state: &ApiState) -> Result<Self, Stop> {
        let (mut parts, body) = req.into_parts();
        let caller = R::caller(&mut parts, state).await?;
        let seen = parts.extensions.get::<crate::ops::CallerSeen>().cloned();
        let key = idempotency::key(&parts.headers);
        let JsonBody { value, fingerprint } =
            JsonBody::<B>::from_request(Request::from_parts(parts, body), state).await?;
        let key = key?;
        if let Some(answer) =
            idempotency::earlier(state, caller.id, key.as_deref(), &fingerprint).await?
        {
            return Err(Stop::Answered(answer));
        }
        Ok(Post {
            caller,
            key,
            fingerprint,
            body: value,
            seen,
            role: PhantomData,
        })
    }
}

impl<B: DeserializeOwned + Send> FromRequest<ApiState> for WalletPost<B> {
    type Rejection = Stop;

    async fn from_request(req: Request, state: &ApiState) -> Result<Self, Stop> {
        let (mut parts, body) = req.into_parts();
        let Path(path) = Path::<HashMap<String, String>>::from_request_parts(&mut parts, state)
            .await
            .map_err(|e| Problem::bad("path", e))?;
        let post = Post::<B, Client>::from_request(Request::from_parts(parts, body), state).await?;
        let id = path.get("walletId").map(String::as_str).unwrap_or_default();
        let wallet = owned_wallet(state, &post.caller, "walletId", id).await?;
        Ok(WalletPost { post, wallet })
    }
}

impl<B> std::ops::Deref for WalletPost<B> {
    type Target = Post<B, Client>;

    /// The request (body, caller, key), as for any POST.
    fn deref(&self) -> &Self::Target {
        &self.post
    }
}

impl<B, R> Post<B, R> {
    /// Records `request` as this caller's (with its key and fingerprint) and sends its `calls`; the
    /// answer is `accepted` (also to later retries with the key), or the problem. See [`idempotency::run`].
    pub(crate) async fn run(
        &self,
        state: &ApiState,
        request: NewRequest,
        calls: Vec<Call>,
        accepted: (StatusCode, impl Serialize),
        outflow: Option<Outflow>,
    ) -> Result<Response, Problem> {
        let body = serde_json::to_value(accepted.1).map_err(Problem::internal)?;
        idempotency::run(state, self.own(request), calls, (accepted.0, body), outflow).await
    }

    /// `request` as this caller's: its client, `Idempotency-Key` and fingerprint. For a request that
    /// sends nothing and is written with what it makes in one transaction (a user), instead of [`run`];
    /// a retry that meets it is answered with [`idempotency::replay`].
    ///
    /// [`run`]: Post::run
    pub(crate) fn own(&self, request: NewRequest) -> NewRequest {
        if let Some(seen) = &self.seen {
            seen.request(request.id);
        }
        NewRequest {
            client_id: self.caller.id,
            idempotency_key: self.key.clone(),
            fingerprint: self.fingerprint,
            ..request
        }
    }
}
