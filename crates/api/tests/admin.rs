//! The administrator's side: only the admin's key reaches it (and it reaches nothing else); currencies,
//! issuers (a token checked on the chain before it is registered) and the bank catalogue, each unique by
//! its field, with every bad field refused by name and nothing written.

mod common;

use alloy::primitives::Address;
use axum::http::{Method, StatusCode};
use common::{Answer, Platform_, platform};
use emtoken_sdk::Role as TokenRole;
use emtoken_test_utils::Role;
use serde_json::{Value, json};

const ADMIN: &str = "/api/v1/admin";

async fn get(p: &Platform_, key: &str, path: &str) -> Answer {
    p.raw(Method::GET, path, Some(key), None, &[]).await
}

/// A 400 naming `field`.
fn assert_bad(a: &Answer, field: &str) {
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{a:?}");
    let detail = a.body["errors"][0]["detail"].as_str().unwrap_or_default();
    assert!(detail.starts_with(field), "{field}: {a:?}");
}

fn total(page: &Value) -> i64 {
    page["page"]["totalElements"].as_i64().unwrap()
}

#[sqlx::test(migrations = false)]
async fn only_the_admins_key_reaches_the_admin_side_and_it_reaches_nothing_else(
    pool: sqlx::PgPool,
) {
    let p = platform(pool).await;
    for key in [&p.client_key, &p.bank_key] {
        for path in ["currencies", "issuers", "bank-catalog"] {
            let a = get(&p, key, &format!("{ADMIN}/{path}")).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{a:?}");
        }
        let a = p
            .post(
                key,
                &format!("{ADMIN}/currencies"),
                json!({"code": "EUR", "name": "Euro", "decimals": 2}),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{a:?}");
    }
    let a = p
        .raw(Method::GET, &format!("{ADMIN}/currencies"), None, None, &[])
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{a:?}");
    for path in ["/api/v1/public/wallets", "/api/v1/bank/system-accounts"] {
        let a = get(&p, &p.admin_key, path).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{a:?}");
    }
    // Nothing was created by the refused POSTs.
    let list = get(&p, &p.admin_key, &format!("{ADMIN}/currencies")).await;
    assert_eq!(total(&list.body), 0, "{list:?}");
}

#[sqlx::test(migrations = false)]
async fn currencies_are_unique_by_code_and_bad_fields_are_named(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let path = format!("{ADMIN}/currencies");
    let eur = p
        .post(
            &p.admin_key,
            &path,
            json!({"code": "EUR", "name": "Euro", "decimals": 2}),
        )
        .await;
    assert_eq!(eur.status, StatusCode::CREATED, "{eur:?}");
    assert_eq!(
        (eur.body["code"].as_str(), eur.body["decimals"].as_i64()),
        (Some("EUR"), Some(2))
    );
    let id = eur.body["id"].as_str().unwrap().to_owned();
    assert_eq!(eur.body["_links"]["self"]["href"], format!("{path}/{id}"));

    let again = p
        .post(
            &p.admin_key,
            &path,
            json!({"code": "EUR", "name": "Euro again", "decimals": 6}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");
    assert!(
        again.body.to_string().contains(&id),
        "names the currency that has it: {again:?}"
    );

    for (body, field) in [
        (json!({"code": "eur", "name": "x", "decimals": 2}), "code"),
        (json!({"code": "EURO", "name": "x", "decimals": 2}), "code"),
        (json!({"code": "E1R", "name": "x", "decimals": 2}), "code"),
        (json!({"code": "USD", "name": "", "decimals": 2}), "name"),
        (
            json!({"code": "USD", "name": "US\ndollar", "decimals": 2}),
            "name",
        ),
        (
            json!({"code": "USD", "name": "x".repeat(101), "decimals": 2}),
            "name",
        ),
        (
            json!({"code": "USD", "name": "US dollar", "decimals": 19}),
            "decimals",
        ),
        (
            json!({"code": "USD", "name": "US dollar", "decimals": -1}),
            "decimals",
        ),
        (
            json!({"code": "USD", "name": "US dollar", "decimals": "2"}),
            "decimals",
        ),
        (
            json!({"code": "USD", "name": "US dollar", "decimals": 2.5}),
            "decimals",
        ),
    ] {
        assert_bad(&p.post(&p.admin_key, &path, body).await, field);
    }
    let unknown = p
        .post(
            &p.admin_key,
            &path,
            json!({"code": "USD", "name": "US dollar", "decimals": 2, "rate": 1}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{unknown:?}");

    let usd = p
        .post(
            &p.admin_key,
            &path,
            json!({"code": "USD", "name": "US dollar", "decimals": 6}),
        )
        .await;
    assert_eq!(usd.status, StatusCode::CREATED, "{usd:?}");
    let list = get(&p, &p.admin_key, &format!("{path}?size=1")).await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    assert_eq!(total(&list.body), 2, "only the two created: {list:?}");
    assert_eq!(list.body["_embedded"]["currencies"][0]["code"], "EUR");
    let one = get(&p, &p.admin_key, &format!("{path}/{id}")).await;
    assert_eq!(one.body["name"], "Euro", "{one:?}");
    assert_eq!(
        get(&p, &p.admin_key, &format!("{path}/not-a-uuid"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let missing = get(
        &p,
        &p.admin_key,
        &format!("{path}/{}", uuid::Uuid::new_v4()),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{missing:?}");
}

#[sqlx::test(migrations = false)]
async fn an_issuers_token_is_checked_on_chain_before_it_is_registered(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let currency = |code: &str, decimals: u8| {
        let p = &p;
        let body = json!({"code": code, "name": code, "decimals": decimals});
        async move {
            let a = p
                .post(&p.admin_key, &format!("{ADMIN}/currencies"), body)
                .await;
            assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
            a.body["id"].as_str().unwrap().to_owned()
        }
    };
    let (eur, usd) = (currency("EUR", 2).await, currency("USD", 6).await);
    let token = format!("{:#x}", p.deployed.address);
    let path = format!("{ADMIN}/issuers");
    let body = |legal: &str, currency: &str, token: &str| json!({"name": "EmToken Money SA", "legalId": legal, "currencyId": currency, "tokenAddress": token});

    // What is not a token the platform can take on: nothing registered.
    let alice = format!("{:#x}", p.deployed.address_of(Role::Alice));
    let implementation = format!("{:#x}", p.deployed.deployment.implementation);
    for (body, field) in [
        (body("LEI-1", &usd, &token), "tokenAddress"), // 2 decimals, USD has 6
        (body("LEI-1", &eur, &alice), "tokenAddress"), // no code
        (body("LEI-1", &eur, &implementation), "tokenAddress"), // not a proxy
        (body("LEI-1", &eur, "0x1234"), "tokenAddress"),
        (
            body("LEI-1", &uuid::Uuid::new_v4().to_string(), &token),
            "currencyId",
        ),
        (body("LEI-1", "EUR", &token), "currencyId"),
        (body("", &eur, &token), "legalId"),
        (body(&"L".repeat(65), &eur, &token), "legalId"),
    ] {
        assert_bad(&p.post(&p.admin_key, &path, body).await, field);
    }
    // The platform's operator key must hold its role on the token.
    let operator = p.deployed.address_of(Role::Operator);
    p.deployed
        .admin
        .revoke_role(TokenRole::Operator, operator)
        .await
        .unwrap();
    let refused = p
        .post(&p.admin_key, &path, body("LEI-1", &eur, &token))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    assert!(
        refused.body.to_string().contains("operator role"),
        "{refused:?}"
    );
    p.deployed
        .admin
        .grant_role(TokenRole::Operator, operator)
        .await
        .unwrap();
    let list = get(&p, &p.admin_key, &path).await;
    assert_eq!(total(&list.body), 0, "{list:?}");

    let issuer = p
        .post(&p.admin_key, &path, body("LEI-1", &eur, &token))
        .await;
    assert_eq!(issuer.status, StatusCode::CREATED, "{issuer:?}");
    assert_eq!(issuer.body["currencyCode"], "EUR");
    assert_eq!(issuer.body["tokenAddress"], token);
    assert_eq!(issuer.body["tokenSymbol"], "EURe");
    assert_eq!(issuer.body["chainId"], 31337);
    let id = issuer.body["id"].as_str().unwrap().to_owned();
    // One registration per legal id and per token.
    for body in [body("LEI-1", &eur, &token), body("LEI-2", &eur, &token)] {
        let a = p.post(&p.admin_key, &path, body).await;
        assert_eq!(a.status, StatusCode::CONFLICT, "{a:?}");
        assert!(a.body.to_string().contains(&id), "{a:?}");
    }
    let of_eur = get(&p, &p.admin_key, &format!("{path}?currencyId={eur}")).await;
    assert_eq!(total(&of_eur.body), 1, "{of_eur:?}");
    let of_usd = get(&p, &p.admin_key, &format!("{path}?currencyId={usd}")).await;
    assert_eq!(total(&of_usd.body), 0, "{of_usd:?}");
    assert_bad(
        &get(&p, &p.admin_key, &format!("{path}?currencyId=EUR")).await,
        "currencyId",
    );
    let one = get(&p, &p.admin_key, &format!("{path}/{id}")).await;
    assert_eq!(one.body["legalId"], "LEI-1", "{one:?}");
    let _ = Address::ZERO;
}

#[sqlx::test(migrations = false)]
async fn the_bank_catalogue_is_unique_by_bic_and_a_country_is_its_bics(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let path = format!("{ADMIN}/bank-catalog");
    let deutsche = p
        .post(
            &p.admin_key,
            &path,
            json!({"name": "Deutsche Bank", "bic": "DEUTDEFF", "country": "DE"}),
        )
        .await;
    assert_eq!(deutsche.status, StatusCode::CREATED, "{deutsche:?}");
    let id = deutsche.body["id"].as_str().unwrap().to_owned();
    // The same office with its branch code XXX is the same bank.
    let again = p
        .post(
            &p.admin_key,
            &path,
            json!({"name": "Deutsche", "bic": "DEUTDEFFXXX", "country": "DE"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");
    assert!(again.body.to_string().contains(&id), "{again:?}");
    for (body, field) in [
        (
            json!({"name": "Santander", "bic": "BSCHESMM", "country": "FR"}),
            "country",
        ),
        (
            json!({"name": "Santander", "bic": "BSCHESMM", "country": "es"}),
            "country",
        ),
        (
            json!({"name": "Santander", "bic": "bschesmm", "country": "ES"}),
            "bic",
        ),
        (
            json!({"name": "Santander", "bic": "BSCHESM", "country": "ES"}),
            "bic",
        ),
        (
            json!({"name": "Santander", "bic": "BSCH3SMM", "country": "ES"}),
            "bic",
        ),
        (
            json!({"name": " ", "bic": "BSCHESMM", "country": "ES"}),
            "name",
        ),
    ] {
        assert_bad(&p.post(&p.admin_key, &path, body).await, field);
    }
    let santander = p
        .post(
            &p.admin_key,
            &path,
            json!({"name": "Banco Santander", "bic": "BSCHESMMXXX", "country": "ES"}),
        )
        .await;
    assert_eq!(santander.status, StatusCode::CREATED, "{santander:?}");
    let all = get(&p, &p.admin_key, &path).await;
    assert_eq!(total(&all.body), 2, "{all:?}");
    assert_eq!(all.body["_embedded"]["banks"][0]["name"], "Banco Santander");
    let spain = get(&p, &p.admin_key, &format!("{path}?country=ES")).await;
    assert_eq!(total(&spain.body), 1, "{spain:?}");
    assert_bad(
        &get(&p, &p.admin_key, &format!("{path}?country=Spain")).await,
        "country",
    );
    let one = get(&p, &p.admin_key, &format!("{path}/{id}")).await;
    assert_eq!(one.body["bic"], "DEUTDEFF", "{one:?}");
}
