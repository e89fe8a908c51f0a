//! The platform never answers "accepted" for money a wallet does not have: concurrent requests of one
//! wallet, through one process or two sharing the database, commit at most its available balance, and
//! none of what was accepted reverts on chain.

mod common;

use std::time::{Duration, Instant};

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use common::platform;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const W: &str = "/api/v1/public/wallets";

/// A second `serve` process on the same database: its own chain clients (and nonce bookkeeping).
async fn second_process(p: &common::Platform_) -> Router {
    let state = p.other_process(p.store.clone()).await;
    // The sweeper of this second process runs as long as the test (a dropped sender would stop it).
    let (stop, stopped) = tokio::sync::watch::channel(false);
    std::mem::forget(stop);
    tokio::spawn(std::sync::Arc::clone(&state.platform).sweep(
        p.store.clone(),
        std::time::Duration::from_secs(1),
        stopped,
    ));
    emtoken_api::router(state)
}

async fn post(app: &Router, key: &str, path: &str, body: Value, idempotency: &str) -> StatusCode {
    let request = Request::post(path)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .header("idempotency-key", idempotency)
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let _ = response.into_body().collect().await;
    status
}

#[sqlx::test(migrations = false)]
async fn concurrent_requests_never_commit_more_than_the_wallet_has(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    run(&p, vec![p.app.clone()]).await;
}

#[sqlx::test(migrations = false)]
async fn two_processes_never_commit_more_than_the_wallet_has(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let other = second_process(&p).await;
    run(&p, vec![p.app.clone(), other]).await;
}

/// Sends 100 concurrent requests of 1.00 each (transfers, holds, cash-outs) from a wallet holding 10.00,
/// spread over `apps`; checks what was accepted and what the chain made of it.
async fn run(p: &common::Platform_, apps: Vec<Router>) {
    let payer = p.wallet(&p.client_key).await;
    let payee = p.wallet(&p.client_key).await;
    let (a, b) = (
        payer["id"].as_str().unwrap().to_owned(),
        payee["id"].as_str().unwrap().to_owned(),
    );
    p.fund(&a, "10.00", "10.00").await;
    p.wait_for(&format!("{W}/{a}"), "10.00 available", |w| {
        w["availableBalance"] == "10.00"
    })
    .await;

    let mut sends = vec![];
    for n in 0..100 {
        let app = apps[n % apps.len()].clone();
        let key = p.client_key.clone();
        let (path, body) = match n % 3 {
            0 => (
                format!("{W}/{a}/transfer"),
                json!({ "amount": "1.00", "targetWalletId": b }),
            ),
            1 => (
                format!("{W}/{a}/hold"),
                json!({ "amount": "1.00", "targetWalletId": b }),
            ),
            _ => (
                format!("{W}/{a}/cashOuts"),
                json!({ "amount": "1.00", "iban": { "accountNumber": "ES9121000418450200051332" } }),
            ),
        };
        sends.push(tokio::spawn(async move {
            post(&app, &key, &path, body, &format!("k-{n}")).await
        }));
    }
    let mut accepted = 0;
    for send in sends {
        match send.await.unwrap() {
            StatusCode::ACCEPTED => accepted += 1,
            // Not covered; or the node refused a transaction signed by the other process with the
            // same nonce: nothing sent either way.
            StatusCode::CONFLICT | StatusCode::SERVICE_UNAVAILABLE => {}
            other => panic!("unexpected answer {other}"),
        }
    }
    assert!(
        (1..=10).contains(&accepted),
        "accepted {accepted} requests of 1.00 from a wallet holding 10.00"
    );
    let (recorded,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM api_requests WHERE wallet_id = $1 AND outflow IS NOT NULL",
    )
    .bind(uuid::Uuid::parse_str(&a).unwrap())
    .fetch_one(p.store.pool())
    .await
    .unwrap();
    assert_eq!(recorded, accepted, "refused requests left records");

    // Every accepted request is mined, none reverted.
    let start = Instant::now();
    loop {
        let states: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT state, error FROM api_requests WHERE wallet_id = $1 AND outflow IS NOT NULL",
        )
        .bind(uuid::Uuid::parse_str(&a).unwrap())
        .fetch_all(p.store.pool())
        .await
        .unwrap();
        let failed: Vec<_> = states.iter().filter(|(s, _)| s == "FAILED").collect();
        assert!(
            failed.is_empty(),
            "accepted requests failed on chain: {failed:?}"
        );
        if states.iter().all(|(s, _)| s == "MINED") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "requests still on their way: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let left = format!("{}.00", 10 - accepted);
    p.wait_for(&format!("{W}/{a}"), "the available balance", |w| {
        w["availableBalance"] == left.as_str()
    })
    .await;

    // Pages by creation: newest first is oldest first reversed, and small pages add up to the whole.
    let ids = |body: &Value| -> Vec<String> {
        body["_embedded"]["movements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = p
        .get(&format!("{W}/{a}/movements?size=2000&sort=createdAt,asc"))
        .await;
    let asc = ids(&all.body);
    assert!(
        asc.len() > usize::try_from(accepted).unwrap(),
        "{} movements",
        asc.len()
    );
    assert_eq!(all.body["page"]["totalElements"], asc.len());
    let mut desc = ids(&p
        .get(&format!("{W}/{a}/movements?size=2000&sort=createdAt,desc"))
        .await
        .body);
    desc.reverse();
    assert_eq!(desc, asc, "newest first is not oldest first reversed");
    let mut paged = vec![];
    for page in 0.. {
        let body = p
            .get(&format!("{W}/{a}/movements?size=3&page={page}"))
            .await
            .body;
        let ids = ids(&body);
        if ids.is_empty() {
            break;
        }
        paged.extend(ids);
    }
    assert_eq!(paged, asc, "pages of 3 do not add up to the list");
}

/// A signer's nonce is held by one request in flight at a time: the second process's recording of a
/// nonce the first holds fails (nothing is sent, so nothing can take the first one's place in the node's
/// pool), and the nonce is free again once the first request failed without reaching the chain. The
/// same nonce on another chain is another transaction: a request there records it.
#[sqlx::test(migrations = false)]
async fn a_nonce_is_held_by_one_request_in_flight(pool: sqlx::PgPool) {
    use emtoken_store::api::{NewRequest, RequestKind, SentTx};
    let p = platform(pool).await;
    let client = p
        .store
        .ensure_client("acme", emtoken_store::api::ClientRole::Client)
        .await
        .unwrap();
    let operator = p.state.platform.operator.signer().unwrap();
    let mut ids = vec![];
    for n in 0..3u8 {
        let request = NewRequest {
            client_id: client.id,
            idempotency_key: Some(format!("nonce-{n}")),
            fingerprint: [n; 32],
            calls: json!([{ "name": "operatorTransfer", "signer": "OPERATOR", "tx": {} }]),
            accepted: (202, json!({})),
            ..NewRequest::new(RequestKind::Transfer)
        };
        p.store.begin_request(&request).await.unwrap();
        ids.push(request.id);
    }
    let sent = |hash: u8| SentTx {
        hash: [hash; 32],
        from: operator.0.0,
        nonce: 41,
        raw: vec![hash],
        chain_id: None,
    };
    assert!(p.store.record_sending(ids[0], 0, &sent(1)).await.unwrap());
    // The first request signs the same nonce again (fresh fees): still its own.
    assert!(p.store.record_sending(ids[0], 0, &sent(2)).await.unwrap());
    match p.store.record_sending(ids[1], 0, &sent(3)).await {
        Err(emtoken_store::Error::NonceTaken { nonce: 41 }) => {}
        other => panic!("the second request took a held nonce: {other:?}"),
    }
    assert!(
        p.store
            .request(ids[1])
            .await
            .unwrap()
            .unwrap()
            .tx_hash
            .is_none(),
        "recorded anyway"
    );
    let elsewhere = SentTx {
        chain_id: Some(31_338),
        ..sent(4)
    };
    assert!(
        p.store.record_sending(ids[2], 0, &elsewhere).await.unwrap(),
        "nonce 41 on another chain is not the platform's chain's nonce 41"
    );
    match p
        .store
        .record_sending(
            ids[1],
            0,
            &SentTx {
                chain_id: Some(31_338),
                ..sent(5)
            },
        )
        .await
    {
        Err(emtoken_store::Error::NonceTaken { nonce: 41 }) => {}
        other => panic!("the other chain's nonce was taken twice: {other:?}"),
    }
    assert!(p.store.fail_request(ids[0], "never sent").await.unwrap());
    assert!(p.store.record_sending(ids[1], 0, &sent(3)).await.unwrap());
}
