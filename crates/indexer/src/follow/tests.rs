//! An announced header the node no longer has (a block a reorganisation replaced before the follower
//! reached it) must not be indexed: the follower falls back to asking the node.

use alloy::{primitives::B256, providers::Provider};
use emtoken_sdk::{Amount, MintKind, OperationId};
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use sqlx::PgPool;

use crate::{Config, Indexer, Step, rpc::Header};

/// Steps until the index is at the head (at most 20 steps) and returns where it stands.
async fn step_to_head(indexer: &mut Indexer) -> (i64, B256) {
    for _ in 0..20 {
        if indexer.step().await.expect("step") == Step::CaughtUp {
            let cp = indexer.checkpoint();
            return (cp.block_number, B256::from(cp.block_hash));
        }
    }
    panic!("still not at the head after 20 steps");
}

/// Announces block `number` with a hash the node never had, on top of where the index stands.
fn announce_replaced_block(indexer: &Indexer, number: u64) {
    let cp = indexer.checkpoint();
    *indexer.announced.lock().unwrap() = Some(Header {
        number,
        hash: B256::repeat_byte(0xee),
        parent_hash: B256::from(cp.block_hash),
        time: chrono::Utc::now(),
    });
}

async fn node_head(d: &Deployed) -> (i64, B256) {
    let block = d
        .operator
        .provider()
        .get_block(alloy::eips::BlockId::latest())
        .await
        .unwrap()
        .unwrap();
    (
        i64::try_from(block.header.number).unwrap(),
        block.header.hash,
    )
}

/// Final at once: the final path takes only the number from an announcement.
#[sqlx::test(migrations = false)]
async fn a_replaced_announced_block_is_not_indexed_final_at_once(pool: PgPool) {
    replaced_announced_block(pool, 0).await;
}

/// Two confirmations: the path at the head takes the header too.
#[sqlx::test(migrations = false)]
async fn a_replaced_announced_block_is_not_indexed_at_the_head(pool: PgPool) {
    replaced_announced_block(pool, 2).await;
}

async fn replaced_announced_block(pool: PgPool, confirmations: u64) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let store = Store::from_pool(pool).await.unwrap();
    let mut config = Config::new(d.endpoint(), d.address);
    config.until_head = true;
    config.confirmations = confirmations;
    let mut indexer = Indexer::start(config, store.clone()).await.unwrap();
    step_to_head(&mut indexer).await;

    // The node's block holds a cash-in; the announcement named another block of that number.
    let (at, _) = node_head(&d).await;
    d.operator
        .mint(
            d.address_of(Role::Alice),
            Amount::parse("5", 2).unwrap(),
            MintKind::Card,
            OperationId::random().as_bytes(),
        )
        .await
        .unwrap();
    announced_then_followed(&mut indexer, &d, at, confirmations).await;
    let (cash_ins,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM movements WHERE block_number = $1")
            .bind(at + 1)
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(
        cash_ins, 1,
        "confirmations {confirmations}: the cash-in, once"
    );

    // An empty block: nothing in its logs tells the announcement is not the node's block.
    let (at, _) = node_head(&d).await;
    let _: serde_json::Value = d
        .operator
        .provider()
        .raw_request("anvil_mine".into(), (1,))
        .await
        .unwrap();
    announced_then_followed(&mut indexer, &d, at, confirmations).await;
}

/// Announces a replaced block above `at`, where the node has mined its own, and checks that the index
/// then stands on the node's head.
async fn announced_then_followed(indexer: &mut Indexer, d: &Deployed, at: i64, confirmations: u64) {
    announce_replaced_block(indexer, u64::try_from(at + 1).unwrap());
    assert_eq!(
        step_to_head(indexer).await,
        node_head(d).await,
        "confirmations {confirmations}"
    );
}
