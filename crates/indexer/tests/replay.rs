//! Exactly once: replaying indexed blocks, or running the indexer again, changes nothing.

mod common;

use alloy::providers::Provider;
use common::{
    amount, assert_matches_chain, assert_same_index, config, index, payment_reference, second_store,
};
use emtoken_indexer::Indexer;
use emtoken_sdk::{MintKind, OperationId};
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use sqlx::PgPool;

async fn history(d: &Deployed) {
    let (alice, bob) = (d.address_of(Role::Alice), d.address_of(Role::Bob));
    d.operator
        .mint(alice, amount("500"), MintKind::Card, payment_reference())
        .await
        .unwrap();
    d.alice.transfer(bob, amount("20")).await.unwrap();
    let hold = d
        .alice
        .hold(
            OperationId::from("h"),
            bob,
            d.address_of(Role::Notary),
            amount("30"),
            None,
        )
        .await
        .unwrap();
    d.notary
        .execute_hold_and_keep_open(hold.id, amount("10"))
        .await
        .unwrap();
    let order = d
        .alice
        .order_payout(OperationId::from("p"), amount("40"), Default::default())
        .await
        .unwrap();
    d.operator.process_payout(order.id).await.unwrap();
}

#[sqlx::test(migrations = false)]
async fn indexing_a_range_twice_gives_the_same_database(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    history(&d).await;
    let store = Store::from_pool(pool.clone()).await.unwrap();
    index(config(&d, 0), &store).await;
    let once = store.canonical_dump(31337).await.unwrap();

    // A second run over the same chain: nothing new.
    let again = index(config(&d, 0), &store).await;
    assert_eq!(again.events, 0);
    assert_eq!(store.canonical_dump(31337).await.unwrap(), once);

    // Replaying every indexed block through the batch path: nothing added, nothing changed.
    let mut indexer = Indexer::start(config(&d, 0), store.clone()).await.unwrap();
    let head = indexer.checkpoint().block_number as u64;
    assert_eq!(indexer.replay(d.deploy_block, head).await.unwrap(), 0);
    assert_eq!(store.canonical_dump(31337).await.unwrap(), once);
    // Non-final blocks cannot be replayed (they are followed, with reorganisation checks).
    assert!(indexer.replay(0, head + 1).await.is_err());

    // And the result is what a fresh index of the chain gives.
    let fresh = second_store(&pool).await;
    index(config(&d, 0), &fresh).await;
    assert_same_index(&store, &fresh, 31337).await;
    assert_matches_chain(&store, &d).await;
}

/// A backfill written a few events per transaction (the rest of a fetched range kept for the next ones)
/// ends exactly like one written in a single transaction: same rows, same balances, reconciled at the end.
#[sqlx::test(migrations = false)]
async fn a_range_written_in_small_batches_gives_the_same_database(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    history(&d).await;
    for _ in 0..4 {
        d.alice
            .transfer(d.address_of(Role::Carol), amount("1"))
            .await
            .unwrap();
    }
    // Three confirmations, then some: every block of the history is final, so the backfill path writes it.
    d.operator
        .provider()
        .raw_request::<_, serde_json::Value>("anvil_mine".into(), serde_json::json!([5]))
        .await
        .unwrap();
    let reference = second_store(&pool).await;
    index(config(&d, 3), &reference).await;

    let store = Store::from_pool(pool.clone()).await.unwrap();
    let mut settings = config(&d, 3);
    settings.max_batch_events = 2;
    let indexer = Indexer::start(settings, store.clone()).await.unwrap();
    let metrics = indexer.metrics();
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let summary = indexer.run(stopped).await.unwrap();
    let batches = metrics.batches.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        batches * 3 >= summary.events,
        "{} events in {batches} batches",
        summary.events
    );
    assert_same_index(&store, &reference, 31337).await;
    assert_matches_chain(&store, &d).await;
    assert_eq!(store.findings().await.unwrap(), vec![]);
}
