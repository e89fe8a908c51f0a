//! Onboarding over a real chain: a user's phone verified by a code sent by SMS (expiry, wrong tries and
//! sending limits on the API's clock, moved by the test), its first wallet made on verification, KYC
//! levels set by the compliance side on every wallet of the user, extra wallets, IBANs, a new phone,
//! unsubscribing, a failing SMS gateway, and a client that is not the user's.

mod common;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    http::{Method, StatusCode},
    routing::post,
};
use common::{Platform_, dni, person, platform};
use emtoken_api::{Onboarding, SmsSender};
use serde_json::{Value, json};

const USERS: &str = "/api/v1/public/users";
const W: &str = "/api/v1/public/wallets";

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

async fn request_otp(p: &Platform_, user: &str) -> common::Answer {
    p.post(
        &p.client_key,
        &format!("{USERS}/{user}/request-otp"),
        Value::Null,
    )
    .await
}

async fn validate(p: &Platform_, user: &str, code: &str) -> common::Answer {
    p.post(
        &p.client_key,
        &format!("{USERS}/{user}/validate-otp"),
        json!({ "code": code }),
    )
    .await
}

/// A code that is not `code`.
fn other_than(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

#[sqlx::test(migrations = false)]
async fn a_user_is_verified_by_the_code_its_phone_got_and_activated_with_its_first_wallet(
    pool: sqlx::PgPool,
) {
    let p = platform(pool).await;
    let user = p.user(&p.client_key).await;
    let created = p.get(&format!("{USERS}/{user}")).await.body;
    assert_eq!(created["status"], "CREATED");
    assert_eq!(created["kycLevel"], Value::Null);
    assert_eq!(created["mobilePhoneVerified"], false);
    // No wallet before the phone is verified, and none can be asked for.
    let early = p.post(&p.client_key, W, json!({ "userId": user })).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{early:?}");
    assert!(early.detail().contains("ACTIVATED"), "{}", early.detail());

    let sent = request_otp(&p, &user).await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{sent:?}");
    let phone = created["mobilePhone"].as_str().unwrap();
    assert_eq!(
        sent.body["sentTo"].as_str().unwrap(),
        format!(
            "+{}{}",
            "*".repeat(phone.len() - 4),
            &phone[phone.len() - 3..]
        )
    );
    assert_eq!(sent.body["tries"], 5);
    let code = p.code(&user).await;
    // The code is kept only as a salted hash.
    let (hash,): (Vec<u8>,) =
        sqlx::query_as("SELECT code_hash FROM user_codes WHERE user_id = $1::uuid")
            .bind(&user)
            .fetch_one(p.store.pool())
            .await
            .unwrap();
    assert_eq!(hash.len(), 32);
    assert!(!hash.windows(6).any(|w| w == code.as_bytes()));

    let bad_form = validate(&p, &user, "12345").await;
    assert_eq!(bad_form.status, StatusCode::BAD_REQUEST, "{bad_form:?}");
    assert!(
        bad_form.detail().starts_with("code:"),
        "{}",
        bad_form.detail()
    );
    let verified = validate(&p, &user, &code).await;
    assert_eq!(verified.status, StatusCode::OK, "{verified:?}");
    assert_eq!(verified.body["status"], "VERIFIED");
    assert_eq!(verified.body["kycLevel"], 0);
    assert_eq!(verified.body["mobilePhoneVerified"], true);
    // Used: not twice.
    let again = validate(&p, &user, &code).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");

    // The first wallet is the user's address, registered at level 0; READY makes the user ACTIVATED.
    let wallets = p
        .wait_for(
            &format!("{W}?userId={user}"),
            "the first wallet READY",
            |page| page["_embedded"]["wallets"][0]["status"] == "READY",
        )
        .await;
    let wallet = &wallets["_embedded"]["wallets"][0];
    assert_eq!(wallets["page"]["totalElements"], 1);
    assert_eq!(wallet["dltAddress"], created["dltAddress"]);
    assert_eq!(wallet["kycLevel"], 0);
    assert_eq!(wallet["iban"], Value::Null);
    assert_eq!(wallet["clientAlias"], "acme");
    p.wait_for(&format!("{USERS}/{user}"), "ACTIVATED", |u| {
        u["status"] == "ACTIVATED"
    })
    .await;
    // The history starts with level 0, set by the platform on verification.
    let history = p.bank_get(&format!("/api/v1/bank/users/{user}/kyc")).await;
    assert_eq!(history.status, StatusCode::OK, "{history:?}");
    assert_eq!(history.body["levels"][0]["kycLevel"], 0);
    assert_eq!(history.body["levels"][0]["status"], "APPLIED");
    assert_eq!(history.body["levels"][0]["setBy"], Value::Null);
}

#[sqlx::test(migrations = false)]
async fn codes_expire_die_after_five_wrong_tries_and_are_sent_at_most_once_a_minute_and_ten_a_day(
    pool: sqlx::PgPool,
) {
    let p = platform(pool).await;
    let user = p.user(&p.client_key).await;

    // Expiry: valid until five minutes have passed.
    assert_eq!(request_otp(&p, &user).await.status, StatusCode::ACCEPTED);
    let code = p.code(&user).await;
    p.clock.advance(minutes(5));
    let expired = validate(&p, &user, &code).await;
    assert_eq!(expired.status, StatusCode::CONFLICT, "{expired:?}");
    assert!(expired.detail().contains("expired"), "{}", expired.detail());

    // One code a minute: the next one only after a minute (429 with Retry-After meanwhile).
    assert_eq!(request_otp(&p, &user).await.status, StatusCode::ACCEPTED);
    let code = p.code(&user).await;
    p.clock.advance(chrono::Duration::seconds(30));
    let soon = request_otp(&p, &user).await;
    assert_eq!(soon.status, StatusCode::TOO_MANY_REQUESTS, "{soon:?}");

    // Five wrong tries: the fifth voids the code, and the right one no longer works.
    for left in (0..5).rev() {
        let wrong = validate(&p, &user, &other_than(&code)).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{wrong:?}");
        if left > 0 {
            assert!(
                wrong.detail().contains(&format!("{left} tries left")),
                "{}",
                wrong.detail()
            );
        } else {
            assert!(wrong.detail().contains("void"), "{}", wrong.detail());
        }
    }
    let dead = validate(&p, &user, &code).await;
    assert_eq!(dead.status, StatusCode::CONFLICT, "{dead:?}");

    // A newer code replaces the one before.
    p.clock.advance(minutes(1));
    assert_eq!(request_otp(&p, &user).await.status, StatusCode::ACCEPTED);
    let older = p.code(&user).await;
    p.clock.advance(minutes(1));
    assert_eq!(request_otp(&p, &user).await.status, StatusCode::ACCEPTED);
    let newer = p.code(&user).await;
    if older != newer {
        let replaced = validate(&p, &user, &older).await;
        assert_eq!(replaced.status, StatusCode::BAD_REQUEST, "{replaced:?}");
    }

    // Ten a day: four were sent; six more, then 429 until a day after the first counted one.
    for _ in 0..6 {
        p.clock.advance(minutes(1));
        let a = request_otp(&p, &user).await;
        assert_eq!(a.status, StatusCode::ACCEPTED, "{a:?}");
    }
    p.clock.advance(minutes(1));
    let eleventh = request_otp(&p, &user).await;
    assert_eq!(
        eleventh.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{eleventh:?}"
    );
    assert!(
        eleventh.detail().contains("ten codes"),
        "{}",
        eleventh.detail()
    );
    p.clock.advance(chrono::Duration::hours(24));
    assert_eq!(request_otp(&p, &user).await.status, StatusCode::ACCEPTED);
    let last = p.code(&user).await;
    let ok = validate(&p, &user, &last).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    // Verified: no more codes.
    let needless = request_otp(&p, &user).await;
    assert_eq!(needless.status, StatusCode::CONFLICT, "{needless:?}");
}

#[sqlx::test(migrations = false)]
async fn levels_come_from_the_compliance_side_and_limits_follow_them(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let (a_user, a) = p.onboard(&p.client_key).await;
    let b = p.wallet(&p.client_key).await;
    let (ia, ib) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    p.fund(ia, "200.00", "200.00").await;

    // At level 0 a transfer may be at most 100: the contract refuses 150, nothing is sent.
    let before = p.footprint().await;
    let big = json!({ "amount": "150.00", "targetWalletId": ib });
    let refused = p
        .post(&p.client_key, &format!("{W}/{ia}/transfer"), big.clone())
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    assert_eq!(p.footprint().await, before);
    // No IBAN at level 0.
    let no_iban = p
        .post(&p.client_key, &format!("{W}/{ia}/create-iban"), Value::Null)
        .await;
    assert_eq!(no_iban.status, StatusCode::CONFLICT, "{no_iban:?}");
    assert!(no_iban.detail().contains("level 1"), "{}", no_iban.detail());

    // Clients never set levels; the bank does, with evidence; levels without a tier are refused.
    let path = format!("/api/v1/bank/users/{a_user}/kyc");
    let by_client = p
        .post(
            &p.client_key,
            &path,
            json!({ "kycLevel": 1, "evidence": "mine" }),
        )
        .await;
    assert_eq!(by_client.status, StatusCode::FORBIDDEN, "{by_client:?}");
    let no_evidence = p.post(&p.bank_key, &path, json!({ "kycLevel": 1 })).await;
    assert_eq!(
        no_evidence.status,
        StatusCode::BAD_REQUEST,
        "{no_evidence:?}"
    );
    let before = p.footprint().await;
    let tierless = p
        .post(
            &p.bank_key,
            &path,
            json!({ "kycLevel": 255, "evidence": "KYC-1" }),
        )
        .await;
    assert_eq!(tierless.status, StatusCode::CONFLICT, "{tierless:?}");
    assert!(
        tierless.detail().contains("KycLevelWithoutTier"),
        "{}",
        tierless.detail()
    );
    assert_eq!(p.footprint().await.1, before.1, "nothing sent");
    let same = p
        .post(
            &p.bank_key,
            &path,
            json!({ "kycLevel": 0, "evidence": "KYC-0" }),
        )
        .await;
    assert_eq!(same.status, StatusCode::CONFLICT, "{same:?}");

    // A second wallet starts at the user's level; then level 1 reaches both.
    let second = p.post(&p.client_key, W, json!({ "userId": a_user })).await;
    assert_eq!(second.status, StatusCode::CREATED, "{second:?}");
    let second_id = second.body["walletId"].as_str().unwrap().to_owned();
    p.wait_for(
        &format!("{W}/{second_id}"),
        "the second wallet READY",
        |w| w["status"] == "READY" && w["kycLevel"] == 0,
    )
    .await;
    p.kyc(&a_user, 1).await;
    p.wait_for(
        &format!("{W}/{second_id}"),
        "level 1 on the second wallet",
        |w| w["kycLevel"] == 1,
    )
    .await;
    let user = p.get(&format!("{USERS}/{a_user}")).await.body;
    assert_eq!(user["kycLevel"], 1);
    // A wallet made now starts at level 1.
    let third = p.post(&p.client_key, W, json!({ "userId": a_user })).await;
    assert_eq!(third.status, StatusCode::CREATED, "{third:?}");
    let third_id = third.body["walletId"].as_str().unwrap().to_owned();
    p.wait_for(
        &format!("{W}/{third_id}"),
        "the third wallet at level 1",
        |w| w["status"] == "READY" && w["kycLevel"] == 1,
    )
    .await;
    let history = p.bank_get(&path).await.body;
    // Level 0 on verification, the refused 255 (kept: who asked what, when), then 1.
    assert_eq!(history["levels"][1]["kycLevel"], 255);
    assert_eq!(history["levels"][1]["status"], "REFUSED");
    let last = &history["levels"][2];
    assert_eq!(last["kycLevel"], 1);
    assert_eq!(last["previousKycLevel"], 0);
    assert_eq!(last["status"], "APPLIED");
    assert_eq!(last["evidence"], "KYC-TEST: documents checked");
    assert_eq!(last["setBy"], "bank");
    assert!(last["txHash"].as_str().unwrap().starts_with("0x"), "{last}");
    assert_eq!(
        history["levels"].as_array().unwrap().len(),
        3,
        "0 on verification, the refused 255, then 1"
    );

    // Level 1: the transfer goes through; the wallet gets an IBAN.
    let accepted = p
        .post(&p.client_key, &format!("{W}/{ia}/transfer"), big)
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{accepted:?}");
    p.wait_for(&format!("{W}/{ib}"), "the transfer", |w| {
        w["balance"] == "150.00"
    })
    .await;
    let with_iban = p.iban(ia).await;
    let iban = with_iban["iban"].as_str().unwrap().to_owned();
    assert!(iban.starts_with("ES"), "{iban}");
    // Asking again gives the same IBAN.
    assert_eq!(p.iban(ia).await["iban"], iban);
    // A SEPA cash-in reaches the wallet by it.
    let cash_in = p
        .post(
            &p.bank_key,
            "/api/v1/bank/cashIns",
            json!({ "iban": iban, "amount": "5.00" }),
        )
        .await;
    assert_eq!(cash_in.status, StatusCode::ACCEPTED, "{cash_in:?}");
}

#[sqlx::test(migrations = false)]
async fn a_user_has_at_most_five_wallets(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let (user, _) = p.onboard(&p.client_key).await;
    for n in 2..=5 {
        let a = p.post(&p.client_key, W, json!({ "userId": user })).await;
        assert_eq!(a.status, StatusCode::CREATED, "wallet {n}: {a:?}");
    }
    let before = p.footprint().await;
    let sixth = p.post(&p.client_key, W, json!({ "userId": user })).await;
    assert_eq!(sixth.status, StatusCode::CONFLICT, "{sixth:?}");
    assert!(sixth.detail().contains("5 wallets"), "{}", sixth.detail());
    assert_eq!(p.footprint().await, before);
    // Another user's address is not a new wallet's.
    let other = p.user(&p.client_key).await;
    let other_address = p.get(&format!("{USERS}/{other}")).await.body["dltAddress"].clone();
    let (second, _) = p.onboard(&p.client_key).await;
    let taken = p
        .post(
            &p.client_key,
            W,
            json!({ "userId": second, "dltAddress": other_address }),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{taken:?}");
    assert!(taken.detail().contains("address"), "{}", taken.detail());
}

#[sqlx::test(migrations = false)]
async fn another_client_can_neither_see_nor_act_on_a_clients_users(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let (user, wallet) = p.onboard(&p.client_key).await;
    let fresh = p.user(&p.client_key).await;
    let ours = |path: String| path;
    let key = p.other_key.clone();
    let before = p.footprint().await;
    for (method, path, body) in [
        (Method::GET, ours(format!("{USERS}/{user}")), None),
        (Method::POST, format!("{USERS}/{fresh}/request-otp"), None),
        (
            Method::POST,
            format!("{USERS}/{fresh}/validate-otp"),
            Some(json!({ "code": "123456" })),
        ),
        (
            Method::PATCH,
            format!("{USERS}/{user}/mobile-phone"),
            Some(json!({ "mobilePhone": "+34699999999" })),
        ),
        (Method::DELETE, format!("{USERS}/{user}"), None),
        (Method::POST, W.to_owned(), Some(json!({ "userId": user }))),
        (
            Method::POST,
            format!("{W}/{}/create-iban", wallet["id"].as_str().unwrap()),
            None,
        ),
    ] {
        let body = body.map(|b| b.to_string());
        let a = p
            .raw(method.clone(), &path, Some(&key), body.as_deref(), &[])
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{method} {path}: {a:?}");
    }
    assert_eq!(p.footprint().await, before);
    let listed = p.raw(Method::GET, USERS, Some(&key), None, &[]).await;
    assert_eq!(listed.body["page"]["totalElements"], 0, "{listed:?}");
    // And a client's key is not the bank's.
    let kyc = p
        .raw(
            Method::GET,
            &format!("/api/v1/bank/users/{user}/kyc"),
            Some(&p.client_key),
            None,
            &[],
        )
        .await;
    assert_eq!(kyc.status, StatusCode::FORBIDDEN, "{kyc:?}");
    assert_eq!(
        p.store
            .outbox(Some(fresh.parse().unwrap()))
            .await
            .unwrap()
            .len(),
        0
    );
}

/// A local SMS gateway: answers `status` to every message and keeps them.
async fn gateway(status: StatusCode) -> (String, Arc<Mutex<Vec<Value>>>) {
    let got = Arc::new(Mutex::new(vec![]));
    let kept = Arc::clone(&got);
    let app = Router::new().route(
        "/sms",
        post(move |Json(body): Json<Value>| {
            let kept = Arc::clone(&kept);
            async move {
                kept.lock().unwrap().push(body);
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/sms"), got)
}

fn with_gateway(p: &mut Platform_, url: &str) {
    let state = p.state.clone().with_onboarding(Onboarding {
        clock: Arc::new(p.clock.clone()),
        sms: SmsSender::webhook(url).unwrap(),
        max_wallets: 5,
        max_favourites: 5,
    });
    p.app = emtoken_api::router(state);
}

#[sqlx::test(migrations = false)]
async fn a_failing_sms_gateway_is_a_503_and_leaves_no_valid_code(pool: sqlx::PgPool) {
    let mut p = platform(pool).await;
    let user = p.user(&p.client_key).await;
    let (url, got) = gateway(StatusCode::INTERNAL_SERVER_ERROR).await;
    with_gateway(&mut p, &url);
    let failed = request_otp(&p, &user).await;
    assert_eq!(failed.status, StatusCode::SERVICE_UNAVAILABLE, "{failed:?}");
    // Tried three times, the same message each time.
    let messages = got.lock().unwrap().clone();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages.iter().all(|m| m["id"] == messages[0]["id"]));
    let code = common::code_in(messages[0]["text"].as_str().unwrap());
    let void = validate(&p, &user, &code).await;
    assert_eq!(void.status, StatusCode::CONFLICT, "{void:?}");
    // A code the gateway never took does not count: another may be asked for at once.
    let (url, got) = gateway(StatusCode::OK).await;
    with_gateway(&mut p, &url);
    let sent = request_otp(&p, &user).await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{sent:?}");
    let message = got.lock().unwrap()[0].clone();
    assert_eq!(
        message["to"],
        p.get(&format!("{USERS}/{user}")).await.body["mobilePhone"]
    );
    assert_eq!(message["userId"], user);
    let code = common::code_in(message["text"].as_str().unwrap());
    let ok = validate(&p, &user, &code).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    // A gateway refusing the message (4xx) is not tried again.
    let other = p.user(&p.client_key).await;
    let (url, got) = gateway(StatusCode::BAD_REQUEST).await;
    with_gateway(&mut p, &url);
    let refused = request_otp(&p, &other).await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{refused:?}"
    );
    assert_eq!(got.lock().unwrap().len(), 1);
}

#[sqlx::test(migrations = false)]
async fn a_new_phone_needs_a_code_again(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let (user, wallet) = p.onboard(&p.client_key).await;
    let path = format!("{USERS}/{user}/mobile-phone");
    let bad = p
        .send(
            Method::PATCH,
            &p.client_key,
            &path,
            json!({ "mobilePhone": "612345678" }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{bad:?}");
    assert!(bad.detail().starts_with("mobilePhone"), "{}", bad.detail());
    let other = p.user(&p.client_key).await;
    let others = p.get(&format!("{USERS}/{other}")).await.body["mobilePhone"].clone();
    let taken = p
        .send(
            Method::PATCH,
            &p.client_key,
            &path,
            json!({ "mobilePhone": others }),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{taken:?}");
    let changed = p
        .send(
            Method::PATCH,
            &p.client_key,
            &path,
            json!({ "mobilePhone": "+34699000001" }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
    assert_eq!(changed.body["mobilePhone"], "+34699000001");
    assert_eq!(changed.body["mobilePhoneVerified"], false);
    // The user keeps its status and wallet.
    assert_eq!(changed.body["status"], "ACTIVATED");
    p.clock.advance(minutes(2));
    let verified = p.verify(&p.client_key, &user).await;
    assert_eq!(verified["mobilePhoneVerified"], true);
    assert_eq!(verified["status"], "ACTIVATED");
    let sms = p.store.outbox(Some(user.parse().unwrap())).await.unwrap();
    assert_eq!(sms.last().unwrap().mobile_phone, "+34699000001");
    let wallets = p.get(&format!("{W}?userId={user}")).await.body;
    assert_eq!(wallets["page"]["totalElements"], 1);
    assert_eq!(wallets["_embedded"]["wallets"][0]["id"], wallet["id"]);
}

#[sqlx::test(migrations = false)]
async fn a_user_is_unsubscribed_only_with_empty_wallets_and_for_good(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let (user, wallet) = p.onboard(&p.client_key).await;
    let id = wallet["id"].as_str().unwrap();
    let second = p.post(&p.client_key, W, json!({ "userId": user })).await;
    assert_eq!(second.status, StatusCode::CREATED, "{second:?}");
    let second_id = second.body["walletId"].as_str().unwrap().to_owned();
    p.wait_for(&format!("{W}/{second_id}"), "READY", |w| {
        w["status"] == "READY"
    })
    .await;
    p.fund(id, "3.00", "3.00").await;
    let path = format!("{USERS}/{user}");
    let busy = p
        .raw(Method::DELETE, &path, Some(&p.client_key), None, &[])
        .await;
    assert_eq!(busy.status, StatusCode::CONFLICT, "{busy:?}");
    assert!(busy.detail().contains(id), "{}", busy.detail());
    assert_eq!(p.get(&path).await.body["status"], "ACTIVATED");

    // Emptied (a cash-out the bank executes), it goes.
    let out = p
        .post(
            &p.client_key,
            &format!("{W}/{id}/cashOuts"),
            json!({ "amount": "3.00", "iban": { "accountNumber": "ES9121000418450200051332" } }),
        )
        .await;
    assert_eq!(out.status, StatusCode::ACCEPTED, "{out:?}");
    let movement = out.body["movementId"].as_str().unwrap().to_owned();
    let start = std::time::Instant::now();
    loop {
        let executed = p
            .post(
                &p.bank_key,
                &format!("/api/v1/bank/cashOuts/{movement}/execute"),
                json!({}),
            )
            .await;
        if executed.status == StatusCode::ACCEPTED {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{executed:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    p.wait_for(&format!("{W}/{id}"), "empty", |w| {
        w["balance"] == "0.00" && w["heldBalance"] == "0.00"
    })
    .await;
    let start = std::time::Instant::now();
    let gone = loop {
        let a = p
            .raw(Method::DELETE, &path, Some(&p.client_key), None, &[])
            .await;
        if a.status == StatusCode::OK || start.elapsed() > Duration::from_secs(20) {
            break a;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(gone.status, StatusCode::OK, "{gone:?}");
    assert_eq!(gone.body["status"], "UNSUBSCRIBED");
    for w in [id, second_id.as_str()] {
        let frozen = p
            .wait_for(&format!("{W}/{w}"), "UNSUBSCRIBED", |w| {
                w["status"] == "UNSUBSCRIBED"
            })
            .await;
        let address: alloy::primitives::Address =
            frozen["dltAddress"].as_str().unwrap().parse().unwrap();
        let start = std::time::Instant::now();
        while !p
            .state
            .platform
            .compliance
            .is_frozen(address)
            .await
            .unwrap()
        {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{w} never frozen"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // For good: no second time, no codes, no wallets.
    let twice = p
        .raw(Method::DELETE, &path, Some(&p.client_key), None, &[])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{twice:?}");
    let code = request_otp(&p, &user).await;
    assert_eq!(code.status, StatusCode::CONFLICT, "{code:?}");
    let more = p.post(&p.client_key, W, json!({ "userId": user })).await;
    assert_eq!(more.status, StatusCode::CONFLICT, "{more:?}");
    // The person may come back as a new user with the same document and phone (a new address).
    let old = p.get(&path).await.body;
    let n: u32 = old["documentNumber"].as_str().unwrap()[..8]
        .parse()
        .unwrap();
    let back = p
        .post(
            &p.client_key,
            "/api/v2/public/users/natural",
            person(&dni(n), old["mobilePhone"].as_str().unwrap()),
        )
        .await;
    assert_eq!(back.status, StatusCode::ACCEPTED, "{back:?}");
    assert_ne!(back.body["id"], old["id"]);
}

#[sqlx::test(migrations = false)]
async fn the_follow_up_finishes_what_a_crash_left(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    // A process died between the verification and the first wallet: the user is VERIFIED at KYC 0
    // with no wallet. The follow-up registers it.
    let user = p.user(&p.client_key).await;
    sqlx::query(
        "UPDATE users SET status = 'VERIFIED', kyc_level = 0, phone_verified_at = now()
         WHERE id = $1::uuid",
    )
    .bind(&user)
    .execute(p.store.pool())
    .await
    .unwrap();
    let page = p
        .wait_for(
            &format!("{W}?userId={user}"),
            "the first wallet READY",
            |page| page["_embedded"]["wallets"][0]["status"] == "READY",
        )
        .await;
    assert_eq!(
        page["_embedded"]["wallets"][0]["dltAddress"],
        p.get(&format!("{USERS}/{user}")).await.body["dltAddress"]
    );
    p.wait_for(&format!("{USERS}/{user}"), "ACTIVATED", |u| {
        u["status"] == "ACTIVATED"
    })
    .await;

    // A wallet recorded for the user whose registration a crash kept from the chain (no request
    // left): the follow-up registers it, at the user's level.
    let address = alloy::signers::local::PrivateKeySigner::random().address();
    let id = emtoken_store::ids::wallet_id(p.state.chain.chain_id, &address.0.0);
    sqlx::query(
        "INSERT INTO wallets (id, chain_id, address, user_id, client_id, registered_at)
         SELECT $1, $2, $3, id, client_id, now() - interval '1 minute' FROM users WHERE id = $4::uuid",
    )
    .bind(id)
    .bind(p.state.chain.chain_id)
    .bind(address.as_slice())
    .bind(&user)
    .execute(p.store.pool())
    .await
    .unwrap();
    p.wait_for(&format!("{W}/{id}"), "the lost registration", |w| {
        w["status"] == "READY" && w["kycLevel"] == 0
    })
    .await;

    // A level the user was given that never reached a wallet (a wallet made while the level was
    // changing): the follow-up sets it on chain.
    let (raised, wallet) = p.onboard(&p.client_key).await;
    sqlx::query("UPDATE users SET kyc_level = 1 WHERE id = $1::uuid")
        .bind(&raised)
        .execute(p.store.pool())
        .await
        .unwrap();
    let id = wallet["id"].as_str().unwrap();
    p.wait_for(&format!("{W}/{id}"), "the user's level on chain", |w| {
        w["kycLevel"] == 1
    })
    .await;

    // A level change left PENDING by a process that died before sending anything is settled as
    // REFUSED (nothing reached the chain), and the user keeps its level.
    sqlx::query(
        "INSERT INTO user_kyc_levels (id, user_id, level, previous, evidence, request_id, state,
                                      created_at)
         VALUES (gen_random_uuid(), $1::uuid, 2, 1, 'KYC-LOST', gen_random_uuid(), 'PENDING',
                 now() - interval '1 minute')",
    )
    .bind(&raised)
    .execute(p.store.pool())
    .await
    .unwrap();
    let history = format!("/api/v1/bank/users/{raised}/kyc");
    let start = std::time::Instant::now();
    loop {
        let h = p.bank_get(&history).await.body;
        let lost = h["levels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["evidence"] == "KYC-LOST")
            .cloned()
            .unwrap();
        if lost["status"] == "REFUSED" {
            assert_eq!(h["kycLevel"], 1);
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{lost}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // An unsubscribed user's wallet the chain has not frozen is frozen.
    let (gone, wallet) = p.onboard(&p.client_key).await;
    sqlx::query("UPDATE users SET status = 'UNSUBSCRIBED' WHERE id = $1::uuid")
        .bind(&gone)
        .execute(p.store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE wallets SET status = 'UNSUBSCRIBED' WHERE user_id = $1::uuid")
        .bind(&gone)
        .execute(p.store.pool())
        .await
        .unwrap();
    let address: alloy::primitives::Address =
        wallet["dltAddress"].as_str().unwrap().parse().unwrap();
    let start = std::time::Instant::now();
    while !p
        .state
        .platform
        .compliance
        .is_frozen(address)
        .await
        .unwrap()
    {
        assert!(start.elapsed() < Duration::from_secs(20), "never frozen");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
