//! Reorganisations on a real anvil (anvil_reorg, anvil_rollback, snapshot and revert, depths 1 to 5,
//! other transactions mined instead): after following them, the index equals a fresh index of the
//! canonical chain, and the movements of transactions that vanished are ERROR (dropped). A
//! reorganisation at or below a final block (deeper than the confirmations) stops with its own error;
//! --rewind-to-common-ancestor rolls back to the highest block shared with the node and indexes again from
//! there, and --reset-on-chain-change indexes afresh: both end like a fresh index. A follower woken by
//! newHeads goes through reorganisations the same way.

mod common;

use alloy::{
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
    sol_types::SolCall,
};
use common::{amount, assert_same_index, config, index, payment_reference, second_store};
use emtoken_indexer::{Error, Indexer, Step};
use emtoken_sdk::{EmTokenClient, MintKind, OperationId, bindings::EmToken};
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use serde_json::{Value, json};
use sqlx::PgPool;

const CONFIRMATIONS: u64 = 6;

async fn client(d: &Deployed, role: Role) -> EmTokenClient {
    d.builder(role).unwrap().connect(d.address).await.unwrap()
}

async fn rpc(d: &Deployed, method: &'static str, params: Value) -> Value {
    let provider = ProviderBuilder::new().connect_http(d.endpoint().parse().unwrap());
    provider
        .raw_request(method.into(), params)
        .await
        .unwrap_or_else(|e| panic!("{method}: {e}"))
}

/// Five transactions, one block each: a transfer, a hold, its partial execution, a two-step transfer
/// and its execution, so that orphaning the last 1..5 blocks undoes each kind of step.
async fn five_steps(d: &Deployed, round: u32) {
    let (alice, bob, operator, notary) = (
        client(d, Role::Alice).await,
        client(d, Role::Bob).await,
        client(d, Role::Operator).await,
        client(d, Role::Notary).await,
    );
    let (bob_addr, carol) = (d.address_of(Role::Bob), d.address_of(Role::Carol));
    alice
        .transfer(bob_addr, amount(&format!("1.{round:02}")))
        .await
        .unwrap();
    let hold = alice
        .hold(
            OperationId::from(format!("hold-{round}").as_str()),
            bob_addr,
            d.address_of(Role::Notary),
            amount("10"),
            None,
        )
        .await
        .unwrap();
    notary.execute_hold(hold.id, amount("4")).await.unwrap();
    let order = bob
        .order_transfer(
            OperationId::from(format!("order-{round}").as_str()),
            carol,
            amount("2"),
        )
        .await
        .unwrap();
    operator.execute_clearable_transfer(order.id).await.unwrap();
}

/// A replacement transaction for anvil_reorg: carol pays dave `cents`.
fn replacement(d: &Deployed, cents: u64) -> Value {
    let data = EmToken::transferCall {
        to: d.address_of(Role::Dave),
        value: U256::from(cents),
    }
    .abi_encode();
    json!({ "from": d.address_of(Role::Carol), "to": d.address, "data": format!("0x{}", alloy::hex::encode(data)) })
}

async fn funded(node: &DevNode) -> Deployed {
    let d = Deployed::deploy(node).await.unwrap();
    for who in [Role::Alice, Role::Bob, Role::Carol] {
        d.operator
            .mint(
                d.address_of(who),
                amount("1000"),
                MintKind::Card,
                payment_reference(),
            )
            .await
            .unwrap();
    }
    d
}

/// Indexes `d` afresh into a new database and compares with `store`. Empty blocks are mined first so
/// that both see the same final block (finality never goes back, and a rollback lowers the head).
async fn assert_equals_fresh_index(pool: &PgPool, store: &Store, d: &Deployed) {
    rpc(d, "anvil_mine", json!([CONFIRMATIONS])).await;
    index(config(d, CONFIRMATIONS), store).await;
    let fresh = second_store(pool).await;
    index(config(d, CONFIRMATIONS), &fresh).await;
    let chain_id = i64::try_from(d.operator.provider().get_chain_id().await.unwrap()).unwrap();
    assert_same_index(store, &fresh, chain_id).await;
}

async fn dropped(store: &Store) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM movements WHERE dropped AND status = 'ERROR'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    n
}

#[sqlx::test(migrations = false)]
async fn anvil_reorgs_of_depth_one_to_five_end_like_a_fresh_index(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = funded(&node).await;
    let store = Store::from_pool(pool.clone()).await.unwrap();
    for depth in 1..=5u32 {
        five_steps(&d, depth).await;
        index(config(&d, CONFIRMATIONS), &store).await;
        let before = dropped(&store).await;
        // Replace the last `depth` blocks: carol's payments to dave, one per replaced block.
        let txs: Vec<Value> = (0..depth)
            .map(|i| json!([replacement(&d, 100 + u64::from(i)), i]))
            .collect();
        rpc(&d, "anvil_reorg", json!([depth, txs])).await;
        index(config(&d, CONFIRMATIONS), &store).await;
        // Depth 1 orphans only the execution of the two-step transfer: its movements go back to PENDING
        // (the order stands); deeper reorganisations orphan movements of their own.
        if depth > 1 {
            assert!(
                dropped(&store).await > before,
                "depth {depth}: orphaned movements are marked dropped"
            );
        }
        assert_equals_fresh_index(&pool, &store, &d).await;
    }
}

/// Waits (up to 30 s) until the index stands on the node's newest block.
async fn until_at_head(d: &Deployed, store: &Store) {
    let started = std::time::Instant::now();
    loop {
        let head = d
            .operator
            .provider()
            .get_block(alloy::eips::BlockId::latest())
            .await
            .unwrap()
            .unwrap()
            .header;
        let at: Option<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT block_number, block_hash FROM checkpoints")
                .fetch_optional(store.pool())
                .await
                .unwrap();
        if at == Some((i64::try_from(head.number).unwrap(), head.hash.to_vec())) {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the follower did not reach block {} ({}): it stands at {at:?}",
            head.number,
            head.hash
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A follower woken by newHeads takes each announced block's number and header from the announcement;
/// an announcement of blocks a reorganisation then replaced must not be indexed. Through reorganisations
/// of depth 1 to 3 while it runs, it ends like a fresh index.
#[sqlx::test(migrations = false)]
async fn a_follower_on_announced_heads_through_reorganisations_ends_like_a_fresh_index(
    pool: PgPool,
) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = funded(&node).await;
    let store = Store::from_pool(pool.clone()).await.unwrap();
    let mut settings = config(&d, CONFIRMATIONS);
    settings.until_head = false;
    settings.poll_interval = std::time::Duration::from_millis(200);
    settings.ws_url = Some(node.ws_endpoint_url().to_string());
    let indexer = Indexer::start(settings, store.clone()).await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(indexer.run(stopped));
    for depth in 1..=3u32 {
        five_steps(&d, depth).await;
        until_at_head(&d, &store).await;
        let txs: Vec<Value> = (0..depth)
            .map(|i| json!([replacement(&d, 200 + u64::from(i)), i]))
            .collect();
        // The blocks replaced were announced; their replacements are not: the follower must find them
        // by asking the node.
        rpc(&d, "anvil_reorg", json!([depth, txs])).await;
        until_at_head(&d, &store).await;
    }
    stop.send(true).unwrap();
    running.await.unwrap().unwrap();
    assert_equals_fresh_index(&pool, &store, &d).await;
}

#[sqlx::test(migrations = false)]
async fn rollbacks_and_reverted_snapshots_end_like_a_fresh_index(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = funded(&node).await;
    let store = Store::from_pool(pool.clone()).await.unwrap();
    // anvil_rollback: the chain gets shorter, then other transactions are mined.
    five_steps(&d, 1).await;
    index(config(&d, CONFIRMATIONS), &store).await;
    rpc(&d, "anvil_rollback", json!([3])).await;
    index(config(&d, CONFIRMATIONS), &store).await;
    client(&d, Role::Carol)
        .await
        .transfer(d.address_of(Role::Dave), amount("3"))
        .await
        .unwrap();
    index(config(&d, CONFIRMATIONS), &store).await;
    assert_equals_fresh_index(&pool, &store, &d).await;
    // evm_snapshot / evm_revert: five steps indexed, reverted, two others mined instead.
    let snapshot = rpc(&d, "evm_snapshot", json!([])).await;
    five_steps(&d, 2).await;
    index(config(&d, CONFIRMATIONS), &store).await;
    rpc(&d, "evm_revert", json!([snapshot])).await;
    let carol = client(&d, Role::Carol).await;
    carol
        .transfer(d.address_of(Role::Dave), amount("4"))
        .await
        .unwrap();
    carol
        .transfer(d.address_of(Role::Alice), amount("5"))
        .await
        .unwrap();
    index(config(&d, CONFIRMATIONS), &store).await;
    assert_equals_fresh_index(&pool, &store, &d).await;
}

#[sqlx::test(migrations = false)]
async fn a_reorganisation_of_final_blocks_stops_or_resets(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = funded(&node).await;
    let store = Store::from_pool(pool.clone()).await.unwrap();
    five_steps(&d, 1).await;
    index(config(&d, 0), &store).await;
    rpc(&d, "anvil_reorg", json!([2, [[replacement(&d, 7), 0]]])).await;
    // Found at start (the final block's hash changed) or by the next step.
    let error = match Indexer::start(config(&d, 0), store.clone()).await {
        Err(e) => e,
        Ok(mut indexer) => loop {
            if let Err(e) = indexer.step().await {
                break e;
            }
        },
    };
    assert!(
        matches!(
            error,
            Error::DeepReorg {
                chain_id: 31337,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("--rewind-to-common-ancestor")
            && error.to_string().contains("--reset-on-chain-change"),
        "{error}"
    );

    let mut reset = config(&d, 0);
    reset.reset_on_chain_change = true;
    index(reset, &store).await;
    let fresh = second_store(&pool).await;
    index(config(&d, 0), &fresh).await;
    assert_same_index(&store, &fresh, 31337).await;
    let _ = Address::ZERO;
}

/// Runs `indexer` until it is at the head; whether it rolled back.
async fn follow_to_head(indexer: &mut Indexer) -> bool {
    let mut rolled_back = false;
    loop {
        match indexer.step().await.expect("step") {
            Step::CaughtUp => return rolled_back,
            Step::Reorg { .. } => rolled_back = true,
            _ => {}
        }
    }
}

/// Final blocks replaced (a reverted snapshot taken before five final steps, other transactions mined
/// instead): without the flag the indexer stops with the deep reorganisation's error and writes nothing;
/// with --rewind-to-common-ancestor it rolls back below its final block, at start and while following,
/// marks the vanished movements dropped and ends like a fresh index.
#[sqlx::test(migrations = false)]
async fn final_blocks_replaced_are_rewound_to_the_common_ancestor(pool: PgPool) {
    const FINAL_AFTER: u64 = 2;
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = funded(&node).await;
    let store = Store::from_pool(pool.clone()).await.unwrap();
    let chain_id = 31337;
    let mut rewind = config(&d, FINAL_AFTER);
    rewind.rewind_to_common_ancestor = true;

    // At start: the snapshot is reverted while no indexer runs.
    let snapshot = rpc(&d, "evm_snapshot", json!([])).await;
    five_steps(&d, 1).await;
    rpc(&d, "anvil_mine", json!([FINAL_AFTER + 3])).await;
    index(config(&d, FINAL_AFTER), &store).await;
    let settled = dropped(&store).await;
    rpc(&d, "evm_revert", json!([snapshot])).await;
    let carol = client(&d, Role::Carol).await;
    carol
        .transfer(d.address_of(Role::Dave), amount("4"))
        .await
        .unwrap();
    five_steps(&d, 2).await;
    rpc(&d, "anvil_mine", json!([FINAL_AFTER + 6])).await;
    let before = store.canonical_dump(chain_id).await.unwrap();
    let error = Indexer::start(config(&d, FINAL_AFTER), store.clone())
        .await
        .expect_err("final blocks replaced");
    assert!(matches!(error, Error::DeepReorg { .. }), "{error:?}");
    assert_eq!(
        store.canonical_dump(chain_id).await.unwrap(),
        before,
        "nothing written"
    );
    index(rewind.clone(), &store).await;
    assert!(
        dropped(&store).await > settled,
        "the movements of the vanished final blocks are dropped"
    );
    let fresh = second_store(&pool).await;
    index(config(&d, FINAL_AFTER), &fresh).await;
    assert_same_index(&store, &fresh, chain_id).await;

    // While following: the indexer that runs sees its final blocks replaced under it.
    let mut indexer = Indexer::start(rewind.clone(), store.clone()).await.unwrap();
    let snapshot = rpc(&d, "evm_snapshot", json!([])).await;
    five_steps(&d, 3).await;
    rpc(&d, "anvil_mine", json!([FINAL_AFTER + 3])).await;
    follow_to_head(&mut indexer).await;
    rpc(&d, "evm_revert", json!([snapshot])).await;
    carol
        .transfer(d.address_of(Role::Alice), amount("6"))
        .await
        .unwrap();
    rpc(&d, "anvil_mine", json!([FINAL_AFTER + 8])).await;
    assert!(
        follow_to_head(&mut indexer).await,
        "rolled back while following"
    );
    drop(indexer);
    let fresh = second_store(&pool).await;
    index(config(&d, FINAL_AFTER), &fresh).await;
    assert_same_index(&store, &fresh, chain_id).await;
}
