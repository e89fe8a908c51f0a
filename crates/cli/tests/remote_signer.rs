//! `emtoken serve` with its keys held by a remote signer speaking Web3Signer's API (a local fake of it):
//! it checks the signer at start (up, holding the key, a probe signed for this chain that recovers to
//! the address) and then signs every transaction through it; a signer that answers a signature of
//! another key, an error, another chain's transaction, or holds no key for the address stops the start
//! with an error naming its URL and the address. A keystore without a password file off a terminal
//! is refused naming the missing flag.

mod common;
#[path = "fake_web3signer/mod.rs"]
mod fake_web3signer;

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use alloy::providers::Provider;
use common::{
    Db,
    api::{Serve, api_key, free_port, funded_wallets, http},
};
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use fake_web3signer::{FakeWeb3Signer, Mode};

/// Runs `serve` to its end (60 s at most): its exit status and its log.
async fn run_to_end(serve: &mut Serve) -> (std::process::ExitStatus, String) {
    serve.start();
    let mut child = serve.child.take().expect("serve started");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for serve") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("serve did not stop");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let log = std::fs::read_to_string(serve.log()).unwrap_or_default();
    std::fs::remove_file(serve.log()).ok();
    (status, log)
}

/// `serve` of `d` signing through the Web3Signer at `url`: the operator as `operator`, compliance as
/// `compliance`.
fn serve_with_web3signer(
    db: &Db,
    node: &DevNode,
    d: &Deployed,
    url: &str,
    (operator, compliance): (alloy::primitives::Address, alloy::primitives::Address),
) -> Serve {
    let mut serve = Serve::new(db, node, d.endpoint(), &d.address.to_string());
    serve.env = vec![
        ("EMTOKEN_OPERATOR_WEB3SIGNER", url.to_owned()),
        ("EMTOKEN_OPERATOR_ADDRESS", operator.to_string()),
        ("EMTOKEN_COMPLIANCE_WEB3SIGNER", url.to_owned()),
        ("EMTOKEN_COMPLIANCE_ADDRESS", compliance.to_string()),
    ];
    serve
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_signs_through_a_remote_signer_and_refuses_one_that_misbehaves() {
    let db = Db::fresh().await;
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let chain_id = d.operator.chain_id();
    let operator = node.signer(Role::Operator).unwrap();
    let compliance = node.signer(Role::Compliance).unwrap();
    let roles = (operator.address(), compliance.address());
    let keys = vec![operator.clone(), compliance.clone()];

    // Misbehaving signers: serve stops before serving anything, naming the URL and the address.
    let refused = |log: &str, url: &str, parts: &[&str]| {
        assert!(log.contains(url), "{url} not in: {log}");
        for part in parts {
            assert!(log.contains(part), "{part:?} not in: {log}");
        }
        assert!(!log.contains("serving the API"), "{log}");
    };
    let operator_flag = "--operator-web3signer: web3signer ".to_owned();
    let for_operator = format!(" for {}: ", operator.address());

    // A signature of another key.
    let wrong = FakeWeb3Signer::start(keys.clone(), chain_id, Mode::WrongSignature).await;
    let (status, log) = run_to_end(&mut serve_with_web3signer(
        &db, &node, &d, &wrong.url, roles,
    ))
    .await;
    assert!(!status.success(), "{log}");
    refused(
        &log,
        &wrong.url,
        &[
            &operator_flag,
            &for_operator,
            "signature recovers to",
            "refusing it",
        ],
    );

    // HTTP 500.
    let failing = FakeWeb3Signer::start(keys.clone(), chain_id, Mode::Error500).await;
    let (status, log) = run_to_end(&mut serve_with_web3signer(
        &db,
        &node,
        &d,
        &failing.url,
        roles,
    ))
    .await;
    assert!(!status.success(), "{log}");
    refused(
        &log,
        &failing.url,
        &[&for_operator, "/upcheck answered HTTP 500"],
    );

    // No key for the operator's address (it holds the compliance key only).
    let other = FakeWeb3Signer::start(vec![compliance.clone()], chain_id, Mode::Honest).await;
    let (status, log) = run_to_end(&mut serve_with_web3signer(
        &db, &node, &d, &other.url, roles,
    ))
    .await;
    assert!(!status.success(), "{log}");
    refused(
        &log,
        &other.url,
        &[
            &for_operator,
            "the signer holds no key for this address",
            &compliance.address().to_string(),
        ],
    );

    // Configured for another chain: its transactions would never be the ones asked for.
    let elsewhere = FakeWeb3Signer::start(keys.clone(), 1, Mode::Honest).await;
    let (status, log) = run_to_end(&mut serve_with_web3signer(
        &db,
        &node,
        &d,
        &elsewhere.url,
        roles,
    ))
    .await;
    assert!(!status.success(), "{log}");
    refused(
        &log,
        &elsewhere.url,
        &[
            &for_operator,
            &format!("signed for chain id 1, this chain is {chain_id}"),
            &format!("--chain-id {chain_id}"),
        ],
    );

    // Nobody there.
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let (status, log) =
        run_to_end(&mut serve_with_web3signer(&db, &node, &d, &nowhere, roles)).await;
    assert!(!status.success(), "{log}");
    refused(&log, &nowhere, &[&for_operator, "check the URL"]);

    // An honest signer: serve starts, and a cash-in's mint and the wallet's registration are signed by
    // it and mined.
    let signer = FakeWeb3Signer::start(keys, chain_id, Mode::Honest).await;
    let client_key = api_key(&db, "acme", false);
    let bank_key = api_key(&db, "bank", true);
    let mut serve = serve_with_web3signer(&db, &node, &d, &signer.url, roles);
    let http = http();
    serve.start();
    serve.ready(&http).await;
    let wallets = funded_wallets(&http, &serve, (&client_key, &bank_key), &[Some("10.00")]).await;
    assert_eq!(wallets.len(), 1);
    let signed = signer.signed();
    // At start: one probe each, never to be mined (nonce 2^64-1).
    for address in [operator.address(), compliance.address()] {
        assert_eq!(
            signed
                .iter()
                .filter(|s| s.from == address && s.nonce == u64::MAX)
                .count(),
            1,
            "{signed:?}"
        );
        let sent: Vec<_> = signed
            .iter()
            .filter(|s| s.from == address && s.nonce != u64::MAX)
            .collect();
        assert!(!sent.is_empty(), "nothing signed for {address}: {signed:?}");
        for s in sent {
            let receipt = d
                .operator
                .provider()
                .get_transaction_receipt(s.hash)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{} signed by the fake is not mined", s.hash));
            assert!(receipt.status(), "{receipt:?}");
            assert_eq!(receipt.from, address);
        }
    }
    let log = std::fs::read_to_string(serve.log()).unwrap_or_default();
    assert!(
        log.contains("the operator key is held by a remote signer (web3signer): checked"),
        "{log}"
    );
    assert!(!log.contains("raw private keys"), "{log}");
}

/// A keystore without --operator-password-file: off a terminal, refused naming the missing flag, before
/// anything is opened; a remote signer's flag needs its address.
#[tokio::test]
async fn a_keystore_without_a_password_file_off_a_terminal_is_refused() {
    let db = Db::fresh().await;
    let keystore = db.dir.path().join("operator.json");
    std::fs::write(&keystore, "{}").unwrap();
    let db_args = db.args();
    let mut args = vec![
        "serve",
        "--rpc",
        "http://127.0.0.1:9",
        "--contract",
        "0x5fbdb2315678afecb367f032d93f642f64180aa3",
        "--operator-keystore",
        keystore.to_str().unwrap(),
    ];
    args.extend(db_args.iter().map(String::as_str));
    let output = common::command(db.dir.path(), &args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = common::failure(&output);
    assert!(
        stderr.contains("--operator-keystore")
            && stderr.contains("needs its password: give --operator-password-file"),
        "{stderr}"
    );
    assert!(db.untouched().await, "something was written");

    let mut args = vec![
        "serve",
        "--rpc",
        "http://127.0.0.1:9",
        "--contract",
        "0x5fbdb2315678afecb367f032d93f642f64180aa3",
        "--operator-web3signer",
        "http://127.0.0.1:9000",
    ];
    args.extend(db_args.iter().map(String::as_str));
    let output = common::command(db.dir.path(), &args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = common::failure(&output);
    assert!(stderr.contains("--operator-address"), "{stderr}");
}
