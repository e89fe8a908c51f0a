//! Reconciliation: wallets whose final balances changed are compared with balanceOf / balanceOnHold at
//! the final block. A difference is recorded and the non-final blocks are indexed again; one the rescan
//! mends stays a plain finding, one it does not is marked persistent.

mod common;

use alloy::providers::Provider;
use common::{amount, assert_matches_chain, config, index};
use emtoken_sdk::MintKind;
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use serde_json::json;
use sqlx::PgPool;

async fn mine(d: &Deployed, blocks: u64) {
    d.operator
        .provider()
        .raw_request::<_, serde_json::Value>("anvil_mine".into(), json!([blocks]))
        .await
        .unwrap();
}

#[sqlx::test(migrations = false)]
async fn a_lost_event_is_found_and_mended_by_the_rescan(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let store = Store::from_pool(pool).await.unwrap();
    let (alice, bob) = (d.address_of(Role::Alice), d.address_of(Role::Bob));
    d.operator
        .mint(alice, amount("100"), MintKind::Card, Default::default())
        .await
        .unwrap();
    d.alice.transfer(bob, amount("25")).await.unwrap();
    index(config(&d, 3), &store).await;

    // Lose the (not yet final) transfer as if its log had never arrived: event, balance changes, movements.
    sqlx::query(
        "WITH t AS (SELECT block_hash, log_index FROM events WHERE name = 'Transfer' ORDER BY block_number DESC LIMIT 1),
              d AS (SELECT address, total, held FROM balance_deltas JOIN t USING (block_hash, log_index))
         UPDATE wallets w SET head_total = w.head_total - d.total, held = w.held - d.held FROM d WHERE w.address = d.address",
    )
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query(
        "DELETE FROM events WHERE (block_hash, log_index) IN
           (SELECT block_hash, log_index FROM events WHERE name = 'Transfer' ORDER BY block_number DESC LIMIT 1)",
    )
    .execute(store.pool())
    .await
    .unwrap();

    mine(&d, 3).await;
    index(config(&d, 3), &store).await;
    let findings = store.findings().await.unwrap();
    assert!(!findings.is_empty(), "the difference is recorded");
    assert!(
        findings.iter().all(|f| !f.persistent),
        "the rescan mended it: {findings:?}"
    );
    let finding = findings
        .iter()
        .find(|f| f.address == alice.into_array())
        .expect("alice differed");
    assert_eq!(
        finding.chain_total - finding.indexed_total,
        -common::units("25")
    );
    assert_matches_chain(&store, &d).await;
}

#[sqlx::test(migrations = false)]
async fn a_difference_the_rescan_cannot_mend_is_persistent(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let store = Store::from_pool(pool).await.unwrap();
    let alice = d.address_of(Role::Alice);
    d.operator
        .mint(alice, amount("100"), MintKind::Card, Default::default())
        .await
        .unwrap();
    index(config(&d, 0), &store).await;
    // Damage a final balance: no rescan of non-final blocks can explain it.
    sqlx::query("UPDATE wallets SET balance = balance + 1 WHERE address = $1")
        .bind(alice.into_array())
        .execute(store.pool())
        .await
        .unwrap();
    d.operator
        .mint(alice, amount("1"), MintKind::Card, Default::default())
        .await
        .unwrap();
    index(config(&d, 0), &store).await;
    let findings = store.findings().await.unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.persistent && f.address == alice.into_array()),
        "{findings:?}"
    );
    assert!(
        findings.iter().any(|f| !f.persistent),
        "the first sighting triggered the rescan: {findings:?}"
    );
}
