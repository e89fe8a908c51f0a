//! Bank (SEPA) cash-in through a fund order (seed: "SEPA cash-in"): bob orders 50.00, committing to the
//! bank transfer's details by their hash; when the money reaches the platform's account the operator
//! takes the order in process and executes it, which mints to bob. A second order is rejected because no
//! money arrived.
//!
//! `cargo run -p emtoken-sdk --example bank_cash_in` after `register_wallets`.

mod common;

use std::process::ExitCode;

use alloy::primitives::keccak256;
use anyhow::{Result, bail};
use emtoken_sdk::OperationId;
use emtoken_test_utils::Role;

#[tokio::main]
async fn main() -> ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<()> {
    let devnet = common::Devnet::connect().await?;
    let (bob, operator) = (
        devnet.client(Role::Bob).await?,
        devnet.client(Role::Operator).await?,
    );
    let bob_address = devnet.address(Role::Bob)?;
    if !bob.is_registered(bob_address).await? {
        bail!(
            "bob is not registered: run `cargo run -p emtoken-sdk --example register_wallets` first"
        );
    }

    let instructions =
        keccak256("SEPA transfer from ES76 0081 0216 7300 0123 4567, ref BOB-2024-05");
    let order = bob
        .order_fund(
            OperationId::random(),
            bob.parse_amount("50.00")?,
            instructions,
        )
        .await?;
    println!("bob ordered a cash-in of 50.00: order {}", order.id);
    operator.process_fund(order.id).await?;
    println!(
        "the bank transfer arrived; the operator took the order in process: {:?}",
        bob.retrieve_fund(order.id).await?.status
    );
    operator.execute_fund(order.id).await?;
    println!(
        "the operator executed it (minted): {:?}",
        bob.retrieve_fund(order.id).await?.status
    );
    common::show_balances(&bob, "bob", bob_address).await?;

    let unpaid = bob
        .order_fund(
            OperationId::random(),
            bob.parse_amount("75.00")?,
            instructions,
        )
        .await?;
    operator
        .reject_fund(unpaid.id, "no bank transfer received within 5 days")
        .await?;
    println!(
        "a second order of 75.00 with no money behind it: {:?}",
        bob.retrieve_fund(unpaid.id).await?.status
    );
    common::show_balances(&bob, "bob", bob_address).await?;
    Ok(())
}
