//! Card cash-in (seed: "Card cash-in"): once the card payment succeeded, the operator mints 100.00 to
//! alice, tagged as a card cash-in with the payment's reference, and her balance and available balance
//! grow at once.
//!
//! `cargo run -p emtoken-sdk --example card_cash_in` after `register_wallets`.

mod common;

use std::process::ExitCode;

use anyhow::{Result, bail};
use emtoken_sdk::{EmTokenEvents, MintKind, OperationId};
use emtoken_test_utils::Role;

#[tokio::main]
async fn main() -> ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<()> {
    let devnet = common::Devnet::connect().await?;
    let operator = devnet.client(Role::Operator).await?;
    let alice = devnet.address(Role::Alice)?;
    if !operator.is_registered(alice).await? {
        bail!(
            "alice is not registered: run `cargo run -p emtoken-sdk --example register_wallets` first"
        );
    }

    // The id of the card payment in the platform's records, kept on chain as the mint's reference.
    let payment = OperationId::random();
    let value = operator.parse_amount("100.00")?;
    println!("card payment {payment} of {value} for alice succeeded: minting");
    let outcome = operator
        .mint(alice, value, MintKind::Card, payment.as_bytes())
        .await?;
    for event in outcome.events() {
        if let EmTokenEvents::Minted(minted) = event {
            println!(
                "Minted {} base units to {} (kind {}, reference {}) in block {}",
                minted.value, minted.to, minted.kind, minted.paymentReference, outcome.block_number
            );
        }
    }
    common::show_balances(&operator, "alice", alice).await?;
    Ok(())
}
