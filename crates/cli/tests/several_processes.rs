//! Three `emtoken serve` processes on one PostgreSQL server: all answer the API, one leads (indexes and
//! runs the background duties). 500 transfers with Idempotency-Keys are spread over the three, each
//! retried with its key on the next process until it gets a final answer, while the leader is killed
//! with SIGKILL twice (and started again, as a standby). Each time another process takes over, and the
//! time it took is printed. At the end the transfers on chain are exactly those answered 202, each once,
//! and every wallet's balance in the API equals its balance on chain.
//!
//! Needs a PostgreSQL server (DATABASE_URL, which scripts/test sets): the embedded database serves one
//! process.

mod common;

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::{primitives::Address, providers::Provider};
use common::{
    Db,
    api::{Serve, api_key, final_answer, funded_wallets, get, http, post, transfers_on_chain},
};
use emtoken_test_utils::{DevNode, ProfileName};
use emtoken_workload::{Deployed, LOAD_ANVIL_ARGS};
use serde_json::{Value, json};
use tokio::sync::Mutex;

const PROCESSES: usize = 3;
const REQUESTS: usize = 500;
const WALLETS: usize = 10;
const IN_FLIGHT: usize = 24;
const KILLS: usize = 2;

/// `emtoken serve` number `n` of the three, in a folder of its own (its log, its SMS file).
fn process(db: &Db, node: &DevNode, d: &Deployed, n: usize) -> Serve {
    let mut serve = Serve::new(db, node, d.endpoint(), &d.address.to_string());
    serve.dir = db.dir.path().join(format!("serve-{n}"));
    std::fs::create_dir_all(&serve.dir).unwrap();
    let sms = serve.dir.join("sms-outbox.jsonl");
    let at = serve
        .args
        .iter()
        .position(|a| a == "--sms-outbox-file")
        .unwrap();
    serve.args[at + 1] = sms.display().to_string();
    serve.sms = sms;
    serve
}

/// How many times the process's log says it took the lead.
fn leads(serve: &Serve) -> usize {
    let log = std::fs::read_to_string(serve.log()).unwrap_or_default();
    log.matches("this process leads").count() + log.matches("took over the lead").count()
}

/// The process that leads now: the one whose log took the lead last of those running (a killed process's
/// log is not read again until it takes the lead after its restart).
async fn leader(processes: &[Arc<Mutex<Serve>>], taken: &mut [usize]) -> usize {
    let started = Instant::now();
    loop {
        for (n, p) in processes.iter().enumerate() {
            let count = leads(&*p.lock().await);
            if count > taken[n] {
                taken[n] = count;
                return n;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no process took the lead within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_one_leader_killed_twice_nothing_lost_or_doubled() {
    if std::env::var("DATABASE_URL").is_err() {
        eprintln!("skipped: DATABASE_URL is not set (scripts/test sets it)");
        return;
    }
    let db = Db::fresh().await;
    let node = DevNode::spawn_with_args(ProfileName::Dev, &LOAD_ANVIL_ARGS).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let client_key = api_key(&db, "acme", false);
    let bank_key = api_key(&db, "bank", true);
    let http = http();

    // The first leads; the two others stand by.
    let processes: Vec<Arc<Mutex<Serve>>> = (0..PROCESSES)
        .map(|n| Arc::new(Mutex::new(process(&db, &node, &d, n))))
        .collect();
    let mut taken = vec![0; PROCESSES];
    processes[0].lock().await.start();
    processes[0].lock().await.ready(&http).await;
    assert_eq!(leader(&processes, &mut taken).await, 0);
    for p in &processes[1..] {
        p.lock().await.start();
    }
    for p in &processes[1..] {
        p.lock().await.ready(&http).await;
    }
    for p in &processes[1..] {
        let log = std::fs::read_to_string(p.lock().await.log()).unwrap();
        assert!(log.contains("standing by"), "{log}");
    }
    let bases: Vec<String> = {
        let mut v = vec![];
        for p in &processes {
            v.push(p.lock().await.base.clone());
        }
        v
    };

    // Ten wallets, 100.00 each, made through the leader.
    let wallets = funded_wallets(
        &http,
        &*processes[0].lock().await,
        (&client_key, &bank_key),
        &[Some("100.00"); WALLETS],
    )
    .await;
    let block_before = d.operator.provider().get_block_number().await.unwrap();

    // The transfers: request n goes to process n % 3 first, then to the next one on each retry.
    type Answers = Arc<Mutex<HashMap<String, (u16, Value)>>>;
    let answers: Answers = Arc::default();
    let queue: Arc<Mutex<Vec<usize>>> = Arc::new(Mutex::new((0..REQUESTS).rev().collect()));
    let mut workers = vec![];
    for _ in 0..IN_FLIGHT {
        let (http, queue, answers, wallets, bases) = (
            http.clone(),
            queue.clone(),
            answers.clone(),
            wallets.clone(),
            bases.clone(),
        );
        let client_key = client_key.clone();
        workers.push(tokio::spawn(async move {
            loop {
                let Some(n) = queue.lock().await.pop() else {
                    return;
                };
                let (from, to) = (&wallets[n % WALLETS], &wallets[(n + 1) % WALLETS]);
                let key = format!("transfer-{n}");
                let body =
                    json!({ "amount": "1.00", "targetWalletId": to, "concept": format!("n{n}") });
                let started = Instant::now();
                let mut attempt = n;
                let answer = loop {
                    let base = &bases[attempt % PROCESSES];
                    let url = format!("{base}/api/v1/public/wallets/{from}/transfer");
                    // Else killed, starting, still being handled elsewhere, nonce busy: the same
                    // key on the next process.
                    if let Some(answer) =
                        final_answer(post(&http, &url, &client_key, &body, Some(&key)).await)
                    {
                        break answer;
                    }
                    assert!(
                        started.elapsed() < Duration::from_secs(240),
                        "key {key} got no final answer in 240 s"
                    );
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                };
                answers.lock().await.insert(key, answer);
            }
        }));
    }

    // Twice: once a fifth more of the requests are answered, kill the leader and time the takeover;
    // start it again (it stands by).
    let mut takeovers = vec![];
    let mut current = 0;
    for kill in 0..KILLS {
        let threshold = REQUESTS * (kill + 1) / 5;
        while answers.lock().await.len() < threshold {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        processes[current].lock().await.kill();
        let killed_at = Instant::now();
        let next = leader(&processes, &mut taken).await;
        let took = killed_at.elapsed();
        assert_ne!(next, current, "the killed process cannot lead");
        eprintln!(
            "kill {kill}: process {current} (the leader) killed after {} answers; process {next} took over in {} ms",
            answers.lock().await.len(),
            took.as_millis()
        );
        takeovers.push(took);
        processes[current].lock().await.start();
        current = next;
    }
    for p in &processes {
        p.lock().await.ready(&http).await;
    }
    for w in workers {
        w.await.unwrap();
    }

    // Every key has one final answer, all 202.
    let answers = answers.lock().await.clone();
    assert_eq!(answers.len(), REQUESTS);
    let refused: Vec<_> = answers.iter().filter(|(_, (s, _))| *s != 202).collect();
    assert!(refused.is_empty(), "refused: {refused:?}");
    let accepted: BTreeSet<String> = answers
        .values()
        .map(|(_, body)| body["movementId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(accepted.len(), REQUESTS, "two keys answered one movement");

    // The chain: exactly the accepted transfers, each once.
    let on_chain = transfers_on_chain(&d, block_before, accepted.len()).await;
    let distinct: BTreeSet<String> = on_chain.iter().cloned().collect();
    assert_eq!(
        distinct.len(),
        on_chain.len(),
        "a transfer was executed twice"
    );
    assert_eq!(
        distinct, accepted,
        "the transfers on chain are not those accepted"
    );

    // The index caught up: every wallet's balance, asked of each process, is its balance on chain.
    let started = Instant::now();
    'wallets: loop {
        let mut behind = vec![];
        for w in &wallets {
            for base in &bases {
                let (status, body) = get(
                    &http,
                    &format!("{base}/api/v1/public/wallets/{w}"),
                    &client_key,
                )
                .await
                .expect("the API answers");
                assert_eq!(status, 200, "{body}");
                let address: Address = body["dltAddress"].as_str().unwrap().parse().unwrap();
                let on_chain = d.operator.balance_of(address).await.unwrap().to_string();
                if body["balance"] != on_chain.as_str() {
                    behind.push(format!("{w} at {base}: {} vs {on_chain}", body["balance"]));
                }
            }
        }
        if behind.is_empty() {
            break 'wallets;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the index did not catch up: {behind:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let ms: Vec<u128> = takeovers.iter().map(Duration::as_millis).collect();
    eprintln!("takeovers after SIGKILL of the leader: {ms:?} ms");
    for took in &takeovers {
        assert!(
            *took < Duration::from_secs(10),
            "a takeover took {took:?}: {ms:?} ms"
        );
    }
    for p in &processes {
        p.lock().await.kill();
    }
}
