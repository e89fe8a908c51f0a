//! A backfill read ahead (each batch of final blocks fetched and decoded, its transaction opened and its
//! events inserted on a second connection, while the batch before it is written) gives exactly the
//! database of the serial path, one block per transaction, on the workload's chain.

mod common;

use std::sync::atomic::Ordering::Relaxed;

use alloy::providers::Provider;
use common::{assert_matches_chain, assert_same_index, config, second_store};
use emtoken_indexer::Indexer;
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName};
use emtoken_workload::{Deployed, WorkloadConfig, generate};
use sqlx::PgPool;

/// Indexes to the head with `settings`; returns the events stored and the batches read ahead.
async fn backfill(settings: emtoken_indexer::Config, store: &Store) -> (u64, u64, u64) {
    let indexer = Indexer::start(settings, store.clone()).await.unwrap();
    let metrics = indexer.metrics();
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let summary = indexer.run(stopped).await.unwrap();
    (
        summary.events,
        metrics.batches.load(Relaxed),
        metrics.batches_read_ahead.load(Relaxed),
    )
}

#[sqlx::test(migrations = false)]
async fn a_backfill_read_ahead_equals_the_serial_one_block_per_transaction(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let played = generate(&d, &WorkloadConfig::new(11, 1_500, 30))
        .await
        .unwrap();
    // Every block of the history final (two confirmations): the backfill path writes all of it.
    d.operator
        .provider()
        .raw_request::<_, serde_json::Value>("anvil_mine".into(), serde_json::json!([3]))
        .await
        .unwrap();

    // The serial path: one block per range, per batch and per transaction, nothing read ahead.
    let serial = second_store(&pool).await;
    let mut settings = config(&d, 2);
    settings.read_ahead = false;
    settings.initial_range = 1;
    settings.max_range = 1;
    settings.max_batch_events = 1;
    let (events, batches, ahead) = backfill(settings, &serial).await;
    assert!(events as usize >= played.events, "{events} events stored");
    assert_eq!(ahead, 0);
    assert!(batches > 100, "{batches} batches");

    // Read ahead, in batches of about a hundred events, on the server's several connections.
    let store = Store::from_pool(pool.clone()).await.unwrap();
    let mut settings = config(&d, 2);
    settings.max_batch_events = 100;
    let (read_ahead_events, batches, ahead) = backfill(settings, &store).await;
    assert_eq!(read_ahead_events, events);
    assert!(
        ahead >= 10 && ahead + 3 >= batches,
        "{ahead} of {batches} batches read ahead"
    );

    assert_same_index(&store, &serial, 31337).await;
    assert_matches_chain(&store, &d).await;
    assert_eq!(store.findings().await.unwrap(), vec![]);
}
