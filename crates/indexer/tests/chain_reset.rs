//! A restarted devnet (another chain under the same chain id and contract address) stops the indexer
//! with a clear error and writes nothing; with --reset-on-chain-change the chain's rows are wiped and
//! the new chain indexed from scratch.

mod common;

use common::{
    amount, assert_matches_chain, assert_same_index, config, index, payment_reference, second_store,
};
use emtoken_indexer::{Error, Indexer};
use emtoken_sdk::MintKind;
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use sqlx::PgPool;

#[sqlx::test(migrations = false)]
async fn a_restarted_devnet_is_refused_then_reindexed_on_request(pool: PgPool) {
    let store = Store::from_pool(pool.clone()).await.unwrap();
    let first = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&first).await.unwrap();
    d.operator
        .mint(
            d.address_of(Role::Alice),
            amount("70"),
            MintKind::Card,
            payment_reference(),
        )
        .await
        .unwrap();
    index(config(&d, 0), &store).await;
    let before = store.canonical_dump(31337).await.unwrap();
    drop(d);
    drop(first);

    // The same deployment replayed on a new node lands at the same address; its history differs.
    let second = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&second).await.unwrap();
    d.operator
        .mint(
            d.address_of(Role::Bob),
            amount("9"),
            MintKind::Card,
            payment_reference(),
        )
        .await
        .unwrap();
    let error = Indexer::start(config(&d, 0), store.clone())
        .await
        .expect_err("a changed chain is refused");
    assert!(
        matches!(
            error,
            Error::ChainChanged {
                chain_id: 31337,
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("chain 31337 changed") && message.contains("--reset-on-chain-change"),
        "{message}"
    );
    assert_eq!(
        store.canonical_dump(31337).await.unwrap(),
        before,
        "nothing written"
    );

    let mut reset = config(&d, 0);
    reset.reset_on_chain_change = true;
    index(reset, &store).await;
    assert_matches_chain(&store, &d).await;
    let fresh = second_store(&pool).await;
    index(config(&d, 0), &fresh).await;
    assert_same_index(&store, &fresh, 31337).await;
}
