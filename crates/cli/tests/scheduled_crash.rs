//! Exactly-once scheduled payments: `emtoken serve` killed with SIGKILL at 20 random moments while 200
//! scheduled payments fall due, restarted each time; then two `serve` processes on one database while
//! 100 more fall due. Every date is executed once: one execution each, EXECUTED, and the chain has one
//! transfer per date (its events counted), none twice.
//!
//! On the PostgreSQL server of DATABASE_URL (two processes cannot share the embedded database).

mod common;

use std::{
    collections::BTreeSet,
    time::{Duration, Instant},
};

use alloy::{primitives::B256, providers::Provider};
use chrono::{SecondsFormat, Utc};
use common::{
    Db,
    api::{Http, Serve, api_key, funded_wallets, get, http, operator_transfers, post},
};
use emtoken_test_utils::{DevNode, ProfileName};
use emtoken_workload::{Deployed, LOAD_ANVIL_ARGS};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::json;

const WALLETS: usize = 5;
const KILLS: usize = 20;

/// Creates `n` ONCE operations of 1.00 around a ring of wallets, the first due `lead` from now and the
/// others every `every` after it; their (wallet, id).
async fn schedule(
    http: &Http,
    base: &str,
    client_key: &str,
    wallets: &[String],
    (n, lead, every): (usize, Duration, Duration),
    tag: &str,
) -> Vec<(String, String)> {
    let first = Utc::now() + lead;
    let mut ops = vec![];
    for i in 0..n {
        let due = first + every * u32::try_from(i).unwrap();
        let (from, to) = (&wallets[i % WALLETS], &wallets[(i + 1) % WALLETS]);
        let body = json!({
            "alias": format!("{tag} {i}"), "amount": "1.00",
            "receiver": { "type": "IOCASH_WALLET", "account": to },
            "schedule": { "startDate": due.to_rfc3339_opts(SecondsFormat::Millis, true), "frequency": "ONCE" }
        });
        let url = format!("{base}/api/v1/public/wallets/{from}/scheduled-operations");
        let (status, answer) = post(http, &url, client_key, &body, Some(&format!("{tag}-{i}")))
            .await
            .expect("the API answers");
        assert_eq!(status, 201, "{answer}");
        ops.push((from.clone(), answer["id"].as_str().unwrap().to_owned()));
    }
    ops
}

/// Waits (`limit`) until every operation of `ops` is COMPLETED with one EXECUTED execution, and checks
/// its movement is the wallet's.
async fn all_executed_once(
    http: &Http,
    base: &str,
    key: &str,
    ops: &[(String, String)],
    limit: Duration,
) {
    let started = Instant::now();
    for (wallet, op) in ops {
        let url =
            format!("{base}/api/v1/public/wallets/{wallet}/scheduled-operations/{op}/executions");
        loop {
            let (status, page) = get(http, &url, key).await.expect("the API answers");
            assert_eq!(status, 200, "{page}");
            let executions = page["_embedded"]["executions"].as_array().unwrap();
            if executions.len() == 1 && executions[0]["status"] == "EXECUTED" {
                let movement = executions[0]["_links"]["movement"]["href"]
                    .as_str()
                    .unwrap();
                let (status, m) = get(http, &format!("{base}{movement}"), key).await.unwrap();
                assert_eq!(status, 200, "{m}");
                assert_eq!(m["scheduledOperationId"], op.as_str(), "{m}");
                break;
            }
            assert!(executions.len() <= 1, "a date executed twice: {page}");
            assert!(
                executions.iter().all(|e| e["status"] != "FAILED"),
                "a date failed: {page}"
            );
            assert!(
                started.elapsed() < limit,
                "not executed in {limit:?}: {page}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// The operation ids of the chain's operator transfers from `from_block` on.
async fn transfers_on_chain(d: &Deployed, from_block: u64) -> Vec<B256> {
    operator_transfers(d, from_block)
        .await
        .into_iter()
        .map(|event| event.operationId)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scheduled_payments_are_made_once_through_sigkills_and_on_two_processes() {
    if std::env::var("DATABASE_URL").is_err() {
        eprintln!("skipped: DATABASE_URL is not set (scripts/test sets it)");
        return;
    }
    let db = Db::fresh().await;
    let node = DevNode::spawn_with_args(ProfileName::Dev, &LOAD_ANVIL_ARGS).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let client_key = api_key(&db, "acme", false);
    let bank_key = api_key(&db, "bank", true);
    let mut serve = Serve::new(&db, &node, d.endpoint(), &d.address.to_string());
    let base = serve.base.clone();
    let http = http();
    serve.start();
    serve.ready(&http).await;
    let wallets = funded_wallets(
        &http,
        &serve,
        (&client_key, &bank_key),
        &[Some("100.00"); WALLETS],
    )
    .await;
    let block_before = d.operator.provider().get_block_number().await.unwrap();

    // 200 dates falling due over 15 s, while serve is killed at 20 random moments and started again.
    let ops = schedule(
        &http,
        &base,
        &client_key,
        &wallets,
        (200, Duration::from_secs(8), Duration::from_millis(75)),
        "crash",
    )
    .await;
    let mut rng = StdRng::seed_from_u64(0x5c4e_d01e);
    let campaign = Instant::now();
    for kill in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(rng.random_range(200..2_000))).await;
        serve.kill();
        eprintln!("kill {kill} at {:?}", campaign.elapsed());
        serve.start();
        if rng.random_bool(0.5) {
            serve.ready(&http).await;
        }
    }
    serve.ready(&http).await;
    all_executed_once(&http, &base, &client_key, &ops, Duration::from_secs(180)).await;
    let on_chain = transfers_on_chain(&d, block_before).await;
    assert_eq!(on_chain.len(), 200, "one transfer per date");
    assert_eq!(on_chain.iter().collect::<BTreeSet<_>>().len(), 200);
    let log = std::fs::read_to_string(serve.log()).unwrap();
    eprintln!(
        "crash campaign: {KILLS} kills over {:?}, 200 dates, {} transfers on chain; serve logged {} deferred sends",
        campaign.elapsed(),
        on_chain.len(),
        log.matches("could not be sent now").count()
    );

    // A second process on the same database: 100 more dates, both schedulers running.
    let mut other = Serve::new(&db, &node, d.endpoint(), &d.address.to_string());
    other.sms = serve.sms.with_extension("other.jsonl");
    let sms_file = serve.sms.display().to_string();
    let other_file = other.sms.display().to_string();
    for arg in &mut other.args {
        if *arg == sms_file {
            arg.clone_from(&other_file);
        }
    }
    other.dir = db.dir.path().join("other");
    std::fs::create_dir_all(&other.dir).unwrap();
    other.start();
    other.ready(&http).await;
    let block_before = d.operator.provider().get_block_number().await.unwrap();
    let more = schedule(
        &http,
        &base,
        &client_key,
        &wallets,
        (100, Duration::from_secs(4), Duration::from_millis(20)),
        "two",
    )
    .await;
    all_executed_once(
        &http,
        &other.base,
        &client_key,
        &more,
        Duration::from_secs(120),
    )
    .await;
    let on_chain = transfers_on_chain(&d, block_before).await;
    assert_eq!(
        on_chain.len(),
        100,
        "one transfer per date on two processes"
    );
    assert_eq!(on_chain.iter().collect::<BTreeSet<_>>().len(), 100);
    // Both processes took part (each logs the dates it claimed).
    for s in [&serve, &other] {
        let log = std::fs::read_to_string(s.log()).unwrap();
        eprintln!(
            "{}: {} rounds with work",
            s.base,
            log.matches("scheduled operations").count()
        );
    }
    // Every wallet paid 60 and received 60: the balances are where they began, once the indexer has
    // reached the last transfer's block (an execution is EXECUTED from its receipt, the balance from the
    // indexed block: the two may be a moment apart).
    for w in &wallets {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (_, body) = get(
                &http,
                &format!("{base}/api/v1/public/wallets/{w}"),
                &client_key,
            )
            .await
            .unwrap();
            if body["balance"] == "100.00" {
                break;
            }
            assert!(Instant::now() < deadline, "{body}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
