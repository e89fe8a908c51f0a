//! The platform's own accounts on the bank side: the suspense account and the operator listed with their
//! role and balances, the suspense account's movements (paged like a wallet's) summing to its balance,
//! and never in a client's wallet list, even one its address was once registered to.

mod common;

use std::time::{Duration, Instant};

use alloy::primitives::{Address, B256};
use axum::http::{Method, StatusCode};
use common::{Answer, Platform_, platform};
use emtoken_store::api::ClientRole;
use emtoken_test_utils::Role;
use rust_decimal::Decimal;
use serde_json::{Value, json};

const W: &str = "/api/v1/public/wallets";
const SYSTEM: &str = "/api/v1/bank/system-accounts";

async fn bank(p: &Platform_, path: &str) -> Answer {
    p.raw(Method::GET, path, Some(&p.bank_key), None, &[]).await
}

fn lower(address: Address) -> String {
    alloy::hex::encode_prefixed(address)
}

/// The listed system account with `role`, once its balance is `balance` (20 s).
async fn account(p: &Platform_, role: &str, balance: &str) -> Value {
    let start = Instant::now();
    loop {
        let list = bank(p, SYSTEM).await;
        assert_eq!(list.status, StatusCode::OK, "{list:?}");
        let found = list.body["_embedded"]["systemAccounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["role"] == role && a["balance"] == balance)
            .cloned();
        if let Some(found) = found {
            return found;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no {role} account with balance {balance}: {list:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[sqlx::test(migrations = false)]
async fn the_bank_reads_system_accounts_and_clients_never_list_them(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let (suspense, operator) = (
        p.deployed.address_of(Role::Suspense),
        p.deployed.address_of(Role::Operator),
    );
    let a = p.wallet(&p.client_key).await;
    let ia = a["id"].as_str().unwrap().to_owned();
    p.fund(&ia, "10.00", "10.00").await;

    // A cash-out of 7.00 whose funds the operator puts in suspense (the bank transfer is running).
    let out = p
        .post(
            &p.client_key,
            &format!("{W}/{ia}/cashOuts"),
            json!({ "iban": { "accountNumber": "ES91 2100 0418 4502 0005 1332" }, "amount": "7.00" }),
        )
        .await;
    assert_eq!(out.status, StatusCode::ACCEPTED, "{out:?}");
    let co = out.body["movementId"].as_str().unwrap().to_owned();
    let ordered = p
        .wait_for(&format!("{W}/{ia}/movements/{co}"), "payout ordered", |m| {
            m["recordKey"].is_string() && m["blockNumber"].is_number()
        })
        .await;
    let order: B256 = ordered["recordKey"].as_str().unwrap().parse().unwrap();
    p.deployed.operator.process_payout(order).await.unwrap();
    p.deployed
        .operator
        .put_funds_in_suspense(order)
        .await
        .unwrap();

    // The bank lists the suspense account (holding the 7.00) and the operator, with a link to movements.
    let held = account(&p, "SUSPENSE", "7.00").await;
    assert_eq!(held["dltAddress"], lower(suspense));
    assert_eq!(
        (&held["availableBalance"], &held["heldBalance"]),
        (&json!("0.00"), &json!("7.00"))
    );
    let movements_path = format!("{SYSTEM}/{}/movements", lower(suspense));
    assert_eq!(held["_links"]["movements"]["href"], movements_path);
    let op = account(&p, "OPERATOR", "0.00").await;
    assert_eq!(op["dltAddress"], lower(operator));

    // Its movements, paged like a wallet's, explain every cent.
    let page = bank(&p, &format!("{movements_path}?size=10&sort=createdAt,asc")).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    let items = page.body["_embedded"]["movements"].as_array().unwrap();
    let kinds: Vec<(&str, &str, &str)> = items
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
        .map(|(ty, _, amount)| {
            let amount: Decimal = amount.parse().unwrap();
            if ty.ends_with("_OUT") {
                -amount
            } else {
                amount
            }
        })
        .sum();
    assert_eq!(sum.to_string(), "7.00");
    assert_eq!(items[0]["originWalletId"], a["id"]);
    assert_eq!(page.body["page"]["totalElements"], 1, "{page:?}");
    assert!(items[0]["_links"].get("wallet").is_none(), "{page:?}");
    let filtered = bank(&p, &format!("{movements_path}?status=ERROR")).await;
    assert_eq!(filtered.body["page"]["totalElements"], 0, "{filtered:?}");

    // Not a system account, a client's key, a bad address.
    let user = bank(
        &p,
        &format!("{SYSTEM}/{}/movements", a["dltAddress"].as_str().unwrap()),
    )
    .await;
    assert_eq!(user.status, StatusCode::NOT_FOUND, "{user:?}");
    let client = p.get(SYSTEM).await;
    assert_eq!(client.status, StatusCode::FORBIDDEN, "{client:?}");
    let client = p.get(&movements_path).await;
    assert_eq!(client.status, StatusCode::FORBIDDEN, "{client:?}");
    let bad = bank(&p, &format!("{SYSTEM}/0x1234/movements")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{bad:?}");

    // A client's list has its users' wallets only: not the suspense account, even when its address was
    // once registered to one of the client's users (before registrations refused platform addresses).
    let acme = p
        .store
        .ensure_client("acme", ClientRole::Client)
        .await
        .unwrap();
    sqlx::query("UPDATE wallets SET client_id = $1, user_id = $2 WHERE address = $3")
        .bind(acme.id)
        .bind(uuid::Uuid::new_v4())
        .bind(suspense.as_slice())
        .execute(p.store.pool())
        .await
        .unwrap();
    let list = p.get(W).await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    let listed: Vec<&str> = list.body["_embedded"]["wallets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["dltAddress"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [a["dltAddress"].as_str().unwrap()], "{list:?}");
    assert_eq!(list.body["page"]["totalElements"], 1, "{list:?}");
}
