//! Webhooks against a local receiver that fails (500), then times out, then recovers: every event of
//! the client's wallets (a wallet READY, its cash-in's movement, a hold) reaches it signed, at least
//! once, with its event id; the delivery log shows each attempt; a resend delivers again; a deleted
//! endpoint gets nothing more. Registration refuses private addresses (unless allowed), bad events and
//! a second endpoint for one url.

mod common;

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU8, Ordering::SeqCst},
    },
    time::{Duration, Instant},
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode},
    routing::post,
};
use common::platform;
use emtoken_api::{WebhookDelivery, deliver_webhooks, webhook_acquirer::signature};
use serde_json::{Value, json};

const HOOKS: &str = "/api/v1/public/webhooks";

/// How the receiver answers.
const FAIL: u8 = 0;
const HANG: u8 = 1;
const OK: u8 = 2;

/// What the receiver got: (headers, body) of each delivery, and how it answers now.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    mode: Arc<AtomicU8>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.got.lock().unwrap().push((headers, body));
    match r.mode.load(SeqCst) {
        FAIL => StatusCode::INTERNAL_SERVER_ERROR,
        HANG => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            StatusCode::OK
        }
        _ => StatusCode::NO_CONTENT,
    }
}

/// The receiver, listening on a free local port: its URL.
async fn start_receiver(r: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/hook", post(receive))
        .with_state(r);
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

async fn until<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(t) = probe().await {
            return t;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what}: not within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrations = false)]
async fn deliveries_survive_a_failing_then_hanging_receiver_signed_and_logged(pool: sqlx::PgPool) {
    let mut p = platform(pool).await;
    let receiver = Receiver::default();
    let url = start_receiver(receiver.clone()).await;

    // By default webhooks go to public addresses only.
    let refused = p
        .post(
            &p.client_key,
            HOOKS,
            json!({ "url": url, "events": ["movement.status_changed"] }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{refused:?}");
    assert!(
        refused.detail().contains("url") && refused.detail().contains("private"),
        "{refused:?}"
    );

    // This platform allows the local receiver, and retries quickly.
    let delivery = WebhookDelivery {
        first_retry: Duration::from_millis(300),
        max_retry: Duration::from_secs(1),
        timeout: Duration::from_millis(800),
        allow_private_addresses: true,
        idle: Duration::from_millis(50),
        metrics: p.state.metrics.clone(),
    };
    let state = p.state.clone().with_webhooks(delivery.clone());
    p.app = emtoken_api::router(state);
    for (body, field) in [
        (json!({ "url": url, "events": [] }), "events"),
        (
            json!({ "url": url, "events": ["movement.created"] }),
            "events",
        ),
        (
            json!({ "url": "ftp://example.com/x", "events": ["hold.status_changed"] }),
            "url",
        ),
        (
            json!({ "url": "http://user:pw@127.0.0.1/x", "events": ["hold.status_changed"] }),
            "url",
        ),
        (json!({ "events": ["hold.status_changed"] }), "url"),
    ] {
        let a = p.post(&p.client_key, HOOKS, body.clone()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}: {a:?}");
        assert!(a.detail().contains(field), "{body}: {a:?}");
    }
    // A host that does not resolve yet is taken (its deliveries would fail until it does).
    let later = p
        .post(
            &p.client_key,
            HOOKS,
            json!({ "url": "https://hooks.not-yet.invalid/x", "events": ["hold.status_changed"] }),
        )
        .await;
    assert_eq!(later.status, StatusCode::CREATED, "{later:?}");
    let later = later.body["id"].as_str().unwrap().to_owned();
    let gone = p
        .raw(
            Method::DELETE,
            &format!("{HOOKS}/{later}"),
            Some(&p.client_key),
            None,
            &[],
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{gone:?}");
    let all = json!([
        "movement.status_changed",
        "hold.status_changed",
        "wallet.status_changed"
    ]);
    let created = p
        .post(&p.client_key, HOOKS, json!({ "url": url, "events": all }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let hook = created.body["id"].as_str().unwrap().to_owned();
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    let key = signature::Key::new(&hex::decode(&secret[6..]).unwrap()).unwrap();
    let again = p
        .post(
            &p.client_key,
            HOOKS,
            json!({ "url": url, "events": ["hold.status_changed"] }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");
    let shown = p.get(&format!("{HOOKS}/{hook}")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(
        shown.body.get("secret").is_none(),
        "the secret is shown once: {shown:?}"
    );
    assert_eq!(shown.body["status"], "ACTIVE");
    // Another client sees none of it.
    let theirs = p
        .raw(
            Method::GET,
            &format!("{HOOKS}/{hook}"),
            Some(&p.other_key),
            None,
            &[],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);

    // The receiver fails first; the deliverer runs as `serve`'s leader runs it.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(deliver_webhooks(p.store.clone(), delivery, stopped));
    let (_, wallet) = p.onboard(&p.client_key).await;
    let w = wallet["id"].as_str().unwrap().to_owned();
    p.fund(&w, "30.00", "30.00").await;
    let (_, other) = p.onboard(&p.client_key).await;
    let o = other["id"].as_str().unwrap().to_owned();
    let hold = p
        .post(
            &p.client_key,
            &format!("/api/v1/public/wallets/{w}/hold"),
            json!({ "amount": "5.00", "targetWalletId": o }),
        )
        .await;
    assert_eq!(hold.status, StatusCode::ACCEPTED, "{hold:?}");
    let log = |state: &'static str| {
        let path = format!("{HOOKS}/{hook}/deliveries?state={state}&size=100");
        let p = &p;
        async move { p.get(&path).await.body }
    };
    let failing = until("deliveries failed twice with HTTP 500", async || {
        let page = log("PENDING").await;
        let d = page["_embedded"]["deliveries"].as_array()?.first()?.clone();
        (d["attemptLog"].as_array()?.len() >= 2).then_some(d)
    })
    .await;
    assert_eq!(failing["attemptLog"][0]["statusCode"], 500, "{failing:#}");
    assert!(
        failing["lastError"].as_str().unwrap().contains("HTTP 500"),
        "{failing:#}"
    );

    // Then it hangs past the timeout.
    receiver.mode.store(HANG, SeqCst);
    until("an attempt timed out", async || {
        let page = log("PENDING").await;
        page["_embedded"]["deliveries"]
            .as_array()?
            .iter()
            .any(|d| {
                d["lastError"]
                    .as_str()
                    .is_some_and(|e| e.contains("no answer within"))
            })
            .then_some(())
    })
    .await;

    // Then it recovers: everything is delivered.
    receiver.mode.store(OK, SeqCst);
    let recovered = Instant::now();
    let expected = |got: &BTreeMap<String, Value>| {
        let has = |kind: &str, f: &dyn Fn(&Value) -> bool| {
            got.values().any(|e| e["type"] == kind && f(&e["data"]))
        };
        has("wallet.status_changed", &|d| {
            d["walletId"] == w.as_str() && d["status"] == "READY"
        }) && has("movement.status_changed", &|d| {
            d["walletId"] == w.as_str() && d["status"] == "SUCCESS" && d["amount"] == "30.00"
        }) && has("hold.status_changed", &|d| {
            d["walletId"] == w.as_str() && d["role"] == "PAYER" && d["amount"] == "5.00"
        }) && has("hold.status_changed", &|d| {
            d["walletId"] == o.as_str() && d["role"] == "PAYEE"
        })
    };
    let delivered = until("every event delivered", async || {
        let pending = log("PENDING").await;
        if pending["page"]["totalElements"] != 0 {
            return None;
        }
        // Each delivery the receiver got: signed with the secret, its id in the header and the body.
        let mut events = BTreeMap::new();
        for (headers, body) in receiver.got.lock().unwrap().iter() {
            let header = headers.get(signature::HEADER).and_then(|v| v.to_str().ok());
            key.verify(header, body, chrono::Utc::now())
                .expect("a delivery signed with the endpoint's secret");
            let event: Value = serde_json::from_slice(body).unwrap();
            assert_eq!(
                headers["EmToken-Event-Id"].to_str().unwrap(),
                event["id"].as_str().unwrap()
            );
            events.insert(event["id"].as_str().unwrap().to_owned(), event);
        }
        expected(&events).then_some(events)
    })
    .await;
    let done = log("DELIVERED").await;
    let total = done["page"]["totalElements"].as_i64().unwrap();
    eprintln!(
        "webhooks: {total} deliveries done {} ms after the receiver recovered (retries from 300 ms, doubling to 1 s)",
        recovered.elapsed().as_millis()
    );
    assert_eq!(total as usize, delivered.len(), "{done:#}");
    let first = done["_embedded"]["deliveries"][0].clone();
    let attempts = first["attemptLog"].as_array().unwrap();
    assert!(
        attempts.len() >= 3,
        "failed, timed out, delivered: {first:#}"
    );
    assert_eq!(attempts.last().unwrap()["statusCode"], 204, "{first:#}");

    // A resend delivers the same event (same id) again.
    let event = first["eventId"].as_str().unwrap().to_owned();
    let copies = |id: &str| {
        receiver
            .got
            .lock()
            .unwrap()
            .iter()
            .filter(|(h, _)| h["EmToken-Event-Id"] == id)
            .count()
    };
    let before = copies(&event);
    let resent = p
        .post(
            &p.client_key,
            &format!("{HOOKS}/{hook}/deliveries/{event}/resend"),
            Value::Null,
        )
        .await;
    assert_eq!(resent.status, StatusCode::ACCEPTED, "{resent:?}");
    assert_eq!(resent.body["state"], "PENDING");
    until("the resent event delivered again", async || {
        (copies(&event) > before).then_some(())
    })
    .await;

    // Deleted: nothing more reaches it.
    let deleted = p
        .raw(
            Method::DELETE,
            &format!("{HOOKS}/{hook}"),
            Some(&p.client_key),
            None,
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{deleted:?}");
    assert_eq!(deleted.body["status"], "DELETED");
    let got = receiver.got.lock().unwrap().len();
    p.fund(&o, "7.00", "7.00").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        receiver.got.lock().unwrap().len(),
        got,
        "a deleted endpoint got a delivery"
    );
    let resend_deleted = p
        .post(
            &p.client_key,
            &format!("{HOOKS}/{hook}/deliveries/{event}/resend"),
            Value::Null,
        )
        .await;
    assert_eq!(
        resend_deleted.status,
        StatusCode::CONFLICT,
        "{resend_deleted:?}"
    );
    let _ = stop.send(true);
}
