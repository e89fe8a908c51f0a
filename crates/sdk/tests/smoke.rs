//! The fixture itself: deployment through the SDK matches the forge script's result.

mod common;

use common::{Fixture, amount};
use emtoken_sdk::Role as ContractRole;
use emtoken_test_utils::{ProfileName, Role};

#[tokio::test]
async fn deployment_sets_roles_tiers_and_metadata() {
    let f = Fixture::new(ProfileName::Dev).await;
    let t = &f.alice;
    assert_eq!(t.name().await.unwrap(), "EmToken Euro");
    assert_eq!(t.symbol().await.unwrap(), "EURe");
    assert_eq!(t.decimals(), 2);
    assert_eq!(t.suspense_account().await.unwrap(), f.addr(Role::Suspense));
    assert!(
        t.has_role(ContractRole::Admin, f.addr(Role::Admin))
            .await
            .unwrap()
    );
    assert!(
        t.has_role(ContractRole::Operator, f.addr(Role::Operator))
            .await
            .unwrap()
    );
    assert!(
        t.has_role(ContractRole::Compliance, f.addr(Role::Compliance))
            .await
            .unwrap()
    );
    assert!(
        t.has_role(ContractRole::Pauser, f.addr(Role::Pauser))
            .await
            .unwrap()
    );
    let tier1 = t.tier_of(1).await.unwrap();
    assert_eq!(tier1.max_balance, Some(amount("10000")));
    assert_eq!(tier1.max_transfer, Some(amount("5000")));
    assert_eq!(tier1.max_outflow_30d, Some(amount("15000")));
    assert_eq!(t.tier_of(2).await.unwrap().max_balance, None);
    assert!(f.deployment.block > 0);
    let receipt = t
        .provider()
        .get_transaction_receipt(f.deployment.tx_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(receipt.contract_address, Some(f.deployment.address));
    assert_eq!(t.kyc_level_of(f.addr(Role::Dave)).await.unwrap(), 0);
}

use alloy::providers::Provider;
