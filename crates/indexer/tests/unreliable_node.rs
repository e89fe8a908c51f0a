//! Nodes that refuse: a proxy that rejects eth_getLogs ranges over a limit with Besu's -32005 error
//! ("Requested range exceeds maximum RPC range limit"), and one that answers 429 or fails now and then.
//! The indexer completes with the same result as against the node itself.
//!
//! The limit here is 50 blocks over a chain of a few hundred, not Besu's customary 5,000 over 12,000:
//! anvil mines empty blocks at 40-90 per second on this machine, so a chain past 5,000 blocks costs
//! minutes; the limit is a parameter of the same code path.

mod common;

use std::time::Instant;

use alloy::providers::Provider;
use common::{
    amount, assert_matches_chain, assert_same_index, config, index, payment_reference, second_store,
};
use emtoken_sdk::{MintKind, OperationId};
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName, ProxyRules, Role, RpcProxy};
use emtoken_workload::Deployed;
use serde_json::json;
use sqlx::PgPool;

/// Movements spread over 300 blocks.
async fn long_chain(d: &Deployed) {
    let (alice, bob) = (d.address_of(Role::Alice), d.address_of(Role::Bob));
    let provider = d.operator.provider();
    for round in 0..3 {
        d.operator
            .mint(alice, amount("100"), MintKind::Card, payment_reference())
            .await
            .unwrap();
        d.alice.transfer(bob, amount("10")).await.unwrap();
        let hold = d
            .alice
            .hold(
                OperationId::from(format!("h{round}").as_str()),
                bob,
                d.address_of(Role::Notary),
                amount("5"),
                None,
            )
            .await
            .unwrap();
        d.notary.release_hold(hold.id).await.unwrap();
        if round < 2 {
            let started = Instant::now();
            provider
                .raw_request::<_, serde_json::Value>("anvil_mine".into(), json!([150]))
                .await
                .unwrap();
            eprintln!("mined 150 blocks in {:?}", started.elapsed());
        }
    }
}

const LIMIT: u64 = 50;

#[sqlx::test(migrations = false)]
async fn ranges_over_the_node_limit_shrink_and_rate_limits_are_retried(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    long_chain(&d).await;
    let reference = second_store(&pool).await;
    index(config(&d, 0), &reference).await;

    // Besu-like range limit: every forwarded range stays within 50 blocks.
    let limited = RpcProxy::spawn(
        d.endpoint(),
        ProxyRules {
            max_log_range: Some(LIMIT),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let store = Store::from_pool(pool.clone()).await.unwrap();
    let mut settings = config(&d, 0);
    settings.rpc_url = limited.endpoint_url().to_string();
    settings.initial_range = 40;
    index(settings, &store).await;
    let stats = limited.stats();
    assert!(stats.range_rejections >= 1, "{stats:?}");
    assert!(stats.largest_forwarded_log_range <= LIMIT, "{stats:?}");
    assert_same_index(&store, &reference, 31337).await;
    assert_matches_chain(&store, &d).await;

    // Rate limits (429) and transient failures (503, dropped connections) on top of the range limit.
    let flaky = RpcProxy::spawn(
        d.endpoint(),
        ProxyRules {
            max_log_range: Some(LIMIT),
            rate_limit_one_in: Some(4),
            transient_one_in: Some(6),
            seed: 7,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let store = second_store(&pool).await;
    let mut settings = config(&d, 0);
    settings.rpc_url = flaky.endpoint_url().to_string();
    let summary = index(settings, &store).await;
    let stats = flaky.stats();
    assert!(
        stats.rate_limited >= 1 && stats.transient_failures >= 1,
        "{stats:?}"
    );
    assert!(summary.events > 0);
    assert_same_index(&store, &reference, 31337).await;
}

/// A contract that answers every call with the word 1 (its runtime code: `PUSH1 1 PUSH1 0 MSTORE
/// PUSH1 32 PUSH1 0 RETURN`) is not taken for an EmToken: the start fails naming why, and nothing is
/// written. The real token beside it is indexed.
#[sqlx::test(migrations = false)]
async fn a_contract_answering_one_to_everything_is_refused_before_anything_is_written(
    pool: PgPool,
) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let fake = alloy::primitives::Address::repeat_byte(0x11);
    d.operator
        .provider()
        .raw_request::<_, serde_json::Value>(
            "anvil_setCode".into(),
            json!([fake, "0x600160005260206000f3"]),
        )
        .await
        .unwrap();
    let store = Store::from_pool(pool).await.unwrap();
    let mut wrong = config(&d, 0);
    wrong.contract = fake;
    let error = emtoken_indexer::Indexer::start(wrong, store.clone())
        .await
        .map(|_| ())
        .expect_err("a fake token is refused");
    let text = error.to_string();
    assert!(text.contains("is not an EmToken"), "{text}");
    assert!(text.contains("0xffffffff"), "{text}");
    assert!(store.chains().await.unwrap().is_empty(), "nothing written");
    // An address without code is named as such.
    let mut empty = config(&d, 0);
    empty.contract = alloy::primitives::Address::repeat_byte(0x22);
    let error = emtoken_indexer::Indexer::start(empty, store.clone())
        .await
        .map(|_| ())
        .expect_err("no code is refused");
    assert!(error.to_string().contains("no contract code"), "{error}");
    assert!(store.chains().await.unwrap().is_empty(), "nothing written");
    // The token itself is.
    index(config(&d, 0), &store).await;
    assert_eq!(store.chains().await.unwrap().len(), 1);
}
