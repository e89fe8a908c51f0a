//! `emtoken index` against a real anvil with EmToken deployed, then the read commands on what it
//! indexed; and a follow run stopped by SIGTERM while serving /health and /metrics.

mod common;

use std::{
    io::{Read, Write},
    process::Stdio,
    time::{Duration, Instant},
};

use alloy_primitives::{Address, B256};
use common::{Db, failure, lower, success};
use emtoken_sdk::{Amount, MintKind, OperationId};
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use serde_json::Value;

fn amount(text: &str) -> Amount {
    Amount::parse(text, emtoken_workload::DECIMALS).expect("amount")
}

/// A fresh payment reference for a mint (the contract mints once per reference and refuses zero).
fn payment_reference() -> B256 {
    OperationId::random().as_bytes()
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_str(&success(output)).expect("JSON on stdout")
}

/// The wallet of `address` in `emtoken --json wallets`.
fn wallet(wallets: &Value, address: Address) -> &Value {
    wallets
        .as_array()
        .expect("an array")
        .iter()
        .find(|w| w["dltAddress"] == lower(address))
        .unwrap_or_else(|| panic!("no wallet {address} in {wallets:#}"))
}

/// A node with EmToken, alice and bob funded, a transfer and an open hold; and the payment reference of
/// alice's card cash-in.
async fn history() -> (DevNode, Deployed, B256) {
    let node = DevNode::spawn(ProfileName::Dev).expect("spawn anvil");
    let deployed = Deployed::deploy(&node).await.expect("deploy");
    let (alice, bob) = (
        deployed.address_of(Role::Alice),
        deployed.address_of(Role::Bob),
    );
    let notary = deployed.address_of(Role::Notary);
    let operator = &deployed.operator;
    let card_payment = payment_reference();
    operator
        .mint(alice, amount("100"), MintKind::Card, card_payment)
        .await
        .expect("mint");
    operator
        .mint(
            bob,
            amount("25.50"),
            MintKind::BankTransfer,
            payment_reference(),
        )
        .await
        .expect("mint");
    deployed
        .alice
        .transfer(bob, amount("10.25"))
        .await
        .expect("transfer");
    deployed
        .alice
        .hold(OperationId::random(), bob, notary, amount("5"), None)
        .await
        .expect("hold");
    (node, deployed, card_payment)
}

#[tokio::test(flavor = "multi_thread")]
async fn index_until_head_then_read_what_it_indexed() {
    let (node, deployed, card_payment) = history().await;
    let (alice, bob) = (
        deployed.address_of(Role::Alice),
        deployed.address_of(Role::Bob),
    );
    let db = Db::fresh().await;
    let rpc = node.endpoint_url().to_string();
    let contract = lower(deployed.address);
    let index = [
        "--json",
        "index",
        "--rpc",
        &rpc,
        "--contract",
        &contract,
        "--until-head",
        "--network",
        "devnet",
    ];

    let summary = json(&db.emtoken(&index));
    assert_eq!(summary["stopped"], "caught up", "{summary:#}");
    assert_eq!(summary["chainId"], node.profile().chain_id);
    assert_eq!(summary["fromBlock"], deployed.deploy_block);
    assert!(summary["events"].as_u64().unwrap() >= 4, "{summary:#}");

    let wallets = json(&db.emtoken(&["--json", "wallets"]));
    let a = wallet(&wallets, alice);
    assert_eq!(
        (&a["balance"], &a["availableBalance"], &a["heldBalance"]),
        (&"89.75".into(), &"84.75".into(), &"5.00".into()),
        "{a:#}"
    );
    let b = wallet(&wallets, bob);
    assert_eq!(
        (&b["balance"], &b["availableBalance"], &b["heldBalance"]),
        (&"35.75".into(), &"35.75".into(), &"0.00".into()),
        "{b:#}"
    );
    let text = success(&db.emtoken(&["wallets"]));
    assert!(
        text.starts_with("id ") && text.contains(&lower(alice)) && text.contains("84.75"),
        "{text}"
    );

    let movements = json(&db.emtoken(&["--json", "movements", "--wallet", &lower(alice)]));
    let kinds: Vec<(&str, &str)> = movements
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["type"].as_str().unwrap(), m["amount"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("CARD_CASHIN", "100.00"),
            ("TRANSFER_OUT", "10.25"),
            ("LOCK", "5.00")
        ]
    );
    // The cash-in names the card payment it was minted against; other movements have no reference.
    assert_eq!(movements[0]["paymentReference"], card_payment.to_string());
    assert_eq!(movements[1]["paymentReference"], Value::Null);
    let out = &movements[1];
    assert_eq!(out["targetDltAddress"], lower(bob));
    assert_eq!(out["targetWalletId"], b["id"]);
    assert_eq!(out["originWalletId"], a["id"]);
    assert_eq!(out["walletId"], a["id"]);
    assert_eq!(out["dltNetwork"], "devnet");
    assert_eq!(out["contractAddress"], contract);
    assert!(out["createdAt"].as_str().unwrap().ends_with('Z'), "{out:#}");
    // By id too.
    let by_id = json(&db.emtoken(&["--json", "movements", "--wallet", a["id"].as_str().unwrap()]));
    assert_eq!(by_id, movements);
    let text = success(&db.emtoken(&["movements", "--wallet", &lower(alice)]));
    assert!(
        text.contains("TRANSFER_OUT")
            && text.contains(&format!("to {}", lower(bob)))
            && text
                .lines()
                .any(|l| l.contains("CARD_CASHIN") && l.contains(&card_payment.to_string())),
        "{text}"
    );

    let holds = json(&db.emtoken(&["--json", "holds", "--wallet", &lower(bob)]));
    let [hold] = holds.as_array().unwrap().as_slice() else {
        panic!("one hold: {holds:#}")
    };
    assert_eq!(hold["payerDltAddress"], lower(alice));
    assert_eq!(hold["payeeDltAddress"], lower(bob));
    assert_eq!(
        hold["notaryDltAddress"],
        lower(deployed.address_of(Role::Notary))
    );
    assert_eq!(
        (&hold["heldValue"], &hold["executedValue"]),
        (&"5.00".into(), &"0.00".into())
    );
    assert_eq!(hold["status"], "CREATED");
    assert_eq!(hold["payerWalletId"], a["id"]);
    assert_eq!(hold["payeeWalletId"], b["id"]);
    assert_eq!(hold["expiration"], Value::Null);
    let text = success(&db.emtoken(&["holds", "--wallet", &lower(alice)]));
    assert!(text.contains("CREATED") && text.contains("never"), "{text}");
    // The notary lists what it must decide; a notary no hold names has none.
    let notary = lower(deployed.address_of(Role::Notary));
    let open = json(&db.emtoken(&["--json", "holds", "--notary", &notary, "--status", "open"]));
    assert_eq!(open.as_array().map(Vec::len), Some(1), "{open:#}");
    assert_eq!(open[0]["holdKey"], hold["holdKey"]);
    let done = json(&db.emtoken(&[
        "--json", "holds", "--notary", &notary, "--status", "EXECUTED",
    ]));
    assert_eq!(done.as_array().map(Vec::len), Some(0), "{done:#}");
    let none = json(&db.emtoken(&["--json", "holds", "--notary", &lower(alice)]));
    assert_eq!(none.as_array().map(Vec::len), Some(0), "{none:#}");
    let stderr = failure(&db.emtoken(&["holds", "--notary", &notary, "--status", "SOON"]));
    assert!(stderr.contains("'SOON' is not a hold status"), "{stderr}");

    // Again: nothing new.
    let again = json(&db.emtoken(&index));
    assert_eq!(again["events"], 0, "{again:#}");
    // Another token on the same chain is refused with what to do; an address without code says so.
    let second = Deployed::deploy_token(&node, "Other Euro", "EURo", 2)
        .await
        .expect("deploy another token");
    let other = lower(second.address);
    let stderr =
        failure(&db.emtoken(&["index", "--rpc", &rpc, "--contract", &other, "--until-head"]));
    assert!(stderr.contains("--reset-on-chain-change"), "{stderr}");
    let account = lower(deployed.address_of(Role::Carol));
    let stderr = failure(&db.emtoken(&[
        "index",
        "--rpc",
        &rpc,
        "--contract",
        &account,
        "--until-head",
    ]));
    assert!(stderr.contains("no contract code at"), "{stderr}");
}

/// `GET path` on 127.0.0.1:`port`: (status line, body), or None when nothing listens yet.
fn get(port: u16, path: &str) -> Option<(String, String)> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    Some((head.to_owned(), body.to_owned()))
}

async fn until<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn follows_the_head_serves_metrics_and_stops_on_sigterm() {
    let (node, deployed, _) = history().await;
    let alice = deployed.address_of(Role::Alice);
    let db = Db::fresh().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (rpc, contract, metrics) = (
        node.endpoint_url().to_string(),
        lower(deployed.address),
        format!("127.0.0.1:{port}"),
    );
    let mut args = vec![
        "--json",
        "index",
        "--rpc",
        &rpc,
        "--contract",
        &contract,
        "--metrics-addr",
        &metrics,
    ];
    let db_args = db.args();
    args.extend(db_args.iter().map(String::as_str));
    let child = common::command(db.dir.path(), &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start emtoken index");

    let health = until("caught up", || {
        let (status, body) = get(port, "/health")?;
        let body: Value = serde_json::from_str(&body).ok()?;
        (status.starts_with("HTTP/1.1 200") && body["caughtUp"] == true).then_some(body)
    })
    .await;
    assert_eq!(
        (&health["status"], &health["lag"]),
        (&"ok".into(), &0.into()),
        "{health:#}"
    );
    let events = |text: &str| -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix("emtoken_indexer_events_total "))
            .and_then(|n| n.parse().ok())
    };
    let (status, text) = get(port, "/metrics").expect("metrics");
    assert!(
        status
            .to_lowercase()
            .contains("content-type: application/openmetrics-text; version=1.0.0"),
        "{status}"
    );
    let before = events(&text).expect("events_total");
    // Node calls by method, batch writes, the build.
    for series in [
        "emtoken_indexer_rpc_seconds_count{method=\"eth_getLogs\"} ",
        "emtoken_indexer_batch_write_seconds_count ",
        "emtoken_build_info{version=\"",
        "# EOF",
    ] {
        assert!(text.contains(series), "{series} not in {text}");
    }

    // Following: a new mint shows up.
    deployed
        .operator
        .mint(alice, amount("1"), MintKind::Card, payment_reference())
        .await
        .expect("mint");
    until("the new mint", || {
        events(&get(port, "/metrics")?.1).filter(|n| *n > before)
    })
    .await;

    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let summary = json(&out);
    assert_eq!(summary["stopped"], "signal", "{summary:#}\n{stderr}");
    // JSON log lines on stderr.
    assert!(stderr.lines().all(|l| l.starts_with('{')), "{stderr}");
    assert!(
        stderr.contains("caught up with the head") && stderr.contains("SIGTERM"),
        "{stderr}"
    );

    // The database was closed cleanly and holds the mint made while following.
    let wallets = json(&db.emtoken(&["--json", "wallets"]));
    assert_eq!(wallet(&wallets, alice)["balance"], "90.75");
}

/// Registers the currency USD (6 decimals) and its issuer with `token`, read through `rpc`.
fn register_usd(db: &Db, token: Address, rpc: &str, operator: &str, compliance: &str) {
    success(&db.emtoken(&[
        "currencies",
        "add",
        "--code",
        "USD",
        "--name",
        "US dollar",
        "--decimals",
        "6",
    ]));
    success(&db.emtoken(&[
        "issuers",
        "add",
        "--name",
        "EmToken Dollar Inc",
        "--legal-id",
        "LEI-USD",
        "--currency",
        "USD",
        "--token",
        &lower(token),
        "--rpc",
        rpc,
        "--operator",
        operator,
        "--compliance",
        compliance,
    ]));
}

/// `index` follows, besides `--contract`, every token registered for an issuer on the chain: a second
/// currency's token (6 decimals) is indexed under a ledger of its own, listed in the report.
#[tokio::test(flavor = "multi_thread")]
async fn index_follows_every_registered_token_under_its_own_ledger() {
    let node = DevNode::spawn(ProfileName::Dev).expect("spawn anvil");
    let eur = Deployed::deploy(&node).await.expect("deploy EUR");
    let usd = Deployed::deploy_token(&node, "EmToken Dollar", "USDe", 6)
        .await
        .expect("deploy USD");
    let alice = eur.address_of(Role::Alice);
    for (d, text) in [(&eur, "1.25"), (&usd, "7.5")] {
        d.operator
            .mint(
                alice,
                Amount::parse(text, d.operator.decimals()).unwrap(),
                MintKind::Card,
                payment_reference(),
            )
            .await
            .expect("mint");
    }
    let db = Db::fresh().await;
    let rpc = node.endpoint_url().to_string();
    let (operator, compliance) = (
        lower(eur.address_of(Role::Operator)),
        lower(eur.address_of(Role::Compliance)),
    );
    register_usd(&db, usd.address, &rpc, &operator, &compliance);

    let summary = json(&db.emtoken(&[
        "--json",
        "index",
        "--rpc",
        &rpc,
        "--contract",
        &lower(eur.address),
        "--until-head",
    ]));
    assert_eq!(summary["chainId"], node.profile().chain_id, "{summary:#}");
    let others = summary["otherTokens"].as_array().expect("otherTokens");
    assert_eq!(others.len(), 1, "{summary:#}");
    let other = &others[0];
    assert_eq!(other["contract"], lower(usd.address), "{summary:#}");
    assert_eq!(other["stopped"], "caught up", "{summary:#}");
    assert!(other["events"].as_u64().unwrap() >= 1, "{summary:#}");
    // Its own timing: a positive duration, and a rate that is its events over it.
    let secs = other["seconds"].as_f64().expect("seconds");
    assert!(secs > 0.0, "{summary:#}");
    assert!(other["eventsPerSecond"].as_u64().is_some(), "{summary:#}");
    let ledger = other["ledger"].as_i64().expect("a ledger");
    assert!(ledger < 0, "{summary:#}");

    // Alice has a wallet on each ledger, each with its token's balance.
    let store = db.store().await;
    let balances: Vec<(i64, rust_decimal::Decimal)> = sqlx::query_as(
        "SELECT chain_id, balance FROM wallets WHERE address = $1 ORDER BY chain_id DESC",
    )
    .bind(alice.as_slice())
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(
        balances,
        [
            (31_337, rust_decimal::Decimal::from(125u32)),
            (ledger, rust_decimal::Decimal::from(7_500_000u32)),
        ]
    );
    store.close().await.unwrap();
}

/// A token registered on another chain (`issuers add --rpc` of that chain's node) is followed through
/// the node `--chain-rpc` gives for that chain, under a ledger of its own; without one, or with a node
/// on another chain, the report says why it is not indexed and the platform's token is indexed anyway.
#[tokio::test(flavor = "multi_thread")]
async fn index_follows_a_token_on_another_chain_through_its_node() {
    let node = DevNode::spawn(ProfileName::Dev).expect("spawn anvil");
    let other = DevNode::spawn_with_args(ProfileName::Dev, &["--chain-id", "31338"])
        .expect("spawn the other chain's anvil");
    let eur = Deployed::deploy(&node).await.expect("deploy EUR");
    let usd = Deployed::deploy_token(&other, "EmToken Dollar", "USDe", 6)
        .await
        .expect("deploy USD on the other chain");
    let alice = usd.address_of(Role::Alice);
    usd.operator
        .mint(
            alice,
            Amount::parse("7.5", 6).unwrap(),
            MintKind::Card,
            payment_reference(),
        )
        .await
        .expect("mint");
    let db = Db::fresh().await;
    let (rpc, other_rpc) = (
        node.endpoint_url().to_string(),
        other.endpoint_url().to_string(),
    );
    register_usd(
        &db,
        usd.address,
        &other_rpc,
        &lower(usd.address_of(Role::Operator)),
        &lower(usd.address_of(Role::Compliance)),
    );
    let contract = lower(eur.address);
    let index = |extra: &[&str]| {
        let mut args = vec![
            "--json",
            "index",
            "--rpc",
            &rpc,
            "--contract",
            &contract,
            "--until-head",
        ];
        args.extend_from_slice(extra);
        json(&db.emtoken(&args))
    };
    let only = |summary: &Value| -> Value {
        let others = summary["otherTokens"].as_array().expect("otherTokens");
        assert_eq!(others.len(), 1, "{summary:#}");
        assert_eq!(others[0]["chainId"], 31_338, "{summary:#}");
        assert_eq!(others[0]["contract"], lower(usd.address), "{summary:#}");
        others[0].clone()
    };

    // No node of chain 31338: said, and the platform's token indexed.
    let summary = index(&[]);
    assert_eq!(summary["stopped"], "caught up", "{summary:#}");
    let missing = only(&summary);
    assert!(missing["ledger"].is_null(), "{summary:#}");
    assert!(
        missing["stopped"]
            .as_str()
            .unwrap()
            .contains("--chain-rpc 31338=URL"),
        "{summary:#}"
    );
    // A node that is not on chain 31338: refused.
    let wrong = format!("31338={rpc}");
    let summary = index(&["--chain-rpc", &wrong]);
    let refused = only(&summary);
    assert!(refused["ledger"].is_null(), "{summary:#}");
    assert!(
        refused["stopped"]
            .as_str()
            .unwrap()
            .contains("on chain 31337, not on chain 31338"),
        "{summary:#}"
    );
    // Its node: indexed under the ledger of (31338, the token).
    let right = format!("31338={other_rpc}");
    let summary = index(&["--chain-rpc", &right]);
    let followed = only(&summary);
    assert_eq!(followed["stopped"], "caught up", "{summary:#}");
    let ledger = emtoken_store::ids::ledger_id(31_338, &usd.address.into_array());
    assert_eq!(followed["ledger"], ledger, "{summary:#}");
    let store = db.store().await;
    let balance: rust_decimal::Decimal =
        sqlx::query_scalar("SELECT balance FROM wallets WHERE chain_id = $1 AND address = $2")
            .bind(ledger)
            .bind(alice.as_slice())
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(balance, rust_decimal::Decimal::from(7_500_000u32));
    let evm: Option<i64> =
        sqlx::query_scalar("SELECT evm_chain_id FROM chains WHERE chain_id = $1")
            .bind(ledger)
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(evm, Some(31_338));
    store.close().await.unwrap();
}

/// Calls a node method (anvil's snapshot and revert).
async fn node_call(rpc: &str, method: &'static str, params: Value) -> Value {
    use alloy::providers::{Provider, ProviderBuilder};
    ProviderBuilder::new()
        .connect_http(rpc.parse().expect("url"))
        .raw_request(method.into(), params)
        .await
        .unwrap_or_else(|e| panic!("{method}: {e}"))
}

/// Final blocks replaced under the index (a reverted snapshot, another transfer mined instead):
/// `index` stops with the deep reorganisation's error, exit 1, naming its remedy; with
/// `--rewind-to-common-ancestor` it goes on, and the wallets show what the chain now says.
#[tokio::test(flavor = "multi_thread")]
async fn a_deep_reorganisation_stops_index_until_it_is_rewound() {
    let (node, deployed, _) = history().await;
    let (alice, bob, carol) = (
        deployed.address_of(Role::Alice),
        deployed.address_of(Role::Bob),
        deployed.address_of(Role::Carol),
    );
    let db = Db::fresh().await;
    let rpc = node.endpoint_url().to_string();
    let snapshot = node_call(&rpc, "evm_snapshot", serde_json::json!([])).await;
    deployed
        .alice
        .transfer(bob, amount("7"))
        .await
        .expect("transfer");
    db.index_until_head(&rpc, deployed.address, &[]);
    node_call(&rpc, "evm_revert", serde_json::json!([snapshot])).await;
    // A new client: the old one counts the vanished transaction's nonce as spent.
    let alice_again = deployed
        .builder(Role::Alice)
        .expect("builder")
        .connect(deployed.address)
        .await
        .expect("connect");
    alice_again
        .transfer(carol, amount("3"))
        .await
        .expect("transfer");
    node_call(&rpc, "anvil_mine", serde_json::json!([3])).await;

    let contract = lower(deployed.address);
    let index = [
        "index",
        "--rpc",
        &rpc,
        "--contract",
        &contract,
        "--until-head",
    ];
    let out = db.emtoken(&index);
    assert_eq!(out.status.code(), Some(1));
    let stderr = failure(&out);
    assert!(
        stderr.contains("a reorganisation replaced blocks at or below the final block")
            && stderr.contains("--rewind-to-common-ancestor"),
        "{stderr}"
    );

    let mut rewind = index.to_vec();
    rewind.push("--rewind-to-common-ancestor");
    success(&db.emtoken(&rewind));
    let wallets = json(&db.emtoken(&["--json", "wallets"]));
    // history(): alice 100 - 10.25 (5 of it held), bob 25.50 + 10.25; then the 7 to bob vanished and only
    // the 3 to carol stands.
    assert_eq!(wallet(&wallets, alice)["balance"], "86.75", "{wallets:#}");
    assert_eq!(wallet(&wallets, bob)["balance"], "35.75", "{wallets:#}");
    assert_eq!(wallet(&wallets, carol)["balance"], "3.00", "{wallets:#}");
    // Once rewound, an ordinary run has nothing to complain about.
    success(&db.emtoken(&index));
}
