//! The HTTP API against a real chain and database: the seed's flows, every 4xx, paging, idempotency,
//! and bad input that must write and send nothing.

mod common;

use axum::http::{Method, StatusCode};
use common::platform;
use emtoken_test_utils::Role;
use serde_json::{Value, json};

const W: &str = "/api/v1/public/wallets";

fn movements(body: &Value) -> Vec<(String, String, String, Option<String>)> {
    body["_embedded"]["movements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["type"].as_str().unwrap().to_owned(),
                m["status"].as_str().unwrap().to_owned(),
                m["amount"].as_str().unwrap().to_owned(),
                m["concept"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn mv(t: &str, s: &str, a: &str, c: Option<&str>) -> (String, String, String, Option<String>) {
    (t.into(), s.into(), a.into(), c.map(str::to_owned))
}

#[sqlx::test(migrations = false)]
async fn the_guide_through_the_api(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let a = p.wallet(&p.client_key).await;
    let b = p.wallet(&p.client_key).await;
    for field in [
        "id",
        "availableBalance",
        "balance",
        "heldBalance",
        "clientAlias",
        "clientId",
        "dltAddress",
        "iban",
        "status",
        "userId",
    ] {
        assert!(a.get(field).is_some(), "wallet lacks {field}: {a}");
    }
    let (ia, ib) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    assert_eq!(
        a["iban"],
        serde_json::Value::Null,
        "no IBAN before it is asked for: {a}"
    );
    // An IBAN needs KYC level 1: the compliance side raises user A, then A's wallet gets one.
    let ask = p
        .post(&p.client_key, &format!("{W}/{ia}/create-iban"), json!(null))
        .await;
    assert_eq!(ask.status, StatusCode::CONFLICT, "{ask:?}");
    p.kyc(a["userId"].as_str().unwrap(), 1).await;
    let a = p.iban(ia).await;

    // SEPA cash-in by IBAN (bank side).
    let cash_in = p
        .post(
            &p.bank_key,
            "/api/v1/bank/cashIns",
            json!({ "iban": a["iban"], "amount": "100.00", "concept": "salary" }),
        )
        .await;
    assert_eq!(cash_in.status, StatusCode::ACCEPTED, "{cash_in:?}");
    p.wait_for(&format!("{W}/{ia}"), "cash-in", |w| {
        w["balance"] == "100.00"
    })
    .await;

    // Transfer, retried with the same Idempotency-Key: one transaction.
    let body = json!({ "amount": "10.50", "concept": "rent", "targetWalletId": ib }).to_string();
    let headers = [("idempotency-key", "transfer-1")];
    let first = p
        .raw(
            Method::POST,
            &format!("{W}/{ia}/transfer"),
            Some(&p.client_key),
            Some(&body),
            &headers,
        )
        .await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{first:?}");
    let again = p
        .raw(
            Method::POST,
            &format!("{W}/{ia}/transfer"),
            Some(&p.client_key),
            Some(&body),
            &headers,
        )
        .await;
    assert_eq!((again.status, &again.body), (first.status, &first.body));
    let other = p
        .raw(
            Method::POST,
            &format!("{W}/{ia}/transfer"),
            Some(&p.client_key),
            Some(r#"{"amount":"1.00","targetWalletId":"x"}"#),
            &headers,
        )
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{other:?}");
    let movement = first.body["movementId"].as_str().unwrap();
    let out = p
        .wait_for(
            &format!("{W}/{ia}/movements/{movement}"),
            "transfer out",
            |m| m["status"] == "SUCCESS",
        )
        .await;
    assert_eq!(
        (
            out["type"].as_str(),
            out["concept"].as_str(),
            out["targetWalletId"].as_str()
        ),
        (Some("TRANSFER_OUT"), Some("rent"), Some(ib))
    );
    // A transfer names both users (not one userId), and links them and their wallets.
    assert_eq!(out["originUserId"], a["userId"]);
    assert_eq!(out["targetUserId"], b["userId"]);
    assert_eq!(out["userId"], serde_json::Value::Null);
    assert_eq!(out["payerName"], serde_json::Value::Null);
    for (link, href) in [
        (
            "originUser",
            format!("/api/v1/public/users/{}", a["userId"].as_str().unwrap()),
        ),
        (
            "targetUser",
            format!("/api/v1/public/users/{}", b["userId"].as_str().unwrap()),
        ),
        ("originWallet", format!("{W}/{ia}")),
        ("targetWallet", format!("{W}/{ib}")),
    ] {
        assert_eq!(out["_links"][link]["href"], href, "{link}: {out}");
    }
    let target = first.body["targetMovementId"].as_str().unwrap();
    let inn = p
        .wait_for(
            &format!("{W}/{ib}/movements/{target}"),
            "transfer in",
            |m| m["status"] == "SUCCESS",
        )
        .await;
    assert_eq!(
        (
            inn["type"].as_str(),
            inn["concept"].as_str(),
            inn["amount"].as_str()
        ),
        (Some("TRANSFER_IN"), Some("rent"), Some("10.50"))
    );
    p.wait_for(&format!("{W}/{ib}"), "b credited", |w| {
        w["balance"] == "10.50"
    })
    .await;

    // Hold and execute in part: the rest is released.
    let hold = p
        .post(
            &p.client_key,
            &format!("{W}/{ia}/hold"),
            json!({ "amount": "5.00", "targetWalletId": ib, "concept": "escrow" }),
        )
        .await;
    assert_eq!(hold.status, StatusCode::ACCEPTED, "{hold:?}");
    assert!(
        ["PENDING_DLT_CREATION", "CREATED"].contains(&hold.body["status"].as_str().unwrap()),
        "{hold:?}"
    );
    let h1 = hold.body["id"].as_str().unwrap().to_owned();
    let held = p
        .wait_for(&format!("{W}/{ia}/holds/{h1}"), "hold created", |h| {
            h["status"] == "CREATED"
        })
        .await;
    for field in [
        "id",
        "issuerDltAddress",
        "payerDltAddress",
        "payeeDltAddress",
        "notaryDltAddress",
        "heldValue",
        "executedValue",
        "status",
        "dltNetwork",
        "contractAddress",
        "operationId",
        "payerWalletId",
        "payeeWalletId",
        "createdAt",
        "expiration",
    ] {
        assert!(held.get(field).is_some(), "hold lacks {field}: {held}");
    }
    // A hold is its payer's: the payer's user and client.
    assert_eq!(held["userId"], a["userId"]);
    assert_eq!(held["clientId"], a["clientId"]);
    p.wait_for(&format!("{W}/{ia}"), "held", |w| {
        w["heldBalance"] == "5.00" && w["availableBalance"] == "84.50"
    })
    .await;
    let too_much = p
        .post(
            &p.client_key,
            &format!("{W}/{ia}/hold/{h1}/executeHold"),
            json!({ "amount": "6.00" }),
        )
        .await;
    assert_eq!(too_much.status, StatusCode::CONFLICT, "{too_much:?}");
    let exec = p
        .post(
            &p.client_key,
            &format!("{W}/{ia}/hold/{h1}/executeHold"),
            json!({ "amount": "3.00", "concept": "delivered" }),
        )
        .await;
    assert_eq!(exec.status, StatusCode::ACCEPTED, "{exec:?}");
    let done = p
        .wait_for(&format!("{W}/{ia}/holds/{h1}"), "hold executed", |h| {
            h["status"] == "EXECUTED"
        })
        .await;
    assert_eq!(done["executedValue"], "3.00");
    let twice = p
        .post(
            &p.client_key,
            &format!("{W}/{ia}/hold/{h1}/releaseHold"),
            json!({}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{twice:?}");

    // Hold, renew, release.
    let hold = p.post(&p.client_key, &format!("{W}/{ia}/hold"), json!({ "amount": "2.00", "targetWalletId": ib, "expiration": "2999-01-01T00:00:00+02" })).await;
    let h2 = hold.body["id"].as_str().unwrap().to_owned();
    p.wait_for(&format!("{W}/{ia}/holds/{h2}"), "hold created", |h| {
        h["status"] == "CREATED"
    })
    .await;
    let renew = p
        .post(
            &p.client_key,
            &format!("{W}/{ia}/hold/{h2}/renewHold"),
            json!({}),
        )
        .await;
    assert_eq!(renew.status, StatusCode::ACCEPTED, "{renew:?}");
    p.wait_for(&format!("{W}/{ia}/holds/{h2}"), "renewed", |h| {
        h["status"] == "RENEWED" && h["expiration"].is_null()
    })
    .await;
    let release = p
        .post(
            &p.client_key,
            &format!("{W}/{ia}/hold/{h2}/releaseHold"),
            json!({ "concept": "cancelled" }),
        )
        .await;
    assert_eq!(release.status, StatusCode::ACCEPTED, "{release:?}");
    p.wait_for(&format!("{W}/{ia}/holds/{h2}"), "released", |h| {
        h["status"] == "RELEASED_BY_NOTARY"
    })
    .await;
    let again = p
        .post(
            &p.client_key,
            &format!("{W}/{ia}/hold/{h2}/executeHold"),
            json!({ "amount": "1.00" }),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "executing a released hold: {again:?}"
    );

    // Cash-out, executed by the bank; another rejected.
    let out = p.post(&p.client_key, &format!("{W}/{ia}/cashOuts"), json!({ "iban": { "accountNumber": "ES91 2100 0418 4502 0005 1332" }, "amount": "20.00", "concept": "to my bank" })).await;
    assert_eq!(out.status, StatusCode::ACCEPTED, "{out:?}");
    let co = out.body["movementId"].as_str().unwrap().to_owned();
    let pending = p
        .wait_for(&format!("{W}/{ia}/movements/{co}"), "payout ordered", |m| {
            m["txHash"].is_string() && m["blockNumber"].is_number()
        })
        .await;
    assert_eq!(
        (
            pending["type"].as_str(),
            pending["status"].as_str(),
            pending["iban"].as_str()
        ),
        (
            Some("BANK_ACCOUNT_CASHOUT"),
            Some("PENDING"),
            Some("ES9121000418450200051332")
        )
    );
    let listed = p
        .raw(
            Method::GET,
            "/api/v1/bank/cashOuts",
            Some(&p.bank_key),
            None,
            &[],
        )
        .await;
    assert_eq!(
        listed.body["_embedded"]["cashOuts"][0]["movementId"],
        co.as_str()
    );
    // The payer is the wallet's user, by its full name, for the bank and in the movement.
    assert_eq!(
        listed.body["_embedded"]["cashOuts"][0]["payerName"],
        "Ana María García López"
    );
    assert_eq!(pending["payerName"], "Ana María García López");
    assert_eq!(pending["userId"], a["userId"]);
    assert_eq!(pending["clientId"], a["clientId"]);
    let exec = p
        .post(
            &p.bank_key,
            &format!("/api/v1/bank/cashOuts/{co}/execute"),
            json!({}),
        )
        .await;
    assert_eq!(exec.status, StatusCode::ACCEPTED, "{exec:?}");
    p.wait_for(
        &format!("{W}/{ia}/movements/{co}"),
        "payout executed",
        |m| m["status"] == "SUCCESS",
    )
    .await;
    let out2 = p
        .post(
            &p.client_key,
            &format!("{W}/{ia}/cashOuts"),
            json!({ "iban": { "accountNumber": "DE89370400440532013000" }, "amount": "1.00" }),
        )
        .await;
    let co2 = out2.body["movementId"].as_str().unwrap().to_owned();
    p.wait_for(
        &format!("{W}/{ia}/movements/{co2}"),
        "payout ordered",
        |m| m["blockNumber"].is_number(),
    )
    .await;
    let reject = p
        .post(
            &p.bank_key,
            &format!("/api/v1/bank/cashOuts/{co2}/reject"),
            json!({ "reason": "account closed" }),
        )
        .await;
    assert_eq!(reject.status, StatusCode::ACCEPTED, "{reject:?}");
    p.wait_for(
        &format!("{W}/{ia}/movements/{co2}"),
        "payout rejected",
        |m| m["status"] == "ERROR",
    )
    .await;
    let late = p
        .post(
            &p.bank_key,
            &format!("/api/v1/bank/cashOuts/{co2}/execute"),
            json!({}),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{late:?}");

    // Every record as docs/records.md has it.
    let wa = p
        .wait_for(&format!("{W}/{ia}"), "final balances", |w| {
            w["balance"] == "66.50"
        })
        .await;
    assert_eq!(
        (wa["availableBalance"].as_str(), wa["heldBalance"].as_str()),
        (Some("66.50"), Some("0.00"))
    );
    let list = p.get(&format!("{W}/{ia}/movements?size=100")).await;
    assert_eq!(
        movements(&list.body),
        vec![
            mv("BANK_ACCOUNT_CASHIN", "SUCCESS", "100.00", Some("salary")),
            mv("TRANSFER_OUT", "SUCCESS", "10.50", Some("rent")),
            mv("LOCK", "SUCCESS", "5.00", Some("escrow")),
            mv("RELEASE", "SUCCESS", "2.00", Some("delivered")),
            mv("TRANSFER_OUT", "SUCCESS", "3.00", Some("delivered")),
            mv("LOCK", "SUCCESS", "2.00", None),
            mv("RELEASE", "SUCCESS", "2.00", Some("cancelled")),
            mv(
                "BANK_ACCOUNT_CASHOUT",
                "SUCCESS",
                "20.00",
                Some("to my bank")
            ),
            mv("BANK_ACCOUNT_CASHOUT", "ERROR", "1.00", None),
        ]
    );
    let seed_fields = [
        "id",
        "walletId",
        "type",
        "status",
        "amount",
        "concept",
        "createdAt",
        "updatedAt",
        "originUserId",
        "targetUserId",
        "originDltAddress",
        "targetDltAddress",
        "originWalletId",
        "targetWalletId",
        "userId",
        "clientId",
        "payerName",
        "dltNetwork",
        "scheduledOperationId",
    ];
    for m in list.body["_embedded"]["movements"].as_array().unwrap() {
        for field in seed_fields {
            assert!(m.get(field).is_some(), "movement lacks {field}: {m}");
        }
        // The SEPA cash-in names the payment reference it was minted against; nothing else has one.
        let reference = m["paymentReference"].as_str();
        if m["type"] == "BANK_ACCOUNT_CASHIN" {
            let reference = reference.unwrap_or_else(|| panic!("no paymentReference: {m}"));
            assert!(
                reference.len() == 66
                    && reference.starts_with("0x")
                    && reference[2..].bytes().any(|c| c != b'0'),
                "{m}"
            );
        } else {
            assert_eq!(reference, None, "{m}");
        }
    }
    // Filters and sorting.
    let errors = p.get(&format!("{W}/{ia}/movements?status=ERROR")).await;
    assert_eq!(errors.body["page"]["totalElements"], 1);
    let by_amount = p
        .get(&format!("{W}/{ia}/movements?sort=amount,desc&size=1"))
        .await;
    assert_eq!(movements(&by_amount.body)[0].2, "100.00");
    assert_eq!(by_amount.body["page"]["totalPages"], 9);
    let last = p
        .get(&format!(
            "{W}/{ia}/movements?sort=amount,desc&size=1&page=8"
        ))
        .await;
    assert!(last.body["_links"].get("next").is_none() && last.body["_links"].get("prev").is_some());
    let future = p
        .get(&format!(
            "{W}/{ia}/movements?startDate=2999-01-01%2000:00:00"
        ))
        .await;
    assert_eq!(future.body["page"]["totalElements"], 0);
    let holds = p.get(&format!("{W}/{ib}/holds")).await;
    assert_eq!(
        holds.body["page"]["totalElements"], 2,
        "the payee sees both holds: {holds:?}"
    );

    // Unsubscribe: refused with funds; a wallet at 0 goes, and its address can never come back.
    let refused = p
        .raw(
            Method::DELETE,
            &format!("{W}/{ia}"),
            Some(&p.client_key),
            None,
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    let empty = p.wallet(&p.client_key).await;
    let gone = p
        .raw(
            Method::DELETE,
            &format!("{W}/{}", empty["id"].as_str().unwrap()),
            Some(&p.client_key),
            None,
            &[],
        )
        .await;
    assert_eq!(
        (gone.status, gone.body["status"].as_str()),
        (StatusCode::OK, Some("UNSUBSCRIBED")),
        "{gone:?}"
    );
    let back = p
        .post(
            &p.client_key,
            W,
            json!({ "userId": a["userId"], "dltAddress": empty["dltAddress"] }),
        )
        .await;
    assert_eq!(back.status, StatusCode::CONFLICT, "{back:?}");
}

#[sqlx::test(migrations = false)]
async fn bad_requests_write_and_send_nothing(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let a = p.wallet(&p.client_key).await;
    let b = p.wallet(&p.client_key).await;
    let foreign = p.wallet(&p.other_key).await;
    let (ia, ib) = (
        a["id"].as_str().unwrap().to_owned(),
        b["id"].as_str().unwrap().to_owned(),
    );
    p.fund(&ia, "50.00", "50.00").await;

    // Authentication and ownership.
    let none = p.raw(Method::GET, W, None, None, &[]).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert!(none.body["errors"][0]["status"] == 401, "{none:?}");
    assert_eq!(
        p.raw(Method::GET, W, Some("emt_nope"), None, &[])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        p.raw(Method::GET, W, Some(&p.bank_key), None, &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        p.post(
            &p.client_key,
            "/api/v1/bank/cashIns",
            json!({ "walletId": ia, "amount": "1.00" })
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let theirs = p
        .get(&format!("{W}/{}", foreign["id"].as_str().unwrap()))
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN, "{theirs:?}");
    assert_eq!(
        p.get(&format!("{W}/{}", uuid::Uuid::new_v4())).await.status,
        StatusCode::NOT_FOUND
    );
    let not_uuid = p.get(&format!("{W}/not-a-uuid/movements")).await;
    assert_eq!(
        (not_uuid.status, not_uuid.detail().starts_with("walletId:")),
        (StatusCode::BAD_REQUEST, true),
        "{not_uuid:?}"
    );
    assert_eq!(
        p.get(&format!("{W}/{ia}/movements/{}", uuid::Uuid::new_v4()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        p.get(&format!("{W}/{ia}/holds/{}", uuid::Uuid::new_v4()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        p.get("/api/v1/public/nothing").await.status,
        StatusCode::NOT_FOUND
    );
    // Paging edges.
    for (query, field) in [
        ("size=0", "size"),
        ("size=2001", "size"),
        ("page=-1", "page"),
        ("sort=colour,asc", "sort"),
        ("sort=createdAt,sideways", "sort"),
        ("colour=red", "colour"),
        ("status=DONE", "status"),
        ("startDate=yesterday", "startDate"),
    ] {
        let a = p.get(&format!("{W}/{ia}/movements?{query}")).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{query}: {a:?}");
        assert!(
            a.detail().starts_with(&format!("{field}:")),
            "{query}: {}",
            a.detail()
        );
    }
    let big = p.get(&format!("{W}?size=2000")).await;
    assert_eq!(
        (big.status, big.body["page"]["size"].as_i64()),
        (StatusCode::OK, Some(2000))
    );
    let beyond = p.get(&format!("{W}?page=5")).await;
    assert_eq!(
        beyond.body["_embedded"]["wallets"].as_array().map(Vec::len),
        Some(0)
    );
    assert_eq!(beyond.body["page"]["totalElements"], 2);

    // Bad bodies: 400 naming the field, nothing recorded, nothing sent.
    let before = p.footprint().await;
    let transfer = format!("{W}/{ia}/transfer");
    let cases: Vec<(&str, String, &str)> = vec![
        ("malformed JSON", "{\"amount\": ".into(), "body"),
        (
            "unknown field",
            json!({ "amount": "1.00", "targetWalletId": ib, "colour": "red" }).to_string(),
            "body",
        ),
        (
            "missing field",
            json!({ "targetWalletId": ib }).to_string(),
            "body",
        ),
        (
            "number amount",
            json!({ "amount": 1.5, "targetWalletId": ib }).to_string(),
            "amount",
        ),
        (
            "3 decimals",
            json!({ "amount": "1.234", "targetWalletId": ib }).to_string(),
            "amount",
        ),
        (
            "negative",
            json!({ "amount": "-1.00", "targetWalletId": ib }).to_string(),
            "amount",
        ),
        (
            "zero",
            json!({ "amount": "0", "targetWalletId": ib }).to_string(),
            "amount",
        ),
        (
            "beyond 2^256",
            json!({ "amount": "1".repeat(90), "targetWalletId": ib }).to_string(),
            "amount",
        ),
        (
            "non-UUID target",
            json!({ "amount": "1.00", "targetWalletId": "42" }).to_string(),
            "targetWalletId",
        ),
        (
            "NUL in concept",
            json!({ "amount": "1.00", "targetWalletId": ib, "concept": "rent\u{0}" }).to_string(),
            "concept",
        ),
        (
            "escape in concept",
            json!({ "amount": "1.00", "targetWalletId": ib, "concept": "\u{1b}[2J" }).to_string(),
            "concept",
        ),
        (
            "unknown target",
            json!({ "amount": "1.00", "targetWalletId": uuid::Uuid::new_v4() }).to_string(),
            "targetWalletId",
        ),
    ];
    let mut cases = cases;
    for bad in [
        "1_0", "1__0", "0_0.5_0", "+1.00", "+.5", ".5", "1.", "01.00", " 1.00", "1.00 ", "1e2",
    ] {
        cases.push((
            "malformed amount",
            json!({ "amount": bad, "targetWalletId": ib }).to_string(),
            "amount",
        ));
    }
    for (what, body, field) in &cases {
        let a = p
            .raw(
                Method::POST,
                &transfer,
                Some(&p.client_key),
                Some(body),
                &[],
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{what}: {a:?}");
        assert!(
            a.detail().starts_with(&format!("{field}:")),
            "{what}: {}",
            a.detail()
        );
    }
    let no_type = p
        .raw(Method::POST, &transfer, Some(&p.client_key), None, &[])
        .await;
    assert_ne!(no_type.status, StatusCode::ACCEPTED);
    let cash_out = p
        .post(
            &p.client_key,
            &format!("{W}/{ia}/cashOuts"),
            json!({ "iban": { "accountNumber": "ES9121000418450200051333" }, "amount": "1.00" }),
        )
        .await;
    assert_eq!(cash_out.status, StatusCode::BAD_REQUEST);
    assert!(
        cash_out.detail().contains("checksum"),
        "{}",
        cash_out.detail()
    );
    let foreign_send = p
        .post(
            &p.client_key,
            &format!("{W}/{}/transfer", foreign["id"].as_str().unwrap()),
            json!({ "amount": "1.00", "targetWalletId": ia }),
        )
        .await;
    assert_eq!(foreign_send.status, StatusCode::FORBIDDEN);
    let bad_address = p.post(&p.client_key, W, json!({ "userId": uuid::Uuid::new_v4(), "dltAddress": "0x485De9F4580eDEDB5b16a84028e4Bac64434c36d" })).await;
    assert_eq!(
        bad_address.status,
        StatusCode::BAD_REQUEST,
        "{bad_address:?}"
    );
    // Clients never choose a KYC level: new wallets start at 0.
    let chosen_level = p
        .post(
            &p.client_key,
            W,
            json!({ "userId": uuid::Uuid::new_v4(), "kycLevel": 255 }),
        )
        .await;
    assert_eq!(
        chosen_level.status,
        StatusCode::BAD_REQUEST,
        "{chosen_level:?}"
    );
    assert!(
        chosen_level.detail().contains("kycLevel"),
        "{}",
        chosen_level.detail()
    );
    // NUL in the bank's reason and concept.
    let nul_cash_in = p
        .post(
            &p.bank_key,
            "/api/v1/bank/cashIns",
            json!({ "walletId": ia, "amount": "1.00", "concept": "\u{0}" }),
        )
        .await;
    assert_eq!(
        nul_cash_in.status,
        StatusCode::BAD_REQUEST,
        "{nul_cash_in:?}"
    );
    assert!(
        nul_cash_in.detail().starts_with("concept:"),
        "{}",
        nul_cash_in.detail()
    );
    let past = p
        .post(
            &p.client_key,
            &format!("{W}/{ia}/hold"),
            json!({ "amount": "1.00", "targetWalletId": ib, "expiration": "2020-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(past.status, StatusCode::BAD_REQUEST, "{past:?}");
    assert_eq!(
        p.footprint().await,
        before,
        "bad requests wrote or sent something"
    );

    // More than the wallet holds: refused before anything is recorded or sent (409).
    let untouched = p.footprint().await;
    let block = untouched.1;
    let broke = p
        .post(
            &p.client_key,
            &transfer,
            json!({ "amount": "500.00", "targetWalletId": ib }),
        )
        .await;
    assert_eq!(broke.status, StatusCode::CONFLICT, "{broke:?}");
    assert!(
        broke
            .detail()
            .contains("cannot cover 500.00: its available balance is 50.00"),
        "{}",
        broke.detail()
    );
    assert_eq!(p.footprint().await.1, block);

    // Addresses that cannot be a user's wallet: 409 naming why, and nothing remains of the request.
    let suspense = p.deployed.address_of(Role::Suspense);
    let operator = p.state.platform.operator.signer().unwrap();
    for (address, why) in [
        (alloy::primitives::Address::ZERO, "the zero address"),
        (p.deployed.address, "the token contract itself"),
        (suspense, "suspense account"),
        (operator, "operator account"),
    ] {
        let refused = p
            .post(
                &p.client_key,
                W,
                json!({ "userId": a["userId"], "dltAddress": format!("{address:#x}") }),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::CONFLICT,
            "{address}: {refused:?}"
        );
        assert!(refused.detail().contains(why), "{}", refused.detail());
    }
    assert_eq!(
        p.footprint().await,
        untouched,
        "a refused request left a record or sent something"
    );
    let wallets = p.get(W).await;
    assert_eq!(wallets.body["page"]["totalElements"], 2, "{wallets:?}");
    let listed = p.get(&format!("{W}/{ia}/movements")).await;
    assert_eq!(
        listed.body["page"]["totalElements"], 1,
        "a refused transfer leaves no movement: {listed:?}"
    );

    let doc = p
        .raw(Method::GET, "/api/v1/openapi.json", None, None, &[])
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    for path in [
        "/api/v1/public/wallets",
        "/api/v1/public/wallets/{walletId}/hold/{holdId}/executeHold",
        "/api/v1/bank/cashIns",
    ] {
        assert!(
            doc.body["paths"].get(path).is_some(),
            "openapi lacks {path}"
        );
    }

    // A restart settles what a previous run left on its way, and sends nothing again: a request that
    // never recorded a transaction, and one whose recorded transaction never reached the chain (its
    // nonce was taken since), are gone as if they had never come.
    let client = p
        .store
        .ensure_client("acme", emtoken_store::api::ClientRole::Client)
        .await
        .unwrap();
    let operator = p.state.platform.operator.signer().unwrap();
    let mut ids = vec![];
    for (n, tx) in [(0u8, None), (1, Some([7u8; 32]))] {
        let id = uuid::Uuid::new_v4();
        let request = emtoken_store::api::NewRequest {
            id,
            client_id: client.id,
            idempotency_key: Some(format!("stale-{n}")),
            fingerprint: [n; 32],
            calls: json!([{ "name": "operatorTransfer", "signer": "OPERATOR", "tx": {} }]),
            accepted: (202, json!({})),
            ..emtoken_store::api::NewRequest::new(emtoken_store::api::RequestKind::Transfer)
        };
        p.store.begin_request(&request).await.unwrap();
        if let Some(hash) = tx {
            let sent = emtoken_store::api::SentTx {
                hash,
                from: operator.0.0,
                nonce: 0,
                raw: vec![1, 2, 3],
                chain_id: None,
            };
            assert!(p.store.record_sending(id, 0, &sent).await.unwrap());
        }
        ids.push(id);
    }
    sqlx::query(
        "UPDATE api_requests SET updated_at = updated_at - interval '1 minute' WHERE id = ANY($1)",
    )
    .bind(&ids)
    .execute(p.store.pool())
    .await
    .unwrap();
    let block = p.footprint().await.1;
    // (The background sweeper may get to them first: either way they are gone.)
    p.state.platform.recover(&p.store).await.unwrap();
    for id in ids {
        assert_eq!(p.store.request(id).await.unwrap(), None, "{id} remains");
    }
    assert_eq!(p.footprint().await.1, block, "recovery sent something");
}
