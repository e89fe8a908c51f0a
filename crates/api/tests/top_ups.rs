//! Top-up and withdrawal requests: a top-up is a fund order the operator makes for the wallet, which the
//! bank side accepts (after an AML screening, minted less its BANK_TOP_UP commission) or declines; a
//! withdrawal is a cash-out whose CASH_OUT commission is reserved with it and charged when the bank
//! accepts (executes) it, released when it declines (rejects) it.

mod common;

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::{Json, Router, http::StatusCode, routing::post};
use common::{Answer, Platform_, platform};
use serde_json::{Value, json};

const ADMIN: &str = "/api/v1/admin";
const BANK: &str = "/api/v1/bank";
const W: &str = "/api/v1/public/wallets";

/// A fake AML screening service: answers the queued results in order (then "clear"), keeps the
/// questions it was asked; "fail" answers 500.
#[derive(Clone, Default)]
struct FakeScreening {
    answers: Arc<Mutex<VecDeque<&'static str>>>,
    asked: Arc<Mutex<Vec<Value>>>,
}

impl FakeScreening {
    /// Serves it on a free port; its URL.
    async fn start(&self) -> String {
        let me = self.clone();
        let app = Router::new().route(
            "/screen",
            post(move |Json(question): Json<Value>| {
                let me = me.clone();
                async move {
                    me.asked.lock().unwrap().push(question);
                    let result = me.answers.lock().unwrap().pop_front().unwrap_or("clear");
                    if result == "fail" {
                        return (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({})));
                    }
                    (
                        StatusCode::OK,
                        Json(json!({"result": result, "reference": format!("chk-{result}")})),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/screen", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    fn queue(&self, results: &[&'static str]) {
        self.answers.lock().unwrap().extend(results.iter().copied());
    }
}

/// The platform with `screening` asked before acceptances.
async fn screened_platform(pool: sqlx::PgPool, screening: &FakeScreening) -> Platform_ {
    let mut p = platform(pool).await;
    let url = screening.start().await;
    p.state = p
        .state
        .clone()
        .with_screening(emtoken_api::Screening::service(&url).unwrap());
    p.app = emtoken_api::router(p.state.clone());
    p
}

async fn admin(p: &Platform_, path: &str, body: Value) -> Answer {
    let a = p.post(&p.admin_key, &format!("{ADMIN}/{path}"), body).await;
    assert_eq!(a.status, StatusCode::CREATED, "{path}: {a:?}");
    a
}

/// EUR with the served token as its issuer's, a fee account, and a profile of `operation` charging
/// `fixed` + `percent` %.
async fn priced(p: &Platform_, operation: &str, fixed: &str, percent: &str) {
    let eur = admin(
        p,
        "currencies",
        json!({"code": "EUR", "name": "Euro", "decimals": 2}),
    )
    .await;
    let eur = eur.body["id"].as_str().unwrap().to_owned();
    let token = format!("{:#x}", p.deployed.address);
    admin(p, "issuers", json!({"name": "EmToken Money SA", "legalId": "LEI-1", "currencyId": eur, "tokenAddress": token})).await;
    admin(
        p,
        "commissions",
        json!({"operation": operation, "currencyId": eur, "fixed": fixed, "percent": percent}),
    )
    .await;
    let fees = p.deployed.address_of(emtoken_test_utils::Role::Carol);
    p.deployed.admin.set_fee_account(fees).await.unwrap();
}

/// What the fee account collected.
async fn collected(p: &Platform_) -> String {
    let fees = p.deployed.address_of(emtoken_test_utils::Role::Carol);
    p.deployed
        .operator
        .balance_of(fees)
        .await
        .unwrap()
        .to_string()
}

async fn bank_of_catalogue(p: &Platform_) -> String {
    let bank = admin(
        p,
        "bank-catalog",
        json!({"name": "Deutsche Bank", "bic": "DEUTDEFF", "country": "DE"}),
    )
    .await;
    bank.body["id"].as_str().unwrap().to_owned()
}

fn id(a: &Answer, field: &str) -> String {
    a.body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field}: {a:?}"))
        .to_owned()
}

/// A 400 naming `field`.
fn assert_bad(a: &Answer, field: &str) {
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{a:?}");
    assert!(a.detail().starts_with(field), "{field}: {a:?}");
}

/// Waits until the wallet's top-up `top_up` satisfies `done`.
async fn top_up_until(
    p: &Platform_,
    wallet: &str,
    top_up: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    p.wait_for(
        &format!("{W}/{wallet}/top-up-requests/{top_up}"),
        what,
        done,
    )
    .await
}

#[sqlx::test(migrations = false)]
async fn a_top_up_is_accepted_after_its_screening_less_the_quoted_commission(pool: sqlx::PgPool) {
    let screening = FakeScreening::default();
    let p = screened_platform(pool, &screening).await;
    priced(&p, "BANK_TOP_UP", "0.50", "1").await;
    let bank = bank_of_catalogue(&p).await;
    let w = id(
        &Answer {
            status: StatusCode::OK,
            body: p.wallet(&p.client_key).await,
        },
        "id",
    );
    let quote = p
        .post(
            &p.client_key,
            &format!("{W}/{w}/top-up-requests/calculate"),
            json!({"amount": "100.00"}),
        )
        .await;
    assert_eq!(
        (
            quote.body["commission"].as_str(),
            quote.body["total"].as_str()
        ),
        (Some("1.50"), Some("98.50")),
        "{quote:?}"
    );

    // Bad input: a 400 naming the field, and nothing ordered.
    let path = format!("{W}/{w}/top-up-requests");
    for (body, field) in [
        (
            json!({"amount": "1_0", "bankId": bank, "reference": "R"}),
            "amount",
        ),
        (
            json!({"amount": "0", "bankId": bank, "reference": "R"}),
            "amount",
        ),
        (
            json!({"amount": "1.001", "bankId": bank, "reference": "R"}),
            "amount",
        ),
        (
            json!({"amount": "1", "bankId": "DEUTDEFF", "reference": "R"}),
            "bankId",
        ),
        (
            json!({"amount": "1", "bankId": uuid::Uuid::new_v4(), "reference": "R"}),
            "bankId",
        ),
        (
            json!({"amount": "1", "bankId": bank, "reference": "  "}),
            "reference",
        ),
        (
            json!({"amount": "1", "bankId": bank, "reference": "a\u{7}b"}),
            "reference",
        ),
        (
            json!({"amount": "1", "bankId": bank, "reference": "x".repeat(141)}),
            "reference",
        ),
    ] {
        assert_bad(&p.post(&p.client_key, &path, body).await, field);
    }
    let listed = p.bank_get(&format!("{BANK}/top-up-requests")).await;
    assert_eq!(
        listed.body["_embedded"]["topUpRequests"],
        json!([]),
        "{listed:?}"
    );

    let asked = p
        .post(
            &p.client_key,
            &path,
            json!({"amount": "100.00", "bankId": bank, "reference": "INV-2026-001"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{asked:?}");
    assert_eq!(
        (
            asked.body["status"].as_str(),
            asked.body["commission"].as_str(),
            asked.body["creditedAmount"].as_str(),
            asked.body["bic"].as_str(),
        ),
        (
            Some("PENDING"),
            Some("1.50"),
            Some("98.50"),
            Some("DEUTDEFF")
        ),
        "{asked:?}"
    );
    let top_up = id(&asked, "id");
    let commission_movement = id(&asked, "commissionMovementId");
    top_up_until(&p, &w, &top_up, "the fund order", |t| {
        t["orderStatus"] == "ORDERED"
    })
    .await;
    // The bank side sees it waiting; another client does not see it.
    let listed = p.bank_get(&format!("{BANK}/top-up-requests")).await;
    assert_eq!(
        listed.body["_embedded"]["topUpRequests"][0]["id"].as_str(),
        Some(top_up.as_str()),
        "{listed:?}"
    );
    let other = p
        .raw(
            axum::http::Method::GET,
            &format!("{W}/{w}/top-up-requests/{top_up}"),
            Some(&p.other_key),
            None,
            &[],
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{other:?}");

    // The screening asks for a review: accepting without naming the reviewer is refused, nothing sent.
    screening.queue(&["review", "review"]);
    let accept = format!("{BANK}/top-up-requests/{top_up}/accept");
    let refused = p.post(&p.bank_key, &accept, json!({})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    assert!(refused.detail().contains("review"), "{refused:?}");
    let after = p.get(&format!("{W}/{w}/top-up-requests/{top_up}")).await;
    assert_eq!(after.body["orderStatus"], "ORDERED", "{after:?}");
    assert_eq!(
        (
            after.body["screenings"][0]["result"].as_str(),
            after.body["screenings"][0]["accepted"].as_bool()
        ),
        (Some("REVIEW"), Some(false)),
        "{after:?}"
    );
    // Only the bank side accepts.
    let by_client = p.post(&p.client_key, &accept, json!({})).await;
    assert_eq!(by_client.status, StatusCode::FORBIDDEN, "{by_client:?}");

    let accepted = p
        .post(&p.bank_key, &accept, json!({"reviewedBy": "A. Compliance"}))
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{accepted:?}");
    assert_eq!(
        (
            accepted.body["decision"].as_str(),
            accepted.body["screening"]["result"].as_str(),
            accepted.body["screening"]["reviewedBy"].as_str(),
            accepted.body["screening"]["reference"].as_str(),
        ),
        (
            Some("ACCEPT"),
            Some("REVIEW"),
            Some("A. Compliance"),
            Some("chk-review")
        ),
        "{accepted:?}"
    );
    // The service was told what it screens.
    let question = screening.asked.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        (
            question["operation"].as_str(),
            question["amount"].as_str(),
            question["currency"].as_str(),
            question["counterparty"].as_str(),
            question["reference"].as_str(),
        ),
        (
            Some("TOP_UP"),
            Some("100.00"),
            Some("EUR"),
            Some("DEUTDEFF"),
            Some("INV-2026-001")
        ),
        "{question}"
    );

    let done = top_up_until(&p, &w, &top_up, "the acceptance", |t| {
        t["status"] == "SUCCESS"
    })
    .await;
    assert_eq!(done["orderStatus"], "EXECUTED", "{done}");
    p.wait_for(&format!("{W}/{w}"), "the credit", |x| {
        x["balance"] == "98.50"
    })
    .await;
    assert_eq!(collected(&p).await, "1.50");
    let charged = p
        .wait_for(
            &format!("{W}/{w}/movements/{commission_movement}"),
            "the commission",
            |m| m["status"] == "SUCCESS",
        )
        .await;
    assert_eq!(
        (charged["type"].as_str(), charged["amount"].as_str()),
        (Some("COMMISSION"), Some("1.50")),
        "{charged}"
    );
    let cash_in = p.get(&format!("{W}/{w}/movements/{top_up}")).await;
    assert_eq!(
        (
            cash_in.body["type"].as_str(),
            cash_in.body["amount"].as_str(),
            cash_in.body["status"].as_str()
        ),
        (Some("BANK_ACCOUNT_CASHIN"), Some("100.00"), Some("SUCCESS")),
        "{cash_in:?}"
    );

    // Decided: a second acceptance or a decline is a 409; it is no longer waiting.
    let again = p.post(&p.bank_key, &accept, json!({})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");
    let decline = p
        .post(
            &p.bank_key,
            &format!("{BANK}/top-up-requests/{top_up}/decline"),
            json!({"reason": "late"}),
        )
        .await;
    assert_eq!(decline.status, StatusCode::CONFLICT, "{decline:?}");
    let listed = p.bank_get(&format!("{BANK}/top-up-requests")).await;
    assert_eq!(
        listed.body["_embedded"]["topUpRequests"],
        json!([]),
        "{listed:?}"
    );
    let today = chrono::Utc::now().date_naive();
    let report = p
        .bank_get(&format!(
            "{BANK}/commissions/report?from={today}&to={}",
            today.succ_opt().unwrap()
        ))
        .await;
    assert_eq!(
        report.body["lines"],
        json!([{"currency": "EUR", "operation": "BANK_TOP_UP", "count": 1, "total": "1.50"}]),
        "{report:?}"
    );
}

#[sqlx::test(migrations = false)]
async fn a_blocked_top_up_cannot_be_accepted_and_a_declined_one_mints_nothing(pool: sqlx::PgPool) {
    let screening = FakeScreening::default();
    let p = screened_platform(pool, &screening).await;
    let bank = bank_of_catalogue(&p).await;
    let w = p.wallet(&p.client_key).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let asked = p
        .post(
            &p.client_key,
            &format!("{W}/{w}/top-up-requests"),
            json!({"amount": "20.00", "bankId": bank, "reference": "R-2"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{asked:?}");
    // No currency registered: no commission.
    assert_eq!(
        (
            asked.body["commission"].as_str(),
            asked.body["commissionMovementId"].clone()
        ),
        (Some("0.00"), Value::Null),
        "{asked:?}"
    );
    let top_up = id(&asked, "id");
    top_up_until(&p, &w, &top_up, "the fund order", |t| {
        t["orderStatus"] == "ORDERED"
    })
    .await;
    let accept = format!("{BANK}/top-up-requests/{top_up}/accept");

    // The service cannot answer: 503, nothing decided.
    screening.queue(&["fail"]);
    let unavailable = p.post(&p.bank_key, &accept, json!({})).await;
    assert_eq!(
        unavailable.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{unavailable:?}"
    );
    // Blocked: refused even with a reviewer.
    screening.queue(&["block"]);
    let blocked = p
        .post(&p.bank_key, &accept, json!({"reviewedBy": "A. Compliance"}))
        .await;
    assert_eq!(blocked.status, StatusCode::CONFLICT, "{blocked:?}");
    assert!(blocked.detail().contains("blocked"), "{blocked:?}");
    let t = p.get(&format!("{W}/{w}/top-up-requests/{top_up}")).await;
    assert_eq!(t.body["orderStatus"], "ORDERED", "{t:?}");
    assert_eq!(t.body["screenings"][0]["result"], "BLOCK", "{t:?}");

    let decline = format!("{BANK}/top-up-requests/{top_up}/decline");
    assert_bad(
        &p.post(&p.bank_key, &decline, json!({"reason": " "})).await,
        "reason",
    );
    assert_bad(&p.post(&p.bank_key, &decline, json!({})).await, "body");
    let declined = p
        .post(
            &p.bank_key,
            &decline,
            json!({"reason": "AML: sanctions match"}),
        )
        .await;
    assert_eq!(declined.status, StatusCode::ACCEPTED, "{declined:?}");
    assert_eq!(declined.body["decision"], "DECLINE", "{declined:?}");
    let done = top_up_until(&p, &w, &top_up, "the decline", |t| t["status"] == "ERROR").await;
    assert_eq!(
        (done["orderStatus"].as_str(), done["declineReason"].as_str()),
        (Some("REJECTED"), Some("AML: sanctions match")),
        "{done}"
    );
    let wallet = p.get(&format!("{W}/{w}")).await;
    assert_eq!(wallet.body["balance"], "0.00", "{wallet:?}");
    let again = p.post(&p.bank_key, &accept, json!({})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");
    // An unknown top-up is a 404.
    let unknown = p
        .post(
            &p.bank_key,
            &format!("{BANK}/top-up-requests/{}/accept", uuid::Uuid::new_v4()),
            json!({}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{unknown:?}");
}

#[sqlx::test(migrations = false)]
async fn a_withdrawal_reserves_its_commission_charged_on_accept_and_released_on_decline(
    pool: sqlx::PgPool,
) {
    let p = platform(pool).await;
    priced(&p, "CASH_OUT", "0.40", "0").await;
    let w = p.wallet(&p.client_key).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    p.fund(&w, "10.00", "10.00").await;
    let iban = json!({"accountNumber": "ES9121000418450200051332"});
    let ordered = p
        .post(
            &p.client_key,
            &format!("{W}/{w}/cashOuts"),
            json!({"amount": "5.00", "iban": iban}),
        )
        .await;
    assert_eq!(ordered.status, StatusCode::ACCEPTED, "{ordered:?}");
    assert_eq!(ordered.body["commission"], "0.40", "{ordered:?}");
    let movement = id(&ordered, "movementId");
    let commission = id(&ordered, "commissionMovementId");
    // Amount and commission locked: 4.60 left to spend.
    p.wait_for(&format!("{W}/{w}"), "the lock", |x| {
        x["availableBalance"] == "4.60" && x["balance"] == "10.00"
    })
    .await;
    let other = p.wallet(&p.client_key).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let too_much = p
        .post(
            &p.client_key,
            &format!("{W}/{w}/transfer"),
            json!({"amount": "4.61", "targetWalletId": other}),
        )
        .await;
    assert_eq!(too_much.status, StatusCode::CONFLICT, "{too_much:?}");

    // Accepted (the withdrawal's name for execute): burnt, and the commission charged with it.
    let accepted = p
        .post(
            &p.bank_key,
            &format!("{BANK}/cashOuts/{movement}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{accepted:?}");
    assert_eq!(
        (
            accepted.body["decision"].as_str(),
            accepted.body["screening"]["result"].as_str()
        ),
        (Some("EXECUTE"), Some("UNSCREENED")),
        "{accepted:?}"
    );
    p.wait_for(&format!("{W}/{w}"), "the execution", |x| {
        x["balance"] == "4.60" && x["availableBalance"] == "4.60"
    })
    .await;
    let charged = p
        .wait_for(
            &format!("{W}/{w}/movements/{commission}"),
            "the commission",
            |m| m["status"] == "SUCCESS",
        )
        .await;
    assert_eq!(charged["amount"], "0.40", "{charged}");
    assert_eq!(
        charged["recordKind"], "PAYOUT",
        "linked to its payout: {charged}"
    );
    let paid = p.get(&format!("{W}/{w}/movements/{movement}")).await;
    assert_eq!(paid.body["status"], "SUCCESS", "{paid:?}");
    assert_eq!(collected(&p).await, "0.40");

    // Declined (the name for reject): amount and commission unlocked, nothing charged.
    let second = p
        .post(
            &p.client_key,
            &format!("{W}/{w}/cashOuts"),
            json!({"amount": "2.00", "iban": iban}),
        )
        .await;
    assert_eq!(second.status, StatusCode::ACCEPTED, "{second:?}");
    let second_movement = id(&second, "movementId");
    let second_commission = id(&second, "commissionMovementId");
    p.wait_for(&format!("{W}/{w}"), "the second lock", |x| {
        x["availableBalance"] == "2.20"
    })
    .await;
    let declined = p
        .post(
            &p.bank_key,
            &format!("{BANK}/cashOuts/{second_movement}/decline"),
            json!({"reason": "account closed"}),
        )
        .await;
    assert_eq!(declined.status, StatusCode::ACCEPTED, "{declined:?}");
    assert_eq!(declined.body["decision"], "REJECT", "{declined:?}");
    p.wait_for(
        &format!("{W}/{w}/movements/{second_movement}"),
        "the rejection",
        |m| m["status"] == "ERROR",
    )
    .await;
    let wallet = p
        .wait_for(&format!("{W}/{w}"), "the unlock", |x| {
            x["availableBalance"] == "4.60"
        })
        .await;
    assert_eq!(wallet["balance"], "4.60", "{wallet}");
    let none = p
        .get(&format!("{W}/{w}/movements/{second_commission}"))
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "{none:?}");
    assert_eq!(collected(&p).await, "0.40");

    // The bank side's report sums what was charged, by period, currency and operation.
    let today = chrono::Utc::now().date_naive();
    let (from, to) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    let p = &p;
    let report = |query: String| async move {
        p.bank_get(&format!("{BANK}/commissions/report?{query}"))
            .await
    };
    let all = report(format!("from={from}&to={to}")).await;
    assert_eq!(all.status, StatusCode::OK, "{all:?}");
    assert_eq!(
        all.body["lines"],
        json!([{"currency": "EUR", "operation": "CASH_OUT", "count": 1, "total": "0.40"}]),
        "{all:?}"
    );
    let transfers = report(format!(
        "from={from}&to={to}&currency=EUR&operation=TRANSFER"
    ))
    .await;
    assert_eq!(transfers.body["lines"], json!([]), "{transfers:?}");
    let before = report(format!("from=2020-01-01&to={from}")).await;
    assert_eq!(before.body["lines"], json!([]), "{before:?}");
    for (query, field) in [
        (format!("to={to}"), "from"),
        (format!("from={from}"), "to"),
        (format!("from={to}&to={from}"), "to"),
        (format!("from=yesterday&to={to}"), "from"),
        (format!("from={from}&to={to}&currency=eur"), "currency"),
        (
            format!("from={from}&to={to}&operation=WITHDRAW"),
            "operation",
        ),
        (format!("from={from}&to={to}&wallet=x"), "wallet"),
    ] {
        assert_bad(&report(query).await, field);
    }
    let by_client = p
        .get(&format!("{BANK}/commissions/report?from={from}&to={to}"))
        .await;
    assert_eq!(by_client.status, StatusCode::FORBIDDEN, "{by_client:?}");
}
