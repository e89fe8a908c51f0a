//! One-step transfers (seed: "Transfer via smart contract"): alice sends 10.00 to bob with `transfer`,
//! her KYC limits checked on chain; then the platform moves 5.00 for her with `operatorTransfer`, tagged
//! with the id of the API request that asked for it; a transfer beyond her available balance is refused
//! with the contract's decoded error.
//!
//! `cargo run -p emtoken-sdk --example transfer` after `card_cash_in`.

mod common;

use std::process::ExitCode;

use anyhow::{Result, bail};
use emtoken_sdk::{Error, OperationId};
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
    common::require_funds(&alice, "alice", alice_address, alice.parse_amount("15.00")?).await?;

    let outcome = alice.transfer(bob, alice.parse_amount("10.00")?).await?;
    println!("alice sent 10.00 to bob (tx {})", outcome.tx_hash);

    let request = OperationId::random();
    let moved = operator
        .operator_transfer(request, alice_address, bob, operator.parse_amount("5.00")?)
        .await?;
    println!(
        "the operator sent 5.00 from alice to bob for API request {request}: transfer {}",
        moved.id
    );
    common::show_balances(&alice, "alice", alice_address).await?;
    common::show_balances(&alice, "bob", bob).await?;

    let too_much = alice
        .available_balance_of(alice_address)
        .await?
        .to_decimal()
        + rust_decimal::Decimal::ONE;
    match alice.transfer(bob, alice.amount(too_much)?).await {
        Err(Error::Revert { error, .. }) => {
            println!("a transfer of {too_much} is refused: {error:?}")
        }
        Ok(outcome) => bail!(
            "a transfer beyond the available balance went through: {}",
            outcome.tx_hash
        ),
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
