//! Crash safety of the API: `emtoken serve` killed with SIGKILL at 20 random moments while 300 transfers
//! with Idempotency-Keys are being sent to it, restarted each time; every request is retried with its
//! key until it gets a final answer. Every key ends with one answer, the transfers on chain are exactly
//! those answered 202 (by movement id), and nothing is paid twice.
//!
//! On the PostgreSQL server of DATABASE_URL when set, and always on the embedded database.

mod common;

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::providers::Provider;
use common::{
    Db,
    api::{Serve, api_key, final_answer, funded_wallets, http, post, transfers_on_chain},
};
use emtoken_test_utils::{DevNode, ProfileName};
use emtoken_workload::{Deployed, LOAD_ANVIL_ARGS};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// Each key's final answer: status, body, and how many tries it took.
type Answers = Arc<Mutex<HashMap<String, (u16, Value, usize)>>>;

const REQUESTS: usize = 300;
const KILLS: usize = 20;
const WALLETS: usize = 10;
const IN_FLIGHT: usize = 24;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_transfers_every_key_gets_one_final_answer_on_the_server() {
    if std::env::var("DATABASE_URL").is_err() {
        eprintln!("skipped: DATABASE_URL is not set (scripts/test sets it)");
        return;
    }
    campaign(Db::fresh().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_transfers_every_key_gets_one_final_answer_embedded() {
    campaign(Db::embedded()).await;
}

async fn campaign(db: Db) {
    let node = DevNode::spawn_with_args(ProfileName::Dev, &LOAD_ANVIL_ARGS).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let client_key = api_key(&db, "acme", false);
    let bank_key = api_key(&db, "bank", true);
    let serve = Serve::new(&db, &node, d.endpoint(), &d.address.to_string());
    let base = serve.base.clone();
    let serve = Arc::new(Mutex::new(serve));
    let http = http();
    serve.lock().await.start();
    serve.lock().await.ready(&http).await;

    // Ten wallets at KYC level 0 (at most 100.00 a transfer, 150.00 out in 30 days), 100.00 each.
    let wallets_url = format!("{base}/api/v1/public/wallets");
    let wallets = funded_wallets(
        &http,
        &*serve.lock().await,
        (&client_key, &bank_key),
        &[Some("100.00"); WALLETS],
    )
    .await;
    let block_before = d.operator.provider().get_block_number().await.unwrap();

    // The requests: a transfer of 1.00 from wallet i to wallet i+1, each with its own key, retried with
    // that key until it gets a final answer.
    let answers: Answers = Arc::default();
    let queue: Arc<Mutex<Vec<usize>>> = Arc::new(Mutex::new((0..REQUESTS).rev().collect()));
    let mut workers = vec![];
    for _ in 0..IN_FLIGHT {
        let (http, queue, answers, wallets) = (
            http.clone(),
            queue.clone(),
            answers.clone(),
            wallets.clone(),
        );
        let (client_key, wallets_url) = (client_key.clone(), wallets_url.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let Some(n) = queue.lock().await.pop() else {
                    return;
                };
                let (from, to) = (&wallets[n % WALLETS], &wallets[(n + 1) % WALLETS]);
                let key = format!("transfer-{n}");
                let body =
                    json!({ "amount": "1.00", "targetWalletId": to, "concept": format!("n{n}") });
                let url = format!("{wallets_url}/{from}/transfer");
                let mut tries = 0;
                let started = Instant::now();
                let (status, answer) = loop {
                    tries += 1;
                    // Else down, shutting down, still being handled, node busy: the same key again.
                    if let Some(answer) =
                        final_answer(post(&http, &url, &client_key, &body, Some(&key)).await)
                    {
                        break answer;
                    }
                    assert!(
                        started.elapsed() < Duration::from_secs(240),
                        "key {key} got no final answer in 240 s"
                    );
                    tokio::time::sleep(Duration::from_millis(200)).await;
                };
                answers.lock().await.insert(key, (status, answer, tries));
            }
        }));
    }

    // The kills: 20 random moments while the requests are on their way.
    let mut rng = StdRng::seed_from_u64(0x5eed_0000 + u64::from(db.is_server()));
    for kill in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(rng.random_range(100..1_500))).await;
        let mut s = serve.lock().await;
        s.kill();
        eprintln!("kill {kill}: {} answers so far", answers.lock().await.len());
        s.start();
        if rng.random_bool(0.5) {
            // Sometimes wait for it: kills then land while requests are handled, not only at startup.
            s.ready(&http).await;
        }
    }
    serve.lock().await.ready(&http).await;
    for w in workers {
        w.await.unwrap();
    }

    // Every key has its final answer; retrying any key again gives the same answer.
    let answers = answers.lock().await.clone();
    assert_eq!(answers.len(), REQUESTS);
    let accepted: BTreeSet<String> = answers
        .values()
        .filter(|(status, _, _)| *status == 202)
        .map(|(_, body, _)| body["movementId"].as_str().unwrap().to_owned())
        .collect();
    let refused: Vec<_> = answers.iter().filter(|(_, (s, _, _))| *s != 202).collect();
    assert!(refused.is_empty(), "refused: {refused:?}");
    for n in [0, REQUESTS / 2, REQUESTS - 1] {
        let key = format!("transfer-{n}");
        let (from, to) = (&wallets[n % WALLETS], &wallets[(n + 1) % WALLETS]);
        let again = post(
            &http,
            &format!("{wallets_url}/{from}/transfer"),
            &client_key,
            &json!({ "amount": "1.00", "targetWalletId": to, "concept": format!("n{n}") }),
            Some(&key),
        )
        .await
        .unwrap();
        assert_eq!(
            (again.0, &again.1),
            (answers[&key].0, &answers[&key].1),
            "{key}"
        );
    }

    // The chain: exactly the accepted transfers, each once, once every request has settled.
    let on_chain = transfers_on_chain(&d, block_before, accepted.len()).await;
    let distinct: BTreeSet<String> = on_chain.iter().cloned().collect();
    assert_eq!(
        distinct.len(),
        on_chain.len(),
        "a transfer was executed twice"
    );
    assert_eq!(
        distinct,
        accepted,
        "the transfers on chain ({}) are not the {} accepted",
        distinct.len(),
        accepted.len()
    );
    let retried = answers.values().filter(|(_, _, tries)| *tries > 1).count();
    eprintln!(
        "{} keys, {} accepted, {} on chain, {retried} answered after a retry",
        answers.len(),
        accepted.len(),
        on_chain.len()
    );
    serve.lock().await.kill();
}
