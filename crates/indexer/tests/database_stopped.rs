//! A database really stopped for a minute while following (issue 19): not a cut connection but the
//! PostgreSQL server itself shut down (`pg_ctl stop -m fast`: its connections closed, new ones refused),
//! while mints and transfers keep coming on chain. The follower rides it out: it does not exit, says so
//! once (one WARN, the `outage` figure 1 meanwhile), and once the server is back, one INFO; it then
//! indexes what happened meanwhile, losing and doubling nothing (the index equals the chain and a fresh
//! index of it), and counts one outage of at least the minute.

mod common;

use std::{
    sync::{Arc, Mutex, OnceLock, atomic::Ordering::Relaxed},
    time::{Duration, Instant},
};

use alloy::{primitives::Address, providers::Provider};
use common::{amount, assert_matches_chain, assert_same_index, payment_reference};
use emtoken_indexer::{Config, Indexer, Metrics, RetryPolicy};
use emtoken_sdk::MintKind;
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, Error, PgCluster, ProfileName, Role};
use emtoken_workload::Deployed;
use tokio::sync::watch;
use tracing::{Event, Level, Metadata, Subscriber, field::Field, span};

/// How long the database stays stopped: the point of the test, kept real.
const STOPPED_FOR: Duration = Duration::from_secs(60);
/// How often mints and transfers are sent while it is stopped.
const SEND_EVERY: Duration = Duration::from_secs(5);

/// The indexer's log lines of level INFO and above, as (level, message).
#[derive(Default)]
struct Logs(Mutex<Vec<(Level, String)>>);

impl Logs {
    /// The global collector of this test binary (installed once).
    fn install() -> Arc<Self> {
        static LOGS: OnceLock<Arc<Logs>> = OnceLock::new();
        LOGS.get_or_init(|| {
            let logs = Arc::new(Self::default());
            tracing::subscriber::set_global_default(Collect(logs.clone()))
                .expect("one subscriber per test binary");
            logs
        })
        .clone()
    }

    fn at(&self, level: Level) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(l, _)| *l == level)
            .map(|(_, message)| message.clone())
            .collect()
    }
}

/// A subscriber keeping the `emtoken_indexer` events of level INFO and above in [`Logs`].
struct Collect(Arc<Logs>);

/// Writes an event's message and fields as one line.
struct Line(String);

impl tracing::field::Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        let _ = if field.name() == "message" {
            write!(self.0, "{value:?} ")
        } else {
            write!(self.0, "{}={value:?} ", field.name())
        };
    }
}

impl Subscriber for Collect {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("emtoken_indexer") && *metadata.level() <= Level::INFO
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = Line(String::new());
        event.record(&mut line);
        self.0
            .0
            .lock()
            .unwrap()
            .push((*event.metadata().level(), line.0));
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

/// Waits (`limit` at most) for `what`.
async fn until(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < limit, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A mint to `to` and a transfer of part of it to `other`, straight on the node.
async fn mint_and_transfer(d: &Deployed, round: u32, to: Role, other: Address) {
    d.operator
        .mint(
            d.address_of(to),
            amount(&format!("{round}.25")),
            MintKind::Card,
            payment_reference(),
        )
        .await
        .unwrap();
    d.client(to)
        .transfer(other, amount(&format!("0.{round:02}")))
        .await
        .unwrap();
}

/// Whether the index stands at the chain's head.
async fn at_head(d: &Deployed, metrics: &Metrics) -> bool {
    let head = d.operator.provider().get_block_number().await.unwrap();
    metrics.indexed.load(Relaxed) == i64::try_from(head).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_follower_rides_out_a_database_stopped_for_a_minute() {
    let logs = Logs::install();
    let mut cluster = match PgCluster::start_new() {
        Ok(cluster) => cluster,
        Err(Error::PostgresMissing) => {
            eprintln!("skipped: PostgreSQL's server binaries (initdb, pg_ctl) are not installed");
            return;
        }
        Err(other) => panic!("{other}"),
    };
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let bob = d.address_of(Role::Bob);
    // The store as `emtoken index --database-url` opens it.
    let store = Store::connect(&cluster.url()).await.unwrap();

    let mut config = Config::new(d.endpoint(), d.address);
    config.poll_interval = Duration::from_millis(20);
    config.retry = RetryPolicy {
        retries: 3,
        base: Duration::from_millis(20),
        max: Duration::from_millis(100),
    };
    let indexer = Box::pin(Indexer::start(config, store.clone()))
        .await
        .unwrap();
    let chain_id = indexer.chain_id();
    let metrics: Arc<Metrics> = indexer.metrics();
    let (stop, stopped) = watch::channel(false);
    let following = tokio::spawn(async move { Box::pin(indexer.run(stopped)).await });

    // Some history indexed before the database goes.
    for round in 1..=2 {
        mint_and_transfer(&d, round, Role::Alice, bob).await;
    }
    // The step that reached the head ends after the batch's reconciliation (after its commit).
    until(
        "the first rounds indexed",
        Duration::from_secs(30),
        async || at_head(&d, &metrics).await && metrics.caught_up.load(Relaxed),
    )
    .await;
    assert!(!metrics.in_outage.load(Relaxed));

    // The database stops; the chain goes on: a mint and a transfer at once (the follower meets the
    // outage when it writes them), then every few seconds, for a minute after the first. The outage
    // shows once that write gives up: `Store::connect`'s pool waits 30 s for a connection first.
    tokio::task::block_in_place(|| cluster.stop()).expect("stop the database");
    mint_and_transfer(&d, 3, Role::Carol, d.address_of(Role::Dave)).await;
    let down_since = Instant::now();
    let mut outage_seen = None;
    let mut round = 4;
    let mut next_send = down_since + SEND_EVERY;
    while down_since.elapsed() < STOPPED_FOR {
        if Instant::now() >= next_send {
            let (from, to) = if round % 2 == 0 {
                (Role::Alice, bob)
            } else {
                (Role::Carol, d.address_of(Role::Dave))
            };
            mint_and_transfer(&d, round, from, to).await;
            round += 1;
            next_send += SEND_EVERY;
        }
        if outage_seen.is_none() && metrics.in_outage.load(Relaxed) {
            outage_seen = Some(down_since.elapsed());
            // What `/ready` and `/metrics` read: the outage, the follower still counted as caught up.
            assert!(metrics.caught_up.load(Relaxed));
            let text = metrics.render();
            assert!(text.contains("emtoken_indexer_outage 1"), "{text}");
            assert!(text.contains("emtoken_indexer_outages_total 1"), "{text}");
        }
        assert!(
            !following.is_finished(),
            "the follower exited while the database was stopped"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let outage_seen = outage_seen.expect("the outage seen while the database was stopped");
    assert!(
        metrics.in_outage.load(Relaxed),
        "the outage ended while the database was stopped"
    );
    assert_eq!(metrics.outages.load(Relaxed), 1);
    assert_eq!(
        logs.at(Level::WARN).len(),
        1,
        "one WARN while stopped: {:?}",
        logs.at(Level::WARN)
    );
    assert!(
        logs.at(Level::INFO).is_empty(),
        "{:?}",
        logs.at(Level::INFO)
    );
    let sent = round - 3;
    assert!(sent >= 12, "{sent} rounds sent while stopped");

    // The database is back: what happened meanwhile is indexed.
    tokio::task::block_in_place(|| cluster.start()).expect("start the database");
    let back = Instant::now();
    until(
        "the index back at the head",
        Duration::from_secs(60),
        async || !metrics.in_outage.load(Relaxed) && at_head(&d, &metrics).await,
    )
    .await;
    let caught_up_in = back.elapsed();
    assert!(!following.is_finished(), "the follower exited");
    assert_eq!(metrics.outages.load(Relaxed), 1, "one outage counted");
    let outage_millis = metrics.outage_millis.load(Relaxed);
    assert!(
        outage_millis >= 60_000,
        "the outage timed at {outage_millis} ms"
    );
    let warns = logs.at(Level::WARN);
    let infos = logs.at(Level::INFO);
    assert_eq!(warns.len(), 1, "one WARN: {warns:?}");
    assert!(warns[0].contains("unreachable"), "{warns:?}");
    assert_eq!(infos.len(), 1, "one INFO: {infos:?}");
    assert!(infos[0].contains("answer again"), "{infos:?}");
    let text = metrics.render();
    assert!(text.contains("emtoken_indexer_outage 0"), "{text}");
    assert!(text.contains("emtoken_indexer_outages_total 1"), "{text}");

    // Nothing lost or doubled: the index equals the chain, and a fresh index of it into a second
    // database of the same server.
    assert_matches_chain(&store, &d).await;
    sqlx::query("CREATE DATABASE fresh")
        .execute(store.pool())
        .await
        .unwrap();
    let fresh = Store::connect(&cluster.url_of("fresh")).await.unwrap();
    common::index(common::config(&d, 0), &fresh).await;
    assert_same_index(&store, &fresh, chain_id).await;

    stop.send_replace(true);
    following
        .await
        .unwrap()
        .expect("the follower stops cleanly");
    eprintln!(
        "outage seen after {} ms, timed at {outage_millis} ms; caught up {} ms after the restart; \
         {sent} rounds sent while stopped",
        outage_seen.as_millis(),
        caught_up_in.as_millis()
    );
}
