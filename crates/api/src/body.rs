//! JSON request bodies: `Content-Type: application/json` required, every parse error a 400 naming what
//! was wrong, and a fingerprint of the request (method, path, body) for idempotency.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{StatusCode, header::CONTENT_TYPE},
};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::Problem;

/// A parsed JSON body and the request's fingerprint.
#[derive(Debug)]
pub(crate) struct JsonBody<T> {
    /// The body.
    pub(crate) value: T,
    /// SHA-256 of method, path and body bytes.
    pub(crate) fingerprint: [u8; 32],
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        let (method, path) = (req.method().clone(), req.uri().path().to_owned());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| Problem::bad("body", e))?;
        if !json && !bytes.is_empty() {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the API only takes JSON: send 'Content-Type: application/json'",
            ));
        }
        let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        let value = serde_json::from_slice(text).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    format!("malformed JSON: {e}")
                }
                _ => e.to_string(),
            };
            Problem::bad("body", what)
        })?;
        let mut hash = Sha256::new();
        hash.update(method.as_str().as_bytes());
        hash.update(b" ");
        hash.update(path.as_bytes());
        hash.update(b"\n");
        hash.update(&bytes);
        Ok(JsonBody {
            value,
            fingerprint: hash.finalize().into(),
        })
    }
}
