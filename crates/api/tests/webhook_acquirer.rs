//! The webhook acquirer over a real platform (anvil, indexer, the API served over HTTP), against a
//! payment provider played here as docs/acquirer.md describes it: it checks the platform's signature,
//! charges each reference once, answers PENDING and posts its decision later in a signed callback (or
//! decides at once for some cards). Approved by callback: minted once; declined: the movement ERROR;
//! a replayed callback, one badly signed or stale, one for an unknown reference change nothing; a
//! provider that is down or whose answer is lost is a 503, and a retry with the Idempotency-Key
//! settles the cash-in from what the provider knows.
//!
//! The provider signs and checks signatures with its own HMAC, not the platform's code.

mod common;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, Method, StatusCode},
    routing::{get, post},
};
use common::{
    Answer, Platform_,
    cards::{card, register_key},
    platform_reached_at,
};
use emtoken_api::webhook_acquirer::WebhookAcquirer;
use hmac::{Hmac, Mac};
use rsa::RsaPrivateKey;
use serde_json::{Value, json};
use sha2::Sha256;

const W: &str = "/api/v1/public/wallets";
const SECRET: &[u8] = b"a secret the platform and the provider share";

/// `t=<t>,v1=<hex HMAC-SHA256(SECRET, "<t>.<body>")>`.
fn sign(t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `headers` sign `body` with SECRET within `within` seconds of now.
fn signed_by_platform(headers: &HeaderMap, body: &[u8], within: i64) -> bool {
    let Some(header) = headers
        .get("emtoken-signature")
        .and_then(|h| h.to_str().ok())
    else {
        return false;
    };
    let Some((t, v1)) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
    else {
        return false;
    };
    let (Ok(t), Ok(tag)) = (t.parse::<i64>(), hex::decode(v1)) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&tag).is_ok() && (chrono::Utc::now().timestamp() - t).abs() <= within
}

/// A charge the provider took.
#[derive(Debug, Clone)]
struct Charged {
    /// Its answer now: PENDING until its callback is out, then the decision.
    answer: Value,
    /// The decision its callback tells.
    decision: Value,
    callback_url: String,
    /// POSTs of this reference (one charge, however many).
    posts: u32,
}

/// The provider's books, and how it misbehaves.
#[derive(Debug, Default)]
struct Books {
    charges: HashMap<String, Charged>,
    /// In the order first received.
    references: Vec<String>,
    /// Answers every request 503 and records nothing.
    down: bool,
    /// Records charges, then answers 503 (the answer lost on its way).
    lose_answers: bool,
}

type Shared = Arc<Mutex<Books>>;

/// The provider: an HTTP server on a port of its own.
struct Provider {
    base: String,
    books: Shared,
    http: reqwest::Client,
}

/// `POST /charges`.
async fn take_charge(
    State(books): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, Json<Value>) {
    // A charge older than the platform waits for its answer (10 s) is refused: it gave up on it.
    if !signed_by_platform(&headers, &body, 10) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "reason": "bad signature" })),
        );
    }
    let charge: Value = serde_json::from_slice(&body).unwrap();
    let reference = charge["reference"].as_str().unwrap().to_owned();
    if headers["idempotency-key"] != reference.as_str() || charge["currency"] != "EUR" {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "reason": "not a charge" })),
        );
    }
    let mut books = books.lock().unwrap();
    if books.down {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({})));
    }
    let lose = books.lose_answers;
    let known = books.charges.contains_key(&reference);
    if !known {
        books.references.push(reference.clone());
    }
    let charged = books.charges.entry(reference).or_insert_with(|| {
        let approved = json!({ "status": "APPROVED", "authorization": "PSP-OK" });
        let (answer, decision) = match charge["card"]["number"].as_str().unwrap() {
            "4242424242424242" => (json!({ "status": "PENDING" }), approved),
            "4000000000000002" => (
                json!({ "status": "PENDING" }),
                json!({ "status": "DECLINED", "reason": "do not honour" }),
            ),
            "5555555555554444" => (approved.clone(), approved),
            _ => {
                let declined = json!({ "status": "DECLINED", "reason": "insufficient funds" });
                (declined.clone(), declined)
            }
        };
        Charged {
            answer,
            decision,
            callback_url: charge["callbackUrl"].as_str().unwrap().to_owned(),
            posts: 0,
        }
    });
    charged.posts += 1;
    if lose {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({})));
    }
    let status = if charged.answer["status"] == "DECLINED" {
        // A refusal may come as a 4xx whose body declines.
        StatusCode::PAYMENT_REQUIRED
    } else {
        StatusCode::CREATED
    };
    (status, Json(charged.answer.clone()))
}

/// `GET /charges/{reference}`.
async fn tell(
    State(books): State<Shared>,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    if !signed_by_platform(&headers, b"", 300) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "reason": "bad signature" })),
        );
    }
    let books = books.lock().unwrap();
    if books.down {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({})));
    }
    match books.charges.get(&reference) {
        Some(charged) => (StatusCode::OK, Json(charged.answer.clone())),
        None => (StatusCode::NOT_FOUND, Json(json!({ "reason": "unknown" }))),
    }
}

impl Provider {
    async fn start() -> Self {
        let books = Shared::default();
        let app = Router::new()
            .route("/charges", post(take_charge))
            .route("/charges/{reference}", get(tell))
            .with_state(Arc::clone(&books));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base,
            books,
            http: reqwest::Client::new(),
        }
    }

    fn books(&self) -> std::sync::MutexGuard<'_, Books> {
        self.books.lock().unwrap()
    }

    /// The reference of the last charge taken.
    fn last(&self) -> String {
        self.books().references.last().unwrap().clone()
    }

    /// Decides `reference` and posts its callback (event `event`); the platform's status.
    async fn decide(&self, reference: &str, event: &str) -> (u16, String, String) {
        let (url, body) = {
            let mut books = self.books();
            let charged = books.charges.get_mut(reference).unwrap();
            charged.answer = charged.decision.clone();
            let mut body = charged.decision.clone();
            body["eventId"] = json!(event);
            body["reference"] = json!(reference);
            (charged.callback_url.clone(), body.to_string())
        };
        let header = sign(chrono::Utc::now().timestamp(), body.as_bytes());
        let status = self.post(&url, &body, Some(&header)).await;
        (status, body, header)
    }

    /// POSTs `body` with `signature` to `url`; the status.
    async fn post(&self, url: &str, body: &str, signature: Option<&str>) -> u16 {
        let mut request = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(signature) = signature {
            request = request.header("EmToken-Signature", signature);
        }
        request.send().await.unwrap().status().as_u16()
    }
}

/// The platform charging cards through `provider`, its client's card key registered; a READY wallet's
/// id.
async fn platform(pool: sqlx::PgPool, provider: &Provider) -> (Platform_, RsaPrivateKey, String) {
    let base = provider.base.clone();
    let p = platform_reached_at(pool, |public| {
        Some(Arc::new(
            WebhookAcquirer::new(&base, SECRET, public).unwrap(),
        ))
    })
    .await;
    let private = register_key(&p).await;
    let wallet = p.wallet(&p.client_key).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (p, private, wallet)
}

/// Posts a card cash-in of `amount` with card `number` into `wallet`, with Idempotency-Key `key`.
async fn cash_in(
    p: &Platform_,
    private: &RsaPrivateKey,
    wallet: &str,
    (number, amount, key): (&str, &str, &str),
) -> (Answer, Value) {
    let body = json!({ "amount": amount, "card": card(p, private, number, "1230").await });
    (again(p, wallet, &body, key).await, body)
}

/// The same cash-in request again with its key.
async fn again(p: &Platform_, wallet: &str, body: &Value, key: &str) -> Answer {
    p.raw(
        Method::POST,
        &format!("{W}/{wallet}/cards/cashIns"),
        Some(&p.client_key),
        Some(&body.to_string()),
        &[("idempotency-key", key)],
    )
    .await
}

/// The movement `id` of `wallet`.
async fn movement(p: &Platform_, wallet: &str, id: &str) -> Value {
    let a = p.get(&format!("{W}/{wallet}/movements/{id}")).await;
    assert_eq!(a.status, StatusCode::OK, "{a:?}");
    a.body
}

/// The wallet's balance.
async fn balance(p: &Platform_, wallet: &str) -> Value {
    p.get(&format!("{W}/{wallet}")).await.body["balance"].clone()
}

/// The state of the cash-in whose reference is `reference`, and the callbacks taken.
async fn stored(p: &Platform_, reference: &str) -> (String, i64) {
    let bytes = hex::decode(reference.trim_start_matches("0x")).unwrap();
    sqlx::query_as(
        "SELECT state, (SELECT count(*) FROM acquirer_callbacks) FROM card_cash_ins
         WHERE reference = $1",
    )
    .bind(bytes)
    .fetch_one(p.store.pool())
    .await
    .unwrap()
}

#[sqlx::test(migrations = false)]
async fn a_card_approved_by_callback_is_minted_once_and_bad_or_replayed_callbacks_change_nothing(
    pool: sqlx::PgPool,
) {
    let provider = Provider::start().await;
    let (p, private, wallet) = platform(pool, &provider).await;
    let (first, body) = cash_in(&p, &private, &wallet, ("4242424242424242", "25.00", "c-1")).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{first:?}");
    let id = first.body["movementId"].as_str().unwrap().to_owned();
    let reference = provider.last();
    let charged = provider.books().charges[&reference].clone();
    assert_eq!(
        charged.callback_url,
        format!("{}/api/v1/acquirer/callbacks", p.base)
    );
    // Undecided: the movement PENDING, nothing minted.
    assert_eq!(movement(&p, &wallet, &id).await["status"], "PENDING");
    assert_eq!(stored(&p, &reference).await, ("CHARGING".into(), 0));

    // Refused or unknown callbacks: nothing changes.
    let approved = json!({ "eventId": "evt-x", "reference": reference, "status": "APPROVED",
                           "authorization": "FORGED" })
    .to_string();
    // Signed at the platform's time (its clock stands still in tests): 301 s before it is stale.
    let now = emtoken_api::Clock::now(&p.clock).timestamp();
    let url = charged.callback_url.clone();
    let mut forged = sign(now, approved.as_bytes());
    forged.replace_range(forged.len() - 4.., "0000");
    assert_eq!(provider.post(&url, &approved, Some(&forged)).await, 401);
    assert_eq!(provider.post(&url, &approved, None).await, 401);
    let stale = sign(now - 301, approved.as_bytes());
    assert_eq!(provider.post(&url, &approved, Some(&stale)).await, 401);
    let unknown = json!({ "eventId": "evt-y", "reference": format!("0x{}", "ee".repeat(32)),
                          "status": "APPROVED", "authorization": "A" })
    .to_string();
    let unknown_signed = sign(now, unknown.as_bytes());
    assert_eq!(
        provider.post(&url, &unknown, Some(&unknown_signed)).await,
        404
    );
    assert_eq!(stored(&p, &reference).await, ("CHARGING".into(), 0));
    assert_eq!(movement(&p, &wallet, &id).await["status"], "PENDING");

    // The provider's callback: approved, minted, the balance credited.
    let (status, callback, header) = provider.decide(&reference, "evt-1").await;
    assert_eq!(status, 204);
    p.wait_for(&format!("{W}/{wallet}/movements/{id}"), "the mint", |m| {
        m["status"] == "SUCCESS"
    })
    .await;
    p.wait_for(&format!("{W}/{wallet}"), "the balance", |w| {
        w["balance"] == "25.00"
    })
    .await;

    // The same callback again, and a contradicting one: taken or not, nothing changes.
    assert_eq!(provider.post(&url, &callback, Some(&header)).await, 200);
    let declined = json!({ "eventId": "evt-2", "reference": reference, "status": "DECLINED",
                           "reason": "changed its mind" })
    .to_string();
    let declined_signed = sign(chrono::Utc::now().timestamp(), declined.as_bytes());
    assert_eq!(
        provider.post(&url, &declined, Some(&declined_signed)).await,
        204
    );
    // A retry with the key: the same cash-in, no second charge.
    let retry = again(&p, &wallet, &body, "c-1").await;
    assert_eq!(retry.status, StatusCode::ACCEPTED, "{retry:?}");
    assert_eq!(retry.body["movementId"], first.body["movementId"]);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(balance(&p, &wallet).await, "25.00");
    assert_eq!(movement(&p, &wallet, &id).await["status"], "SUCCESS");
    let (state, callbacks) = stored(&p, &reference).await;
    assert!(state == "MINTING" || state == "MINTED", "{state}");
    assert_eq!(callbacks, 2);
    let books = provider.books();
    assert_eq!(books.references.len(), 1);
    assert_eq!(books.charges[&reference].posts, 1);
}

#[sqlx::test(migrations = false)]
async fn declined_cards_are_error_movements_and_nothing_is_credited(pool: sqlx::PgPool) {
    let provider = Provider::start().await;
    let (p, private, wallet) = platform(pool, &provider).await;
    // Declined later, by callback: PENDING, then ERROR.
    let (first, _) = cash_in(&p, &private, &wallet, ("4000000000000002", "10.00", "d-1")).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{first:?}");
    let id = first.body["movementId"].as_str().unwrap().to_owned();
    assert_eq!(movement(&p, &wallet, &id).await["status"], "PENDING");
    let reference = provider.last();
    assert_eq!(provider.decide(&reference, "evt-d1").await.0, 204);
    assert_eq!(movement(&p, &wallet, &id).await["status"], "ERROR");
    assert_eq!(stored(&p, &reference).await.0, "DECLINED");

    // Declined at once (a 402 whose body declines): 402 naming the reason.
    let (at_once, _) = cash_in(&p, &private, &wallet, ("4000000000009995", "10.00", "d-2")).await;
    assert_eq!(at_once.status, StatusCode::PAYMENT_REQUIRED, "{at_once:?}");
    assert!(
        at_once.detail().contains("insufficient funds"),
        "{}",
        at_once.detail()
    );
    // Approved at once: minted without a callback.
    let (approved, _) = cash_in(&p, &private, &wallet, ("5555555555554444", "3.00", "d-3")).await;
    assert_eq!(approved.status, StatusCode::ACCEPTED, "{approved:?}");
    p.wait_for(&format!("{W}/{wallet}"), "the balance", |w| {
        w["balance"] == "3.00"
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(balance(&p, &wallet).await, "3.00");
    assert_eq!(movement(&p, &wallet, &id).await["status"], "ERROR");
}

/// Retries `body` with `key` while the cash-in is still being charged (409, at most 40 s).
async fn retry_until_settled(p: &Platform_, wallet: &str, body: &Value, key: &str) -> Answer {
    let started = Instant::now();
    loop {
        let a = again(p, wallet, body, key).await;
        if a.status != StatusCode::CONFLICT || !a.detail().contains("still being charged") {
            return a;
        }
        assert!(started.elapsed() < Duration::from_secs(40), "{a:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[sqlx::test(migrations = false)]
async fn a_provider_that_does_not_answer_is_a_503_and_the_retry_settles_from_its_books(
    pool: sqlx::PgPool,
) {
    let provider = Provider::start().await;
    let (p, private, wallet) = platform(pool, &provider).await;

    // The answer lost on its way: the provider charged. 503; once it answers, the retry with the key
    // learns the charge from the provider (GET) and mints it, without charging again.
    provider.books().lose_answers = true;
    let (lost, body) = cash_in(&p, &private, &wallet, ("5555555555554444", "12.50", "u-1")).await;
    assert_eq!(lost.status, StatusCode::SERVICE_UNAVAILABLE, "{lost:?}");
    assert!(
        lost.detail().contains("same Idempotency-Key"),
        "{}",
        lost.detail()
    );
    provider.books().lose_answers = false;
    let settled = retry_until_settled(&p, &wallet, &body, "u-1").await;
    assert_eq!(settled.status, StatusCode::ACCEPTED, "{settled:?}");
    let id = settled.body["movementId"].as_str().unwrap().to_owned();
    p.wait_for(&format!("{W}/{wallet}/movements/{id}"), "the mint", |m| {
        m["status"] == "SUCCESS"
    })
    .await;
    assert_eq!(balance(&p, &wallet).await, "12.50");
    let reference = provider.last();
    assert_eq!(provider.books().charges[&reference].posts, 1);

    // Down: nothing reached it. 503; once it is back, the retry asks it, which never received the
    // charge: once no charge can be on its way any more (15 s), not charged, the movement ERROR,
    // nothing credited.
    provider.books().down = true;
    let (down, body) = cash_in(&p, &private, &wallet, ("5555555555554444", "1.00", "u-2")).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE, "{down:?}");
    provider.books().down = false;
    let settled = retry_until_settled(&p, &wallet, &body, "u-2").await;
    assert_eq!(settled.status, StatusCode::PAYMENT_REQUIRED, "{settled:?}");
    assert!(
        settled.detail().contains("never received the charge"),
        "{}",
        settled.detail()
    );
    assert_eq!(provider.books().references.len(), 1, "nothing charged");
    let list = p.get(&format!("{W}/{wallet}/movements")).await.body;
    let errors = list["_embedded"]["movements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "ERROR" && m["amount"] == "1.00")
        .count();
    assert_eq!(errors, 1, "{list}");
    assert_eq!(balance(&p, &wallet).await, "12.50");
}
