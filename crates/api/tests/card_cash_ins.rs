//! Card cash-ins over a real chain: a client's card data encrypted under a temporal key (as the guide's
//! Java sample does), charged by the built-in simulator, minted against the cash-in's reference; a
//! declined card (402, movement ERROR), a cash-in above the KYC limit (409, nothing charged), a retry with
//! the Idempotency-Key (one charge, one mint), and what a crash between the charge and the mint leaves.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{
    cards::{card, register_key},
    platform,
};
use serde_json::json;

const W: &str = "/api/v1/public/wallets";

#[sqlx::test(migrations = false)]
async fn a_card_cash_in_is_charged_once_and_minted_once(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let private = register_key(&p).await;
    let wallet = p.wallet(&p.client_key).await;
    let id = wallet["id"].as_str().unwrap();
    let path = format!("{W}/{id}/cards/cashIns");

    // Approved: 202, the movement PENDING then SUCCESS, the balance credited; brand and last four only.
    let body = json!({ "amount": "25.00", "card": card(&p, &private, "4242424242424242", "1230").await,
                       "concept": "top up" });
    let key = "card-1";
    let first = p.post_keyed(&p.client_key, &path, &body, key).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{first:?}");
    assert_eq!(first.body["last4"], "4242");
    assert_eq!(first.body["brand"], "VISA");
    assert!(!first.body.to_string().contains("4242424242424242"));
    let movement = first.body["movementId"].as_str().unwrap().to_owned();
    let done = p
        .wait_for(&format!("{W}/{id}/movements/{movement}"), "the mint", |m| {
            m["status"] == "SUCCESS"
        })
        .await;
    assert_eq!(done["type"], "CARD_CASHIN");
    assert_eq!(done["amount"], "25.00");
    assert_eq!(done["concept"], "top up");
    // The movement shows the card as brand and last four digits, nothing more.
    assert_eq!(done["card"], json!({ "brand": "VISA", "last4": "4242" }));
    p.wait_for(&format!("{W}/{id}"), "the balance", |w| {
        w["balance"] == "25.00"
    })
    .await;
    // The same request again with its key: the first answer, no second charge or mint.
    let again = p.post_keyed(&p.client_key, &path, &body, key).await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{again:?}");
    assert_eq!(again.body["movementId"], first.body["movementId"]);
    // The key with another request (the same card data, another amount): 422, nothing charged.
    let mut other = body.clone();
    other["amount"] = json!("26.00");
    let reused = p.post_keyed(&p.client_key, &path, &other, key).await;
    assert_eq!(
        reused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{reused:?}"
    );
    // The temporal key was used up: the same card data without the key is not encrypted any more.
    let reuse = p.post(&p.client_key, &path, body.clone()).await;
    assert_eq!(reuse.status, StatusCode::BAD_REQUEST, "{reuse:?}");
    assert_eq!(reuse.detail(), "Card data not encrypted.");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let wallet = p.get(&format!("{W}/{id}")).await.body;
    assert_eq!(wallet["balance"], "25.00");
    let (cards,): (i64,) = sqlx::query_as("SELECT count(*) FROM card_cash_ins")
        .fetch_one(p.store.pool())
        .await
        .unwrap();
    assert_eq!(cards, 1);
    // Nothing of the card but its brand and last four digits is kept.
    let (stored,): (String,) = sqlx::query_as(
        "SELECT (SELECT string_agg(row_to_json(c)::text, ' ') FROM card_cash_ins c)
                || (SELECT string_agg(row_to_json(r)::text, ' ') FROM api_requests r)",
    )
    .fetch_one(p.store.pool())
    .await
    .unwrap();
    assert!(
        !stored.contains("4242424242424242") && !stored.contains("García"),
        "{stored}"
    );
}

#[sqlx::test(migrations = false)]
async fn a_declined_card_is_a_402_and_an_error_movement(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let private = register_key(&p).await;
    let wallet = p.wallet(&p.client_key).await;
    let id = wallet["id"].as_str().unwrap();
    let path = format!("{W}/{id}/cards/cashIns");
    let declined = p
        .post(
            &p.client_key,
            &path,
            json!({ "amount": "10.00", "card": card(&p, &private, "4000000000009995", "1230").await }),
        )
        .await;
    assert_eq!(
        declined.status,
        StatusCode::PAYMENT_REQUIRED,
        "{declined:?}"
    );
    assert!(
        declined.detail().contains("insufficient funds"),
        "{}",
        declined.detail()
    );
    let list = p.get(&format!("{W}/{id}/movements")).await.body;
    let movement = &list["_embedded"]["movements"][0];
    assert_eq!(movement["type"], "CARD_CASHIN");
    assert_eq!(movement["status"], "ERROR");
    assert_eq!(
        movement["card"],
        json!({ "brand": "VISA", "last4": "9995" })
    );
    assert!(declined.detail().contains(movement["id"].as_str().unwrap()));
    assert_eq!(p.get(&format!("{W}/{id}")).await.body["balance"], "0.00");
}

#[sqlx::test(migrations = false)]
async fn cards_are_checked_and_nothing_is_charged_above_the_limit(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let private = register_key(&p).await;
    let wallet = p.wallet(&p.client_key).await;
    let id = wallet["id"].as_str().unwrap();
    let path = format!("{W}/{id}/cards/cashIns");
    let before = p.footprint().await;
    // Above the KYC 0 balance limit (250): 409 before the card is opened or charged, its key still good.
    let card_data = card(&p, &private, "4242424242424242", "1230").await;
    let above = p
        .post(
            &p.client_key,
            &path,
            json!({ "amount": "300.00", "card": card_data.clone() }),
        )
        .await;
    assert_eq!(above.status, StatusCode::CONFLICT, "{above:?}");
    assert!(above.detail().contains("Limit"), "{}", above.detail());
    for (field, amount, card_data, what) in [
        ("amount", "1_0", card_data.clone(), "amount"),
        (
            "card.brand",
            "1.00",
            {
                let mut c = card_data.clone();
                c["brand"] = json!("AMEX");
                c
            },
            "card.brand",
        ),
    ] {
        let a = p
            .post(
                &p.client_key,
                &path,
                json!({ "amount": amount, "card": card_data }),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{field}: {a:?}");
        assert!(a.detail().starts_with(what), "{}", a.detail());
    }
    let not_encrypted = p
        .post(&p.client_key, &path, json!({ "amount": "1.00", "card": {
            "owner": "Ana", "brand": "VISA", "number": "4242424242424242", "expiration": "1230", "cvv": "123" } }))
        .await;
    assert_eq!(not_encrypted.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_encrypted.detail(), "Card data not encrypted.");
    // A bad Luhn digit, an expired card: 400 naming the field.
    for (number, expiration, field) in [
        ("4242424242424241", "1230", "card.number"),
        ("4242424242424242", "0120", "card.expiration"),
    ] {
        let card_data = card(&p, &private, number, expiration).await;
        let a = p
            .post(
                &p.client_key,
                &path,
                json!({ "amount": "1.00", "card": card_data }),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{field}: {a:?}");
        assert!(a.detail().starts_with(field), "{}", a.detail());
    }
    assert_eq!(p.footprint().await, before, "nothing recorded or sent");
    let (cards,): (i64,) = sqlx::query_as("SELECT count(*) FROM card_cash_ins")
        .fetch_one(p.store.pool())
        .await
        .unwrap();
    assert_eq!(cards, 0, "nothing charged");
}

#[sqlx::test(migrations = false)]
async fn a_cash_in_charged_but_not_minted_is_minted_by_the_follow_up(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let private = register_key(&p).await;
    let wallet = p.wallet(&p.client_key).await;
    let id = wallet["id"].as_str().unwrap();
    let path = format!("{W}/{id}/cards/cashIns");
    let a = p
        .post(
            &p.client_key,
            &path,
            json!({ "amount": "7.00",
            "card": card(&p, &private, "5555555555554444", "1230").await }),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{a:?}");
    p.wait_for(&format!("{W}/{id}"), "the first mint", |w| {
        w["balance"] == "7.00"
    })
    .await;
    // A process that died after the acquirer approved and before the mint was sent: the row says
    // APPROVED and no request exists. The follow-up mints it once; the chain takes the reference once.
    let cash_in = a.body["id"].as_str().unwrap();
    sqlx::query(
        "WITH c AS (INSERT INTO card_cash_ins (id, client_id, wallet_id, movement_id, amount, brand,
                                              last4, reference, state, authorization_code, updated_at)
                    SELECT gen_random_uuid(), client_id, wallet_id, gen_random_uuid(), 300,
                           brand, last4, decode(md5(random()::text) || md5(random()::text), 'hex'),
                           'APPROVED', 'SIM-TEST', now() - interval '1 minute'
                    FROM card_cash_ins WHERE id = $1::uuid RETURNING id)
         SELECT id FROM c",
    )
    .bind(cash_in)
    .execute(p.store.pool())
    .await
    .unwrap();
    // Its movement id must be the reference's for the indexed mint to match: fix it from the reference.
    let rows: Vec<(uuid::Uuid, Vec<u8>)> =
        sqlx::query_as("SELECT id, reference FROM card_cash_ins WHERE state = 'APPROVED'")
            .fetch_all(p.store.pool())
            .await
            .unwrap();
    for (row, reference) in rows {
        let reference: [u8; 32] = reference.try_into().unwrap();
        let movement =
            emtoken_store::ids::card_cashin_movement_id(p.state.chain.chain_id, &reference);
        sqlx::query("UPDATE card_cash_ins SET movement_id = $2 WHERE id = $1")
            .bind(row)
            .bind(movement)
            .execute(p.store.pool())
            .await
            .unwrap();
    }
    p.wait_for(&format!("{W}/{id}"), "the follow-up's mint", |w| {
        w["balance"] == "10.00"
    })
    .await;
    let (states,): (Vec<String>,) =
        sqlx::query_as("SELECT array_agg(state ORDER BY created_at) FROM card_cash_ins")
            .fetch_one(p.store.pool())
            .await
            .unwrap();
    assert!(
        states.iter().all(|s| s == "MINTING" || s == "MINTED"),
        "{states:?}"
    );
}

/// Posts `fields` as a browser posts a form.
fn post_form(
    http: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    http.post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
}

/// An HTTP client that shows redirects instead of following them.
fn browser_like() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn payment_pages_are_checked_taken_once_and_expire(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let wallet = p.wallet(&p.client_key).await;
    let id = wallet["id"].as_str().unwrap();
    let path = format!("{W}/{id}/cards/cashIns");
    let (ok, ko) = (
        "https://shop.example/paid?order=1",
        "https://shop.example/refused",
    );
    let count = || async {
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM card_cash_ins")
            .fetch_one(p.store.pool())
            .await
            .unwrap();
        n
    };
    // Wrong requests: 400 naming the field, nothing written.
    for (body, field) in [
        (json!({ "amount": "10.00", "successUrl": ok }), "rejectUrl"),
        (json!({ "amount": "10.00", "rejectUrl": ko }), "successUrl"),
        (
            json!({ "amount": "10.00", "successUrl": "ftp://shop.example/x", "rejectUrl": ko }),
            "successUrl",
        ),
        (
            json!({ "amount": "10.00", "successUrl": ok, "rejectUrl": "/refused" }),
            "rejectUrl",
        ),
        (
            json!({ "amount": "10.00", "successUrl": "https://user:pw@shop.example/", "rejectUrl": ko }),
            "successUrl",
        ),
        (
            json!({ "amount": "10.00", "successUrl": format!("https://shop.example/{}", "a".repeat(2000)), "rejectUrl": ko }),
            "successUrl",
        ),
        (
            json!({ "amount": "1_0", "successUrl": ok, "rejectUrl": ko }),
            "amount",
        ),
        (
            json!({ "amount": "10.00", "successUrl": ok, "rejectUrl": ko,
                 "card": { "owner": "x", "brand": "VISA", "number": "x", "expiration": "x", "cvv": "x" } }),
            "card",
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
    // Above the wallet's limit: 409 before any page is made.
    let above = p
        .post(
            &p.client_key,
            &path,
            json!({ "amount": "300.00", "successUrl": ok, "rejectUrl": ko }),
        )
        .await;
    assert_eq!(above.status, StatusCode::CONFLICT, "{above:?}");
    assert_eq!(count().await, 0);

    // A page: 201, its address, the movement PENDING; the same key again gives the same page.
    let body =
        json!({ "amount": "25.00", "concept": "Order 7", "successUrl": ok, "rejectUrl": ko });
    let key = "page-1";
    let made = p.post_keyed(&p.client_key, &path, &body, key).await;
    assert_eq!(made.status, StatusCode::CREATED, "{made:?}");
    let url = made.body["paymentUrl"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("{}/pay/", p.base)), "{url}");
    assert_eq!(made.body["status"], "PENDING");
    let again = p.post_keyed(&p.client_key, &path, &body, key).await;
    assert_eq!(again.status, StatusCode::CREATED, "{again:?}");
    assert_eq!(again.body["paymentUrl"], made.body["paymentUrl"]);
    // The same key with another request: 422, as for every POST.
    let other =
        json!({ "amount": "26.00", "concept": "Order 7", "successUrl": ok, "rejectUrl": ko });
    let reused = p.post_keyed(&p.client_key, &path, &other, key).await;
    assert_eq!(
        reused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{reused:?}"
    );
    let movement = made.body["movementId"].as_str().unwrap().to_owned();
    let pending = p.get(&format!("{W}/{id}/movements/{movement}")).await.body;
    assert_eq!(pending["status"], "PENDING", "{pending}");
    assert_eq!(pending["type"], "CARD_CASHIN");
    assert_eq!(pending["card"], serde_json::Value::Null, "no card yet");

    // The page: HTML with strict security headers; an unknown token is a 404 page.
    let http = browser_like();
    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let h = page.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(
        csp.contains("form-action 'self' https://shop.example"),
        "{csp}"
    );
    assert_eq!(h["cache-control"], "no-store, max-age=0");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(page.text().await.unwrap().contains("25.00 EUR"));
    let unknown = http
        .get(format!("{}/pay/{}", p.base, "A".repeat(43)))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    // Two submissions of the card at once: one charge, both sent to the shop, credited once.
    let form = [
        ("owner", "Ana García"),
        ("number", "4242 4242 4242 4242"),
        ("expiration", "12/30"),
        ("cvv", "123"),
    ];
    let (a, b) = tokio::join!(
        post_form(&http, &url, &form).send(),
        post_form(&http, &url, &form).send()
    );
    for answer in [a.unwrap(), b.unwrap()] {
        let status = answer.status();
        let location = answer
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        // The one that charged goes to the shop; one that came second goes there too, or waits.
        assert!(
            (status == 303 && location.as_deref() == Some(ok)) || status == 200,
            "{status} {location:?}"
        );
    }
    p.wait_for(&format!("{W}/{id}/movements/{movement}"), "the mint", |m| {
        m["status"] == "SUCCESS"
    })
    .await;
    p.wait_for(&format!("{W}/{id}"), "the balance", |w| {
        w["balance"] == "25.00"
    })
    .await;
    // The request again with its key, once paid: still its first answer, the page.
    let paid_again = p.post_keyed(&p.client_key, &path, &body, key).await;
    assert_eq!(paid_again.status, StatusCode::CREATED, "{paid_again:?}");
    assert_eq!(paid_again.body["paymentUrl"], made.body["paymentUrl"]);
    // Used: the page leads to the shop, and the form takes nothing more.
    let used = post_form(&http, &url, &form).send().await.unwrap();
    assert_eq!(used.status(), 303);
    assert_eq!(used.headers()["location"], ok);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(p.get(&format!("{W}/{id}")).await.body["balance"], "25.00");
    let stored: (Option<String>, Option<String>) =
        sqlx::query_as("SELECT brand, last4 FROM card_cash_ins WHERE movement_id = $1::uuid")
            .bind(&movement)
            .fetch_one(p.store.pool())
            .await
            .unwrap();
    assert_eq!(stored, (Some("VISA".into()), Some("4242".into())));

    // A page nobody uses: after 15 minutes the follow-up expires it (movement ERROR); its link says so.
    let late = p
        .post(
            &p.client_key,
            &path,
            json!({ "amount": "5.00", "successUrl": ok, "rejectUrl": ko }),
        )
        .await;
    assert_eq!(late.status, StatusCode::CREATED, "{late:?}");
    let late_movement = late.body["movementId"].as_str().unwrap();
    p.clock.advance(chrono::Duration::minutes(15));
    p.wait_for(
        &format!("{W}/{id}/movements/{late_movement}"),
        "the expiry",
        |m| m["status"] == "ERROR",
    )
    .await;
    let gone = post_form(&http, late.body["paymentUrl"].as_str().unwrap(), &form)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 410);
    assert!(gone.text().await.unwrap().contains("expired"));
    assert_eq!(p.get(&format!("{W}/{id}")).await.body["balance"], "25.00");

    // A page the wallet could take when it was made, but not any more when the card comes (other
    // money came meanwhile, KYC 0 holds 250 at most): refused before the card is charged.
    let big = p
        .post(
            &p.client_key,
            &path,
            json!({ "amount": "200.00", "successUrl": ok, "rejectUrl": ko }),
        )
        .await;
    assert_eq!(big.status, StatusCode::CREATED, "{big:?}");
    p.fund(id, "50.00", "75.00").await;
    let refused = post_form(&http, big.body["paymentUrl"].as_str().unwrap(), &form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 303);
    assert_eq!(refused.headers()["location"], ko);
    let big_movement = big.body["movementId"].as_str().unwrap();
    let m = p
        .get(&format!("{W}/{id}/movements/{big_movement}"))
        .await
        .body;
    assert_eq!(m["status"], "ERROR", "{m}");
    let reference =
        alloy::primitives::keccak256(format!("CARD:{}", big.body["id"].as_str().unwrap()));
    assert_eq!(
        p.state.acquirer.decision(&reference.0).await.unwrap(),
        None,
        "the card was not charged"
    );
    assert_eq!(p.get(&format!("{W}/{id}")).await.body["balance"], "75.00");
}
