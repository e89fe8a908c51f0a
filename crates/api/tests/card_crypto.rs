//! Card data against an independent client: `POST /api/v1/public/wallets/temporalpk` gives a key sealed
//! with the client's RSA key; Python's `cryptography` (scripts/lib/card_client.py, in .tools/card-venv)
//! decrypts it and encrypts a card the way the platform guide's Java sample does; the API's `cards` module
//! opens the card once, and not with a used, expired or other client's key.
//!
//! The client's Python is `EMTOKEN_CARD_CLIENT_PYTHON` (scripts/test sets it), else
//! `.tools/card-venv/bin/python` of the workspace (installed by scripts/setup).

mod common;

use std::{path::PathBuf, process::Command};

use axum::http::{Method, StatusCode};
use base64::{Engine, engine::general_purpose::STANDARD};
use common::{Platform_, platform};
use emtoken_api::{
    Clock, Problem,
    cards::{CardData, CheckedCard, ClientRsaKey, EncryptedCard, NotEncrypted},
};
use emtoken_store::api::ClientRole;
use serde_json::Value;
use uuid::Uuid;

const TEMPORAL_PK: &str = "/api/v1/public/wallets/temporalpk";

/// The workspace's root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The card client's Python: EMTOKEN_CARD_CLIENT_PYTHON, else the workspace's .tools/card-venv.
fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("EMTOKEN_CARD_CLIENT_PYTHON") {
        return PathBuf::from(path);
    }
    let venv = root().join(".tools/card-venv/bin/python");
    assert!(
        venv.exists(),
        "the card client is not installed: run scripts/setup (it installs Python's cryptography, pinned in \
         scripts/lib/card-client-requirements.txt, into .tools/card-venv), or set EMTOKEN_CARD_CLIENT_PYTHON \
         to a python that has it"
    );
    venv
}

/// The four fields of a card, in the clear.
const CARD: [(&str, &str); 4] = [
    ("owner", "José Ñúñez García"),
    ("number", "4111111111111111"),
    ("expiration", "1299"),
    ("cvv", "123"),
];

/// The card's fields encrypted by the independent client with the key in `temporal_pk`.
fn encrypt(temporal_pk: &str) -> [String; 4] {
    let mut command = Command::new(python());
    command
        .arg(root().join("scripts/lib/card_client.py"))
        .arg(fixture("card-client-2048.key.pem"))
        .arg(temporal_pk);
    for (name, value) in CARD {
        command.arg(format!("{name}={value}"));
    }
    let out = command.output().expect("run the card client");
    assert!(
        out.status.success(),
        "card_client.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["key"].as_str().unwrap().len(), 64, "{answer}");
    CARD.map(|(name, _)| answer["fields"][name].as_str().unwrap().to_owned())
}

fn card(fields: &[String; 4]) -> EncryptedCard<'_> {
    EncryptedCard {
        owner: &fields[0],
        number: &fields[1],
        expiration: &fields[2],
        cvv: &fields[3],
    }
}

/// A new temporal key of the client of `key` (200).
async fn temporal_pk(p: &Platform_, key: &str) -> String {
    let a = p.raw(Method::POST, TEMPORAL_PK, Some(key), None, &[]).await;
    assert_eq!(a.status, StatusCode::OK, "{a:?}");
    let fields: Vec<&String> = a.body.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["_links", "temporalPK"], "{a:?}");
    assert_eq!(a.body["_links"]["self"]["href"], TEMPORAL_PK);
    let sealed = a.body["temporalPK"].as_str().unwrap().to_owned();
    assert_eq!(STANDARD.decode(&sealed).unwrap().len(), 256, "RSA-2048");
    sealed
}

async fn client_id(p: &Platform_, name: &str) -> Uuid {
    p.store
        .ensure_client(name, ClientRole::Client)
        .await
        .unwrap()
        .id
}

async fn register(p: &Platform_, client: Uuid) {
    let pem = std::fs::read_to_string(fixture("card-client-2048.pub.pem")).unwrap();
    let key = ClientRsaKey::from_pem(&pem).unwrap();
    p.store
        .set_client_rsa_key(client, key.der(), key.fingerprint())
        .await
        .unwrap();
}

fn not_encrypted(result: Result<CardData, NotEncrypted>) {
    let problem = Problem::from(result.unwrap_err());
    assert_eq!(problem.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        serde_json::to_value(problem.body()).unwrap(),
        serde_json::json!({"errors": [{"status": 400, "detail": "Card data not encrypted."}]})
    );
}

#[sqlx::test(migrations = false)]
async fn a_card_encrypted_by_an_independent_client_opens_once(pool: sqlx::PgPool) {
    python();
    let p = platform(pool).await;
    let acme = client_id(&p, "acme").await;

    // No RSA key yet: a 409 that says how to register one.
    let a = p
        .raw(Method::POST, TEMPORAL_PK, Some(&p.client_key), None, &[])
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{a:?}");
    assert!(
        a.detail()
            .contains("emtoken api-key rsa-key --client acme --rsa-public-key"),
        "{a:?}"
    );

    register(&p, acme).await;
    let fields = encrypt(&temporal_pk(&p, &p.client_key).await);
    let now = p.clock.now();
    let opened = p
        .state
        .temporal_keys
        .open(acme, card(&fields), now)
        .unwrap();
    assert_eq!(
        [
            opened.owner(),
            opened.number(),
            opened.expiration(),
            opened.cvv()
        ],
        CARD.map(|(_, value)| value)
    );
    let checked = CheckedCard::check("VISA", opened, now).unwrap();
    assert_eq!(checked.last_four, "1111");
    assert_eq!((checked.expiry_month, checked.expiry_year), (12, 2099));

    // Used once: the same fields again are not encrypted (for the API).
    not_encrypted(p.state.temporal_keys.open(acme, card(&fields), now));
}

#[sqlx::test(migrations = false)]
async fn expired_and_other_clients_keys_do_not_open_a_card(pool: sqlx::PgPool) {
    python();
    let p = platform(pool).await;
    let (acme, globex) = (client_id(&p, "acme").await, client_id(&p, "globex").await);
    register(&p, acme).await;
    // globex registers the same RSA key: the temporal key, not the RSA key, is bound to the client.
    register(&p, globex).await;

    // Expired: five minutes after it was given.
    let fields = encrypt(&temporal_pk(&p, &p.client_key).await);
    p.clock.advance(chrono::Duration::minutes(5));
    not_encrypted(
        p.state
            .temporal_keys
            .open(acme, card(&fields), p.clock.now()),
    );

    // Another client's key: refused for acme, and still good for globex.
    let fields = encrypt(&temporal_pk(&p, &p.other_key).await);
    not_encrypted(
        p.state
            .temporal_keys
            .open(acme, card(&fields), p.clock.now()),
    );
    assert!(
        p.state
            .temporal_keys
            .open(globex, card(&fields), p.clock.now())
            .is_ok()
    );
}

#[sqlx::test(migrations = false)]
async fn temporalpk_is_a_clients_post_and_no_wallet(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    // Not taken for /wallets/{walletId}: a GET is a 405, not "walletId is not a UUID".
    let a = p.get(TEMPORAL_PK).await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{a:?}");
    let a = p
        .raw(Method::POST, TEMPORAL_PK, Some(&p.bank_key), None, &[])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{a:?}");
    let a = p.raw(Method::POST, TEMPORAL_PK, None, None, &[]).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{a:?}");
    // A wallet's own path still is one.
    let a = p.get("/api/v1/public/wallets/not-a-uuid").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{a:?}");
    assert!(a.detail().starts_with("walletId"), "{a:?}");
}
