#![doc = include_str!("../README.md")]
// Errors carry the decoded contract error by value so callers can match on it directly; they are the
// cold path of every call, where a few hundred bytes do not matter.
#![allow(clippy::result_large_err)]

mod amount;
mod authorizations;
mod calls;
mod client;
mod deploy;
mod error;
mod fate;
mod fees;
mod inspect;
mod network;
mod operation_id;
mod outcome;
mod preflight;
mod prepared;
mod receipts;
mod records;
mod remote_signer;
mod sender;

pub use amount::{Amount, AmountError, MAX_BASE_UNITS};
pub use authorizations::{
    CancelAuthorization, HoldWithAuthorization, Permit, ReceiveWithAuthorization,
    TransferWithAuthorization, sign_authorization,
};
pub use calls::{PendingUpgrade, Role};
pub use client::{ClientBuilder, EmTokenClient, Submitted};
pub use deploy::{DeployConfig, Deployment, Roles, deploy, deploy_from};
pub use emtoken_bindings::EmToken::EmTokenEvents;
pub use error::{EmTokenError, Error, Result};
pub use fate::TxFate;
pub use inspect::{NotAToken, TokenFacts};
pub use network::{NetworkProfile, Preflight, SendSettings};
pub use operation_id::OperationId;
pub use outcome::{Created, EmTokenEvent, TxOutcome};
pub use prepared::{Prepare, PreparedCall};
pub use records::{
    ClearableTransfer, Fund, Hold, HoldStatus, MintKind, OrderStatus, Payout, PayoutStatus, Tier,
};
pub use remote_signer::{Web3Signer, Web3SignerError};
pub use sender::SignedTx;

/// The generated bindings (contract, events, errors), for what the client does not wrap.
pub use emtoken_bindings as bindings;
