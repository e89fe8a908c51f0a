//! Favourite external accounts over a real chain: added to a READY wallet (alias one ACTIVE favourite's
//! per wallet, at most 5 ACTIVE), read, listed, deleted for ever (the same data may be added again), and
//! a cash-out to one: BANK_ACCOUNT_CASHOUT PENDING, executed by the bank like any other.

mod common;

use axum::http::{Method, StatusCode};
use common::platform;
use serde_json::json;

const W: &str = "/api/v1/public/wallets";
const IBAN: &str = "ES02 2100 4440 7601 0017 1757";

#[sqlx::test(migrations = false)]
async fn favourites_are_added_listed_deleted_and_paid_to(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let wallet = p.wallet(&p.client_key).await;
    let id = wallet["id"].as_str().unwrap().to_owned();
    let path = format!("{W}/{id}/favourite-external-accounts");
    let count = || async {
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM favourite_accounts")
            .fetch_one(p.store.pool())
            .await
            .unwrap();
        n
    };

    // Wrong requests: 400 naming the field, nothing written.
    for (body, field) in [
        (
            json!({ "alias": "", "externalIban": { "accountNumber": IBAN } }),
            "alias",
        ),
        (
            json!({ "alias": "a\u{0}b", "externalIban": { "accountNumber": IBAN } }),
            "alias",
        ),
        (
            json!({ "alias": "x".repeat(101), "externalIban": { "accountNumber": IBAN } }),
            "alias",
        ),
        (
            json!({ "alias": "Mine", "externalIban": { "accountNumber": "ES02 2100 4440 7601 0017 1758" } }),
            "externalIban.accountNumber",
        ),
        (
            json!({ "alias": "Mine", "externalIban": { "accountNumber": "ES02" } }),
            "externalIban.accountNumber",
        ),
    ] {
        let a = p.post(&p.client_key, &path, body.clone()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}: {a:?}");
        assert!(
            a.detail().starts_with(&format!("{field}: ")),
            "{body}: {}",
            a.detail()
        );
    }
    assert_eq!(count().await, 0);

    // Added: 201 in the guide's shape; the same key again answers the same.
    let body =
        json!({ "alias": "My favourite account", "externalIban": { "accountNumber": IBAN } });
    let key = "fav-1";
    let added = p.post_keyed(&p.client_key, &path, &body, key).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    assert_eq!(added.body["alias"], "My favourite account");
    assert_eq!(added.body["externalIban"], "ES0221004440760100171757");
    assert_eq!(added.body["status"], "ACTIVE");
    let fav = added.body["favouriteExternalAccountId"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = p.post_keyed(&p.client_key, &path, &body, key).await;
    assert_eq!(
        (again.status, &again.body),
        (StatusCode::CREATED, &added.body)
    );
    assert_eq!(count().await, 1);

    // The alias is taken while ACTIVE; another client's key sees nothing of the wallet.
    let taken = p.post(&p.client_key, &path, body.clone()).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{taken:?}");
    assert!(taken.detail().contains(&fav), "{}", taken.detail());
    let other = p.send(Method::GET, &p.other_key, &path, json!(null)).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{other:?}");

    // Read one, and the list.
    let one = p.get(&format!("{path}/{fav}")).await;
    assert_eq!(one.status, StatusCode::OK, "{one:?}");
    assert_eq!(one.body["id"], fav.as_str());
    assert_eq!(one.body["walletId"], id.as_str());
    assert_eq!(one.body["iban"], "ES0221004440760100171757");
    assert_eq!(one.body["_links"]["wallet"]["href"], format!("{W}/{id}"));

    // At most 5 ACTIVE: the sixth is a 409.
    for n in 2..=5 {
        let a = p
            .post(&p.client_key, &path, json!({ "alias": format!("Account {n}"), "externalIban": { "accountNumber": IBAN } }))
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
    }
    let sixth = p
        .post(
            &p.client_key,
            &path,
            json!({ "alias": "Account 6", "externalIban": { "accountNumber": IBAN } }),
        )
        .await;
    assert_eq!(sixth.status, StatusCode::CONFLICT, "{sixth:?}");
    assert!(sixth.detail().contains("(5)"), "{}", sixth.detail());
    let list = p.get(&format!("{path}?size=2&sort=alias,desc")).await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    assert_eq!(list.body["page"]["totalElements"], 5);
    let names: Vec<&str> = list.body["_embedded"]["favouriteExternalAccounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["alias"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["My favourite account", "Account 5"]);

    // Cash-out to it: PENDING, to its IBAN, executed by the bank.
    p.fund(&id, "50.00", "50.00").await;
    let pay = format!("{W}/{id}/cashout-to-favourite-external-account");
    let out = p
        .post(
            &p.client_key,
            &pay,
            json!({ "favouriteExternalAccountId": fav, "amount": "1.50", "concept": "To my bank" }),
        )
        .await;
    assert_eq!(out.status, StatusCode::ACCEPTED, "{out:?}");
    assert_eq!(out.body["status"], "PENDING");
    assert_eq!(out.body["amount"], "1.50");
    assert_eq!(
        out.body["favouriteExternalAccountIban"],
        "ES0221004440760100171757"
    );
    assert_eq!(out.body["favouriteExternalAccountId"], fav.as_str());
    assert_eq!(out.body["alias"], "My favourite account");
    let movement = out.body["movementId"].as_str().unwrap().to_owned();
    let pending = p
        .wait_for(
            &format!("{W}/{id}/movements/{movement}"),
            "payout ordered",
            |m| m["txHash"].is_string() && m["blockNumber"].is_number(),
        )
        .await;
    assert_eq!(pending["type"], "BANK_ACCOUNT_CASHOUT");
    assert_eq!(pending["status"], "PENDING");
    assert_eq!(pending["iban"], "ES0221004440760100171757");
    let exec = p
        .post(
            &p.bank_key,
            &format!("/api/v1/bank/cashOuts/{movement}/execute"),
            json!({}),
        )
        .await;
    assert_eq!(exec.status, StatusCode::ACCEPTED, "{exec:?}");
    p.wait_for(
        &format!("{W}/{id}/movements/{movement}"),
        "payout executed",
        |m| m["status"] == "SUCCESS",
    )
    .await;
    p.wait_for(&format!("{W}/{id}"), "the balance", |w| {
        w["balance"] == "48.50"
    })
    .await;
    // Wrong cash-outs: an unknown favourite (400), more than the wallet has (409).
    let unknown = p
        .post(
            &p.client_key,
            &pay,
            json!({ "favouriteExternalAccountId": uuid::Uuid::new_v4(), "amount": "1.00" }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{unknown:?}");
    assert!(
        unknown.detail().starts_with("favouriteExternalAccountId: "),
        "{}",
        unknown.detail()
    );
    let too_much = p
        .post(
            &p.client_key,
            &pay,
            json!({ "favouriteExternalAccountId": fav, "amount": "100.00" }),
        )
        .await;
    assert_eq!(too_much.status, StatusCode::CONFLICT, "{too_much:?}");

    // Deleted for ever: DELETED, no more cash-outs; the same data may be added again (a new one).
    let deleted = p
        .send(
            Method::DELETE,
            &p.client_key,
            &format!("{path}/{fav}"),
            json!(null),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{deleted:?}");
    assert_eq!(deleted.body["status"], "DELETED");
    assert_eq!(deleted.body["favouriteExternalAccountId"], fav.as_str());
    let twice = p
        .send(
            Method::DELETE,
            &p.client_key,
            &format!("{path}/{fav}"),
            json!(null),
        )
        .await;
    assert_eq!(
        (twice.status, &twice.body["status"]),
        (StatusCode::OK, &json!("DELETED"))
    );
    assert_eq!(
        p.get(&format!("{path}/{fav}")).await.body["status"],
        "DELETED"
    );
    let refused = p
        .post(
            &p.client_key,
            &pay,
            json!({ "favouriteExternalAccountId": fav, "amount": "1.00" }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    let readded = p.post(&p.client_key, &path, body.clone()).await;
    assert_eq!(readded.status, StatusCode::CREATED, "{readded:?}");
    assert_ne!(readded.body["favouriteExternalAccountId"], fav.as_str());
    assert_eq!(p.get(&path).await.body["page"]["totalElements"], 6);
    p.wait_for(&format!("{W}/{id}"), "the balance", |w| {
        w["balance"] == "48.50"
    })
    .await;

    // Room for one more, asked for twice at once: one is added, the other is a 409.
    let list = p.get(&format!("{path}?sort=alias,asc")).await.body;
    let first = list["_embedded"]["favouriteExternalAccounts"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = p
        .send(
            Method::DELETE,
            &p.client_key,
            &format!("{path}/{first}"),
            json!(null),
        )
        .await;
    assert_eq!(d.status, StatusCode::OK, "{d:?}");
    let (a, b) = tokio::join!(
        p.post(
            &p.client_key,
            &path,
            json!({ "alias": "Race A", "externalIban": { "accountNumber": IBAN } })
        ),
        p.post(
            &p.client_key,
            &path,
            json!({ "alias": "Race B", "externalIban": { "accountNumber": IBAN } })
        )
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{a:?} {b:?}"
    );
    let (active,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM favourite_accounts WHERE status = 'ACTIVE'")
            .fetch_one(p.store.pool())
            .await
            .unwrap();
    assert_eq!(active, 5);
}
