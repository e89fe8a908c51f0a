//! A long backfill sets the secondary indexes of events and movements aside and builds them when it
//! reaches the head: the database it leaves equals the one a backfill keeping them writes, with every
//! index in place. A process killed before the end leaves the indexes to the next one, which builds them
//! when it starts; tables already larger than the backfill keep theirs.

mod common;

use std::sync::atomic::Ordering::Relaxed;

use alloy::providers::Provider;
use common::{assert_matches_chain, assert_same_index, config, second_store};
use emtoken_indexer::Indexer;
use emtoken_store::{DEFERRABLE_INDEXES, Store};
use emtoken_test_utils::{DevNode, ProfileName};
use emtoken_workload::{Deployed, WorkloadConfig, generate};
use sqlx::PgPool;

/// Indexes to the head with `settings`; returns the events stored and the backfills that set indexes aside.
async fn backfill(settings: emtoken_indexer::Config, store: &Store) -> (u64, u64) {
    let indexer = Indexer::start(settings, store.clone()).await.unwrap();
    let metrics = indexer.metrics();
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let summary = indexer.run(stopped).await.unwrap();
    (summary.events, metrics.index_deferrals.load(Relaxed))
}

/// The deferrable indexes the database has.
async fn present(store: &Store) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema()
         AND indexname = ANY($1) ORDER BY 1",
    )
    .bind(&DEFERRABLE_INDEXES[..])
    .fetch_all(store.pool())
    .await
    .unwrap()
}

fn all() -> Vec<String> {
    let mut names: Vec<String> = DEFERRABLE_INDEXES.iter().map(|s| (*s).to_owned()).collect();
    names.sort();
    names
}

#[sqlx::test(migrations = false)]
async fn a_backfill_without_its_secondary_indexes_equals_one_with_them(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let played = generate(&d, &WorkloadConfig::new(5, 800, 20))
        .await
        .unwrap();
    d.operator
        .provider()
        .raw_request::<_, serde_json::Value>("anvil_mine".into(), serde_json::json!([3]))
        .await
        .unwrap();

    let kept = second_store(&pool).await;
    let mut settings = config(&d, 2);
    settings.defer_indexes_from = 0;
    settings.max_batch_events = 100;
    let (events, deferrals) = backfill(settings, &kept).await;
    assert!(events as usize >= played.events, "{events} events stored");
    assert_eq!(deferrals, 0);

    let store = Store::from_pool(pool.clone()).await.unwrap();
    let mut settings = config(&d, 2);
    settings.defer_indexes_from = 100;
    settings.max_batch_events = 100;
    let (deferred_events, deferrals) = backfill(settings, &store).await;
    assert_eq!(deferred_events, events);
    assert_eq!(deferrals, 1, "the backfill set its indexes aside once");

    assert_eq!(
        present(&store).await,
        all(),
        "every index built at the head"
    );
    assert_eq!(
        store.deferred_indexes().await.unwrap(),
        Vec::<String>::new()
    );
    assert_same_index(&store, &kept, 31337).await;
    assert_matches_chain(&store, &d).await;
    assert_eq!(store.findings().await.unwrap(), vec![]);

    // Tables already larger than what a backfill would add keep their indexes.
    sqlx::query("ANALYZE events, movements")
        .execute(store.pool())
        .await
        .unwrap();
    assert!(!store.defer_indexes(31337, 10).await.unwrap());
    assert_eq!(present(&store).await, all());
}

#[sqlx::test(migrations = false)]
async fn indexes_a_killed_backfill_left_aside_are_built_by_the_next_start(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    generate(&d, &WorkloadConfig::new(6, 200, 10))
        .await
        .unwrap();
    let store = Store::from_pool(pool.clone()).await.unwrap();
    let mut settings = config(&d, 0);
    settings.defer_indexes_from = 0;
    backfill(settings.clone(), &store).await;

    // What a process killed mid-backfill leaves: the indexes dropped, their definitions recorded.
    let killed = Store::from_pool(pool.clone()).await.unwrap();
    assert!(killed.defer_indexes(31337, u64::MAX).await.unwrap());
    assert_eq!(present(&store).await, Vec::<String>::new());
    assert_eq!(killed.deferred_indexes().await.unwrap(), all());
    drop(killed);

    // The next process builds them as its follower starts, before it writes anything.
    let next = Store::from_pool(pool.clone()).await.unwrap();
    let indexer = Indexer::start(settings, next.clone()).await.unwrap();
    assert_eq!(present(&next).await, all());
    assert_eq!(next.deferred_indexes().await.unwrap(), Vec::<String>::new());
    drop(indexer);
    assert_matches_chain(&next, &d).await;
}
