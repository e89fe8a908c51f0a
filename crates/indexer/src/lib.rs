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
//! - Platform accounts: the suspense account (the last `SuspenseAccountChanged`, emitted at deployment
//!   too) and the holders of `OPERATOR_ROLE` (`RoleGranted` / `RoleRevoked`) are marked on their wallet
//!   rows (`system_role` SUSPENSE / OPERATOR), re-derived after a reorganisation like compliance, so that
//!   readers leave them out of users' wallets. Indexed from a block after the deployment, the suspense
//!   account is marked only from its next change. Its movements explain its balance: SUSPENSE_IN when a
//!   payout's funds are put in suspense (from the wallet), SUSPENSE_OUT when they are burnt (payout
//!   executed) or sent back to the wallet (rejected); both done once mined, PENDING until final like a
//!   transfer's. The wallet's side of a payout is its BANK_ACCOUNT_CASHOUT alone, as before.

mod ahead;
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
