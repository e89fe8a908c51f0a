//! Outages while following: the node, then the database, stop answering (their TCP connections cut
//! and new ones refused by a gate in front of each) for longer than the node calls' retries last. The
//! follower does not exit: it says so once (the `outage` metric is 1 meanwhile), waits with backoff,
//! reads where the index stands again once they answer, and indexes what happened meanwhile; the index
//! then equals the chain, and the outages are counted with their time.

mod common;

use std::{
    net::SocketAddr,
    sync::atomic::Ordering::Relaxed,
    time::{Duration, Instant},
};

use common::{amount, assert_matches_chain, payment_reference};
use emtoken_indexer::{Config, Indexer, Metrics, RetryPolicy};
use emtoken_sdk::MintKind;
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use sqlx::PgPool;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

/// A TCP gate in front of `upstream`: while open it forwards; closed, it cuts every connection and
/// refuses new ones (accepts and drops them), as a server or a network that went away.
struct Gate {
    open: watch::Sender<bool>,
    port: u16,
}

impl Gate {
    async fn new(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (open, is_open) = watch::channel(true);
        tokio::spawn(async move {
            loop {
                let Ok((inbound, _)) = listener.accept().await else {
                    return;
                };
                if !*is_open.borrow() {
                    drop(inbound);
                    continue;
                }
                let mut closed = is_open.clone();
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut from_client, mut to_client) = inbound.into_split();
                    let (mut from_server, mut to_server) = outbound.into_split();
                    tokio::select! {
                        _ = tokio::io::copy(&mut from_client, &mut to_server) => {}
                        _ = tokio::io::copy(&mut from_server, &mut to_client) => {}
                        _ = closed.wait_for(|open| !*open) => {}
                    }
                });
            }
        });
        Self { open, port }
    }

    fn set(&self, open: bool) {
        self.open.send_replace(open);
    }
}

/// Waits (30 s at most) for `what`.
async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !done().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Mints `text` to `to` straight on the node (not through the gate).
async fn mint(d: &Deployed, to: alloy::primitives::Address, text: &str) {
    d.operator
        .mint(to, amount(text), MintKind::Card, payment_reference())
        .await
        .unwrap();
}

#[sqlx::test(migrations = false)]
async fn the_follower_waits_out_node_and_database_outages(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let alice = d.address_of(Role::Alice);
    // The node and the database, each behind a gate.
    let node_addr: SocketAddr = d
        .endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let node_gate = Gate::new(node_addr).await;
    let options = pool.connect_options().as_ref().clone();
    let db_addr: SocketAddr = format!("{}:{}", options.get_host(), options.get_port())
        .parse()
        .unwrap();
    let db_gate = Gate::new(db_addr).await;
    let gated = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(2))
        .connect_with(options.port(db_gate.port))
        .await
        .unwrap();
    let store = Store::from_pool(gated).await.unwrap();

    let mut config = Config::new(format!("http://127.0.0.1:{}", node_gate.port), d.address);
    config.poll_interval = Duration::from_millis(20);
    // Retries end within a second: the outages below outlast them.
    config.retry = RetryPolicy {
        retries: 3,
        base: Duration::from_millis(20),
        max: Duration::from_millis(100),
    };
    let indexer = Box::pin(Indexer::start(config, store.clone()))
        .await
        .unwrap();
    let metrics: std::sync::Arc<Metrics> = indexer.metrics();
    let (stop, stopped) = watch::channel(false);
    let following = tokio::spawn(async move { Box::pin(indexer.run(stopped)).await });
    mint(&d, alice, "10").await;
    let reader = Store::from_pool(pool.clone()).await.unwrap();
    let balance = |expected: &'static str| {
        let reader = reader.clone();
        async move || {
            reader
                .wallet(emtoken_store::WalletRef::Address(alice.into_array()))
                .await
                .ok()
                .flatten()
                .is_some_and(|w| w.balance == common::units(expected))
        }
    };
    until("the first mint indexed", balance("10")).await;

    // The node goes away for longer than the retries last.
    node_gate.set(false);
    until("the outage seen", async || metrics.in_outage.load(Relaxed)).await;
    mint(&d, alice, "5").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !following.is_finished(),
        "the follower exited during the node's outage"
    );
    node_gate.set(true);
    until("the mint made during the node's outage", balance("15")).await;
    // The outage ends with the step that wrote it, after its commit (the reconciliation comes last).
    until("the node's outage over", async || {
        !metrics.in_outage.load(Relaxed)
    })
    .await;
    assert_eq!(metrics.outages.load(Relaxed), 1);

    // The database goes away.
    db_gate.set(false);
    mint(&d, alice, "2.5").await;
    until("the database's outage seen", async || {
        metrics.in_outage.load(Relaxed)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        !following.is_finished(),
        "the follower exited during the database's outage"
    );
    db_gate.set(true);
    until(
        "the mint made during the database's outage",
        balance("17.5"),
    )
    .await;
    until("the database's outage over", async || {
        !metrics.in_outage.load(Relaxed)
    })
    .await;
    assert_eq!(metrics.outages.load(Relaxed), 2);
    assert!(
        metrics.outage_millis.load(Relaxed) >= 6_000,
        "both outages timed: {} ms",
        metrics.outage_millis.load(Relaxed)
    );
    let text = metrics.render();
    assert!(text.contains("emtoken_indexer_outages_total 2"), "{text}");
    assert!(text.contains("emtoken_indexer_outage 0"), "{text}");

    stop.send_replace(true);
    let summary = following
        .await
        .unwrap()
        .expect("the follower stops cleanly");
    assert!(summary.events >= 3, "{summary:?}");
    assert_matches_chain(&reader, &d).await;
}
