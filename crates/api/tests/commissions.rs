//! Commission profiles and quotes: the admin's profiles per operation, currency and KYC level, each a
//! history of versions (a change applies from now or later); a client's `…/calculate` quotes what an
//! operation of an amount charges now, from the terms in force for its wallet's currency and level.

mod common;

use axum::http::{Method, StatusCode};
use common::{Answer, Platform_, platform};
use serde_json::{Value, json};

const ADMIN: &str = "/api/v1/admin";
const W: &str = "/api/v1/public/wallets";

/// A 400 naming `field`.
fn assert_bad(a: &Answer, field: &str) {
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{a:?}");
    let detail = a.body["errors"][0]["detail"].as_str().unwrap_or_default();
    assert!(detail.starts_with(field), "{field}: {a:?}");
}

async fn admin(p: &Platform_, path: &str, body: Value) -> Answer {
    p.post(&p.admin_key, &format!("{ADMIN}/{path}"), body).await
}

/// Quote of `what` (`transfer`, `cashOuts`, `cards/cashIns`, …) for `amount` from `wallet`:
/// (commission, total).
async fn quote(p: &Platform_, wallet: &str, what: &str, amount: &str) -> (String, String) {
    let a = p
        .post(
            &p.client_key,
            &format!("{W}/{wallet}/{what}/calculate"),
            json!({ "amount": amount }),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{what} {amount}: {a:?}");
    let same = |x: &str, y: &str| x.parse::<rust_decimal::Decimal>().ok() == y.parse().ok();
    assert!(same(a.body["amount"].as_str().unwrap(), amount), "{a:?}");
    (
        a.body["commission"].as_str().unwrap().to_owned(),
        a.body["total"].as_str().unwrap().to_owned(),
    )
}

fn pair(commission: &str, total: &str) -> (String, String) {
    (commission.to_owned(), total.to_owned())
}

#[sqlx::test(migrations = false)]
async fn profiles_price_operations_by_currency_and_level_and_calculate_quotes_them(
    pool: sqlx::PgPool,
) {
    let p = platform(pool).await;
    let wallet = p.wallet(&p.client_key).await;
    let w = wallet["id"].as_str().unwrap().to_owned();
    let level = wallet["kycLevel"].as_u64().unwrap_or(0);

    // Before the token has an issuer there is no currency: nothing is charged.
    let a = p
        .post(
            &p.client_key,
            &format!("{W}/{w}/transfer/calculate"),
            json!({"amount": "10"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{a:?}");
    assert_eq!(
        (a.body["commission"].as_str(), a.body["total"].as_str()),
        (Some("0.00"), Some("10.00"))
    );
    assert!(a.body["currency"].is_null(), "{a:?}");

    let eur = admin(
        &p,
        "currencies",
        json!({"code": "EUR", "name": "Euro", "decimals": 2}),
    )
    .await;
    let eur = eur.body["id"].as_str().unwrap().to_owned();
    let token = format!("{:#x}", p.deployed.address);
    let issuer = admin(&p, "issuers", json!({"name": "EmToken Money SA", "legalId": "LEI-1", "currencyId": eur, "tokenAddress": token})).await;
    assert_eq!(issuer.status, StatusCode::CREATED, "{issuer:?}");

    // Every level: 0.30 + 1.5 %, at least 0.50, at most 5.00.
    let every = admin(&p, "commissions", json!({
        "operation": "TRANSFER", "currencyId": eur, "fixed": "0.30", "percent": "1.5", "minimum": "0.50", "maximum": "5"
    })).await;
    assert_eq!(every.status, StatusCode::CREATED, "{every:?}");
    let every_id = every.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        every.body["versions"].as_array().unwrap().len(),
        1,
        "{every:?}"
    );
    assert_eq!(quote(&p, &w, "transfer", "10").await, pair("0.50", "10.50"));
    assert_eq!(
        quote(&p, &w, "transfer", "100").await,
        pair("1.80", "101.80")
    );
    assert_eq!(
        quote(&p, &w, "transfer", "1000").await,
        pair("5.00", "1005.00")
    );
    // 0.30 + 1.5 % of 33.33 = 0.79995: half-up 0.80.
    assert_eq!(
        quote(&p, &w, "transfer", "33.33").await,
        pair("0.80", "34.13")
    );
    // Other operations have no profile: nothing charged.
    assert_eq!(
        quote(&p, &w, "cashOuts", "100").await,
        pair("0.00", "100.00")
    );

    // The wallet's own level: its profile wins while active.
    let own = admin(
        &p,
        "commissions",
        json!({
            "operation": "TRANSFER", "currencyId": eur, "kycLevel": level, "fixed": "0.10"
        }),
    )
    .await;
    assert_eq!(own.status, StatusCode::CREATED, "{own:?}");
    let own_id = own.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        quote(&p, &w, "transfer", "100").await,
        pair("0.10", "100.10")
    );
    // Ended: the every-level profile applies again; the history keeps both versions.
    let ended = admin(
        &p,
        &format!("commissions/{own_id}/versions"),
        json!({"active": false}),
    )
    .await;
    assert_eq!(ended.status, StatusCode::CREATED, "{ended:?}");
    assert_eq!(
        ended.body["versions"].as_array().unwrap().len(),
        2,
        "{ended:?}"
    );
    assert_eq!(
        quote(&p, &w, "transfer", "100").await,
        pair("1.80", "101.80")
    );
    // A change from tomorrow does not change today's price.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let later = admin(
        &p,
        &format!("commissions/{every_id}/versions"),
        json!({"fixed": "9", "validFrom": tomorrow}),
    )
    .await;
    assert_eq!(later.status, StatusCode::CREATED, "{later:?}");
    assert_eq!(
        later.body["currentVersionId"], every.body["versions"][0]["id"],
        "{later:?}"
    );
    assert_eq!(
        quote(&p, &w, "transfer", "100").await,
        pair("1.80", "101.80")
    );

    // A cash-in pays out of what comes in, and must leave something.
    let card = admin(
        &p,
        "commissions",
        json!({"operation": "CARD_CASHIN", "currencyId": eur, "fixed": "1", "percent": "2"}),
    )
    .await;
    assert_eq!(card.status, StatusCode::CREATED, "{card:?}");
    assert_eq!(
        quote(&p, &w, "cards/cashIns", "50").await,
        pair("2.00", "48.00")
    );
    let all = p
        .post(
            &p.client_key,
            &format!("{W}/{w}/cards/cashIns/calculate"),
            json!({"amount": "1"}),
        )
        .await;
    assert_eq!(all.status, StatusCode::CONFLICT, "{all:?}");

    // New terms must say something: an empty body is not "nothing from now".
    let empty = admin(&p, &format!("commissions/{every_id}/versions"), json!({})).await;
    assert_bad(&empty, "body");

    // Refused: nothing written.
    let dup = admin(
        &p,
        "commissions",
        json!({"operation": "TRANSFER", "currencyId": eur}),
    )
    .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{dup:?}");
    assert!(dup.body.to_string().contains(&every_id), "{dup:?}");
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    for (body, field) in [
        (
            json!({"operation": "CASH_OUT", "currencyId": eur, "percent": "100.5"}),
            "percent",
        ),
        (
            json!({"operation": "CASH_OUT", "currencyId": eur, "percent": "1.23456"}),
            "percent",
        ),
        (
            json!({"operation": "CASH_OUT", "currencyId": eur, "fixed": "0.001"}),
            "fixed",
        ),
        (
            json!({"operation": "CASH_OUT", "currencyId": eur, "fixed": "1_0"}),
            "fixed",
        ),
        (
            json!({"operation": "CASH_OUT", "currencyId": eur, "fixed": "-1"}),
            "fixed",
        ),
        (
            json!({"operation": "CASH_OUT", "currencyId": eur, "minimum": "2", "maximum": "1"}),
            "maximum",
        ),
        (
            json!({"operation": "CASH_OUT", "currencyId": eur, "validFrom": yesterday}),
            "validFrom",
        ),
        (
            json!({"operation": "CASH_OUT", "currencyId": eur, "rounding": "NEAREST"}),
            "rounding",
        ),
        (
            json!({"operation": "CASH_OUT", "currencyId": eur, "kycLevel": 256}),
            "kycLevel",
        ),
        (
            json!({"operation": "WITHDRAW", "currencyId": eur}),
            "operation",
        ),
        (
            json!({"operation": "CASH_OUT", "currencyId": "EUR"}),
            "currencyId",
        ),
    ] {
        assert_bad(&admin(&p, "commissions", body).await, field);
    }
    let list = p
        .raw(
            Method::GET,
            &format!("{ADMIN}/commissions?operation=CASH_OUT"),
            Some(&p.admin_key),
            None,
            &[],
        )
        .await;
    assert_eq!(list.body["page"]["totalElements"], 0, "{list:?}");
    let list = p
        .raw(
            Method::GET,
            &format!("{ADMIN}/commissions?currencyId={eur}"),
            Some(&p.admin_key),
            None,
            &[],
        )
        .await;
    assert_eq!(list.body["page"]["totalElements"], 3, "{list:?}");
    for amount in ["1_0", "0", "-1", "1.001", "abc"] {
        let a = p
            .post(
                &p.client_key,
                &format!("{W}/{w}/transfer/calculate"),
                json!({"amount": amount}),
            )
            .await;
        assert_bad(&a, "amount");
    }
    // Only the admin keeps profiles; a client quotes only its own wallets.
    let a = p
        .post(
            &p.client_key,
            &format!("{ADMIN}/commissions"),
            json!({"operation": "TRANSFER", "currencyId": eur}),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{a:?}");
    let a = p
        .post(
            &p.other_key,
            &format!("{W}/{w}/transfer/calculate"),
            json!({"amount": "1"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{a:?}");
}

/// EUR (2 decimals) with the served token registered as its issuer's; returns the currency's id.
async fn euro_issuer(p: &Platform_) -> String {
    let eur = admin(
        p,
        "currencies",
        json!({"code": "EUR", "name": "Euro", "decimals": 2}),
    )
    .await;
    let eur = eur.body["id"].as_str().unwrap().to_owned();
    let token = format!("{:#x}", p.deployed.address);
    let issuer = admin(p, "issuers", json!({"name": "EmToken Money SA", "legalId": "LEI-1", "currencyId": eur, "tokenAddress": token})).await;
    assert_eq!(issuer.status, StatusCode::CREATED, "{issuer:?}");
    eur
}

/// Two READY wallets of the client, the first with 10.00.
async fn funded_pair(p: &Platform_) -> (String, String) {
    let a = p.wallet(&p.client_key).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = p.wallet(&p.client_key).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    p.fund(&a, "10.00", "10.00").await;
    (a, b)
}

/// Waits (20 s) for `wallet`'s movement `id` to be SUCCESS; returns it.
async fn settled(p: &Platform_, wallet: &str, id: &str) -> Value {
    let start = std::time::Instant::now();
    loop {
        let a = p.get(&format!("{W}/{wallet}/movements/{id}")).await;
        if a.status == StatusCode::OK && a.body["status"] == "SUCCESS" {
            return a.body;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "movement {id}: {a:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[sqlx::test(migrations = false)]
async fn a_transfer_charges_what_its_quote_said_in_the_same_transaction(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let eur = euro_issuer(&p).await;
    let profile = admin(
        &p,
        "commissions",
        json!({"operation": "TRANSFER", "currencyId": eur, "fixed": "0.25"}),
    )
    .await;
    assert_eq!(profile.status, StatusCode::CREATED, "{profile:?}");
    let (a, b) = funded_pair(&p).await;
    let transfer = |amount: &str| json!({"amount": amount, "targetWalletId": b});

    // No fee account on the token yet: the contract would refuse the fee, so nothing is sent.
    let refused = p
        .post(
            &p.client_key,
            &format!("{W}/{a}/transfer"),
            transfer("1.00"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    assert!(
        refused.body.to_string().contains("FeeAccountNotSet"),
        "{refused:?}"
    );

    let fees = p.deployed.address_of(emtoken_test_utils::Role::Carol);
    p.deployed.admin.set_fee_account(fees).await.unwrap();
    assert_eq!(
        quote(&p, &a, "transfer", "5.00").await,
        pair("0.25", "5.25")
    );
    let sent = p
        .post(
            &p.client_key,
            &format!("{W}/{a}/transfer"),
            transfer("5.00"),
        )
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{sent:?}");
    assert_eq!(sent.body["commission"], "0.25", "{sent:?}");
    let commission = sent.body["commissionMovementId"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = sent.body["movementId"].as_str().unwrap().to_owned();
    let charged = settled(&p, &a, &commission).await;
    assert_eq!(
        (charged["type"].as_str(), charged["amount"].as_str()),
        (Some("COMMISSION"), Some("0.25")),
        "{charged:?}"
    );
    assert_eq!(
        charged["txHash"],
        settled(&p, &a, &out).await["txHash"],
        "one transaction"
    );
    p.wait_for(&format!("{W}/{a}"), "the sender's balance", |w| {
        w["balance"] == "4.75"
    })
    .await;
    p.wait_for(&format!("{W}/{b}"), "the receiver's balance", |w| {
        w["balance"] == "5.00"
    })
    .await;
    let collected = p.deployed.operator.balance_of(fees).await.unwrap();
    assert_eq!(collected.to_string(), "0.25");

    // The commission counts against what the wallet has: 4.75 covers 4.50 + 0.25, not 4.60 + 0.25.
    let short = p
        .post(
            &p.client_key,
            &format!("{W}/{a}/transfer"),
            transfer("4.60"),
        )
        .await;
    assert_eq!(short.status, StatusCode::CONFLICT, "{short:?}");
    let exact = p
        .post(
            &p.client_key,
            &format!("{W}/{a}/transfer"),
            transfer("4.50"),
        )
        .await;
    assert_eq!(exact.status, StatusCode::ACCEPTED, "{exact:?}");
    p.wait_for(&format!("{W}/{a}"), "the sender's balance", |w| {
        w["balance"] == "0.00"
    })
    .await;
}

#[sqlx::test(migrations = false)]
async fn a_holds_full_execution_charges_its_payer_in_the_same_transaction(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let eur = euro_issuer(&p).await;
    let fees = p.deployed.address_of(emtoken_test_utils::Role::Carol);
    p.deployed.admin.set_fee_account(fees).await.unwrap();
    // 1 % of the executed amount, at least 0.10.
    let profile = admin(&p, "commissions", json!({"operation": "HOLD_EXECUTION", "currencyId": eur, "percent": "1", "minimum": "0.10"})).await;
    assert_eq!(profile.status, StatusCode::CREATED, "{profile:?}");
    let (a, b) = funded_pair(&p).await;
    assert_eq!(
        quote(&p, &a, "hold/executeHold", "6.00").await,
        pair("0.10", "6.10")
    );

    let hold = p
        .post(
            &p.client_key,
            &format!("{W}/{a}/hold"),
            json!({"amount": "8.00", "targetWalletId": b}),
        )
        .await;
    assert_eq!(hold.status, StatusCode::ACCEPTED, "{hold:?}");
    let hold_id = hold.body["id"].as_str().unwrap().to_owned();
    p.wait_for(&format!("{W}/{a}/holds/{hold_id}"), "the hold", |h| {
        h["status"] == "CREATED"
    })
    .await;
    // 8.00 held, 2.00 available: the execution of 6.00 (the rest released) pays 0.10 from the available.
    let executed = p
        .post(
            &p.client_key,
            &format!("{W}/{a}/hold/{hold_id}/executeHold"),
            json!({"amount": "6.00"}),
        )
        .await;
    assert_eq!(executed.status, StatusCode::ACCEPTED, "{executed:?}");
    p.wait_for(&format!("{W}/{b}"), "the payee's balance", |w| {
        w["balance"] == "6.00"
    })
    .await;
    p.wait_for(&format!("{W}/{a}"), "the payer's balance", |w| {
        w["balance"] == "3.90"
    })
    .await;
    let movements = p.get(&format!("{W}/{a}/movements?size=50")).await;
    let commission: Vec<&Value> = movements.body["_embedded"]["movements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "COMMISSION")
        .collect();
    assert_eq!(commission.len(), 1, "{movements:?}");
    assert_eq!(
        (
            commission[0]["amount"].as_str(),
            commission[0]["recordKind"].as_str()
        ),
        (Some("0.10"), Some("HOLD"))
    );
    let collected = p.deployed.operator.balance_of(fees).await.unwrap();
    assert_eq!(collected.to_string(), "0.10");
}

/// Types an approved test card into payment page `url` as a browser posts its form; the answer (a
/// redirect, not followed).
async fn pay_on_page(url: &str) -> reqwest::Response {
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("owner", "Ana García"),
            ("number", "4242 4242 4242 4242"),
            ("expiration", "12/30"),
            ("cvv", "123"),
        ])
        .finish();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn a_card_cash_in_charges_what_its_quote_said_when_it_was_made(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let eur = euro_issuer(&p).await;
    let private = common::cards::register_key(&p).await;
    let w = p.wallet(&p.client_key).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("{W}/{w}/cards/cashIns");
    let page = |amount: &str| {
        json!({"amount": amount, "successUrl": "https://shop.example/paid",
               "rejectUrl": "https://shop.example/refused"})
    };

    // No CARD_CASHIN profile yet: nothing is charged.
    let free = p.post(&p.client_key, &path, page("10.00")).await;
    assert_eq!(free.status, StatusCode::CREATED, "{free:?}");
    assert_eq!(free.body["commission"], "0.00", "{free:?}");
    assert!(free.body["commissionMovementId"].is_null(), "{free:?}");

    // 0.30 + 1.9 % of the amount, out of what comes in.
    let profile = admin(
        &p,
        "commissions",
        json!({"operation": "CARD_CASHIN", "currencyId": eur, "fixed": "0.30", "percent": "1.9"}),
    )
    .await;
    assert_eq!(profile.status, StatusCode::CREATED, "{profile:?}");
    let profile_id = profile.body["id"].as_str().unwrap().to_owned();

    // No fee account on the token: the contract would refuse the fee, so no page is made (and no card
    // would be charged).
    let refused = p.post(&p.client_key, &path, page("100.00")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    assert!(
        refused.body.to_string().contains("FeeAccountNotSet"),
        "{refused:?}"
    );
    let fees = p.deployed.address_of(emtoken_test_utils::Role::Carol);
    p.deployed.admin.set_fee_account(fees).await.unwrap();
    assert_eq!(
        quote(&p, &w, "cards/cashIns", "100.00").await,
        pair("2.20", "97.80")
    );

    // A card the client sends: charged 100.00, minted 100.00 of which the wallet pays 2.20 to the fee
    // account in the same transaction.
    let card = common::cards::card(&p, &private, "4242424242424242", "1230").await;
    let paid = p
        .post(
            &p.client_key,
            &path,
            json!({"amount": "100.00", "card": card}),
        )
        .await;
    assert_eq!(paid.status, StatusCode::ACCEPTED, "{paid:?}");
    assert_eq!(
        (
            paid.body["amount"].as_str(),
            paid.body["commission"].as_str()
        ),
        (Some("100.00"), Some("2.20")),
        "{paid:?}"
    );
    let commission = paid.body["commissionMovementId"]
        .as_str()
        .unwrap()
        .to_owned();
    // Named in advance: listed as soon as the mint is sent.
    let named = p.get(&format!("{W}/{w}/movements/{commission}")).await;
    assert_eq!(named.status, StatusCode::OK, "{named:?}");
    let cash_in = settled(&p, &w, paid.body["movementId"].as_str().unwrap()).await;
    assert_eq!(
        (cash_in["type"].as_str(), cash_in["amount"].as_str()),
        (Some("CARD_CASHIN"), Some("100.00")),
        "{cash_in:?}"
    );
    let charged = settled(&p, &w, &commission).await;
    assert_eq!(
        (charged["type"].as_str(), charged["amount"].as_str()),
        (Some("COMMISSION"), Some("2.20")),
        "{charged:?}"
    );
    assert_eq!(charged["txHash"], cash_in["txHash"], "one transaction");
    p.wait_for(&format!("{W}/{w}"), "the wallet's balance", |b| {
        b["balance"] == "97.80"
    })
    .await;
    let collected = p.deployed.operator.balance_of(fees).await.unwrap();
    assert_eq!(collected.to_string(), "2.20");

    // A payment page keeps the quote of the moment it was made: new terms before the card comes change
    // what a new cash-in is quoted, not what this one charges.
    let made = p.post(&p.client_key, &path, page("100.00")).await;
    assert_eq!(made.status, StatusCode::CREATED, "{made:?}");
    assert_eq!(made.body["commission"], "2.20", "{made:?}");
    let later = admin(
        &p,
        &format!("commissions/{profile_id}/versions"),
        json!({"fixed": "5.00", "percent": "0"}),
    )
    .await;
    assert_eq!(later.status, StatusCode::CREATED, "{later:?}");
    assert_eq!(
        quote(&p, &w, "cards/cashIns", "100.00").await,
        pair("5.00", "95.00")
    );
    let approved = pay_on_page(made.body["paymentUrl"].as_str().unwrap()).await;
    assert_eq!(approved.status(), 303);
    assert_eq!(approved.headers()["location"], "https://shop.example/paid");
    let page_commission = made.body["commissionMovementId"].as_str().unwrap();
    assert_ne!(page_commission, commission);
    let charged = settled(&p, &w, page_commission).await;
    assert_eq!(
        (charged["type"].as_str(), charged["amount"].as_str()),
        (Some("COMMISSION"), Some("2.20")),
        "{charged:?}"
    );
    p.wait_for(&format!("{W}/{w}"), "the wallet's balance", |b| {
        b["balance"] == "195.60"
    })
    .await;
    let collected = p.deployed.operator.balance_of(fees).await.unwrap();
    assert_eq!(collected.to_string(), "4.40");
    let movements = p.get(&format!("{W}/{w}/movements?size=50")).await;
    let commissions: Vec<(&str, &str)> = movements.body["_embedded"]["movements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "COMMISSION")
        .map(|m| {
            (
                m["amount"].as_str().unwrap_or_default(),
                m["status"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        commissions,
        [("2.20", "SUCCESS"), ("2.20", "SUCCESS")],
        "{movements:?}"
    );
}
