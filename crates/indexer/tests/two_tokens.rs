//! Two tokens on one chain in one index (issue 18): the chain's first token (EUR, 2 decimals) under the
//! chain's id, a second (USD, 6 decimals) under its own ledger id. Each keeps its own checkpoint,
//! finality and reconciliation; an address is a wallet of each, with each token's balance; after a
//! restart and a reorganisation both equal a fresh index and every balance matches its contract.

mod common;

use alloy::providers::{Provider, ProviderBuilder};
use common::{
    assert_matches_chain, assert_same_index, config, index, payment_reference, second_store,
};
use emtoken_indexer::Config;
use emtoken_sdk::{Amount, EmTokenClient, MintKind};
use emtoken_store::{Store, ids};
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sqlx::PgPool;

const CONFIRMATIONS: u64 = 6;

async fn rpc(d: &Deployed, method: &'static str, params: Value) -> Value {
    let provider = ProviderBuilder::new().connect_http(d.endpoint().parse().unwrap());
    provider
        .raw_request(method.into(), params)
        .await
        .unwrap_or_else(|e| panic!("{method}: {e}"))
}

/// `text` of token `d`.
async fn amount(d: &Deployed, text: &str) -> Amount {
    Amount::parse(text, d.operator.decimals()).expect("amount")
}

/// A fresh client of `role` on `d` (its own nonces: after a revert the deployed ones are stale).
async fn client(d: &Deployed, role: Role) -> EmTokenClient {
    d.builder(role).unwrap().connect(d.address).await.unwrap()
}

/// The indexer settings of `d`: the first token, or (`second`) a further one.
fn settings(d: &Deployed, second: bool) -> Config {
    let mut c = config(d, CONFIRMATIONS);
    c.secondary = second;
    c
}

/// Indexes both tokens to the head (a new indexer each: a restart from their checkpoints).
async fn index_both(store: &Store, eur: &Deployed, usd: &Deployed) {
    index(settings(eur, false), store).await;
    index(settings(usd, true), store).await;
}

/// Mines enough blocks for everything sent to be final, then indexes both.
async fn index_both_final(store: &Store, eur: &Deployed, usd: &Deployed) {
    rpc(eur, "anvil_mine", json!([CONFIRMATIONS])).await;
    index(settings(eur, false), store).await;
    index(settings(usd, true), store).await;
}

/// A round on token `d`: alice pays bob `paid`, then orders a payout of 1 (locked until decided).
async fn round(d: &Deployed, paid: &str) {
    let (alice, bob) = (client(d, Role::Alice).await, d.address_of(Role::Bob));
    alice.transfer(bob, amount(d, paid).await).await.unwrap();
    alice
        .order_payout(
            emtoken_sdk::OperationId::random(),
            amount(d, "1").await,
            alloy::primitives::B256::repeat_byte(1),
        )
        .await
        .unwrap();
}

async fn ledgers(store: &Store) -> Vec<(i64, Vec<u8>, Option<i64>, i16)> {
    sqlx::query_as(
        "SELECT chain_id, contract, evm_chain_id, decimals FROM chains ORDER BY chain_id DESC",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
}

/// Alice's balances on each ledger: (ledger, base units).
async fn alice_balances(store: &Store, d: &Deployed) -> Vec<(i64, Decimal)> {
    sqlx::query_as(
        "SELECT chain_id, balance FROM wallets WHERE address = $1 ORDER BY chain_id DESC",
    )
    .bind(d.address_of(Role::Alice).as_slice())
    .fetch_all(store.pool())
    .await
    .unwrap()
}

#[sqlx::test(migrations = false)]
async fn two_tokens_of_one_chain_are_two_ledgers_through_restarts_and_reorganisations(
    pool: PgPool,
) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let eur = Deployed::deploy(&node).await.unwrap();
    let usd = Deployed::deploy_token(&node, "EmToken Dollar", "USDe", 6)
        .await
        .unwrap();
    for d in [&eur, &usd] {
        d.operator
            .mint(
                d.address_of(Role::Alice),
                amount(d, "100").await,
                MintKind::Card,
                payment_reference(),
            )
            .await
            .unwrap();
    }
    round(&eur, "1.50").await;
    round(&usd, "1.234567").await;
    let store = Store::from_pool(pool.clone()).await.unwrap();
    index_both_final(&store, &eur, &usd).await;

    // Two ledgers: the chain's id for the first token, a negative one of its own for the second.
    let chain = i64::try_from(eur.operator.provider().get_chain_id().await.unwrap()).unwrap();
    let second = ids::ledger_id(chain, &usd.address.into_array());
    assert!(second < 0, "{second}");
    assert_eq!(
        ledgers(&store).await,
        [
            (chain, eur.address.to_vec(), None, 2),
            (second, usd.address.to_vec(), Some(chain), 6),
        ]
    );
    // One address, a wallet on each, each with its token's balance (base units of its decimals).
    assert_eq!(
        alice_balances(&store, &eur).await,
        [
            (chain, Decimal::from(9_850u32)),
            (second, Decimal::from(98_765_433u32)),
        ]
    );
    assert_matches_chain(&store, &eur).await;
    assert_matches_chain(&store, &usd).await;

    // A restart: more on both, each indexer resumes from its own checkpoint.
    let checkpoints = |store: Store| async move {
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT chain_id, block_number FROM checkpoints ORDER BY chain_id DESC")
                .fetch_all(store.pool())
                .await
                .unwrap();
        rows
    };
    let before = checkpoints(store.clone()).await;
    round(&eur, "2").await;
    round(&usd, "2.5").await;
    index_both_final(&store, &eur, &usd).await;
    let after = checkpoints(store.clone()).await;
    assert_eq!(after.len(), 2, "{after:?}");
    for ((ledger, was), (same, now)) in before.iter().zip(&after) {
        assert_eq!(ledger, same);
        assert!(now > was, "ledger {ledger} from {was} to {now}");
    }
    assert_matches_chain(&store, &eur).await;
    assert_matches_chain(&store, &usd).await;

    // A reorganisation inside the unfinal window: rounds on both indexed, reverted, others mined
    // instead. Both ledgers end like a fresh index of the canonical chain.
    let snapshot = rpc(&eur, "evm_snapshot", json!([])).await;
    round(&eur, "3").await;
    round(&usd, "0.000001").await;
    index_both(&store, &eur, &usd).await;
    rpc(&eur, "evm_revert", json!([snapshot])).await;
    client(&usd, Role::Alice)
        .await
        .transfer(usd.address_of(Role::Carol), amount(&usd, "4").await)
        .await
        .unwrap();
    client(&eur, Role::Bob)
        .await
        .transfer(eur.address_of(Role::Alice), amount(&eur, "0.75").await)
        .await
        .unwrap();
    index_both_final(&store, &eur, &usd).await;
    let fresh = second_store(&pool).await;
    index_both(&fresh, &eur, &usd).await;
    assert_same_index(&store, &fresh, chain).await;
    assert_same_index(&store, &fresh, second).await;
    assert_matches_chain(&store, &eur).await;
    assert_matches_chain(&store, &usd).await;
}
