//! What the contract stores, in SDK types: amounts as [`Amount`], statuses as enums.

use alloy::primitives::{Address, B256};

use crate::Amount;

pub use emtoken_types::{HoldStatus, MintKind, OrderStatus, PayoutStatus};

/// A hold as the contract stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    /// Its key.
    pub id: B256,
    /// Who created it.
    pub issuer: Address,
    /// Whose funds it locks.
    pub payer: Address,
    /// Who receives them on execution.
    pub payee: Address,
    /// Who executes or releases it.
    pub notary: Address,
    /// What is still locked.
    pub remaining: Amount,
    /// When it expires (unix seconds); `None` = perpetual.
    pub expiration: Option<u64>,
    /// Its status.
    pub status: HoldStatus,
}

/// A two-step transfer as the contract stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearableTransfer {
    /// Its key.
    pub id: B256,
    /// Who ordered it.
    pub orderer: Address,
    /// The payer.
    pub from: Address,
    /// The payee.
    pub to: Address,
    /// The amount.
    pub value: Amount,
    /// Its status.
    pub status: OrderStatus,
}

/// A fund order as the contract stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fund {
    /// Its key.
    pub id: B256,
    /// Who ordered it.
    pub orderer: Address,
    /// The wallet to fund.
    pub wallet: Address,
    /// The amount.
    pub value: Amount,
    /// Its status.
    pub status: OrderStatus,
}

/// A payout as the contract stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payout {
    /// Its key.
    pub id: B256,
    /// Who ordered it.
    pub orderer: Address,
    /// The wallet paid out.
    pub wallet: Address,
    /// The amount.
    pub value: Amount,
    /// Its status.
    pub status: PayoutStatus,
}

/// The limits of a KYC level; `None` = unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    /// Maximum balance.
    pub max_balance: Option<Amount>,
    /// Maximum single transfer.
    pub max_transfer: Option<Amount>,
    /// Maximum outflow per 30-day period.
    pub max_outflow_30d: Option<Amount>,
}
