//! Several currencies and issuers in one platform (issue 18), on anvil with three tokens: EUR of the
//! platform's own token (2 decimals) and of a second EUR issuer (2 decimals), and USD (6 decimals).
//! A user's wallets hold one token each, chosen by currency (and issuer when the currency has several);
//! the five-wallet rule counts them all; every wallet, movement and hold names its currency, issuer and
//! token; amounts take each token's decimals; money never moves between tokens (409, nothing sent).

mod common;

use axum::http::StatusCode;
use common::{Answer, Platform_, platform};
use serde_json::{Value, json};

const ADMIN: &str = "/api/v1/admin";
const PUBLIC: &str = "/api/v1/public";

async fn admin(p: &Platform_, path: &str, body: Value) -> String {
    let a = p.post(&p.admin_key, &format!("{ADMIN}/{path}"), body).await;
    assert_eq!(a.status, StatusCode::CREATED, "{path}: {a:?}");
    a.body["id"].as_str().unwrap().to_owned()
}

/// The three issuers: (EUR issuer of the platform's token, second EUR issuer, USD issuer), and the
/// further tokens (second EUR, USD).
struct Setup {
    eur_currency: String,
    usd_currency: String,
    eur_first: String,
    eur_second: String,
    usd: String,
    eur_token: emtoken_workload::Deployed,
    usd_token: emtoken_workload::Deployed,
}

async fn setup(p: &Platform_) -> Setup {
    let eur = admin(
        p,
        "currencies",
        json!({"code": "EUR", "name": "Euro", "decimals": 2}),
    )
    .await;
    let usd_currency = admin(
        p,
        "currencies",
        json!({"code": "USD", "name": "US dollar", "decimals": 6}),
    )
    .await;
    let eur_token = p.second_token("Second Euro", "EUR2", 2).await;
    let usd_token = p.second_token("EmToken Dollar", "USDe", 6).await;
    let issuer = |name: &str, legal: &str, currency: &str, token: alloy::primitives::Address| json!({"name": name, "legalId": legal, "currencyId": currency, "tokenAddress": format!("{token:#x}")});
    let eur_first = admin(
        p,
        "issuers",
        issuer("EmToken Money SA", "LEI-1", &eur, p.deployed.address),
    )
    .await;
    let eur_second = admin(
        p,
        "issuers",
        issuer("Second Bank AG", "LEI-2", &eur, eur_token.address),
    )
    .await;
    let usd = admin(
        p,
        "issuers",
        issuer(
            "Dollar Money Inc",
            "LEI-3",
            &usd_currency,
            usd_token.address,
        ),
    )
    .await;
    Setup {
        eur_currency: eur,
        usd_currency,
        eur_first,
        eur_second,
        usd,
        eur_token,
        usd_token,
    }
}

/// Registers a wallet of `user` with `body`'s currency / issuer choice; the answer.
async fn new_wallet(p: &Platform_, user: &str, choice: Value) -> Answer {
    let mut body = json!({ "userId": user });
    if let (Some(b), Some(c)) = (body.as_object_mut(), choice.as_object()) {
        b.extend(c.clone());
    }
    p.post(&p.client_key, &format!("{PUBLIC}/wallets"), body)
        .await
}

async fn ready(p: &Platform_, wallet: &str) -> Value {
    p.wait_for(
        &format!("{PUBLIC}/wallets/{wallet}"),
        "the wallet READY",
        |w| w["status"] == "READY",
    )
    .await
}

#[sqlx::test(migrations = false)]
async fn wallets_hold_one_token_each_and_money_stays_in_its_token(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let s = setup(&p).await;
    let (user, first) = p.onboard(&p.client_key).await;
    let first_id = first["id"].as_str().unwrap().to_owned();
    // The first wallet holds the platform's own token: EUR of the first issuer.
    let first = ready(&p, &first_id).await;
    assert_eq!(first["currency"], "EUR", "{first}");
    assert_eq!(first["issuerId"], s.eur_first.as_str(), "{first}");
    assert_eq!(
        first["contractAddress"],
        format!("{:#x}", p.deployed.address),
        "{first}"
    );

    // USD: one issuer, so the currency is enough.
    let a = new_wallet(&p, &user, json!({"currency": "USD"})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
    assert_eq!(a.body["currency"], "USD", "{a:?}");
    assert_eq!(a.body["issuerId"], s.usd.as_str(), "{a:?}");
    let usd_wallet = a.body["walletId"].as_str().unwrap().to_owned();
    let w = ready(&p, &usd_wallet).await;
    assert_eq!(
        w["contractAddress"],
        format!("{:#x}", s.usd_token.address),
        "{w}"
    );
    assert_eq!(w["balance"], "0.000000", "six decimals: {w}");

    // EUR has two issuers: the issuer must be named; a wrong pairing or unknown names are 400s.
    let before = p.footprint().await;
    for (choice, field) in [
        (json!({"currency": "EUR"}), "issuerId"),
        (json!({"currency": "usd"}), "currency"),
        (json!({"currency": "GBP"}), "currency"),
        (
            json!({"currency": "USD", "issuerId": s.eur_second}),
            "issuerId",
        ),
        (json!({"issuerId": "not-a-uuid"}), "issuerId"),
        (json!({"issuerId": uuid::Uuid::new_v4()}), "issuerId"),
    ] {
        let a = new_wallet(&p, &user, choice.clone()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{choice}: {a:?}");
        assert!(a.detail().contains(field), "{choice}: {a:?}");
    }
    assert_eq!(p.footprint().await, before, "nothing written or sent");
    let a = new_wallet(&p, &user, json!({"issuerId": s.eur_second})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
    assert_eq!(a.body["currency"], "EUR", "{a:?}");
    let second_eur = a.body["walletId"].as_str().unwrap().to_owned();
    let w = ready(&p, &second_eur).await;
    assert_eq!(
        w["contractAddress"],
        format!("{:#x}", s.eur_token.address),
        "{w}"
    );

    // The five-wallet rule counts every currency: two more, then a 409.
    for choice in [json!({"currency": "USD"}), json!({})] {
        let a = new_wallet(&p, &user, choice).await;
        assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
    }
    let a = new_wallet(&p, &user, json!({"currency": "USD"})).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{a:?}");
    assert!(a.detail().contains("5 wallets"), "{a:?}");

    // A token whose index has not started yet (registered a moment ago): 503, nothing written.
    let gbp = admin(
        &p,
        "currencies",
        json!({"code": "GBP", "name": "Pound sterling", "decimals": 2}),
    )
    .await;
    let unindexed = emtoken_workload::Deployed::deploy_token(&p.node, "EmToken Pound", "GBPe", 2)
        .await
        .unwrap();
    admin(
        &p,
        "issuers",
        json!({"name": "Pound Issuer Ltd", "legalId": "LEI-4", "currencyId": gbp,
               "tokenAddress": format!("{:#x}", unindexed.address)}),
    )
    .await;
    let before = p.footprint().await;
    let a = new_wallet(&p, &user, json!({"currency": "GBP"})).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{a:?}");
    assert!(a.detail().contains("try again"), "{a:?}");
    assert_eq!(p.footprint().await.0, before.0, "nothing written");

    // Amounts take each token's decimals: six for USD, two for EUR.
    p.fund(&usd_wallet, "12.345678", "12.345678").await;
    let too_fine = p
        .post(
            &p.bank_key,
            "/api/v1/bank/cashIns",
            json!({ "walletId": first_id, "amount": "1.234" }),
        )
        .await;
    assert_eq!(too_fine.status, StatusCode::BAD_REQUEST, "{too_fine:?}");
    assert!(too_fine.detail().contains("amount"), "{too_fine:?}");
    p.fund(&first_id, "20.00", "20.00").await;

    // Between tokens: 409, nothing written or sent — a USD wallet cannot pay an EUR one, nor can
    // EUR of one issuer pay EUR of the other.
    let before = p.footprint().await;
    for (from, to) in [
        (&usd_wallet, &first_id),
        (&first_id, &second_eur),
        (&first_id, &usd_wallet),
    ] {
        for path in ["transfer", "hold"] {
            let a = p
                .post(
                    &p.client_key,
                    &format!("{PUBLIC}/wallets/{from}/{path}"),
                    json!({ "targetWalletId": to, "amount": "1.00" }),
                )
                .await;
            assert_eq!(
                a.status,
                StatusCode::CONFLICT,
                "{path} {from} → {to}: {a:?}"
            );
            assert!(a.detail().contains("same token"), "{a:?}");
        }
    }
    assert_eq!(p.footprint().await, before, "nothing written or sent");

    // Within USD: another user's USD wallet is paid, in six decimals; both movements name USD.
    let (other, _) = p.onboard(&p.client_key).await;
    let a = new_wallet(&p, &other, json!({"currency": "USD"})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
    let payee = a.body["walletId"].as_str().unwrap().to_owned();
    ready(&p, &payee).await;
    let t = p
        .post(
            &p.client_key,
            &format!("{PUBLIC}/wallets/{usd_wallet}/transfer"),
            json!({ "targetWalletId": payee, "amount": "2.000001" }),
        )
        .await;
    assert_eq!(t.status, StatusCode::ACCEPTED, "{t:?}");
    let m = p
        .wait_for(
            &format!(
                "{PUBLIC}/wallets/{payee}/movements/{}",
                t.body["targetMovementId"].as_str().unwrap()
            ),
            "the transfer SUCCESS",
            |m| m["status"] == "SUCCESS",
        )
        .await;
    assert_eq!(m["amount"], "2.000001", "{m}");
    assert_eq!(m["currency"], "USD", "{m}");
    assert_eq!(m["issuerId"], s.usd.as_str(), "{m}");
    assert_eq!(
        m["contractAddress"],
        format!("{:#x}", s.usd_token.address),
        "{m}"
    );
    let w = p
        .wait_for(
            &format!("{PUBLIC}/wallets/{usd_wallet}"),
            "the payer's balance",
            |w| w["balance"] == "10.345677",
        )
        .await;
    assert_eq!(w["currency"], "USD");
    // The chain agrees: the USD token moved, the EUR tokens did not.
    let usd_of = |wallet: &Value| {
        wallet["dltAddress"]
            .as_str()
            .unwrap()
            .parse::<alloy::primitives::Address>()
            .unwrap()
    };
    let units = s.usd_token.operator.balance_of(usd_of(&w)).await.unwrap();
    assert_eq!(units.to_string(), "10.345677");

    // A top-up request of the USD wallet is in dollars.
    let bank = admin(
        &p,
        "bank-catalog",
        json!({"name": "Deutsche Bank", "bic": "DEUTDEFF", "country": "DE"}),
    )
    .await;
    let top_up = p
        .post(
            &p.client_key,
            &format!("{PUBLIC}/wallets/{usd_wallet}/top-up-requests"),
            json!({ "amount": "5.5", "bankId": bank, "reference": "TRANSFER-1" }),
        )
        .await;
    assert_eq!(top_up.status, StatusCode::ACCEPTED, "{top_up:?}");
    assert_eq!(top_up.body["currency"], "USD", "{top_up:?}");
    assert_eq!(top_up.body["amount"], "5.500000", "{top_up:?}");

    // A hold within USD names USD too.
    let h = p
        .post(
            &p.client_key,
            &format!("{PUBLIC}/wallets/{usd_wallet}/hold"),
            json!({ "targetWalletId": payee, "amount": "0.5" }),
        )
        .await;
    assert_eq!(h.status, StatusCode::ACCEPTED, "{h:?}");
    assert_eq!(h.body["currency"], "USD", "{h:?}");
    assert_eq!(h.body["heldValue"], "0.500000", "{h:?}");

    // The wallet list shows each wallet's own currency.
    let list = p
        .get(&format!("{PUBLIC}/wallets?userId={user}&size=10"))
        .await;
    let currencies: Vec<&str> = list.body["_embedded"]["wallets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["currency"].as_str().unwrap())
        .collect();
    assert_eq!(currencies.len(), 5, "{list:?}");
    assert_eq!(currencies.iter().filter(|c| **c == "USD").count(), 2);
    assert_eq!(currencies.iter().filter(|c| **c == "EUR").count(), 3);
}

/// Terms and an amount in `decimals`: (fixed, percent, minimum, maximum, rounding, amount), as text.
type Case = (
    String,
    String,
    Option<String>,
    Option<String>,
    &'static str,
    String,
);

/// `n` cases for a token of `decimals`, drawn by proptest's deterministic runner (the same cases each
/// run, so a failure is reproduced by running the test again).
fn cases(decimals: u8, n: usize) -> Vec<Case> {
    use proptest::{prelude::*, strategy::ValueTree, test_runner::TestRunner};
    let unit = 10u64.pow(u32::from(decimals));
    let text = move |units: u64| {
        rust_decimal::Decimal::from_i128_with_scale(i128::from(units), u32::from(decimals))
            .to_string()
    };
    let strategy = (
        0..=5 * unit,
        0u64..=100_000,
        proptest::option::of(0..=2 * unit),
        proptest::option::of(0..=20 * unit),
        prop_oneof![Just("HALF_UP"), Just("HALF_EVEN"), Just("UP"), Just("DOWN")],
        unit / 100..=200 * unit,
    );
    let mut runner = TestRunner::deterministic();
    (0..n)
        .map(|_| {
            let (fixed, percent, minimum, maximum, rounding, amount) =
                strategy.new_tree(&mut runner).unwrap().current();
            // A maximum below the minimum is refused by the admin side: keep them in order.
            let maximum = match (minimum, maximum) {
                (Some(lo), Some(hi)) => Some(hi.max(lo)),
                (_, hi) => hi,
            };
            (
                text(fixed),
                rust_decimal::Decimal::from_i128_with_scale(i128::from(percent), 4).to_string(),
                minimum.map(text),
                maximum.map(text),
                rounding,
                text(amount),
            )
        })
        .collect()
}

fn dec(v: &Value) -> rust_decimal::Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
        .parse()
        .unwrap()
}

/// The property the platform promises (issue 18): whatever the terms and the amount, an operation
/// charges exactly the commission `…/calculate` quoted for the same inputs at that time — on the
/// payer's COMMISSION movement, on the payer's balance (amount + commission) and in the fee account on
/// chain — in each token's decimals (EUR 2, USD 6).
#[sqlx::test(migrations = false)]
async fn charged_commissions_equal_their_quotes_for_any_terms_and_amount(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let s = setup(&p).await;
    let fees = p.deployed.address_of(emtoken_test_utils::Role::Carol);
    // A fresh client of the admin key (the deployments of the further tokens used its nonces), and the
    // same key on the USD token in the same nonce order (`EmTokenClient::at`).
    let admin_key = p
        .deployed
        .builder(emtoken_test_utils::Role::Admin)
        .unwrap()
        .connect(p.deployed.address)
        .await
        .unwrap();
    admin_key.set_fee_account(fees).await.unwrap();
    let usd_admin = admin_key.at(s.usd_token.address).await.unwrap();
    usd_admin.set_fee_account(fees).await.unwrap();
    let (payer, eur_payer) = p.onboard(&p.client_key).await;
    let (payee, eur_payee) = p.onboard(&p.client_key).await;
    let mut usd = vec![];
    for user in [&payer, &payee] {
        let a = new_wallet(&p, user, json!({"currency": "USD"})).await;
        assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
        let id = a.body["walletId"].as_str().unwrap().to_owned();
        ready(&p, &id).await;
        usd.push(id);
    }
    // Level 2: no limits in the way of the amounts drawn.
    p.kyc(&payer, 2).await;
    p.kyc(&payee, 2).await;
    let ids = |w: &Value| w["id"].as_str().unwrap().to_owned();
    let eur_ids = (ids(&eur_payer), ids(&eur_payee));
    p.fund(&eur_ids.0, "9000.00", "9000.00").await;
    p.fund(&usd[0], "9000", "9000.000000").await;
    for (code, currency, decimals, from, to, chain) in [
        (
            "EUR",
            &s.eur_currency,
            2u8,
            eur_ids.0.clone(),
            eur_ids.1.clone(),
            &p.deployed.operator,
        ),
        (
            "USD",
            &s.usd_currency,
            6u8,
            usd[0].clone(),
            usd[1].clone(),
            &s.usd_token.operator,
        ),
    ] {
        let profile = admin(
            &p,
            "commissions",
            json!({"operation": "TRANSFER", "currencyId": currency, "fixed": "0"}),
        )
        .await;
        let mut charged = 0;
        for (fixed, percent, minimum, maximum, rounding, amount) in cases(decimals, 8) {
            let terms = json!({
                "fixed": fixed, "percent": percent, "minimum": minimum, "maximum": maximum,
                "rounding": rounding,
            });
            let v = p
                .post(
                    &p.admin_key,
                    &format!("{ADMIN}/commissions/{profile}/versions"),
                    terms.clone(),
                )
                .await;
            assert_eq!(v.status, StatusCode::CREATED, "{terms}: {v:?}");
            let q = p
                .post(
                    &p.client_key,
                    &format!("{PUBLIC}/wallets/{from}/transfer/calculate"),
                    json!({ "amount": amount }),
                )
                .await;
            assert_eq!(q.status, StatusCode::OK, "{terms} {amount}: {q:?}");
            let (quoted, total) = (dec(&q.body["commission"]), dec(&q.body["total"]));
            assert_eq!(total, dec(&json!(amount)) + quoted, "{q:?}");
            if let Some(lo) = &minimum {
                assert!(quoted >= lo.parse().unwrap(), "{terms}: {q:?}");
            }
            if let Some(hi) = &maximum {
                assert!(quoted <= hi.parse().unwrap(), "{terms}: {q:?}");
            }
            let before = p.get(&format!("{PUBLIC}/wallets/{from}")).await.body;
            let fees_before = chain.balance_of(fees).await.unwrap().to_decimal();
            let t = p
                .post(
                    &p.client_key,
                    &format!("{PUBLIC}/wallets/{from}/transfer"),
                    json!({ "targetWalletId": to, "amount": amount }),
                )
                .await;
            assert_eq!(t.status, StatusCode::ACCEPTED, "{terms} {amount}: {t:?}");
            assert_eq!(
                dec(&t.body["commission"]),
                quoted,
                "{terms} {amount}: {t:?}"
            );
            let out = t.body["movementId"].as_str().unwrap();
            p.wait_for(
                &format!("{PUBLIC}/wallets/{from}/movements/{out}"),
                "the transfer SUCCESS",
                |m| m["status"] == "SUCCESS",
            )
            .await;
            let expected = dec(&before["balance"]) - total;
            let after = p
                .wait_for(
                    &format!("{PUBLIC}/wallets/{from}"),
                    "the payer's balance",
                    |w| w["balance"].as_str().and_then(|b| b.parse().ok()) == Some(expected),
                )
                .await;
            assert_eq!(after["currency"], code);
            if quoted.is_zero() {
                assert!(t.body["commissionMovementId"].is_null(), "{t:?}");
            } else {
                charged += 1;
                let c = t.body["commissionMovementId"].as_str().unwrap();
                let m = p
                    .wait_for(
                        &format!("{PUBLIC}/wallets/{from}/movements/{c}"),
                        "the COMMISSION movement SUCCESS",
                        |m| m["status"] == "SUCCESS",
                    )
                    .await;
                assert_eq!(m["type"], "COMMISSION", "{m}");
                assert_eq!(dec(&m["amount"]), quoted, "{terms} {amount}: {m}");
                assert_eq!(m["currency"], code, "{m}");
            }
            let fees_after = chain.balance_of(fees).await.unwrap().to_decimal();
            assert_eq!(
                fees_after - fees_before,
                quoted,
                "{terms} {amount}: the fee account"
            );
        }
        // The cases are not degenerate: most of them charge something.
        assert!(
            charged >= 4,
            "{code}: only {charged} of 8 cases charged a commission"
        );
    }
}

/// An issuer's token deployed by the platform through the admin side: the issuer's keys in the admin,
/// pauser and upgrader roles, the platform's in the operator and compliance ones, the tiers and the
/// minter allowance as asked; bad settings are 400s naming the field with nothing deployed; the new
/// token then serves wallets of its currency.
#[sqlx::test(migrations = false)]
async fn an_issuers_token_is_deployed_through_the_admin_side(pool: sqlx::PgPool) {
    use emtoken_sdk::Role as OnChain;
    use emtoken_test_utils::Role;
    let p = platform(pool).await;
    let chf = admin(
        &p,
        "currencies",
        json!({"code": "CHF", "name": "Swiss franc", "decimals": 2}),
    )
    .await;
    let hex = |role: Role| format!("{:#x}", p.deployed.address_of(role));
    let suspense = format!("{:#x}", alloy::primitives::Address::repeat_byte(0x5a));
    let deploy = json!({
        "name": "EmToken Franc", "symbol": "CHFe", "admin": hex(Role::Dave), "pauser": hex(Role::Pauser),
        "upgrader": hex(Role::Upgrader), "suspense": suspense, "minterAllowance": "1000000",
        "tiers": [
            {"kycLevel": 0, "maxBalance": "250", "maxTransfer": "100", "maxOutflow30d": "150"},
            {"kycLevel": 1, "maxBalance": "10000", "maxTransfer": "5000", "maxOutflow30d": "15000"}
        ],
        "feeAccount": {"address": hex(Role::Carol), "kycLevel": 1}
    });
    let issuer = |deploy: Value| json!({"name": "Franc Issuer AG", "legalId": "LEI-CHF", "currencyId": chf, "deploy": deploy});
    let with = |field: &str, value: Value| {
        let mut d = deploy.clone();
        d[field] = value;
        d
    };
    // Bad settings: 400 naming the field, nothing sent.
    let before = p.footprint().await;
    let mut both = issuer(deploy.clone());
    both["tokenAddress"] = json!(format!("{:#x}", p.deployed.address));
    let mut neither = issuer(deploy.clone());
    neither.as_object_mut().unwrap().remove("deploy");
    for (body, field) in [
        (both, "tokenAddress"),
        (neither, "tokenAddress"),
        (
            issuer(with("admin", json!(hex(Role::Operator)))),
            "deploy.admin",
        ),
        (
            issuer(with("upgrader", json!(hex(Role::Dave)))),
            "deploy.upgrader",
        ),
        (issuer(with("suspense", json!("0x12"))), "deploy.suspense"),
        (issuer(with("symbol", json!("CHF e"))), "deploy.symbol"),
        (
            issuer(with("minterAllowance", json!("1_0"))),
            "deploy.minterAllowance",
        ),
        (issuer(with("tiers", json!([]))), "deploy.tiers"),
        (
            issuer(with("tiers", json!([{"kycLevel": 0}, {"kycLevel": 0}]))),
            "deploy.tiers[1].kycLevel",
        ),
        (
            issuer(with(
                "tiers",
                json!([{"kycLevel": 0, "maxBalance": "1.001"}]),
            )),
            "deploy.tiers[0].maxBalance",
        ),
        (
            issuer(with(
                "feeAccount",
                json!({"address": hex(Role::Carol), "kycLevel": 7}),
            )),
            "deploy.feeAccount.kycLevel",
        ),
        (
            issuer(with(
                "feeAccount",
                json!({"address": hex(Role::Operator), "kycLevel": 2}),
            )),
            "deploy.feeAccount.address",
        ),
    ] {
        let a = p
            .post(&p.admin_key, &format!("{ADMIN}/issuers"), body.clone())
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}: {a:?}");
        assert!(a.detail().starts_with(field), "{field}: {a:?}");
    }
    assert_eq!(p.footprint().await, before, "nothing deployed");

    let a = p
        .post(
            &p.admin_key,
            &format!("{ADMIN}/issuers"),
            issuer(deploy.clone()),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
    assert_eq!(a.body["tokenSymbol"], "CHFe", "{a:?}");
    let token: alloy::primitives::Address =
        a.body["tokenAddress"].as_str().unwrap().parse().unwrap();
    let reader = &p.deployed.operator;
    let mut roles = vec![];
    for (role, who) in [
        (OnChain::Admin, Role::Dave),
        (OnChain::Upgrader, Role::Upgrader),
        (OnChain::Pauser, Role::Pauser),
        (OnChain::Operator, Role::Operator),
        (OnChain::Compliance, Role::Compliance),
        (OnChain::Admin, Role::Operator),
    ] {
        let account = p.deployed.address_of(who);
        roles.push(reader.has_role_on(token, role, account).await.unwrap());
    }
    // The issuer's keys hold their roles, the platform's theirs, and the platform's key handed the
    // admin role over.
    assert_eq!(roles, [true, true, true, true, true, false]);
    let chf_token = reader.at(token).await.unwrap();
    let fees = p.deployed.address_of(Role::Carol);
    assert_eq!(chf_token.fee_account().await.unwrap(), Some(fees));
    let tier = chf_token.tier_of(0).await.unwrap();
    assert_eq!(tier.max_balance.unwrap().to_string(), "250.00");
    // The same legal id again: 409, nothing deployed.
    let before = p.footprint().await;
    let again = p
        .post(&p.admin_key, &format!("{ADMIN}/issuers"), issuer(deploy))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");
    assert_eq!(p.footprint().await.1, before.1, "nothing deployed");

    // The new token serves wallets of its currency.
    p.follow(token).await;
    let (user, _) = p.onboard(&p.client_key).await;
    let w = new_wallet(&p, &user, json!({"currency": "CHF"})).await;
    assert_eq!(w.status, StatusCode::CREATED, "{w:?}");
    let id = w.body["walletId"].as_str().unwrap().to_owned();
    ready(&p, &id).await;
    p.fund(&id, "10.00", "10.00").await;
    let units = chf_token
        .balance_of(w.body["dltAddress"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap();
    assert_eq!(units.to_string(), "10.00");
    // Its commissions reach the fee account the deployment set.
    admin(
        &p,
        "commissions",
        json!({"operation": "TRANSFER", "currencyId": chf, "fixed": "0.10"}),
    )
    .await;
    let other = new_wallet(&p, &user, json!({"currency": "CHF"})).await;
    assert_eq!(other.status, StatusCode::CREATED, "{other:?}");
    let other = other.body["walletId"].as_str().unwrap().to_owned();
    ready(&p, &other).await;
    let t = p
        .post(
            &p.client_key,
            &format!("{PUBLIC}/wallets/{id}/transfer"),
            json!({ "targetWalletId": other, "amount": "1.00" }),
        )
        .await;
    assert_eq!(t.status, StatusCode::ACCEPTED, "{t:?}");
    assert_eq!(t.body["commission"], "0.10", "{t:?}");
    p.wait_for(
        &format!("{PUBLIC}/wallets/{id}"),
        "the payer's balance",
        |w| w["balance"] == "8.90",
    )
    .await;
    assert_eq!(
        chf_token.balance_of(fees).await.unwrap().to_string(),
        "0.10"
    );

    // A level the franc has no tier for: refused before anything is written or sent, on every token of
    // the user (its euro wallet could take level 2; its franc wallets could not).
    let before = p.footprint().await;
    let refused = p
        .post(
            &p.bank_key,
            &format!("/api/v1/bank/users/{user}/kyc"),
            json!({ "kycLevel": 2, "evidence": "KYC-TEST: documents checked" }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    assert_eq!(p.footprint().await, before, "nothing written or sent");
    let u = p.get(&format!("{PUBLIC}/users/{user}")).await;
    assert_eq!(u.body["kycLevel"], 0, "{u:?}");
    p.kyc(&user, 1).await;
}
