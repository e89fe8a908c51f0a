//! `emtoken api-key create --rsa-public-key` and `emtoken api-key rsa-key`: a client's RSA public key for
//! card data, from PEM (SubjectPublicKeyInfo or PKCS#1), with its fingerprint printed; refused keys name
//! the file and write nothing.

mod common;

use common::{Db, failure, success};
use serde_json::Value;

/// `openssl pkey -pubin -in card-client-2048.pub.pem -outform DER | sha256sum`.
const FINGERPRINT: &str = "6b2a20d5512418842fe94a4edb068dec92f3970820ee24a7b7bc5e904328573b";

/// A key file of the API crate's test fixtures, as a flag's value.
fn fixture(name: &str) -> String {
    common::api_fixture(name).display().to_string()
}

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[tokio::test]
async fn a_client_gets_its_key_with_the_api_key_and_rotates_it() {
    let db = Db::fresh().await;
    let spki = fixture("card-client-2048.pub.pem");
    let created = json(&success(&db.emtoken(&[
        "--json",
        "api-key",
        "create",
        "--client",
        "acme",
        "--rsa-public-key",
        &spki,
    ])));
    assert_eq!(created["rsaKey"]["fingerprint"], FINGERPRINT, "{created}");
    assert_eq!(created["rsaKey"]["bits"], 2048, "{created}");
    assert!(created["rsaKey"]["replaced"].is_null(), "{created}");

    // The same key as PKCS#1 has the same fingerprint; the first one is retired.
    let pkcs1 = fixture("card-client-2048.pkcs1.pem");
    let text = success(&db.emtoken(&[
        "api-key",
        "rsa-key",
        "--client",
        "acme",
        "--rsa-public-key",
        &pkcs1,
    ]));
    assert!(
        text.contains(&format!("2048 bits, sha-256 fingerprint {FINGERPRINT}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("it replaces the key {FINGERPRINT}")),
        "{text}"
    );

    let store = db.store().await;
    let client = store.client_by_name("acme").await.unwrap().unwrap();
    let active = store.client_rsa_key(client.id).await.unwrap().unwrap();
    assert_eq!(hex::encode(&active.fingerprint), FINGERPRINT);
    let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM client_rsa_keys WHERE client_id = $1")
        .bind(client.id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(keys, 2, "the first key stays, retired");
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_key_for_an_unknown_client_or_the_bank_is_refused() {
    let db = Db::fresh().await;
    success(&db.emtoken(&["api-key", "create", "--client", "bank", "--bank"]));
    let spki = fixture("card-client-2048.pub.pem");
    for (client, expected) in [
        ("nobody", "--client nobody: no such client"),
        ("bank", "--client bank is the bank integration"),
    ] {
        let stderr = failure(&db.emtoken(&[
            "api-key",
            "rsa-key",
            "--client",
            client,
            "--rsa-public-key",
            &spki,
        ]));
        assert!(stderr.contains(expected), "{stderr}");
    }
    let stderr = failure(&db.emtoken(&[
        "api-key",
        "create",
        "--client",
        "bank2",
        "--bank",
        "--rsa-public-key",
        &spki,
    ]));
    assert!(stderr.contains("--rsa-public-key"), "{stderr}");
}

#[tokio::test]
async fn bad_key_files_are_refused_naming_the_file_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "hello\n").unwrap();
    let missing = dir.path().join("missing.pem");
    let cases = [
        (fixture("rsa-1024.pub.pem"), "1024 bits is too small"),
        (fixture("ec-p256.pub.pem"), "not an RSA public key"),
        (fixture("card-client-2048.key.pem"), "this is a private key"),
        (garbage.display().to_string(), "not a PEM public key"),
        (missing.display().to_string(), "cannot read it"),
    ];
    for (file, expected) in cases {
        let db = Db::fresh().await;
        let stderr = failure(&db.emtoken(&[
            "api-key",
            "create",
            "--client",
            "acme",
            "--rsa-public-key",
            &file,
        ]));
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains(&format!("--rsa-public-key {file}")),
            "{stderr}"
        );
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
        assert!(db.untouched().await, "{file}: something was written");
    }
}
