//! Following the head: movements appear while transactions keep arriving, PENDING until their block has
//! the configured confirmations, then SUCCESS; the wallet's available and held balances move at the
//! head, its balance at finality. A WebSocket newHeads subscription wakes the poller.

mod common;

use std::time::{Duration, Instant};

use alloy::{primitives::Address, providers::Provider};
use common::{amount, config, movements, payment_reference, units, wallet};
use emtoken_indexer::Indexer;
use emtoken_sdk::MintKind;
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use serde_json::json;
use sqlx::PgPool;

/// Waits (up to 20 s) until `check` holds on the store.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn statuses(store: &Store, who: Address) -> Vec<(String, String)> {
    if store
        .wallet(emtoken_store::WalletRef::Address(who.into_array()))
        .await
        .unwrap()
        .is_none()
    {
        return Vec::new();
    }
    movements(store, who)
        .await
        .into_iter()
        .map(|(ty, status, ..)| (ty, status))
        .collect()
}

#[sqlx::test(migrations = false)]
async fn pending_until_confirmed_while_transactions_keep_arriving(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let store = Store::from_pool(pool).await.unwrap();
    let mut settings = config(&d, 3);
    settings.until_head = false;
    let indexer = Indexer::start(settings, store.clone()).await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(indexer.run(stopped));

    let (alice, bob) = (d.address_of(Role::Alice), d.address_of(Role::Bob));
    d.operator
        .mint(alice, amount("100"), MintKind::Card, payment_reference())
        .await
        .unwrap();
    eventually("the cash-in, pending", || async {
        statuses(&store, alice).await == [("CARD_CASHIN".to_owned(), "PENDING".to_owned())]
    })
    .await;
    // At the head: available moved, the final balance not yet.
    let w = wallet(&store, alice).await;
    assert_eq!((w.available(), w.balance), (units("100"), units("0")));

    // Each transaction mines a block: three more blocks confirm the cash-in.
    for _ in 0..3 {
        d.alice.transfer(bob, amount("1")).await.unwrap();
    }
    eventually("the cash-in, confirmed", || async {
        statuses(&store, alice)
            .await
            .first()
            .map(|(_, s)| s.clone())
            == Some("SUCCESS".to_owned())
    })
    .await;
    eventually("three transfers seen", || async {
        statuses(&store, bob).await.len() == 3
    })
    .await;
    let w = wallet(&store, alice).await;
    assert_eq!((w.available(), w.balance), (units("97"), units("100")));
    assert!(
        statuses(&store, bob)
            .await
            .iter()
            .all(|(ty, s)| ty == "TRANSFER_IN" && s == "PENDING")
    );

    // Empty blocks confirm the rest.
    let provider = d.operator.provider();
    provider
        .raw_request::<_, serde_json::Value>("anvil_mine".into(), json!([3]))
        .await
        .unwrap();
    eventually("every transfer confirmed", || async {
        statuses(&store, bob)
            .await
            .iter()
            .all(|(_, s)| s == "SUCCESS")
    })
    .await;
    assert_eq!(wallet(&store, alice).await.balance, units("97"));

    stop.send(true).unwrap();
    let summary = running.await.unwrap().unwrap();
    assert!(summary.events >= 4, "{summary:?}");
}

#[sqlx::test(migrations = false)]
async fn new_heads_wake_the_poller(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let store = Store::from_pool(pool).await.unwrap();
    let mut settings = config(&d, 0);
    settings.until_head = false;
    // Polls every minute: only the subscription can make a movement appear within seconds.
    settings.poll_interval = Duration::from_secs(60);
    settings.ws_url = Some(node.ws_endpoint_url().to_string());
    let indexer = Indexer::start(settings, store.clone()).await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(indexer.run(stopped));
    tokio::time::sleep(Duration::from_millis(300)).await; // the loop is caught up and asleep

    let started = Instant::now();
    d.operator
        .mint(
            d.address_of(Role::Carol),
            amount("5"),
            MintKind::Card,
            payment_reference(),
        )
        .await
        .unwrap();
    eventually("the cash-in", || async {
        statuses(&store, d.address_of(Role::Carol)).await.len() == 1
    })
    .await;
    assert!(started.elapsed() < Duration::from_secs(10));

    // Shutdown interrupts the sleep at once.
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("stops promptly")
        .unwrap()
        .unwrap();
}
