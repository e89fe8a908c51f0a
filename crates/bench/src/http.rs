//! Plain HTTP over hyper's client: GETs (Ponder's status, the EmToken API probe) and JSON POSTs (the
//! API's wallet registration).

use std::sync::OnceLock;

use anyhow::{Context, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};

type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn client() -> &'static HttpClient {
    static CLIENT: OnceLock<HttpClient> = OnceLock::new();
    CLIENT.get_or_init(|| Client::builder(TokioExecutor::new()).build_http())
}

/// GETs `url` (with `Authorization: Bearer <token>` when given) and returns the body of a 2xx answer.
pub(crate) async fn get(url: &str, bearer: Option<&str>) -> anyhow::Result<String> {
    let mut request = hyper::Request::get(url);
    if let Some(token) = bearer {
        request = request.header(hyper::header::AUTHORIZATION, format!("Bearer {token}"));
    }
    send(url, request.body(Full::new(Bytes::new()))?).await
}

/// POSTs `body` as JSON to `url` with a bearer token and returns the body of a 2xx answer.
pub(crate) async fn post_json(
    url: &str,
    bearer: &str,
    body: &serde_json::Value,
) -> anyhow::Result<String> {
    let request = hyper::Request::post(url)
        .header(hyper::header::AUTHORIZATION, format!("Bearer {bearer}"))
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(serde_json::to_vec(body)?)))?;
    send(url, request).await
}

async fn send(url: &str, request: hyper::Request<Full<Bytes>>) -> anyhow::Result<String> {
    let method = request.method().clone();
    let response = client()
        .request(request)
        .await
        .with_context(|| format!("{method} {url}"))?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    let body = String::from_utf8_lossy(&body).into_owned();
    if !status.is_success() {
        bail!(
            "{method} {url}: {status}: {}",
            body.chars().take(300).collect::<String>()
        );
    }
    Ok(body)
}

/// A free TCP port on 127.0.0.1.
pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Sends `request` and reads the whole answer: its status and body (any status: the caller decides).
pub(crate) async fn exchange(
    request: hyper::Request<Full<Bytes>>,
) -> anyhow::Result<(hyper::StatusCode, Bytes)> {
    let response = client().request(request).await?;
    let status = response.status();
    Ok((status, response.into_body().collect().await?.to_bytes()))
}

/// A GET of `url` with a bearer token, for [`exchange`].
pub(crate) fn get_request(url: &str, bearer: &str) -> anyhow::Result<hyper::Request<Full<Bytes>>> {
    Ok(hyper::Request::get(url)
        .header(hyper::header::AUTHORIZATION, format!("Bearer {bearer}"))
        .body(Full::new(Bytes::new()))?)
}
