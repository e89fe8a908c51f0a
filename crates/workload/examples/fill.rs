//! Fills a fresh anvil with a reproducible EmToken history and keeps it running, for indexing by hand:
//!
//! ```sh
//! cargo run --release -p emtoken-workload --example fill -- 50000 1000   # events, wallets
//! emtoken index --rpc <printed url> --contract <printed address> --until-head --database-url …
//! ```
//!
//! The node mines a block a second with a large gas limit (anvil stalls under load in its
//! one-block-per-transaction mode). Ctrl-C stops it.

use std::time::Instant;

use emtoken_test_utils::{DevNode, ProfileName};
use emtoken_workload::{Deployed, WorkloadConfig, generate};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let events: usize = args.next().as_deref().unwrap_or("20000").parse()?;
    let wallets: usize = args.next().as_deref().unwrap_or("1000").parse()?;
    let node = DevNode::spawn_with_args(
        ProfileName::Dev,
        &["--block-time", "1", "--gas-limit", "300000000"],
    )?;
    let deployed = Deployed::deploy(&node).await?;
    let started = Instant::now();
    let summary = generate(&deployed, &WorkloadConfig::new(1, events, wallets)).await?;
    println!(
        "{} events in {} transactions, blocks {}..={}, generated in {:.1} s",
        summary.events,
        summary.transactions,
        summary.first_block,
        summary.last_block,
        started.elapsed().as_secs_f64()
    );
    println!("rpc {}", node.endpoint_url());
    println!(
        "contract {:#x} (deployed at block {})",
        deployed.address, deployed.deploy_block
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
