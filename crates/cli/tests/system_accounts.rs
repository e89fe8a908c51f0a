//! `emtoken wallets` leaves the platform's own accounts out; `emtoken wallets --system` lists only them
//! with their role; the suspense account's movements sum to its balance while a payout's funds wait in
//! suspense.

mod common;

use alloy_primitives::B256;
use common::{Db, lower, success};
use emtoken_sdk::{Amount, MintKind, OperationId};
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use rust_decimal::Decimal;
use serde_json::Value;

fn amount(text: &str) -> Amount {
    Amount::parse(text, emtoken_workload::DECIMALS).expect("amount")
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_str(&success(output)).expect("JSON on stdout")
}

fn addresses(wallets: &Value) -> Vec<String> {
    wallets
        .as_array()
        .expect("an array")
        .iter()
        .map(|w| w["dltAddress"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn wallets_leave_system_accounts_out_and_system_lists_them() {
    let node = DevNode::spawn(ProfileName::Dev).expect("spawn anvil");
    let d = Deployed::deploy(&node).await.expect("deploy");
    let (alice, suspense, operator) = (
        d.address_of(Role::Alice),
        d.address_of(Role::Suspense),
        d.address_of(Role::Operator),
    );
    d.operator
        .mint(
            alice,
            amount("10"),
            MintKind::Card,
            OperationId::random().as_bytes(),
        )
        .await
        .expect("mint");
    // A payout of 7.00 put in suspense and left there: the suspense account holds it.
    let payout = d
        .alice
        .order_payout(OperationId::random(), amount("7"), B256::repeat_byte(1))
        .await
        .expect("payout");
    d.operator.process_payout(payout.id).await.expect("process");
    d.operator
        .put_funds_in_suspense(payout.id)
        .await
        .expect("suspense");

    let db = Db::fresh().await;
    let rpc = node.endpoint_url().to_string();
    db.index_until_head(&rpc, d.address, &[]);

    // The default list: users' wallets only.
    let wallets = json(&db.emtoken(&["--json", "wallets"]));
    let listed = addresses(&wallets);
    assert!(listed.contains(&lower(alice)), "{wallets:#}");
    assert!(!listed.contains(&lower(suspense)), "{wallets:#}");
    assert!(!listed.contains(&lower(operator)), "{wallets:#}");
    assert!(wallets[0].get("systemRole").is_none(), "{wallets:#}");
    let text = success(&db.emtoken(&["wallets"]));
    assert!(!text.contains(&lower(suspense)), "{text}");

    // --system: only them, with their role; the suspense account holds the payout's 7.00.
    let system = json(&db.emtoken(&["--json", "wallets", "--system"]));
    let roles: Vec<(String, String, String)> = system
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["systemRole"].as_str().unwrap().to_owned(),
                w["dltAddress"].as_str().unwrap().to_owned(),
                w["balance"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        vec![
            ("SUSPENSE".into(), lower(suspense), "7.00".into()),
            ("OPERATOR".into(), lower(operator), "0.00".into()),
        ]
    );
    let text = success(&db.emtoken(&["wallets", "--system"]));
    assert!(
        text.starts_with("role ") && text.contains("SUSPENSE") && text.contains(&lower(suspense)),
        "{text}"
    );

    // Its movements explain every cent of it.
    let movements = json(&db.emtoken(&["--json", "movements", "--wallet", &lower(suspense)]));
    let kinds: Vec<(&str, &str, &str)> = movements
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["type"].as_str().unwrap(),
                m["status"].as_str().unwrap(),
                m["amount"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, [("SUSPENSE_IN", "SUCCESS", "7.00")]);
    let sum: Decimal = kinds
        .iter()
        .map(|(ty, _, a)| {
            let a: Decimal = a.parse().unwrap();
            if ty.ends_with("_OUT") { -a } else { a }
        })
        .sum();
    assert_eq!(sum.to_string(), "7.00");
    let text = success(&db.emtoken(&["movements", "--wallet", &lower(suspense)]));
    assert!(
        text.contains("SUSPENSE_IN") && text.contains(&format!("from {}", lower(alice))),
        "{text}"
    );
}
