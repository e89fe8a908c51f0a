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
            .map_err(|e| match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "the body is larger than the API takes (2 MB)",
                ),
                _ => Problem::bad("body", e),
            })?;
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
        let value =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(text))
                .map_err(|e| {
                    // A wrong value inside the body names its field ("receiver.account"); what is wrong
                    // with the body as a whole (syntax, unknown or missing fields) is the body's.
                    let field = e.path().to_string();
                    let e = e.into_inner();
                    let what = match e.classify() {
                        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                            format!("malformed JSON: {e}")
                        }
                        _ => e.to_string(),
                    };
                    // An unknown field's path ends with its name: the object it is in is at fault.
                    let field = match field.rsplit_once('.') {
                        _ if !what.starts_with("unknown field") => field,
                        Some((parent, _)) => parent.to_owned(),
                        None => ".".to_owned(),
                    };
                    let whole = field == "." || field == "?" || what.starts_with("malformed JSON");
                    Problem::bad(if whole { "body" } else { &field }, what)
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

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    async fn parse(body: Vec<u8>, kind: Option<&str>) -> Result<serde_json::Value, Problem> {
        let mut request = Request::post("/x");
        if let Some(kind) = kind {
            request = request.header(CONTENT_TYPE, kind);
        }
        JsonBody::<serde_json::Value>::from_request(request.body(Body::from(body)).unwrap(), &())
            .await
            .map(|b| b.value)
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        amount: Option<String>,
        a: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        b: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        c: String,
    }

    async fn typed(body: &str) -> Result<Outer, Problem> {
        let request = Request::builder()
            .method("POST")
            .uri("/x")
            .header(CONTENT_TYPE, "application/json");
        JsonBody::<Outer>::from_request(request.body(Body::from(body.to_owned())).unwrap(), &())
            .await
            .map(|b| b.value)
    }

    #[tokio::test]
    async fn statuses_of_bodies_the_api_does_not_take() {
        let json = Some("application/json");
        assert_eq!(
            parse(b"{}".to_vec(), json).await.unwrap(),
            serde_json::json!({})
        );
        assert_eq!(parse(vec![], None).await.unwrap(), serde_json::json!({}));
        let big = [b"\"".to_vec(), vec![b'a'; 3 << 20], b"\"".to_vec()].concat();
        assert_eq!(
            parse(big, json).await.unwrap_err().status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            parse(b"{}".to_vec(), Some("text/plain"))
                .await
                .unwrap_err()
                .status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        let malformed = parse(b"{".to_vec(), json).await.unwrap_err();
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        for (body, detail) in [
            // (the number's wording depends on serde_json's features: only the field and the kind)
            (r#"{"amount": 1.5}"#, "amount: invalid type: "),
            (
                r#"{"a": {"b": [{"c": "x"}, {"c": true}]}}"#,
                "a.b[1].c: invalid type: boolean `true`, expected a string",
            ),
            (
                r#"{"a": {"b": [], "x": 1}}"#,
                "a: unknown field `x`, expected `b`",
            ),
            (
                r#"{"z": 1}"#,
                "body: unknown field `z`, expected `amount` or `a`",
            ),
            (r#"{"a": {}}"#, "a: missing field `b`"),
        ] {
            let problem = typed(body).await.unwrap_err();
            assert!(
                problem.detail.starts_with(detail),
                "{body}: {}",
                problem.detail
            );
        }
        assert!(
            malformed.detail.starts_with("body: malformed JSON"),
            "{}",
            malformed.detail
        );
    }
}
