//! What the contract stores, in SDK types: amounts as [`Amount`], statuses as enums.

use alloy::primitives::{Address, B256};

use crate::{Amount, Error, Result};

macro_rules! status_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $value),+
        }

        impl TryFrom<u8> for $name {
            type Error = Error;

            fn try_from(value: u8) -> Result<Self> {
                match value {
                    $($value => Ok(Self::$variant),)+
                    other => Err(Error::Invalid(format!("{} {other} is not known to this SDK", stringify!($name)))),
                }
            }
        }
    };
}

status_enum!(
    /// Lifecycle of a hold.
    HoldStatus {
        /// No such hold.
        Nonexistent = 0,
        /// Open: funds locked.
        Ordered = 1,
        /// Partly executed, still open.
        ExecutedAndKeptOpen = 2,
        /// Executed (closed).
        Executed = 3,
        /// Released by its notary.
        ReleasedByNotary = 4,
        /// Released by its payee.
        ReleasedByPayee = 5,
        /// Released after it expired.
        ReleasedOnExpiration = 6,
    }
);

status_enum!(
    /// Lifecycle of a two-step transfer or a fund order.
    OrderStatus {
        /// No such order.
        Nonexistent = 0,
        /// Ordered, waiting for the operator.
        Ordered = 1,
        /// Taken in process by the operator: can no longer be cancelled.
        InProcess = 2,
        /// Executed.
        Executed = 3,
        /// Rejected by the operator.
        Rejected = 4,
        /// Cancelled by the orderer or the wallet.
        Cancelled = 5,
    }
);

status_enum!(
    /// Lifecycle of a payout.
    PayoutStatus {
        /// No such payout.
        Nonexistent = 0,
        /// Ordered, funds locked.
        Ordered = 1,
        /// Taken in process: can no longer be cancelled.
        InProcess = 2,
        /// Funds moved to the suspense account.
        FundsInSuspense = 3,
        /// Executed: funds burnt.
        Executed = 4,
        /// Rejected: funds unlocked or refunded.
        Rejected = 5,
        /// Cancelled by the orderer or the wallet.
        Cancelled = 6,
    }
);

status_enum!(
    /// How a direct mint's money came in.
    MintKind {
        /// A card cash-in.
        Card = 0,
        /// A bank-transfer (SEPA) cash-in.
        BankTransfer = 1,
    }
);

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
