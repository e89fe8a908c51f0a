//! Cash-out (seed: "Cash-out"): alice orders a payout of 25.00 to her bank account, whose IBAN only goes
//! on chain as a hash; the operator takes it in process, moves the funds to the suspense account while
//! the bank transfer runs, and executes the payout, which burns them.
//!
//! `cargo run -p emtoken-sdk --example cash_out` after `card_cash_in`.

mod common;

use std::process::ExitCode;

use alloy::primitives::keccak256;
use anyhow::Result;
use emtoken_sdk::OperationId;
use emtoken_test_utils::Role;

#[tokio::main]
async fn main() -> ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<()> {
    let devnet = common::Devnet::connect().await?;
    let (alice, operator) = (
        devnet.client(Role::Alice).await?,
        devnet.client(Role::Operator).await?,
    );
    let alice_address = devnet.address(Role::Alice)?;
    common::require_funds(&alice, "alice", alice_address, alice.parse_amount("25.00")?).await?;
    let supply = alice.total_supply().await?;

    let instructions = keccak256("ES91 2100 0418 4502 0005 1332");
    let payout = alice
        .order_payout(
            OperationId::random(),
            alice.parse_amount("25.00")?,
            instructions,
        )
        .await?;
    println!("alice ordered a cash-out of 25.00: payout {}", payout.id);
    common::show_balances(&alice, "alice", alice_address).await?;

    operator.process_payout(payout.id).await?;
    operator.put_funds_in_suspense(payout.id).await?;
    let suspense = operator.suspense_account().await?;
    println!(
        "the operator took it in process and moved the funds to suspense: {:?}",
        alice.retrieve_payout(payout.id).await?.status
    );
    common::show_balances(&alice, "alice", alice_address).await?;
    common::show_balances(&alice, "suspense", suspense).await?;

    operator.execute_payout(payout.id).await?;
    println!(
        "the bank transfer left: payout {:?}, total supply {} -> {}",
        alice.retrieve_payout(payout.id).await?.status,
        supply,
        alice.total_supply().await?
    );
    common::show_balances(&alice, "alice", alice_address).await?;
    common::show_balances(&alice, "suspense", suspense).await?;
    Ok(())
}
