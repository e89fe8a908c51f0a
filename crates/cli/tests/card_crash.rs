//! Crash safety of card cash-ins: `emtoken serve` dies (`EMTOKEN_CRASH_AT=card-approved`: abort, as
//! SIGKILL would) right after the acquirer approved a card and the approval was stored, before the mint
//! is sent. Started again without the hook, its follow-up mints the cash-in: the wallet is credited
//! once, the chain has one mint with the cash-in's reference, and a retry with the Idempotency-Key
//! answers 202 with the cash-in's movement.
//!
//! On the PostgreSQL server of DATABASE_URL when set (skipped otherwise), and always on the embedded
//! database.

mod common;

use std::{
    os::unix::process::ExitStatusExt,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{B256, keccak256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use common::{
    Db,
    api::{Serve, api_key, funded_wallets, get, http, post, wait_for},
    api_fixture, success,
};
use emtoken_api::cards::seal_field;
use emtoken_sdk::bindings::EmToken::Minted;
use emtoken_test_utils::{DevNode, ProfileName};
use emtoken_workload::Deployed;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey, pkcs8::DecodePrivateKey};
use serde_json::{Value, json};

/// The signal `std::process::abort` ends a process with (Linux).
const SIGABRT: i32 = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_approved_when_serve_dies_is_minted_once_after_restart_on_the_server() {
    if std::env::var("DATABASE_URL").is_err() {
        eprintln!("skipped: DATABASE_URL is not set (scripts/test sets it)");
        return;
    }
    crash_between_approval_and_mint(Db::fresh().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_approved_when_serve_dies_is_minted_once_after_restart_embedded() {
    crash_between_approval_and_mint(Db::embedded()).await;
}

async fn crash_between_approval_and_mint(db: Db) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let client_key = api_key(&db, "acme", false);
    let bank_key = api_key(&db, "bank", true);
    let public = api_fixture("card-client-2048.pub.pem");
    success(&db.emtoken(&[
        "api-key",
        "rsa-key",
        "--client",
        "acme",
        "--rsa-public-key",
        &public.display().to_string(),
    ]));
    let private = RsaPrivateKey::from_pkcs8_pem(
        &std::fs::read_to_string(api_fixture("card-client-2048.key.pem")).unwrap(),
    )
    .unwrap();
    let mut serve = Serve::new(&db, &node, d.endpoint(), &d.address.to_string());
    serve.env.push(("EMTOKEN_CRASH_AT", "card-approved".into()));
    // Everything serve logs, to check that no card data is among it.
    serve.env.push(("RUST_LOG", "debug".into()));
    let base = serve.base.clone();
    let http = http();
    serve.start();
    serve.ready(&http).await;
    let wallet = funded_wallets(&http, &serve, (&client_key, &bank_key), &[None])
        .await
        .remove(0);
    let block_before = d.operator.provider().get_block_number().await.unwrap();

    // The card's fields under a temporal key, as a client encrypts them.
    let wallets = format!("{base}/api/v1/public/wallets");
    let (status, answer) = post(
        &http,
        &format!("{wallets}/temporalpk"),
        &client_key,
        &Value::Null,
        None,
    )
    .await
    .expect("the API answers");
    assert_eq!(status, 200, "{answer}");
    let sealed = STANDARD
        .decode(answer["temporalPK"].as_str().unwrap())
        .unwrap();
    let key: [u8; 32] = hex::decode(private.decrypt(Pkcs1v15Encrypt, &sealed).unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let body = json!({ "amount": "25.00", "card": {
        "owner": seal_field(&key, "Ana María García"),
        "brand": "VISA",
        "number": seal_field(&key, "4242424242424242"),
        "expiration": seal_field(&key, "1230"),
        "cvv": seal_field(&key, "123"),
    } });
    let url = format!("{wallets}/{wallet}/cards/cashIns");

    // Approved, stored, and the process is gone before it answers or mints.
    let answer = post(&http, &url, &client_key, &body, Some("card-crash-1")).await;
    assert!(answer.is_none(), "serve answered: {answer:?}");
    let child = serve.child.as_mut().expect("serve was started");
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "serve did not die"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(exit.signal(), Some(SIGABRT), "{exit:?}");
    serve.child = None;

    // Started again without the hook: the follow-up (every 2 s, for cash-ins untouched 30 s) mints it.
    serve.env.retain(|(name, _)| *name != "EMTOKEN_CRASH_AT");
    serve.start();
    serve.ready(&http).await;
    let wallet_url = format!("{wallets}/{wallet}");
    let started = Instant::now();
    loop {
        if let Some((200, w)) = get(&http, &wallet_url, &client_key).await
            && w["balance"] == "25.00"
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the follow-up did not mint the approved cash-in"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    wait_for(
        &http,
        &format!("{wallet_url}/movements"),
        &client_key,
        |page| page["_embedded"]["movements"][0]["status"] == "SUCCESS",
    )
    .await;
    let (_, page) = get(&http, &format!("{wallet_url}/movements"), &client_key)
        .await
        .unwrap();
    let movements = page["_embedded"]["movements"].as_array().unwrap().clone();
    assert_eq!(movements.len(), 1, "{page}");
    assert_eq!(movements[0]["type"], "CARD_CASHIN");

    // The retry with the key: 202, the same cash-in and movement, nothing charged or minted again.
    let (status, retry) = post(&http, &url, &client_key, &body, Some("card-crash-1"))
        .await
        .expect("the API answers");
    assert_eq!(status, 202, "{retry}");
    assert_eq!(retry["movementId"], movements[0]["id"], "{retry}");
    let reference = keccak256(format!("CARD:{}", retry["id"].as_str().unwrap()));

    // One mint on chain since the wallet was made, with the cash-in's reference.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let logs = d
        .operator
        .provider()
        .get_logs(
            &Filter::new()
                .address(d.address)
                .event_signature(Minted::SIGNATURE_HASH)
                .from_block(block_before),
        )
        .await
        .unwrap();
    let references: Vec<B256> = logs
        .iter()
        .map(|log| {
            Minted::decode_log(&log.inner)
                .unwrap()
                .data
                .paymentReference
        })
        .collect();
    assert_eq!(references, vec![reference]);
    let (_, w) = get(&http, &wallet_url, &client_key).await.unwrap();
    assert_eq!(w["balance"], "25.00", "{w}");
    serve.kill();
    // Nothing of the card or its key in anything serve logged, at debug level, across both runs.
    let log = std::fs::read_to_string(serve.log()).unwrap();
    assert!(
        log.contains("emtoken_api"),
        "serve's log was not captured: {log}"
    );
    for secret in [
        "4242424242424242".to_owned(),
        "Ana María García".to_owned(),
        hex::encode(key),
    ] {
        assert!(!log.contains(&secret), "serve logged card data: {secret}");
    }
}
