//! A small JSON client of the platform's HTTP API (HTTP/1.1, no TLS: a devnet's API), and polling.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode, header};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use serde_json::Value;

/// Longest wait for one answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Pause between two looks at something awaited.
const POLL_EVERY: Duration = Duration::from_millis(200);

/// The API at a base URL, e.g. `http://127.0.0.1:8080`.
pub(super) struct Api {
    base: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// An answer: status and JSON body (`Value::Null` when empty).
#[derive(Debug)]
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) body: Value,
}

impl Reply {
    /// The body when the status is `expected`, else an error naming the call and the answer.
    pub(super) fn expect(self, expected: StatusCode, call: &str) -> anyhow::Result<Value> {
        if self.status != expected {
            bail!(
                "{call}: expected {expected}, got {}: {}",
                self.status,
                self.body
            );
        }
        Ok(self.body)
    }

    /// The body as the API's answer type `T` when the status is `expected`, else an error naming the
    /// call and what did not fit.
    pub(super) fn answer<T: serde::de::DeserializeOwned>(
        self,
        expected: StatusCode,
        call: &str,
    ) -> anyhow::Result<T> {
        let body = self.expect(expected, call)?;
        let kind = std::any::type_name::<T>()
            .rsplit("::")
            .next()
            .unwrap_or("answer");
        serde_json::from_value(body.clone())
            .with_context(|| format!("{call}: the answer is not the API's {kind}: {body}"))
    }
}

impl Api {
    /// A client of the API at `base` (http:// only, trailing slash ignored).
    pub(super) fn new(base: &str) -> anyhow::Result<Self> {
        let base = base.trim_end_matches('/');
        if !base.starts_with("http://") {
            bail!("--api must be an http:// URL, e.g. http://127.0.0.1:8080; got '{base}'");
        }
        base.parse::<hyper::Uri>()
            .with_context(|| format!("--api '{base}' is not a URL"))?;
        Ok(Self {
            base: base.to_owned(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        })
    }

    /// The base URL, without a trailing slash.
    pub(super) fn base(&self) -> &str {
        &self.base
    }

    /// `GET path` with `key`.
    pub(super) async fn get(&self, key: &str, path: &str) -> anyhow::Result<Reply> {
        self.send(Method::GET, key, path, None).await
    }

    /// `POST path` with `key`, a JSON body and a fresh `Idempotency-Key`.
    pub(super) async fn post(&self, key: &str, path: &str, body: &Value) -> anyhow::Result<Reply> {
        self.send(Method::POST, key, path, Some(body)).await
    }

    async fn send(
        &self,
        method: Method,
        key: &str,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Reply> {
        let url = format!("{}{path}", self.base);
        let mut request = Request::builder()
            .method(method.clone())
            .uri(&url)
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .header(header::ACCEPT, "application/json");
        let payload = match body {
            Some(body) => {
                request = request
                    .header(header::CONTENT_TYPE, "application/json")
                    .header("Idempotency-Key", uuid::Uuid::new_v4().to_string());
                Bytes::from(serde_json::to_vec(body)?)
            }
            None => Bytes::new(),
        };
        let request = request
            .body(Full::new(payload))
            .with_context(|| format!("cannot build the request {method} {url}"))?;
        let work = async {
            let response = self.client.request(request).await?;
            let status = response.status();
            let bytes = response.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(REQUEST_TIMEOUT, work)
            .await
            .map_err(|_| anyhow::anyhow!("no answer within {}s", REQUEST_TIMEOUT.as_secs()))
            .and_then(|r| r)
            .with_context(|| format!("{method} {url} failed"))?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{method} {url} answered {status} with a body that is not JSON: {}",
                    String::from_utf8_lossy(&bytes)
                )
            })?
        };
        Ok(Reply { status, body })
    }
}

/// What a browser gets: the status, the `Location` header (redirects are not followed) and the body.
#[derive(Debug)]
pub(super) struct Page {
    pub(super) status: StatusCode,
    pub(super) location: Option<String>,
    pub(super) text: String,
}

impl Api {
    /// `GET url` (absolute) as a browser asks for a page: no key.
    pub(super) async fn page(&self, url: &str) -> anyhow::Result<Page> {
        self.browse(Method::GET, url, None).await
    }

    /// `POST url` (absolute) with `fields` as a browser posts a form: no key.
    pub(super) async fn submit(&self, url: &str, fields: &[(&str, &str)]) -> anyhow::Result<Page> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.browse(Method::POST, url, Some(body)).await
    }

    async fn browse(
        &self,
        method: Method,
        url: &str,
        form: Option<String>,
    ) -> anyhow::Result<Page> {
        let mut request = Request::builder()
            .method(method.clone())
            .uri(url)
            .header(header::ACCEPT, "text/html");
        if form.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let request = request
            .body(Full::new(Bytes::from(form.unwrap_or_default())))
            .with_context(|| format!("cannot build the request {method} {url}"))?;
        let work = async {
            let response = self.client.request(request).await?;
            let status = response.status();
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            let bytes = response.into_body().collect().await?.to_bytes();
            anyhow::Ok(Page {
                status,
                location,
                text: String::from_utf8_lossy(&bytes).into_owned(),
            })
        };
        tokio::time::timeout(REQUEST_TIMEOUT, work)
            .await
            .map_err(|_| anyhow::anyhow!("no answer within {}s", REQUEST_TIMEOUT.as_secs()))
            .and_then(|r| r)
            .with_context(|| format!("{method} {url} failed"))
    }
}

/// Asks `probe` every 200 ms until it answers `Ok(Ok(value))`; `Ok(Err(seen))` means not yet (`seen`
/// says what it found). After `timeout`, an error naming `what` was awaited and what was last seen.
pub(super) async fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl AsyncFnMut() -> anyhow::Result<Result<T, String>>,
) -> anyhow::Result<T> {
    let start = Instant::now();
    loop {
        let seen = probe()
            .await
            .with_context(|| format!("while waiting for {what}"))?;
        match seen {
            Ok(value) => return Ok(value),
            Err(seen) if start.elapsed() >= timeout => bail!(
                "timed out after {}s waiting for {what}; last seen: {seen}",
                timeout.as_secs()
            ),
            Err(_) => tokio::time::sleep(POLL_EVERY).await,
        }
    }
}
