//! The bank side lists the holds a notary must decide (by default the platform's operator, notary of
//! every hold made through the API), by status.

mod common;

use axum::http::StatusCode;
use common::platform;
use serde_json::json;

const W: &str = "/api/v1/public/wallets";
const HOLDS: &str = "/api/v1/bank/holds";

#[sqlx::test(migrations = false)]
async fn the_bank_lists_the_holds_its_notary_decides(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let a = p.wallet(&p.client_key).await;
    let b = p.wallet(&p.client_key).await;
    let (ia, ib) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    p.fund(ia, "20.00", "20.00").await;
    let hold = p
        .post(
            &p.client_key,
            &format!("{W}/{ia}/hold"),
            json!({ "amount": "5.00", "targetWalletId": ib }),
        )
        .await;
    assert_eq!(hold.status, StatusCode::ACCEPTED, "{hold:?}");
    let hold_id = hold.body["id"].as_str().unwrap().to_owned();
    let bank = |query: &str| {
        let path = format!("{HOLDS}{query}");
        let key = p.bank_key.clone();
        let p = &p;
        async move {
            p.raw(axum::http::Method::GET, &path, Some(&key), None, &[])
                .await
        }
    };
    let start = std::time::Instant::now();
    let open = loop {
        let open = bank("?status=open").await;
        assert_eq!(open.status, StatusCode::OK, "{open:?}");
        if open.body["_embedded"]["holds"]
            .as_array()
            .is_some_and(|h| !h.is_empty())
        {
            break open;
        }
        assert!(
            start.elapsed().as_secs() < 20,
            "the hold never showed: {open:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let listed = &open.body["_embedded"]["holds"][0];
    assert_eq!(listed["id"], hold_id.as_str(), "{listed}");
    assert_eq!(listed["status"], "CREATED");
    assert_eq!(listed["remainingValue"], "5.00");
    assert_eq!(listed["payerWalletId"], ia);
    let executed = bank("?status=EXECUTED").await;
    assert_eq!(
        executed.body["_embedded"]["holds"],
        json!([]),
        "{executed:?}"
    );
    let elsewhere = bank(&format!("?notary={}", a["dltAddress"].as_str().unwrap())).await;
    assert_eq!(
        elsewhere.body["_embedded"]["holds"],
        json!([]),
        "{elsewhere:?}"
    );
    for (query, field) in [
        ("?status=SOON", "status"),
        ("?notary=0x12", "notary"),
        ("?colour=red", "colour"),
    ] {
        let bad = bank(query).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{query}: {bad:?}");
        assert!(
            bad.detail().starts_with(&format!("{field}:")),
            "{}",
            bad.detail()
        );
    }
    let by_client = p.get(HOLDS).await;
    assert_eq!(by_client.status, StatusCode::FORBIDDEN, "{by_client:?}");
}

#[sqlx::test(migrations = false)]
async fn a_bank_transfer_reported_twice_is_credited_once(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let a = p.wallet(&p.client_key).await;
    let ia = a["id"].as_str().unwrap().to_owned();
    let body = json!({ "walletId": ia, "amount": "7.00", "paymentReference": "E2E-2026-0001" });
    let first = p
        .post(&p.bank_key, "/api/v1/bank/cashIns", body.clone())
        .await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{first:?}");
    p.wait_for(&format!("{W}/{ia}"), "the cash-in", |w| {
        w["balance"] == "7.00"
    })
    .await;
    // The same transfer again (no Idempotency-Key): the contract refuses the reference, nothing sent.
    let before = p.footprint().await;
    let again = p.post(&p.bank_key, "/api/v1/bank/cashIns", body).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");
    assert!(
        again.detail().contains("MintReferenceUsed"),
        "{}",
        again.detail()
    );
    assert_eq!(p.footprint().await, before);
    let bad = p
        .post(
            &p.bank_key,
            "/api/v1/bank/cashIns",
            json!({ "walletId": ia, "amount": "1.00", "paymentReference": "a\u{0}" }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{bad:?}");
    assert!(
        bad.detail().starts_with("paymentReference:"),
        "{}",
        bad.detail()
    );
}
