//! Every example of `crates/sdk/examples` runs against a fresh dev node deployed as `scripts/devnet up`
//! deploys (the forge script's tiers, no wallet registered), in the order a reader would run them, twice
//! (the second pass finds the wallets registered and funds already there); a missing node fails with a
//! clear message.

mod common;

use std::process::{Command, Output};

use common::amount;
use emtoken_sdk::{DeployConfig, Roles, Tier, deploy};
use emtoken_test_utils::{DevNode, ProfileName, Role};

/// In the order a reader runs them: registration first, then cash-in, then what spends it.
const EXAMPLES: [&str; 7] = [
    "register_wallets",
    "card_cash_in",
    "bank_cash_in",
    "transfer",
    "two_step_transfer",
    "hold",
    "cash_out",
];

fn cargo(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("EMTOKEN_PROFILE")
        .env_remove("EMTOKEN_RPC_URL")
        .env_remove("EMTOKEN_ADDRESS");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run cargo")
}

fn run_example(name: &str, env: &[(&str, &str)]) -> Output {
    cargo(
        &[
            "run",
            "--quiet",
            "--offline",
            "-p",
            "emtoken-sdk",
            "--example",
            name,
        ],
        env,
    )
}

/// The forge script's default tiers (contracts/script/Deploy.s.sol), in whole euros.
fn tier(balance: &str, transfer: &str, outflow: &str) -> Tier {
    let limit = |text: &str| (text != "0").then(|| amount(text));
    Tier {
        max_balance: limit(balance),
        max_transfer: limit(transfer),
        max_outflow_30d: limit(outflow),
    }
}

#[tokio::test]
async fn every_example_runs_against_a_fresh_devnet() {
    // Build them all at once first (in parallel); each run below is then a no-op build.
    let built = cargo(
        &[
            "build",
            "--quiet",
            "--offline",
            "-p",
            "emtoken-sdk",
            "--examples",
        ],
        &[],
    );
    assert!(
        built.status.success(),
        "building the examples failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );

    let node = DevNode::spawn(ProfileName::Dev).expect("spawn anvil");
    let address = |role| node.address(role).expect("address");
    let config = DeployConfig {
        name: "EmToken Euro".to_owned(),
        symbol: "EURe".to_owned(),
        decimals: 2,
        roles: Roles {
            admin: address(Role::Admin),
            operator: address(Role::Operator),
            compliance: address(Role::Compliance),
            pauser: address(Role::Pauser),
            upgrader: address(Role::Upgrader),
            minter_admin: address(Role::MinterAdmin),
        },
        suspense: address(Role::Suspense),
        minter_allowance: emtoken_sdk::Amount::from_base_units(
            alloy::primitives::U256::from(emtoken_sdk::MAX_BASE_UNITS),
            2,
        )
        .unwrap(),
        tiers: vec![
            (0, tier("250", "250", "500")),
            (1, tier("10000", "5000", "15000")),
            (2, tier("0", "0", "0")),
        ],
    };
    let (deployment, admin) = deploy(common::builder(&node, Role::Admin), &config)
        .await
        .expect("deploy");
    let url = node.endpoint_url().to_string();
    let token = deployment.address.to_string();
    let env = [
        ("EMTOKEN_RPC_URL", url.as_str()),
        ("EMTOKEN_ADDRESS", token.as_str()),
    ];

    // The second pass finds the contract as a reader does after `scripts/devnet up`, through
    // contracts/deployments/31337.json, when that file names the same address (the admin's first
    // deployment on a fresh node lands at the same address).
    let recorded = std::fs::read_to_string(
        emtoken_test_utils::repo_root().join("contracts/deployments/31337.json"),
    )
    .unwrap_or_default();
    let through_file = recorded.to_lowercase().contains(&token.to_lowercase());
    for pass in 1..=2 {
        let env = if pass == 2 && through_file {
            &env[..1]
        } else {
            &env[..]
        };
        for name in EXAMPLES {
            let output = run_example(name, env);
            let stdout = String::from_utf8_lossy(&output.stdout);
            println!("--- {name} (pass {pass})\n{stdout}");
            assert!(
                output.status.success(),
                "example {name} (pass {pass}) failed:\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(
                stdout.contains(&token),
                "{name} does not say which contract it uses:\n{stdout}"
            );
        }
    }

    // What the two passes leave. Each pass: alice +100 card, −10 transfer, −5 operator transfer, −20
    // two-step, −25 hold (10 + 15 executed), −25 cash-out; bob +50 fund order and what alice sent him.
    let read = |role| admin.balance_of(address(role));
    assert_eq!(read(Role::Alice).await.unwrap(), amount("30.00"));
    assert_eq!(read(Role::Bob).await.unwrap(), amount("220.00"));
    assert_eq!(admin.total_supply().await.unwrap(), amount("250.00"));
    assert_eq!(admin.total_supply_on_hold().await.unwrap(), amount("0"));
    assert_eq!(admin.kyc_level_of(address(Role::Carol)).await.unwrap(), 2);

    println!("second pass found the contract through the deployment file: {through_file}");

    // No contract, then no node: a clear message and a non-zero exit.
    let nowhere = address(Role::Dave).to_string();
    let output = run_example(
        "card_cash_in",
        &[env[0], ("EMTOKEN_ADDRESS", nowhere.as_str())],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "ran without a contract");
    assert!(
        stderr.contains(&format!("error: no contract at {nowhere}")),
        "unclear error without a contract:\n{stderr}"
    );
    drop(node);
    let output = run_example("card_cash_in", &env);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "ran without a node");
    assert!(
        stderr.starts_with(&format!(
            "error: no node answers at {url} (EMTOKEN_RPC_URL)"
        )),
        "unclear error without a node:\n{stderr}"
    );
}
