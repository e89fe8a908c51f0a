//! SDK send rate: concurrent `transfer`s through `EmTokenClient`, from one key and from many keys,
//! timed from the first send to the last receipt.
//!
//! Each transaction in flight waits for a block, so with a block every B seconds a run cannot pass
//! `in_flight / B` transactions per second whatever the SDK does (512 in flight on 1 s blocks: 512 tx/s).

use std::time::Instant;

use alloy::primitives::Address;
use anyhow::Context;
use emtoken_sdk::EmTokenClient;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;

use crate::{accounts::one_cent, limits::millis, stats::per_second};

/// One send-rate run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SendRun {
    /// Keys sending at once.
    pub(crate) keys: usize,
    /// Transactions sent (all mined, receipts received).
    pub(crate) transactions: u64,
    /// Most transactions awaiting their receipt at once, over all keys.
    pub(crate) in_flight: usize,
    /// First send → last receipt, in milliseconds.
    pub(crate) ms: u64,
    /// Transactions per second until receipts.
    pub(crate) tx_per_second: u64,
    /// How the node mined meanwhile.
    pub(crate) mining: String,
    /// What each send was checked against before it was handed over (the SDK's `Preflight`).
    pub(crate) preflight: String,
}

/// Sends `total` one-cent transfers split over `clients` (each with `in_flight / clients` in flight) to
/// `recipients` in turn, and waits for every receipt.
pub(crate) async fn send_rate(
    clients: &[EmTokenClient],
    recipients: &[Address],
    total: usize,
    in_flight: usize,
    mining: &str,
    preflight: &str,
) -> anyhow::Result<SendRun> {
    let amount = one_cent()?;
    let per_key = total.div_ceil(clients.len());
    let key_in_flight = (in_flight / clients.len()).max(1);
    let started = Instant::now();
    let runs = clients.iter().enumerate().map(|(k, client)| {
        let sends = (0..per_key).map(move |i| {
            let to = recipients[(k * per_key + i) % recipients.len()];
            async move {
                client
                    .transfer(to, amount)
                    .await
                    .with_context(|| format!("transfer to {to}"))
            }
        });
        futures::stream::iter(sends)
            .buffer_unordered(key_in_flight)
            .try_collect::<Vec<_>>()
    });
    let outcomes = futures::future::try_join_all(runs).await?;
    let elapsed = started.elapsed();
    let transactions = outcomes.iter().map(Vec::len).sum::<usize>() as u64;
    tracing::info!(
        keys = clients.len(),
        transactions,
        ms = elapsed.as_millis() as u64,
        "send-rate run"
    );
    Ok(SendRun {
        keys: clients.len(),
        transactions,
        in_flight: key_in_flight * clients.len(),
        ms: millis(elapsed),
        tx_per_second: per_second(transactions, elapsed),
        mining: mining.to_owned(),
        preflight: preflight.to_owned(),
    })
}
