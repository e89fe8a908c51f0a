//! The audit trail: every write to the API is recorded with who (client, key id — never the key), what
//! (method, route, path, status), when, its request id, and the platform's record of the request with
//! the transaction it sent; reads are not. The bank side lists it with filters; clients may not.

mod common;

use axum::http::{Method, StatusCode};
use common::platform;
use serde_json::json;

const W: &str = "/api/v1/public/wallets";
const AUDIT: &str = "/api/v1/bank/audit-log";

#[sqlx::test(migrations = false)]
async fn writes_are_audited_with_who_what_and_the_transaction(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let a = p.wallet(&p.client_key).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = p.wallet(&p.client_key).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    p.fund(&a, "20.00", "20.00").await;
    let acme = p
        .store
        .client_by_key(emtoken_api::hash_api_key(&p.client_key))
        .await
        .unwrap()
        .unwrap();
    let key_id = emtoken_api::key_id(&emtoken_api::hash_api_key(&p.client_key));

    let body = json!({ "amount": "3.00", "targetWalletId": b }).to_string();
    let paid = p
        .raw(
            Method::POST,
            &format!("{W}/{a}/transfer"),
            Some(&p.client_key),
            Some(&body),
            &[
                ("Idempotency-Key", "audit-transfer-1"),
                ("X-Request-Id", "audit-req-1"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::ACCEPTED, "{paid:?}");
    let refused = p
        .raw(
            Method::POST,
            &format!("{W}/{a}/transfer"),
            Some(&p.client_key),
            Some(r#"{"amount": "1_0", "targetWalletId": "x"}"#),
            &[("X-Request-Id", "audit-req-2")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{refused:?}");
    let read = p
        .raw(
            Method::GET,
            &format!("{W}/{a}"),
            Some(&p.client_key),
            None,
            &[("X-Request-Id", "audit-read")],
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);

    // The transfer: who, what, the request and — once sent — its transaction.
    let listed = p
        .wait_with(
            &p.bank_key,
            &format!("{AUDIT}?requestId=audit-req-1"),
            "the transfer's transaction in the audit log",
            |page| page["_embedded"]["auditLog"][0]["request"]["transactionHash"].is_string(),
        )
        .await;
    assert_eq!(listed["page"]["totalElements"], 1, "{listed:#}");
    let e = &listed["_embedded"]["auditLog"][0];
    assert_eq!(e["actor"], "acme");
    assert_eq!(e["clientId"], acme.id.to_string());
    assert_eq!(e["keyId"], key_id.as_str());
    assert_eq!(e["method"], "POST");
    assert_eq!(e["route"], "/api/v1/public/wallets/{walletId}/transfer");
    assert_eq!(e["path"], format!("{W}/{a}/transfer"));
    assert_eq!(e["status"], 202);
    assert_eq!(e["idempotencyKey"], "audit-transfer-1");
    assert_eq!(e["request"]["walletId"], a.as_str());
    assert_eq!(e["request"]["kind"], "TRANSFER", "{e:#}");
    let text = listed.to_string();
    assert!(
        !text.contains(&p.client_key),
        "the key itself is never shown"
    );

    // The refused write is there too, without a request; the read is not.
    let refused = p
        .raw(
            Method::GET,
            &format!("{AUDIT}?requestId=audit-req-2"),
            Some(&p.bank_key),
            None,
            &[],
        )
        .await;
    assert_eq!(
        refused.body["_embedded"]["auditLog"][0]["status"], 400,
        "{refused:?}"
    );
    assert!(refused.body["_embedded"]["auditLog"][0]["request"].is_null());
    let read = p
        .raw(
            Method::GET,
            &format!("{AUDIT}?requestId=audit-read"),
            Some(&p.bank_key),
            None,
            &[],
        )
        .await;
    assert_eq!(read.body["page"]["totalElements"], 0, "{read:?}");

    // Filters: the client's writes about wallet a, newest first; a bad filter names itself.
    let mine = p
        .raw(
            Method::GET,
            &format!(
                "{AUDIT}?clientId={}&walletId={a}&sort=at,desc&status=202",
                acme.id
            ),
            Some(&p.bank_key),
            None,
            &[],
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{mine:?}");
    let entries = mine.body["_embedded"]["auditLog"].as_array().unwrap();
    assert!(
        !entries.is_empty()
            && entries
                .iter()
                .all(|e| e["status"] == 202 && e["request"]["walletId"] == a.as_str()),
        "{mine:?}"
    );
    for (query, field) in [
        ("status=99", "status"),
        ("clientId=acme", "clientId"),
        ("method=GET", "method"),
        ("from=yesterday", "from"),
    ] {
        let bad = p
            .raw(
                Method::GET,
                &format!("{AUDIT}?{query}"),
                Some(&p.bank_key),
                None,
                &[],
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{query}: {bad:?}");
        assert!(bad.detail().starts_with(field), "{query}: {bad:?}");
    }
    // A client's key may not read it.
    let theirs = p
        .raw(Method::GET, AUDIT, Some(&p.client_key), None, &[])
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
}
