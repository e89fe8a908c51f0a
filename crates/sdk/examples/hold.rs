//! Holds (seed: "Holds"): alice holds 30.00 for bob with a notary, expiring in an hour, then extends it
//! to two hours; the notary executes 10.00 and keeps the hold open, then executes 15.00 and closes it,
//! which releases the last 5.00 back to alice.
//!
//! `cargo run -p emtoken-sdk --example hold` after `card_cash_in`.

mod common;

use std::{process::ExitCode, time::Duration};

use anyhow::Result;
use emtoken_sdk::OperationId;
use emtoken_test_utils::Role;

#[tokio::main]
async fn main() -> ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<()> {
    let devnet = common::Devnet::connect().await?;
    let (alice, notary) = (
        devnet.client(Role::Alice).await?,
        devnet.client(Role::Notary).await?,
    );
    let (alice_address, bob) = (devnet.address(Role::Alice)?, devnet.address(Role::Bob)?);
    let notary_address = devnet.address(Role::Notary)?;
    common::require_funds(&alice, "alice", alice_address, alice.parse_amount("30.00")?).await?;

    let hold = alice
        .hold(
            OperationId::random(),
            bob,
            notary_address,
            alice.parse_amount("30.00")?,
            Some(Duration::from_secs(3600)),
        )
        .await?;
    let data = alice.retrieve_hold(hold.id).await?;
    println!(
        "alice holds {} for bob, notary {notary_address}, expiring at unix time {}: hold {}",
        data.remaining,
        data.expiration.unwrap_or_default(),
        hold.id
    );
    common::show_balances(&alice, "alice", alice_address).await?;

    alice
        .renew_hold(hold.id, Some(Duration::from_secs(7200)))
        .await?;
    println!(
        "alice extends it to expire at unix time {}",
        alice
            .retrieve_hold(hold.id)
            .await?
            .expiration
            .unwrap_or_default()
    );

    notary
        .execute_hold_and_keep_open(hold.id, notary.parse_amount("10.00")?)
        .await?;
    let data = alice.retrieve_hold(hold.id).await?;
    println!(
        "the notary executes 10.00 and keeps it open: {:?}, {} still held",
        data.status, data.remaining
    );

    notary
        .execute_hold(hold.id, notary.parse_amount("15.00")?)
        .await?;
    let data = alice.retrieve_hold(hold.id).await?;
    println!(
        "the notary executes 15.00 and closes it (the rest is released): {:?}",
        data.status
    );
    common::show_balances(&alice, "alice", alice_address).await?;
    common::show_balances(&alice, "bob", bob).await?;
    Ok(())
}
