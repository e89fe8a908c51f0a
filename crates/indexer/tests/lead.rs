//! One indexer per database at a time: the lead is one process's (an advisory lock on a connection of
//! its own, free again when that connection ends), and an indexer whose ledger another indexer wrote
//! meanwhile is refused its next write (the checkpoint's fence) instead of writing the same blocks twice.

mod common;

use common::{amount, assert_matches_chain, config, payment_reference};
use emtoken_indexer::{Error, Indexer, Step};
use emtoken_sdk::MintKind;
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use sqlx::PgPool;

#[sqlx::test(migrations = false)]
async fn the_lead_is_one_process_s_until_its_connection_ends(pool: PgPool) {
    let store = Store::from_pool(pool.clone()).await.unwrap();
    let other = Store::from_pool(pool.clone()).await.unwrap();
    let lease = store.try_lead("indexer").await.unwrap().expect("free");
    assert!(other.try_lead("indexer").await.unwrap().is_none(), "held");
    assert!(
        other.try_lead("another duty").await.unwrap().is_some(),
        "another name is another lead"
    );
    let mut lease = lease;
    assert!(lease.holds().await);
    lease.release().await;
    let mut second = other.try_lead("indexer").await.unwrap().expect("released");
    assert!(second.holds().await);
    // Its connection ends (the process died): the lead is free, and the lease knows it is lost. The lock
    // is this test's database's (tests running beside it hold advisory locks in theirs), and the backend
    // is waited for until it has ended: it releases its locks as it exits, after the signal.
    let (pid,): (i32,) = sqlx::query_as(
        "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database
         WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let (ended,): (bool,) = sqlx::query_as("SELECT pg_terminate_backend($1, 10000)")
        .bind(pid)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(ended, "the holder's backend did not end within 10 s");
    assert!(!second.holds().await, "lost with its connection");
    let mut third = store
        .try_lead("indexer")
        .await
        .unwrap()
        .expect("free once the holder's connection ended");
    assert!(third.holds().await);
}

#[sqlx::test(migrations = false)]
async fn an_indexer_whose_ledger_another_wrote_is_refused_its_next_write(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let store = Store::from_pool(pool.clone()).await.unwrap();
    let mut first = Indexer::start(config(&d, 0), store.clone()).await.unwrap();
    let mut second = Indexer::start(config(&d, 0), store.clone()).await.unwrap();
    // The first indexes to the head; the second, started at the same checkpoint, then tries to.
    while first.step().await.unwrap() != Step::CaughtUp {}
    let error = loop {
        match second.step().await {
            Err(e) => break e,
            Ok(Step::CaughtUp) => panic!("the second indexer wrote over the first"),
            Ok(_) => {}
        }
    };
    assert!(
        matches!(error, Error::Store(emtoken_store::Error::Superseded { .. })),
        "{error:?}"
    );
    // The first goes on, and the index is the chain's.
    d.operator
        .mint(
            d.address_of(Role::Alice),
            amount("12"),
            MintKind::Card,
            payment_reference(),
        )
        .await
        .unwrap();
    while first.step().await.unwrap() != Step::CaughtUp {}
    assert_matches_chain(&store, &d).await;
}
