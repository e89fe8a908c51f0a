//! `emtoken currencies`, `emtoken issuers` and `emtoken bank-catalog`: the admin's catalogue from the
//! command line, with the API's checks (a token read on the chain before its issuer is registered),
//! refusals that name the flag and write nothing, and `api-key create --admin`.

mod common;

use common::{Db, failure, lower, success};
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use serde_json::Value;

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[tokio::test]
async fn currencies_and_banks_are_added_once_and_bad_flags_are_named() {
    let db = Db::fresh().await;
    let eur = json(&success(&db.emtoken(&[
        "--json",
        "currencies",
        "add",
        "--code",
        "EUR",
        "--name",
        "Euro",
        "--decimals",
        "2",
    ])));
    assert_eq!(
        (eur["code"].as_str(), eur["decimals"].as_i64()),
        (Some("EUR"), Some(2))
    );
    let again = failure(&db.emtoken(&[
        "currencies",
        "add",
        "--code",
        "EUR",
        "--name",
        "Euro",
        "--decimals",
        "2",
    ]));
    assert!(
        again.contains("--code EUR") && again.contains(eur["id"].as_str().unwrap()),
        "{again}"
    );
    for (args, flag) in [
        (
            ["--code", "eur", "--name", "Euro", "--decimals", "2"],
            "--code",
        ),
        (["--code", "USD", "--name", "", "--decimals", "2"], "--name"),
        (
            ["--code", "USD", "--name", "Dollar", "--decimals", "19"],
            "--decimals",
        ),
    ] {
        let mut all = vec!["currencies", "add"];
        all.extend(args);
        let text = failure(&db.emtoken(&all));
        assert!(text.contains(flag), "{flag}: {text}");
    }
    let list = json(&success(&db.emtoken(&["--json", "currencies", "list"])));
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    let bank = json(&success(&db.emtoken(&[
        "--json",
        "bank-catalog",
        "add",
        "--name",
        "Deutsche Bank",
        "--bic",
        "DEUTDEFF",
        "--country",
        "DE",
    ])));
    assert_eq!(bank["bic"], "DEUTDEFF");
    let same = failure(&db.emtoken(&[
        "bank-catalog",
        "add",
        "--name",
        "Deutsche",
        "--bic",
        "DEUTDEFFXXX",
        "--country",
        "DE",
    ]));
    assert!(
        same.contains("--bic") && same.contains(bank["id"].as_str().unwrap()),
        "{same}"
    );
    let country = failure(&db.emtoken(&[
        "bank-catalog",
        "add",
        "--name",
        "Santander",
        "--bic",
        "BSCHESMM",
        "--country",
        "FR",
    ]));
    assert!(
        country.contains("--country") && country.contains("country letters are ES"),
        "{country}"
    );
    let text = success(&db.emtoken(&["bank-catalog", "list", "--country", "DE"]));
    assert!(
        text.contains("DEUTDEFF") && text.contains("Deutsche Bank"),
        "{text}"
    );
    let banks = json(&success(&db.emtoken(&["--json", "bank-catalog", "list"])));
    assert_eq!(banks.as_array().unwrap().len(), 1, "{banks}");

    let admin =
        json(&success(&db.emtoken(&[
            "--json", "api-key", "create", "--client", "ops", "--admin",
        ])));
    assert_eq!(admin["role"], "ADMIN", "{admin}");
    let both = failure(&db.emtoken(&["api-key", "create", "--client", "x", "--admin", "--bank"]));
    assert!(
        both.contains("--bank") || both.contains("--admin"),
        "{both}"
    );
}

#[tokio::test]
async fn an_issuers_token_is_read_on_the_chain_before_it_is_registered() {
    let db = Db::fresh().await;
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let rpc = d.endpoint().to_string();
    let (operator, compliance) = (
        lower(d.address_of(Role::Operator)),
        lower(d.address_of(Role::Compliance)),
    );
    let token = lower(d.address);
    success(&db.emtoken(&[
        "currencies",
        "add",
        "--code",
        "EUR",
        "--name",
        "Euro",
        "--decimals",
        "2",
    ]));
    success(&db.emtoken(&[
        "currencies",
        "add",
        "--code",
        "USD",
        "--name",
        "Dollar",
        "--decimals",
        "6",
    ]));
    let add = |currency: &str, token: &str, operator: &str| {
        db.emtoken(&[
            "--json",
            "issuers",
            "add",
            "--name",
            "EmToken Money SA",
            "--legal-id",
            "LEI-1",
            "--currency",
            currency,
            "--token",
            token,
            "--rpc",
            &rpc,
            "--operator",
            operator,
            "--compliance",
            &compliance,
        ])
    };
    let decimals = failure(&add("USD", &token, &operator));
    assert!(
        decimals.contains("--token") && decimals.contains("2 decimals"),
        "{decimals}"
    );
    let no_code = failure(&add("EUR", &lower(d.address_of(Role::Alice)), &operator));
    assert!(no_code.contains("--token"), "{no_code}");
    let roles = failure(&add("EUR", &token, &lower(d.address_of(Role::Bob))));
    assert!(roles.contains("operator role"), "{roles}");
    let unknown = failure(&add("GBP", &token, &operator));
    assert!(unknown.contains("--currency GBP"), "{unknown}");
    let none = json(&success(&db.emtoken(&["--json", "issuers", "list"])));
    assert_eq!(none.as_array().unwrap().len(), 0, "nothing written: {none}");

    let issuer = json(&success(&add("EUR", &token, &operator)));
    assert_eq!(
        (
            issuer["currencyCode"].as_str(),
            issuer["tokenSymbol"].as_str()
        ),
        (Some("EUR"), Some("EURe"))
    );
    assert_eq!(issuer["chainId"], 31337);
    let twice = failure(&add("EUR", &token, &operator));
    assert!(
        twice.contains("--legal-id") && twice.contains(issuer["id"].as_str().unwrap()),
        "{twice}"
    );
    let text = success(&db.emtoken(&["issuers", "list", "--currency", "EUR"]));
    assert!(
        text.contains("EmToken Money SA") && text.contains(&token),
        "{text}"
    );
    let usd = json(&success(&db.emtoken(&[
        "--json",
        "issuers",
        "list",
        "--currency",
        "USD",
    ])));
    assert_eq!(usd.as_array().unwrap().len(), 0, "{usd}");
}

#[tokio::test]
async fn an_issuers_token_is_deployed_from_the_command_line() {
    let db = Db::fresh().await;
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let rpc = d.endpoint().to_string();
    success(&db.emtoken(&[
        "currencies",
        "add",
        "--code",
        "USD",
        "--name",
        "Dollar",
        "--decimals",
        "6",
    ]));
    let key = format!("{:#x}", node.signer(Role::Dave).unwrap().to_bytes());
    let at = |role: Role| lower(d.address_of(role));
    let suspense = lower(alloy::primitives::Address::repeat_byte(0x5a));
    let deploy = |overrides: &[(&str, &str)]| {
        let mut flags: Vec<(String, String)> = [
            ("--name", "Dollar Money Inc".to_owned()),
            ("--legal-id", "LEI-USD".to_owned()),
            ("--currency", "USD".to_owned()),
            ("--token-name", "EmToken Dollar".to_owned()),
            ("--symbol", "USDe".to_owned()),
            ("--rpc", rpc.clone()),
            ("--deployer-key", key.clone()),
            ("--operator", at(Role::Operator)),
            ("--compliance", at(Role::Compliance)),
            ("--admin", at(Role::Dave)),
            ("--pauser", at(Role::Pauser)),
            ("--upgrader", at(Role::Upgrader)),
            ("--suspense", suspense.clone()),
            ("--minter-allowance", "1000000".to_owned()),
            ("--tier", "0:250:100:150".to_owned()),
        ]
        .into_iter()
        .map(|(f, v)| (f.to_owned(), v))
        .collect();
        for (flag, value) in overrides {
            match flags.iter_mut().find(|(f, _)| f == flag) {
                Some(slot) => slot.1 = (*value).to_owned(),
                None => flags.push(((*flag).to_owned(), (*value).to_owned())),
            }
        }
        let mut args = vec![
            "--json".to_owned(),
            "issuers".to_owned(),
            "deploy".to_owned(),
        ];
        for (f, v) in flags {
            args.push(f);
            args.push(v);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        db.emtoken(&args)
    };
    let block = || async {
        alloy::providers::Provider::get_block_number(d.operator.provider())
            .await
            .unwrap()
    };
    let before = block().await;
    let operator = at(Role::Operator);
    let dave = at(Role::Dave);
    for (overrides, flag) in [
        (vec![("--admin", operator.as_str())], "--admin"),
        (vec![("--upgrader", dave.as_str())], "--upgrader"),
        (vec![("--symbol", "US D")], "--symbol"),
        (vec![("--minter-allowance", "1_0")], "--minter-allowance"),
        (
            vec![("--tier", "0:1.0000001:-:-")],
            "--tier (tiers[0].maxBalance)",
        ),
        (vec![("--tier", "zero:-:-:-")], "--tier"),
        (vec![("--currency", "GBP")], "--currency GBP"),
    ] {
        let out = failure(&deploy(&overrides));
        assert!(out.contains(flag), "{flag}: {out}");
    }
    assert_eq!(block().await, before, "nothing sent");

    let issuer = json(&success(&deploy(&[("--tier", "2:-:-:-")])));
    assert_eq!(issuer["tokenSymbol"], "USDe", "{issuer}");
    assert_eq!(issuer["currencyCode"], "USD", "{issuer}");
    let token: alloy::primitives::Address =
        issuer["tokenAddress"].as_str().unwrap().parse().unwrap();
    let roles = [
        (emtoken_sdk::Role::Admin, Role::Dave, true),
        (emtoken_sdk::Role::Operator, Role::Operator, true),
        (emtoken_sdk::Role::Compliance, Role::Compliance, true),
        (emtoken_sdk::Role::Upgrader, Role::Upgrader, true),
        (emtoken_sdk::Role::Admin, Role::Operator, false),
    ];
    for (role, who, held) in roles {
        let has = d
            .operator
            .has_role_on(token, role, d.address_of(who))
            .await
            .unwrap();
        assert_eq!(has, held, "{role:?} of {who:?}");
    }
    let usd = d.operator.at(token).await.unwrap();
    assert_eq!(usd.decimals(), 6);
    assert!(usd.tier_of(2).await.unwrap().max_balance.is_none());
    let listed = json(&success(&db.emtoken(&["--json", "issuers", "list"])));
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");

    // The same legal id again: refused before anything is sent.
    let before = block().await;
    let again = failure(&deploy(&[]));
    assert!(again.contains("--legal-id"), "{again}");
    assert_eq!(block().await, before, "nothing deployed");
}
