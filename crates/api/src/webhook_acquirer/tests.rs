//! The webhook acquirer against canned answers: what each answer becomes, and how callbacks are read.
//! The whole protocol against a provider that keeps charges is `tests/webhook_acquirer.rs`.

use std::sync::{Arc, Mutex};

use axum::{
    Router,
    http::{HeaderMap, StatusCode},
    routing::{get, post},
};
use serde_json::{Value, json};

use super::*;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const PUBLIC: &str = "https://api.example";

fn acquirer(base: &str) -> WebhookAcquirer {
    WebhookAcquirer::new(base, SECRET, PUBLIC).unwrap()
}

fn charge(owner: &str) -> Charge<'_> {
    Charge {
        reference: [7; 32],
        amount: "12.50",
        number: "4242424242424242",
        exp_month: 12,
        exp_year: 2030,
        cvv: "123",
        owner,
        return_url: None,
    }
}

/// What the canned provider saw: each charge's headers and body.
type Seen = Arc<Mutex<Vec<(HeaderMap, axum::body::Bytes)>>>;

/// A provider that answers each charge with the status and body its card's `owner` names
/// (`"402 {json}"`), and each question with 404.
async fn canned() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let kept = Arc::clone(&seen);
    let app = Router::new()
        .route(
            "/psp/charges",
            post(
                move |headers: HeaderMap, body: axum::body::Bytes| async move {
                    let request: Value = serde_json::from_slice(&body).unwrap();
                    let owner = request["card"]["owner"].as_str().unwrap().to_owned();
                    kept.lock().unwrap().push((headers, body));
                    let (status, answer) = owner.split_once(' ').unwrap();
                    (
                        StatusCode::from_u16(status.parse().unwrap()).unwrap(),
                        answer.to_owned(),
                    )
                },
            ),
        )
        .route(
            "/psp/charges/{reference}",
            get(|| async { StatusCode::NOT_FOUND }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/psp/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, seen)
}

#[tokio::test]
async fn a_charge_is_signed_and_each_answer_becomes_a_decision() {
    let (base, seen) = canned().await;
    let acquirer = acquirer(&base);
    let approved = r#"200 {"status":"APPROVED","authorization":"A-1","extra":1}"#;
    assert_eq!(
        acquirer.charge(&charge(approved)).await,
        Ok(Decision::Approved {
            authorization: "A-1".into()
        })
    );
    // The request: the protocol's body, the reference as Idempotency-Key, signed by the platform.
    let (headers, raw) = seen.lock().unwrap()[0].clone();
    let body: Value = serde_json::from_slice(&raw).unwrap();
    let reference = format!("0x{}", "07".repeat(32));
    assert_eq!(
        body,
        json!({ "reference": reference, "amount": "12.50", "currency": "EUR",
                "card": { "number": "4242424242424242", "expMonth": 12, "expYear": 2030,
                          "cvv": "123", "owner": approved },
                "returnUrl": null, "callbackUrl": "https://api.example/api/v1/acquirer/callbacks" })
    );
    assert_eq!(headers["idempotency-key"], reference.as_str());
    let signed = headers[signature::HEADER].to_str().unwrap();
    assert_eq!(
        Key::new(SECRET)
            .unwrap()
            .verify(Some(signed), &raw, Utc::now()),
        Ok(())
    );

    for (answer, decision) in [
        (
            r#"201 {"status":"DECLINED","reason":" do not honour "}"#,
            Decision::Declined {
                reason: "do not honour".into(),
            },
        ),
        (
            r#"202 {"status":"DECLINED"}"#,
            Decision::Declined {
                reason: "declined by the acquirer".into(),
            },
        ),
        (
            r#"402 {"status":"DECLINED","reason":"insufficient funds"}"#,
            Decision::Declined {
                reason: "insufficient funds".into(),
            },
        ),
        (
            r#"202 {"status":"PENDING"}"#,
            Decision::Pending { challenge: None },
        ),
        (
            r#"202 {"status":"PENDING","challengeUrl":"https://psp.example/3ds/1"}"#,
            Decision::Pending {
                challenge: Some("https://psp.example/3ds/1".into()),
            },
        ),
    ] {
        assert_eq!(
            acquirer.charge(&charge(answer)).await,
            Ok(decision),
            "{answer}"
        );
    }

    // Nothing known of the charge: unreachable, and the message names why.
    for (answer, why) in [
        ("500 {}", "answered 500"),
        ("503 oops", "answered 503"),
        ("204 ", "answered 204"),
        ("302 ", "answered 302"),
        ("200 not json", "not an answer of the protocol"),
        (r#"200 {"status":"APPROVED"}"#, "without an authorization"),
        (r#"200 {"status":"MAYBE"}"#, "none of APPROVED"),
        (
            r#"202 {"status":"PENDING","challengeUrl":"/3ds"}"#,
            "challengeUrl",
        ),
        ("400 {}", "refused the request (400 Bad Request)"),
        (r#"401 {"status":"APPROVED","authorization":"A"}"#, "401"),
        ("429 {}", "429"),
    ] {
        let Err(Unreachable(message)) = acquirer.charge(&charge(answer)).await else {
            panic!("{answer}: not unreachable");
        };
        assert!(message.contains(why), "{answer}: {message}");
        assert!(!message.contains("4242424242424242"), "{message}");
    }
    // A question about a charge the provider never received.
    assert_eq!(acquirer.decision(&[7; 32]).await, Ok(None));
}

#[tokio::test]
async fn a_provider_that_is_not_there_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let acquirer = acquirer(&base);
    let Err(Unreachable(message)) = acquirer.charge(&charge("Ana")).await else {
        panic!("charged without a provider");
    };
    assert!(message.contains("cannot be reached"), "{message}");
    assert!(acquirer.decision(&[7; 32]).await.is_err());
}

#[test]
fn addresses_and_secrets_are_checked_and_the_secret_never_shown() {
    for bad in [
        "psp.example",
        "ftp://psp.example",
        "https://psp.example/?a=1",
    ] {
        assert!(WebhookAcquirer::new(bad, SECRET, PUBLIC).is_err(), "{bad}");
    }
    let short = WebhookAcquirer::new("https://psp.example", &SECRET[..31], PUBLIC).unwrap_err();
    assert!(short.contains("31 bytes"), "{short}");
    let ok = WebhookAcquirer::new("https://psp.example/", SECRET, "https://api.example/").unwrap();
    assert_eq!(
        ok.callback_url(),
        "https://api.example/api/v1/acquirer/callbacks"
    );
    let shown = format!("{ok:?}");
    assert!(shown.contains("https://psp.example/charges"), "{shown}");
    assert!(!shown.contains("0123456789abcdef"), "{shown}");

    // From a file: its bytes without the line ending; a short one names the file.
    let dir = tempfile_dir();
    let path = dir.join("secret");
    std::fs::write(&path, [SECRET, b"\r\n"].concat()).unwrap();
    let from_file =
        WebhookAcquirer::with_secret_file("https://psp.example", &path, PUBLIC).unwrap();
    let body = b"{}";
    let header = Key::new(SECRET).unwrap().sign(Utc::now(), body);
    let mut headers = HeaderMap::new();
    headers.insert(signature::HEADER, header.parse().unwrap());
    // The secret taken is the file's without "\r\n": its signature is good (the body is not a callback).
    assert!(matches!(
        from_file.callback(&headers, body, Utc::now()),
        Err(CallbackError::Malformed(_))
    ));
    std::fs::write(&path, b"short\n").unwrap();
    let error =
        WebhookAcquirer::with_secret_file("https://psp.example", &path, PUBLIC).unwrap_err();
    assert!(
        error.contains("5 bytes") && error.contains("secret"),
        "{error}"
    );
    let missing = dir.join("none");
    let error =
        WebhookAcquirer::with_secret_file("https://psp.example", &missing, PUBLIC).unwrap_err();
    assert!(error.contains("cannot read"), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A fresh folder under the system's temporary one.
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("emtoken-webhook-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir(&dir).unwrap();
    dir
}

/// The headers of `body` signed at `at`.
fn signed(body: &[u8], at: DateTime<Utc>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let value = Key::new(SECRET).unwrap().sign(at, body);
    headers.insert(signature::HEADER, value.parse().unwrap());
    headers
}

#[test]
fn callbacks_are_taken_only_signed_recent_and_well_formed() {
    let acquirer = acquirer("https://psp.example");
    let now = Utc::now();
    let reference = format!("0x{}", "ab".repeat(32));
    let body = json!({ "eventId": "evt_1", "reference": reference, "status": "APPROVED",
                       "authorization": "A-9" })
    .to_string();
    assert_eq!(
        acquirer.callback(&signed(body.as_bytes(), now), body.as_bytes(), now),
        Ok(Callback {
            event_id: "evt_1".into(),
            reference: [0xab; 32],
            decision: Decision::Approved {
                authorization: "A-9".into()
            },
        })
    );
    let declined = json!({ "eventId": "evt_2", "reference": reference, "status": "DECLINED",
                           "reason": "stolen card" })
    .to_string();
    assert_eq!(
        acquirer
            .callback(&signed(declined.as_bytes(), now), declined.as_bytes(), now)
            .map(|c| c.decision),
        Ok(Decision::Declined {
            reason: "stolen card".into()
        })
    );

    // Refused: no header, another body, too old, another secret.
    let refused = |headers: &HeaderMap, body: &str| {
        matches!(
            acquirer.callback(headers, body.as_bytes(), now),
            Err(CallbackError::Refused(_))
        )
    };
    assert!(refused(&HeaderMap::new(), &body));
    assert!(refused(&signed(body.as_bytes(), now), &declined));
    assert!(refused(
        &signed(body.as_bytes(), now - chrono::Duration::seconds(301)),
        &body
    ));
    let mut other = HeaderMap::new();
    let other_key = Key::new(b"another secret of thirty-two bytes!").unwrap();
    other.insert(
        signature::HEADER,
        other_key.sign(now, body.as_bytes()).parse().unwrap(),
    );
    assert!(refused(&other, &body));

    // Malformed, though signed.
    for bad in [
        "not json".to_owned(),
        json!({ "eventId": "", "reference": reference, "status": "DECLINED" }).to_string(),
        json!({ "eventId": "e".repeat(201), "reference": reference, "status": "DECLINED" })
            .to_string(),
        json!({ "eventId": "e", "reference": "ab".repeat(32), "status": "DECLINED" }).to_string(),
        json!({ "eventId": "e", "reference": "0x12", "status": "DECLINED" }).to_string(),
        json!({ "eventId": "e", "reference": reference, "status": "PENDING" }).to_string(),
        json!({ "eventId": "e", "reference": reference, "status": "APPROVED" }).to_string(),
        json!({ "reference": reference, "status": "DECLINED" }).to_string(),
    ] {
        assert!(
            matches!(
                acquirer.callback(&signed(bad.as_bytes(), now), bad.as_bytes(), now),
                Err(CallbackError::Malformed(_))
            ),
            "{bad}"
        );
    }
}
