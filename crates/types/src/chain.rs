//! The contract's enums, by the numbers its storage and events carry.

use crate::Unknown;

numbered!(
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

numbered!(
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

numbered!(
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

numbered!(
    /// How a direct mint's money came in.
    MintKind {
        /// A card cash-in.
        Card = 0,
        /// A bank-transfer (SEPA) cash-in.
        BankTransfer = 1,
    }
);

numbered!(
    /// Which operation a fee (`FeeCharged`) belongs to; its `operation` is that operation's key.
    FeeKind {
        /// An operator transfer (`operatorTransferWithFee`): the key is the transfer id.
        OperatorTransfer = 0,
        /// A hold's execution (`executeHoldWithFee`): the key is the hold id.
        HoldExecution = 1,
        /// A mint (`mintWithFee`): the key is the payment reference.
        Mint = 2,
        /// A payout's execution (`executePayoutWithFee`, or a fee reserved by `orderPayoutFromWithFee`):
        /// the key is the payout's order id.
        Payout = 3,
        /// A fund order's execution (`executeFundWithFee`): the key is the fund order's id.
        Fund = 4,
    }
);
