//! The EmToken indexer's store: PostgreSQL (a server, or the embedded one), the schema as embedded
//! migrations, and every SQL statement of the product. No chain code lives here: the indexer hands it
//! rows (addresses and hashes as bytes, amounts as base units in a `Decimal`).
//!
//! Writes go through a [`Tx`]: a batch's events, balance changes, wallets, movements, holds, orders,
//! window and checkpoint commit together or not at all.

pub mod api;
mod chain;
mod db;
mod embedded;
mod error;
mod finality;
mod gate;
pub mod ids;
mod ingest;
mod leader;
mod read;
mod rows;

pub use db::{REFRESH_STATISTICS_TARGET, Store, Tx};
pub use embedded::EmbeddedPostgres;
pub use emtoken_types as vocabulary;
pub use error::{Error, Result};
pub use finality::Rollback;
pub use gate::ReadPermit;
pub use leader::Lease;
pub use read::{ChainHold, WalletRef, parse_hold_statuses};
pub use rows::{
    Addr, BlockRow, ChainRow, Checkpoint, ComplianceRow, DeltaRow, EventRow, FindingRow, Hash,
    HoldRow, MovementRow, OrderRow, SeenAddress, SystemRoleRow, WalletRow,
};
