//! The token's upgrade events on a real chain: the proxy's creation (`Upgraded`, `Initialized`), a
//! proposal withdrawn, another executed by the upgrader (`UpgradeProposed`, `UpgradeCancelled`,
//! `Upgraded`). The indexer maps none of them to records: it stores them as events and goes on, and the
//! money moved before and after the upgrade is indexed as usual.

mod common;

use alloy::{network::ReceiptResponse, primitives::Bytes, providers::Provider};
use common::{amount, assert_matches_chain, config, index, payment_reference, units};
use emtoken_sdk::{MintKind, bindings::EmTokenImplementation};
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use sqlx::PgPool;

#[sqlx::test(migrations = false)]
async fn upgrade_events_are_stored_and_change_no_record(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let (admin, upgrader) = (d.address_of(Role::Admin), d.address_of(Role::Upgrader));
    let alice = d.address_of(Role::Alice);
    let store = Store::from_pool(pool.clone()).await.unwrap();
    let d = &d;
    let mint = |value: &'static str| async move {
        d.operator
            .mint(alice, amount(value), MintKind::Card, payment_reference())
            .await
            .unwrap();
    };
    mint("10").await;

    // Sent from anvil's unlocked dev accounts: the SDK has no upgrade calls.
    let token = d.admin.contract();
    let next = EmTokenImplementation::deploy_builder(
        d.admin.provider().clone(),
        d.deployment.orders_module,
        d.deployment.authorizations_module,
    )
    .from(admin)
    .send()
    .await
    .unwrap()
    .get_receipt()
    .await
    .unwrap()
    .contract_address()
    .expect("implementation deployed");
    for tx in [
        token
            .proposeUpgrade(next)
            .from(admin)
            .into_transaction_request(),
        token.cancelUpgrade().from(admin).into_transaction_request(),
        token
            .proposeUpgrade(next)
            .from(admin)
            .into_transaction_request(),
        token
            .upgradeToAndCall(next, Bytes::new())
            .from(upgrader)
            .into_transaction_request(),
    ] {
        let receipt = d
            .admin
            .provider()
            .send_transaction(tx)
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
        assert!(receipt.status(), "{receipt:?}");
    }
    assert_eq!(token.implementation().call().await.unwrap(), next);
    mint("5").await;

    index(config(d, 0), &store).await;

    let stored: Vec<(String, i64)> = sqlx::query_as(
        "SELECT name, count(*) FROM events
         WHERE name IN ('Initialized', 'Upgraded', 'UpgradeProposed', 'UpgradeCancelled')
         GROUP BY name ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let stored: Vec<(&str, i64)> = stored.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    assert_eq!(
        stored,
        [
            ("Initialized", 1),
            ("UpgradeCancelled", 1),
            ("UpgradeProposed", 2),
            ("Upgraded", 2),
        ]
    );
    // Nobody named by them became a wallet; alice's money is indexed across the upgrade.
    for address in [next, d.deployment.implementation, upgrader] {
        assert!(
            store
                .wallet(emtoken_store::WalletRef::Address(address.into_array()))
                .await
                .unwrap()
                .is_none(),
            "{address} has a wallet row"
        );
    }
    assert_eq!(common::wallet(&store, alice).await.balance, units("15"));
    assert_matches_chain(&store, d).await;
}
