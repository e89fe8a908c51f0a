//! Reconciliation: wallets whose final balances changed are compared with balanceOf / balanceOnHold at
//! the final block. A difference is recorded and the non-final blocks are indexed again; one the rescan
//! mends stays a plain finding, one it does not is marked persistent. A node busy mining while it is read
//! is not taken for a difference. The comparison runs after its batch commits: wallets waiting for it are
//! kept in the database, so a process stopped in between compares them when it starts again.

mod common;

use alloy::providers::Provider;
use common::{amount, assert_matches_chain, config, index, payment_reference};
use emtoken_sdk::MintKind;
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName, ProxyRules, ProxyStats, Role, RpcProxy};
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

/// A dev node with the contract deployed, alice cashed in 100.00, and a store on `pool`.
async fn alice_with_100(pool: PgPool) -> (DevNode, Deployed, Store) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let store = Store::from_pool(pool).await.unwrap();
    d.operator
        .mint(
            d.address_of(Role::Alice),
            amount("100"),
            MintKind::Card,
            payment_reference(),
        )
        .await
        .unwrap();
    (node, d, store)
}

#[sqlx::test(migrations = false)]
async fn a_lost_event_is_found_and_mended_by_the_rescan(pool: PgPool) {
    let (_node, d, store) = alice_with_100(pool).await;
    let (alice, bob) = (d.address_of(Role::Alice), d.address_of(Role::Bob));
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

/// A process killed after a batch committed and before its wallets were compared leaves them in
/// `unreconciled_wallets`: the next process compares them with its first batch, even one that changes no
/// balance.
#[sqlx::test(migrations = false)]
async fn wallets_left_uncompared_by_a_stopped_process_are_compared_at_the_next_start(pool: PgPool) {
    let (_node, d, store) = alice_with_100(pool).await;
    let alice = d.address_of(Role::Alice);
    index(config(&d, 0), &store).await;
    let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM unreconciled_wallets")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(waiting, 0, "every compared wallet is forgotten");
    // As if the last batch had damaged alice's balance and the process died before comparing her.
    sqlx::query("UPDATE wallets SET balance = balance + 1 WHERE address = $1")
        .bind(alice.into_array())
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO unreconciled_wallets (chain_id, address) SELECT chain_id, $1 FROM checkpoints",
    )
    .bind(alice.into_array())
    .execute(store.pool())
    .await
    .unwrap();
    // An empty block: nothing of alice changes in the next batch.
    mine(&d, 1).await;
    index(config(&d, 0), &store).await;
    let findings = store.findings().await.unwrap();
    assert!(
        findings.iter().any(|f| f.address == alice.into_array()
            && f.chain_total - f.indexed_total == rust_decimal::Decimal::NEGATIVE_ONE),
        "alice was compared at the restart: {findings:?}"
    );
    let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM unreconciled_wallets")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(
        waiting, 0,
        "a persistent difference is not compared again until the wallet changes"
    );
}

/// Anvil answers a read at its newest block from the state of the block it is mining. With no
/// confirmations the final block is the head: a naive comparison there sees alice poorer by the
/// transfer of the block being mined, rescans, sees it again and calls it persistent. Nothing is lost, so
/// nothing may be found: the difference is read again once a block above it exists.
#[sqlx::test(migrations = false)]
async fn a_node_mining_while_read_is_not_a_difference(pool: PgPool) {
    let (_node, d, store) = alice_with_100(pool).await;
    let bob = d.address_of(Role::Bob);
    // Mined, but out of sight behind the proxy until a block follows it.
    d.alice.transfer(bob, amount("25")).await.unwrap();
    let proxy = RpcProxy::spawn(
        d.endpoint(),
        ProxyRules {
            newest_block_in_mining: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut settings = config(&d, 0);
    settings.rpc_url = proxy.endpoint_url().to_string();
    let indexing = tokio::spawn({
        let store = store.clone();
        async move { index(settings, &store).await }
    });
    // The node finishes "mining" once the indexer has read alice at the cash-in's block.
    while proxy.stats().state_reads_ahead == 0 {
        assert!(
            !indexing.is_finished(),
            "the indexer never read a balance at the head"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    mine(&d, 1).await;
    indexing.await.unwrap();

    assert!(
        proxy.stats().state_reads_ahead > 0,
        "alice was read while the transfer was being mined"
    );
    assert_eq!(
        store.findings().await.unwrap(),
        vec![],
        "no difference was real"
    );
    assert_matches_chain(&store, &d).await;
}

/// Damages alice's final balance, cashes her in once more and indexes through a proxy with `rules`: the
/// comparison reads the chain's balances through whatever the proxy lets by. Returns the proxy's stats.
async fn damaged_balance_found_through(pool: PgPool, rules: ProxyRules) -> ProxyStats {
    let (_node, d, store) = alice_with_100(pool).await;
    let alice = d.address_of(Role::Alice);
    let proxy = RpcProxy::spawn(d.endpoint(), rules).await.unwrap();
    let mut settings = config(&d, 0);
    settings.rpc_url = proxy.endpoint_url().to_string();
    index(settings.clone(), &store).await;
    sqlx::query("UPDATE wallets SET balance = balance + 1 WHERE address = $1")
        .bind(alice.into_array())
        .execute(store.pool())
        .await
        .unwrap();
    d.operator
        .mint(alice, amount("1"), MintKind::Card, payment_reference())
        .await
        .unwrap();
    index(settings, &store).await;
    let findings = store.findings().await.unwrap();
    let alice_found: Vec<_> = findings
        .iter()
        .filter(|f| f.address == alice.into_array())
        .collect();
    assert!(
        alice_found.iter().any(|f| !f.persistent) && alice_found.iter().any(|f| f.persistent),
        "seen, rescanned, seen again: {findings:?}"
    );
    assert!(
        alice_found
            .iter()
            .all(|f| f.indexed_total - f.chain_total == rust_decimal::Decimal::ONE),
        "the unit added to the index is the difference: {findings:?}"
    );
    proxy.stats()
}

/// A damaged final balance: no rescan of non-final blocks can explain it, so its finding turns persistent.
/// The chain's balances were read by the balance reader (one `eth_call` of its creation code for the
/// wallets of a comparison).
#[sqlx::test(migrations = false)]
async fn a_difference_the_rescan_cannot_mend_is_persistent(pool: PgPool) {
    let stats = damaged_balance_found_through(pool, ProxyRules::default()).await;
    assert!(stats.creation_calls >= 2, "{stats:?}");
    assert_eq!(stats.creation_calls_refused, 0);
}

/// A node that refuses the balance reader's call (its `eth_call` gas cap is too low, say) is read one
/// wallet at a time, and asked for the reader only once.
#[sqlx::test(migrations = false)]
async fn a_node_refusing_the_balance_reader_is_read_one_wallet_at_a_time(pool: PgPool) {
    let stats = damaged_balance_found_through(
        pool,
        ProxyRules {
            refuse_creation_calls: true,
            ..Default::default()
        },
    )
    .await;
    // Two processes (each asks once), each comparing more than once (first sight, rescan, second sight).
    assert_eq!(stats.creation_calls_refused, 2, "{stats:?}");
    assert_eq!(stats.creation_calls, 2, "{stats:?}");
}
