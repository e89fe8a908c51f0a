//! API keys: `Authorization: Bearer <key>`, stored as SHA-256. A key is "emt_" + 64 hex digits (256
//! random bits), shown once when created.

use axum::{extract::FromRequestParts, http::request::Parts};
use emtoken_store::api::ClientRow;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{ApiState, Problem};

/// A new key and its hash (store the hash, show the key once).
pub fn new_api_key() -> (String, [u8; 32]) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let key = format!("emt_{}", alloy::hex::encode(bytes));
    let hash = hash_api_key(&key);
    (key, hash)
}

/// The stored form of a key.
pub fn hash_api_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Bytes of a key's id: the first ones of its SHA-256.
pub const KEY_ID_BYTES: usize = 8;

/// A key's id, as `emtoken api-key list` shows it and access logs name it: the first
/// [`KEY_ID_BYTES`] bytes of its SHA-256 (`hash`) in hex.
pub fn key_id(hash: &[u8]) -> String {
    alloy::hex::encode(&hash[..KEY_ID_BYTES.min(hash.len())])
}

/// The key of an `Authorization: Bearer <key>` header, if the request has one.
pub(crate) fn bearer_key(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

/// The authenticated caller: a client of the platform (or the bank integration).
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub(crate) ClientRow);

impl FromRequestParts<ApiState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Problem> {
        let unauthorized =
            |detail: &str| Problem::new(axum::http::StatusCode::UNAUTHORIZED, detail.to_owned());
        if !parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION)
        {
            return Err(unauthorized(
                "missing Authorization header: send 'Authorization: Bearer <api key>'",
            ));
        }
        let key = bearer_key(&parts.headers)
            .ok_or_else(|| unauthorized("the Authorization header must be 'Bearer <api key>'"))?;
        let hash = hash_api_key(key);
        let client = state
            .store
            .client_by_key(hash)
            .await?
            .ok_or_else(|| unauthorized("unknown or revoked api key"))?;
        if let Some(seen) = parts.extensions.get::<crate::ops::CallerSeen>() {
            seen.set(client.id, &client.name, key_id(&hash));
        }
        Ok(Caller(client))
    }
}

/// A caller with a client key (not the bank's): the public endpoints.
#[derive(Debug, Clone)]
pub(crate) struct ClientCaller(pub(crate) ClientRow);

impl FromRequestParts<ApiState> for ClientCaller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Problem> {
        let Caller(client) = Caller::from_request_parts(parts, state).await?;
        if client.is_bank() {
            return Err(Problem::forbidden(
                "the bank's key serves the bank endpoints (/api/v1/bank/…), not users' wallets",
            ));
        }
        if client.is_admin() {
            return Err(Problem::forbidden(
                "the admin's key serves the admin endpoints (/api/v1/admin/…), not users' wallets",
            ));
        }
        Ok(ClientCaller(client))
    }
}

/// A caller with the bank's key: the bank endpoints.
#[derive(Debug, Clone)]
pub(crate) struct BankCaller(pub(crate) ClientRow);

impl FromRequestParts<ApiState> for BankCaller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Problem> {
        let Caller(client) = Caller::from_request_parts(parts, state).await?;
        if !client.is_bank() {
            return Err(Problem::forbidden(
                "the bank endpoints need the bank's key (emtoken api-key create --client NAME --bank)",
            ));
        }
        Ok(BankCaller(client))
    }
}

/// A caller with the admin's key: the admin endpoints (currencies, issuers, the bank catalogue).
#[derive(Debug, Clone)]
pub(crate) struct AdminCaller(pub(crate) ClientRow);

impl FromRequestParts<ApiState> for AdminCaller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Problem> {
        let Caller(client) = Caller::from_request_parts(parts, state).await?;
        if !client.is_admin() {
            return Err(Problem::forbidden(
                "the admin endpoints need the admin's key (emtoken api-key create --client NAME --admin)",
            ));
        }
        Ok(AdminCaller(client))
    }
}
