//! Onboarding (seed: "Create a user", "Wallet creation", KYC levels): compliance registers the users'
//! wallets at their KYC levels (alice and bob 1, carol 2, dave 0), or moves an already registered wallet
//! to its level, and prints the limits of each level. Run it first: the other examples need the wallets.
//!
//! `cargo run -p emtoken-sdk --example register_wallets` against `scripts/devnet up`.

mod common;

use std::process::ExitCode;

use anyhow::Result;
use emtoken_test_utils::Role;

#[tokio::main]
async fn main() -> ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<()> {
    let devnet = common::Devnet::connect().await?;
    let compliance = devnet.client(Role::Compliance).await?;

    for (role, level) in [
        (Role::Alice, 1),
        (Role::Bob, 1),
        (Role::Carol, 2),
        (Role::Dave, 0),
    ] {
        let wallet = devnet.address(role)?;
        if !compliance.is_registered(wallet).await? {
            let outcome = compliance.register_wallet(wallet, level).await?;
            println!(
                "registered {role} {wallet} at KYC {level} (tx {})",
                outcome.tx_hash
            );
        } else if compliance.kyc_level_of(wallet).await? != level {
            let outcome = compliance.set_kyc_level(wallet, level).await?;
            println!(
                "moved {role} {wallet} to KYC {level} (tx {})",
                outcome.tx_hash
            );
        } else {
            println!("{role} {wallet} is already registered at KYC {level}");
        }
    }

    let unlimited = |limit: Option<emtoken_sdk::Amount>| {
        limit.map_or_else(|| "unlimited".to_owned(), |a| a.to_string())
    };
    for level in 0..=2 {
        let tier = compliance.tier_of(level).await?;
        println!(
            "KYC {level}: max balance {}, max transfer {}, max outflow per 30 days {}",
            unlimited(tier.max_balance),
            unlimited(tier.max_transfer),
            unlimited(tier.max_outflow_30d)
        );
    }
    Ok(())
}
