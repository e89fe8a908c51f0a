//! The API port's own endpoints for operators: `/health` (alive), `/ready` (the database answers, the
//! index caught up and keeps up; 503 naming the reason otherwise), and the access log: one line per
//! request with its request id, client and key id, never the key.

mod common;

use std::{
    io::Write,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use common::platform;
use emtoken_api::ops::{IndexerView, Readiness};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

async fn get(
    app: &axum::Router,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, Value, axum::http::HeaderMap) {
    let mut request = Request::get(path);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        headers,
    )
}

#[sqlx::test(migrations = false)]
async fn health_is_alive_and_ready_follows_the_indexer(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    // No key needed.
    let (status, body, _) = get(&p.app, "/health", &[]).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    // Without an indexer to watch: ready when the database answers.
    let (status, body, _) = get(&p.app, "/ready", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");

    // An indexer the test moves.
    let head = Arc::new(AtomicU64::new(100));
    let indexed = Arc::new(AtomicI64::new(40));
    let caught_up = Arc::new(AtomicBool::new(false));
    let outage = Arc::new(AtomicBool::new(false));
    let probe = {
        let (head, indexed, caught_up, outage) = (
            head.clone(),
            indexed.clone(),
            caught_up.clone(),
            outage.clone(),
        );
        Arc::new(move || IndexerView {
            head: head.load(Relaxed),
            indexed: indexed.load(Relaxed),
            caught_up: caught_up.load(Relaxed),
            outage: outage.load(Relaxed),
        })
    };
    let state = p
        .state
        .clone()
        .with_readiness(Readiness::watching(probe, Duration::from_millis(300)));
    let app = emtoken_api::router(state);
    let (status, body, _) = get(&app, "/ready", &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("catching up: block 40 of 100"),
        "{body}"
    );
    assert_eq!(
        (body["head"].as_u64(), body["indexed"].as_i64()),
        (Some(100), Some(40))
    );
    // Caught up, and moving with the head.
    caught_up.store(true, Relaxed);
    indexed.store(100, Relaxed);
    let (status, body, _) = get(&app, "/ready", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for block in 101..=103 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        head.store(block, Relaxed);
        indexed.store(i64::try_from(block).unwrap(), Relaxed);
        let (status, body, _) = get(&app, "/ready", &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // No new block: still ready, however long (nothing to index).
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, body, _) = get(&app, "/ready", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The node moves on: ready while the indexer has had no time to follow, unready once it lasts.
    head.store(110, Relaxed);
    let (status, body, _) = get(&app, "/ready", &[]).await;
    assert_eq!(status, StatusCode::OK, "the node only just moved: {body}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, _, _) = get(&app, "/ready", &[]).await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "stalled at block 103"
    );
    indexed.store(110, Relaxed);
    let (status, body, _) = get(&app, "/ready", &[]).await;
    assert_eq!(status, StatusCode::OK, "moving again: {body}");
    head.store(120, Relaxed);
    let (status, _, _) = get(&app, "/ready", &[]).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, body, _) = get(&app, "/ready", &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("stayed at block 110 for 0 s while the node is at 120"),
        "{body}"
    );

    // The indexer waiting out an outage of the node or its database: unready, naming it.
    indexed.store(120, Relaxed);
    outage.store(true, Relaxed);
    let (status, body, _) = get(&app, "/ready", &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["reason"].as_str().unwrap().contains("unreachable"),
        "{body}"
    );
    outage.store(false, Relaxed);
    let (status, body, _) = get(&app, "/ready", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The database down: unready, naming it.
    p.store.pool().close().await;
    let (status, body, _) = get(&p.app, "/ready", &[]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["reason"].as_str().unwrap().contains("database"),
        "{body}"
    );
    let (status, _, _) = get(&p.app, "/health", &[]).await;
    assert_eq!(status, StatusCode::OK, "alive all the same");
}

/// Where the access log goes in the test.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[sqlx::test(migrations = false)]
async fn every_request_has_an_access_log_line_with_its_id_and_caller_never_the_key(
    pool: sqlx::PgPool,
) {
    let p = platform(pool).await;
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_env_filter("emtoken_api::access=info")
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let auth = format!("Bearer {}", p.client_key);
    let (status, _, headers) = get(
        &p.app,
        "/api/v1/public/wallets",
        &[("authorization", &auth), ("x-request-id", "trace-42")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["x-request-id"], "trace-42",
        "the caller's id comes back"
    );
    let (status, _, headers) = get(
        &p.app,
        "/api/v1/public/wallets",
        &[("x-request-id", "bad id with spaces")],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let made = headers["x-request-id"].to_str().unwrap().to_owned();
    assert!(
        uuid::Uuid::parse_str(&made).is_ok(),
        "an unusable id is replaced: {made}"
    );

    let log = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let key_id = emtoken_api::key_id(&emtoken_api::hash_api_key(&p.client_key));
    let first = log
        .lines()
        .find(|l| l.contains("request_id=trace-42"))
        .unwrap_or_else(|| panic!("no line of trace-42 in {log}"));
    for part in [
        "method=GET",
        "path=\"/api/v1/public/wallets\"",
        "status=200",
        "client=\"acme\"",
        &format!("key_id=\"{key_id}\""),
        "ms=",
    ] {
        assert!(first.contains(part), "{part} in {first}");
    }
    let second = log
        .lines()
        .find(|l| l.contains(&format!("request_id={made}")))
        .unwrap_or_else(|| panic!("no line of {made} in {log}"));
    assert!(
        second.contains("status=401") && second.contains("client=\"-\""),
        "{second}"
    );
    assert!(
        !log.contains(&p.client_key),
        "the key itself is never logged"
    );
}

/// With `serve --rate-limit`, a key beyond its limit gets 429 with Retry-After and nothing is done;
/// another key is not affected; the key is served again once its bucket refills.
#[sqlx::test(migrations = false)]
async fn a_key_beyond_its_rate_limit_gets_429_and_others_are_served(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let state = p
        .state
        .clone()
        .with_rate_limit(emtoken_api::rate::RateLimit {
            per_second: 5,
            burst: 3,
        });
    let app = emtoken_api::router(state);
    let (acme, globex) = (
        format!("Bearer {}", p.client_key),
        format!("Bearer {}", p.other_key),
    );
    for _ in 0..3 {
        let (status, body, _) =
            get(&app, "/api/v1/public/wallets", &[("authorization", &acme)]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body, headers) =
        get(&app, "/api/v1/public/wallets", &[("authorization", &acme)]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(headers["retry-after"], "1");
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("5 a second, 3 at once"),
        "{body}"
    );
    // A POST beyond the limit writes nothing.
    let before = p.footprint().await;
    let request = Request::post("/api/v1/public/wallets")
        .header("authorization", &acme)
        .header("content-type", "application/json")
        .body(Body::from(
            r#"{"userId":"00000000-0000-0000-0000-000000000000"}"#,
        ))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(p.footprint().await, before, "nothing written or sent");
    let (status, _, _) = get(
        &app,
        "/api/v1/public/wallets",
        &[("authorization", &globex)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "another key has its own limit");
    tokio::time::sleep(Duration::from_millis(450)).await;
    let (status, body, _) = get(&app, "/api/v1/public/wallets", &[("authorization", &acme)]).await;
    assert_eq!(status, StatusCode::OK, "refilled: {body}");
}

/// A request without a usable key is a 401 that says what was wrong with it.
#[sqlx::test(migrations = false)]
async fn a_missing_malformed_or_unknown_key_is_a_401_saying_which(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    for (headers, expected) in [
        (vec![], "missing Authorization header"),
        (
            vec![("authorization", "Basic YWNtZQ==")],
            "must be 'Bearer <api key>'",
        ),
        (
            vec![("authorization", "Bearer ")],
            "must be 'Bearer <api key>'",
        ),
        (
            vec![("authorization", "Bearer emt_00")],
            "unknown or revoked api key",
        ),
    ] {
        let (status, body, _) = get(&p.app, "/api/v1/public/wallets", &headers).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert!(
            body["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .contains(expected),
            "{expected}: {body}"
        );
    }
}
