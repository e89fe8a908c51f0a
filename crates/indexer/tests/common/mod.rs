//! Shared helpers of the indexer's integration tests: a deployed chain, indexing it into a store, and
//! checking the store against the contract.

#![allow(dead_code, unreachable_pub)]

pub mod seed;

use std::time::Duration;

use alloy::primitives::{Address, B256};
use emtoken_indexer::{Config, Indexer, Summary};
use emtoken_sdk::{Amount, OperationId};
use emtoken_store::{Store, WalletRef, WalletRow};
use emtoken_workload::Deployed;
use rust_decimal::Decimal;

/// A decimal amount of the test token (2 decimals).
pub fn amount(text: &str) -> Amount {
    Amount::parse(text, 2).expect("amount")
}

/// A fresh payment reference for a mint (the contract mints once per reference and refuses zero).
pub fn payment_reference() -> B256 {
    OperationId::random().as_bytes()
}

/// Base units of a decimal amount, as the store keeps them.
pub fn units(text: &str) -> Decimal {
    Decimal::from(amount(text).base_units().to::<u128>())
}

/// Indexer settings for the deployed chain: fast polls, small retry pauses.
pub fn config(deployed: &Deployed, confirmations: u64) -> Config {
    let mut config = Config::new(deployed.endpoint(), deployed.address);
    config.confirmations = confirmations;
    config.until_head = true;
    config.poll_interval = Duration::from_millis(20);
    config.retry.base = Duration::from_millis(10);
    config
}

/// Indexes until the head with `config`.
pub async fn index(config: Config, store: &Store) -> Summary {
    let indexer = Box::pin(Indexer::start(config, store.clone()))
        .await
        .expect("start indexer");
    let (_tx, rx) = tokio::sync::watch::channel(false);
    Box::pin(indexer.run(rx)).await.expect("index")
}

/// The wallet of `address`.
pub async fn wallet(store: &Store, address: Address) -> WalletRow {
    store
        .wallet(WalletRef::Address(address.into_array()))
        .await
        .expect("read wallet")
        .unwrap_or_else(|| panic!("no wallet for {address}"))
}

/// Checks every wallet's balances against the contract at the latest block, with the index at the
/// head and every block final: gross = balanceOf, held = balanceOnHold (final and head figures agree).
pub async fn assert_matches_chain(store: &Store, deployed: &Deployed) {
    // The wallets of this token's ledger (an index may hold several tokens).
    let (ledger,): (i64,) = sqlx::query_as("SELECT chain_id FROM chains WHERE contract = $1")
        .bind(deployed.address.as_slice())
        .fetch_one(store.pool())
        .await
        .expect("the token's ledger");
    let wallets = store.wallets().await.expect("wallets");
    for w in wallets.into_iter().filter(|w| w.chain_id == ledger) {
        let address = Address::from(w.address);
        let gross = Decimal::from(
            deployed
                .operator
                .balance_of(address)
                .await
                .unwrap()
                .base_units()
                .to::<u128>(),
        );
        let held = Decimal::from(
            deployed
                .operator
                .balance_on_hold(address)
                .await
                .unwrap()
                .base_units()
                .to::<u128>(),
        );
        assert_eq!(
            (w.head_total, w.held),
            (gross, held),
            "head balances of {address}"
        );
        assert_eq!(
            (w.balance, w.final_held),
            (gross, held),
            "final balances of {address}"
        );
    }
}

/// One movement of a wallet, as (type, status, amount in base units, counterparty).
pub type MovementView = (String, String, Decimal, Option<Address>);

/// A wallet's movements in chain order, as [`MovementView`]s (counterparty = the other side of a transfer).
pub async fn movements(store: &Store, address: Address) -> Vec<MovementView> {
    let w = wallet(store, address).await;
    store
        .movements_of(w.id)
        .await
        .expect("movements")
        .into_iter()
        .map(|m| {
            let other = match m.r#type.as_str() {
                "TRANSFER_OUT" => m.target_address.map(Address::from),
                "TRANSFER_IN" => m.origin_address.map(Address::from),
                _ => None,
            };
            (m.r#type.to_string(), m.status.to_string(), m.amount, other)
        })
        .collect()
}

/// A fresh database on the test's PostgreSQL server (beside the one `#[sqlx::test]` gave), for
/// comparing two indexes of the same chain.
pub async fn second_store(pool: &sqlx::PgPool) -> Store {
    use sqlx::Connection;
    let options = pool.connect_options();
    let name = format!("second_{}", uuid_like());
    let mut conn = sqlx::postgres::PgConnection::connect_with(&options)
        .await
        .expect("connect");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create db");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect_with((*options).clone().database(&name))
        .await
        .expect("connect second db");
    Store::from_pool(pool).await.expect("migrate")
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Asserts two stores hold the same index of a chain (see `Store::canonical_dump`), showing the first
/// differing line.
pub async fn assert_same_index(a: &Store, b: &Store, chain_id: i64) {
    let (left, right) = (
        a.canonical_dump(chain_id).await.unwrap(),
        b.canonical_dump(chain_id).await.unwrap(),
    );
    if let Some((i, (l, r))) = left
        .iter()
        .zip(&right)
        .enumerate()
        .find(|(_, (l, r))| l != r)
    {
        panic!("indexes differ at line {i}:\n  {l}\n  {r}");
    }
    assert_eq!(left.len(), right.len(), "indexes differ in length");
}
