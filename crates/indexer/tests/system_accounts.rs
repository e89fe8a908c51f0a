//! Platform accounts on a real chain: the suspense account and the operators are marked on their wallet
//! rows (from the contract's SuspenseAccountChanged and RoleGranted / RoleRevoked of OPERATOR_ROLE), a
//! change of suspense account or a revoked role moves the mark, and so does a reorganisation that
//! removes such a change. The suspense account's movements (SUSPENSE_IN, SUSPENSE_OUT) sum to its balance
//! at every step of payouts through suspense, executed or rejected; the user's side is unchanged.

mod common;

use alloy::{
    primitives::{Address, B256},
    providers::{Provider, ProviderBuilder},
};
use common::{amount, assert_same_index, config, index, payment_reference, second_store, units};
use emtoken_sdk::{MintKind, OperationId, Role as ContractRole};
use emtoken_store::Store;
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sqlx::PgPool;

/// The system role of `address`'s wallet (None: a user's wallet, or no row at all).
async fn role(store: &Store, address: Address) -> Option<String> {
    store
        .wallet(emtoken_store::WalletRef::Address(address.into_array()))
        .await
        .unwrap()
        .and_then(|w| w.system_role)
}

/// `address`'s final balance and the signed sum of its SUCCESS movements, with their (type, amount).
async fn balance_and_movements(
    store: &Store,
    address: Address,
) -> (Decimal, Decimal, Vec<(String, Decimal)>) {
    let w = common::wallet(store, address).await;
    let rows = store.movements_of(w.id).await.unwrap();
    let sum = rows
        .iter()
        .filter(|m| m.status.as_str() == "SUCCESS")
        .map(|m| match m.r#type.as_str() {
            "SUSPENSE_OUT" | "TRANSFER_OUT" | "BANK_ACCOUNT_CASHOUT" => -m.amount,
            _ => m.amount,
        })
        .sum();
    let list = rows
        .into_iter()
        .map(|m| (m.r#type.to_string(), m.amount))
        .collect();
    (w.balance, sum, list)
}

fn moves(list: &[(&str, &str)]) -> Vec<(String, Decimal)> {
    list.iter()
        .map(|(t, a)| ((*t).to_owned(), units(a)))
        .collect()
}

#[sqlx::test(migrations = false)]
async fn the_suspense_accounts_movements_explain_its_balance(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let (alice, suspense) = (d.address_of(Role::Alice), d.address_of(Role::Suspense));
    let store = Store::from_pool(pool).await.unwrap();
    d.operator
        .mint(alice, amount("100"), MintKind::Card, payment_reference())
        .await
        .unwrap();
    index(config(&d, 0), &store).await;
    // Marked from the deployment's events; a user's wallet is not.
    assert_eq!(role(&store, suspense).await.as_deref(), Some("SUSPENSE"));
    assert_eq!(
        role(&store, d.address_of(Role::Operator)).await.as_deref(),
        Some("OPERATOR")
    );
    assert_eq!(role(&store, alice).await, None);

    // A payout through suspense, executed: in, then out (burnt).
    let p1 = d
        .alice
        .order_payout(OperationId::from("s-1"), amount("40"), B256::repeat_byte(1))
        .await
        .unwrap();
    d.operator.process_payout(p1.id).await.unwrap();
    d.operator.put_funds_in_suspense(p1.id).await.unwrap();
    index(config(&d, 0), &store).await;
    let (balance, sum, list) = balance_and_movements(&store, suspense).await;
    assert_eq!((balance, sum), (units("40"), units("40")));
    assert_eq!(list, moves(&[("SUSPENSE_IN", "40")]));
    d.operator.execute_payout(p1.id).await.unwrap();
    index(config(&d, 0), &store).await;
    let (balance, sum, list) = balance_and_movements(&store, suspense).await;
    assert_eq!((balance, sum), (units("0"), units("0")));
    assert_eq!(
        list,
        moves(&[("SUSPENSE_IN", "40"), ("SUSPENSE_OUT", "40")])
    );

    // Another through suspense, rejected: sent back to alice.
    let p2 = d
        .alice
        .order_payout(OperationId::from("s-2"), amount("30"), B256::repeat_byte(2))
        .await
        .unwrap();
    d.operator.process_payout(p2.id).await.unwrap();
    d.operator.put_funds_in_suspense(p2.id).await.unwrap();
    index(config(&d, 0), &store).await;
    let (balance, sum, _) = balance_and_movements(&store, suspense).await;
    assert_eq!((balance, sum), (units("30"), units("30")));
    d.operator
        .reject_payout(p2.id, "bank refused")
        .await
        .unwrap();
    index(config(&d, 0), &store).await;
    let (balance, sum, list) = balance_and_movements(&store, suspense).await;
    assert_eq!((balance, sum), (units("0"), units("0")));
    assert_eq!(
        list,
        moves(&[
            ("SUSPENSE_IN", "40"),
            ("SUSPENSE_OUT", "40"),
            ("SUSPENSE_IN", "30"),
            ("SUSPENSE_OUT", "30"),
        ])
    );
    let out = store
        .movements_of(common::wallet(&store, suspense).await.id)
        .await
        .unwrap();
    assert!(
        out.iter().all(|m| m.status.as_str() == "SUCCESS"
            && m.record_kind.map(|k| k.as_str()) == Some("PAYOUT"))
    );
    // The rejection's SUSPENSE_OUT goes back to alice; the execution's was burnt.
    assert_eq!(out[1].target_address, None);
    assert_eq!(out[3].target_address, Some(alice.into_array()));

    // Alice's side is as before: her cash-outs, decided by the payouts.
    let (balance, sum, list) = balance_and_movements(&store, alice).await;
    assert_eq!((balance, sum), (units("60"), units("60")));
    assert_eq!(
        list,
        moves(&[
            ("CARD_CASHIN", "100"),
            ("BANK_ACCOUNT_CASHOUT", "40"),
            ("BANK_ACCOUNT_CASHOUT", "30"),
        ])
    );

    // The admin moves the suspense account and grants, then revokes, the operator role: the marks move.
    let next = Address::repeat_byte(0x5e);
    let notary = d.address_of(Role::Notary);
    d.admin.set_suspense_account(next).await.unwrap();
    d.admin
        .grant_role(ContractRole::Operator, notary)
        .await
        .unwrap();
    index(config(&d, 0), &store).await;
    assert_eq!(role(&store, next).await.as_deref(), Some("SUSPENSE"));
    assert_eq!(role(&store, suspense).await, None);
    assert_eq!(role(&store, notary).await.as_deref(), Some("OPERATOR"));
    d.admin
        .revoke_role(ContractRole::Operator, notary)
        .await
        .unwrap();
    index(config(&d, 0), &store).await;
    assert_eq!(role(&store, notary).await, None);
    let system: Vec<(Address, Option<String>)> = store
        .system_accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|w| (Address::from(w.address), w.system_role))
        .collect();
    assert_eq!(
        system,
        vec![
            (next, Some("SUSPENSE".to_owned())),
            (d.address_of(Role::Operator), Some("OPERATOR".to_owned())),
        ]
    );
}

async fn rpc(d: &Deployed, method: &'static str, params: Value) -> Value {
    let provider = ProviderBuilder::new().connect_http(d.endpoint().parse().unwrap());
    provider.raw_request(method.into(), params).await.unwrap()
}

#[sqlx::test(migrations = false)]
async fn a_reorganisation_that_removes_a_role_change_moves_the_mark_back(pool: PgPool) {
    const CONFIRMATIONS: u64 = 6;
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let (suspense, notary) = (d.address_of(Role::Suspense), d.address_of(Role::Notary));
    let store = Store::from_pool(pool.clone()).await.unwrap();
    index(config(&d, CONFIRMATIONS), &store).await;
    let snapshot = rpc(&d, "evm_snapshot", json!([])).await;
    let next = Address::repeat_byte(0x5e);
    d.admin.set_suspense_account(next).await.unwrap();
    d.admin
        .grant_role(ContractRole::Operator, notary)
        .await
        .unwrap();
    index(config(&d, CONFIRMATIONS), &store).await;
    assert_eq!(role(&store, next).await.as_deref(), Some("SUSPENSE"));
    assert_eq!(role(&store, notary).await.as_deref(), Some("OPERATOR"));
    // Both changes vanish; another transaction is mined instead.
    rpc(&d, "evm_revert", json!([snapshot])).await;
    d.operator
        .mint(
            d.address_of(Role::Alice),
            amount("5"),
            MintKind::Card,
            payment_reference(),
        )
        .await
        .unwrap();
    rpc(&d, "anvil_mine", json!([CONFIRMATIONS])).await;
    index(config(&d, CONFIRMATIONS), &store).await;
    assert_eq!(role(&store, suspense).await.as_deref(), Some("SUSPENSE"));
    assert_eq!(role(&store, next).await, None);
    assert_eq!(role(&store, notary).await, None);
    let fresh = second_store(&pool).await;
    index(config(&d, CONFIRMATIONS), &fresh).await;
    let chain_id = i64::try_from(d.operator.provider().get_chain_id().await.unwrap()).unwrap();
    assert_same_index(&store, &fresh, chain_id).await;
}
