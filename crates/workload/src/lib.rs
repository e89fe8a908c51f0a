//! Reproducible EmToken histories, for the indexer's tests and the benchmarks.
//!
//! [`Deployed::deploy`] puts EmToken on a dev node (the SDK test fixture's setup: roles of
//! `anvil/accounts.toml`, tiers, registered users) and keeps a client per account. [`generate`] then sends
//! a seeded mix of e-money operations: cash-ins (card, bank, fund orders), transfers (mostly by the
//! operator for generated wallets, some plain ones by the role users), holds (executed in full, in part,
//! kept open, released, renewed), two-step transfers and payouts through every lifecycle, suspense
//! included. The workload keeps its own book of balances and only sends what must pass, so a failure is
//! an error, never skipped; the [`WorkloadSummary`] carries the book's final balances for checks.
//!
//! ```no_run
//! # async fn example() -> emtoken_workload::Result<()> {
//! use emtoken_test_utils::{DevNode, ProfileName};
//! use emtoken_workload::{Deployed, LOAD_ANVIL_ARGS, WorkloadConfig, generate};
//!
//! let node = DevNode::spawn_with_args(ProfileName::Dev, &LOAD_ANVIL_ARGS)?;
//! let deployed = Deployed::deploy(&node).await?;
//! let summary = generate(&deployed, &WorkloadConfig::new(7, 5_000, 100)).await?;
//! println!("{} events in {:?} from block {}", summary.events, summary.elapsed, deployed.deploy_block);
//! # Ok(())
//! # }
//! ```
//!
//! # Which node
//!
//! On the plain dev profile (`DevNode::spawn(ProfileName::Dev)`: one block per transaction) 5,000 events
//! take ~28-60 s in a debug build on two cores (~60-120 tx/s, ~3,200 blocks), and anvil's instant mining
//! now and then strands a transaction, which fails the run after the SDK's 60 s receipt timeout (seen in
//! ~2% of runs of two busy nodes at once). With [`LOAD_ANVIL_ARGS`] (a block every 0.1 s, 300M gas) the
//! same run takes ~12 s (~270 tx/s) over ~120 blocks.

mod book;
mod config;
mod deployed;
mod error;
mod generate;
mod kind;
mod op;
mod plan;
mod rng;
mod script;
mod summary;

pub use config::WorkloadConfig;
pub use deployed::{
    DECIMALS, Deployed, LOAD_ANVIL_ARGS, TIERS, TierInEuros, USER_LEVELS, WALLET_LEVEL,
    network_profile, tiers, tiers_of,
};
pub use error::{Error, Result};
pub use generate::{Generation, generate};
pub use kind::OpKind;
pub use plan::{wallet_address, wallets};
pub use script::minimum_events;
pub use summary::{Balance, TracedEvent, WorkloadSummary, trace_event};
