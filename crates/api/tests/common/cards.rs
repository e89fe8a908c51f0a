//! Card data as a client sends it: the test key registered as the client's card-data key, and a card's
//! fields sealed under a temporal key the API gave (what the guide's Java client does).

use axum::http::StatusCode;
use base64::{Engine, engine::general_purpose::STANDARD};
use emtoken_api::cards::{ClientRsaKey, seal_field};
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey, pkcs8::DecodePrivateKey, traits::PublicKeyParts};
use serde_json::{Value, json};

use super::Platform_;

/// The client's RSA private key (a fixture: it protects nothing).
const KEY: &str = include_str!("../fixtures/card-client-2048.key.pem");

/// Registers the test key as the card-data key of the client `acme`; its private half.
pub async fn register_key(p: &Platform_) -> RsaPrivateKey {
    let private = RsaPrivateKey::from_pkcs8_pem(KEY).unwrap();
    let public = rsa::RsaPublicKey::new(private.n().clone(), private.e().clone()).unwrap();
    let der = rsa::pkcs8::EncodePublicKey::to_public_key_der(&public).unwrap();
    let key = ClientRsaKey::from_der(der.as_bytes()).unwrap();
    let client = p.store.client_by_name("acme").await.unwrap().unwrap();
    p.store
        .set_client_rsa_key(client.id, key.der(), key.fingerprint())
        .await
        .unwrap();
    private
}

/// A temporal key of the client, opened with `private`, and the card's fields sealed under it.
pub async fn card(p: &Platform_, private: &RsaPrivateKey, number: &str, expiration: &str) -> Value {
    let a = p
        .post(
            &p.client_key,
            "/api/v1/public/wallets/temporalpk",
            Value::Null,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{a:?}");
    let sealed = STANDARD
        .decode(a.body["temporalPK"].as_str().unwrap())
        .unwrap();
    let hex_key = private.decrypt(Pkcs1v15Encrypt, &sealed).unwrap();
    let key: [u8; 32] = hex::decode(hex_key).unwrap().try_into().unwrap();
    json!({
        "owner": seal_field(&key, "Ana María García"),
        "brand": if number.starts_with('4') { "VISA" } else { "MCAR" },
        "number": seal_field(&key, number),
        "expiration": seal_field(&key, expiration),
        "cvv": seal_field(&key, "123"),
    })
}
