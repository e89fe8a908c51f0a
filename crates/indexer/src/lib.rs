//! The EmToken indexer: follows one EmToken contract's events and reconciles them into the platform's
//! records (wallets with balance / available / held, movements, holds, orders) in an
//! [`emtoken_store::Store`], exactly once and reorganisation-safe.
//!
//! - Backfill from the deployment block in adaptive `eth_getLogs` ranges (grown after success, shrunk
//!   when the node refuses the size), then follow the head by polling (a WebSocket only wakes it).
//! - Each batch writes events, their effects, the block window and the checkpoint in one transaction;
//!   events are keyed by (chain, block hash, log index), so replaying a range adds nothing.
//! - Finality after `confirmations` blocks: movements stay PENDING until their deciding event is final;
//!   a wallet's `balance` follows final blocks, its available and held balances the head.
//! - Reorganisations: the parent hash of every new range and the hash of the last indexed block are
//!   checked against the stored window; orphaned blocks are rolled back and what they touched re-derived.
//! - Reconciliation: wallets whose final balances changed are compared with the contract at the final
//!   block; a difference is recorded, counted and the non-final blocks indexed again once.

mod batch;
mod config;
mod decode;
mod error;
mod follow;
mod indexer;
mod mapping;
mod metrics;
mod reconcile;
mod replay;
mod rpc;

pub use config::Config;
pub use emtoken_store::ids::wallet_id;
pub use error::{Error, Result};
pub use indexer::{Indexer, Step, Summary};
pub use metrics::Metrics;
pub use rpc::RetryPolicy;
