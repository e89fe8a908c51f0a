//! Every function of the contract as a typed async method of [`crate::EmTokenClient`], one file per
//! feature. Writes return a [`crate::TxOutcome`] (or [`crate::Created`] with the new record's key); views
//! return SDK types.

mod clearable;
mod compliance;
mod funds;
mod governance;
mod holds;
mod payouts;
mod roles;
mod token;

pub use governance::PendingUpgrade;
pub use roles::Role;
