//! Two-step transfer (seed: "Two-step transfers"): alice orders 20.00 to bob, which locks it at once
//! (her available balance drops, her balance does not); the operator takes the order in process and
//! executes it. A second order is rejected by the operator and unlocks.
//!
//! `cargo run -p emtoken-sdk --example two_step_transfer` after `card_cash_in`.

mod common;

use std::process::ExitCode;

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
    let (alice_address, bob) = (devnet.address(Role::Alice)?, devnet.address(Role::Bob)?);
    common::require_funds(&alice, "alice", alice_address, alice.parse_amount("30.00")?).await?;

    let order = alice
        .order_transfer(OperationId::random(), bob, alice.parse_amount("20.00")?)
        .await?;
    println!("alice ordered 20.00 to bob: order {}", order.id);
    common::show_balances(&alice, "alice", alice_address).await?;

    operator.process_clearable_transfer(order.id).await?;
    println!(
        "the operator checks it: {:?}",
        alice.retrieve_clearable_transfer(order.id).await?.status
    );
    operator.execute_clearable_transfer(order.id).await?;
    println!(
        "and executes it: {:?}",
        alice.retrieve_clearable_transfer(order.id).await?.status
    );
    common::show_balances(&alice, "alice", alice_address).await?;
    common::show_balances(&alice, "bob", bob).await?;

    let refused = alice
        .order_transfer(OperationId::random(), bob, alice.parse_amount("10.00")?)
        .await?;
    operator
        .reject_clearable_transfer(refused.id, "payee under review")
        .await?;
    println!(
        "a second order of 10.00, rejected by the operator: {:?}",
        alice.retrieve_clearable_transfer(refused.id).await?.status
    );
    common::show_balances(&alice, "alice", alice_address).await?;
    Ok(())
}
