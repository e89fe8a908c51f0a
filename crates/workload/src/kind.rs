use std::fmt;

/// What one generated transaction does. Every kind appears in a run of [`crate::minimum_events`] events or
/// more (the run opens with a tour of every lifecycle before its random mix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpKind {
    /// `registerWallet` of a generated wallet (compliance).
    RegisterWallet,
    /// `mint` of kind card (operator).
    MintCard,
    /// `mint` of kind bank transfer (operator).
    MintBank,
    /// `operatorTransfer` between generated wallets (operator).
    OperatorTransfer,
    /// Plain `transfer` from a role user (alice..dave) to a generated wallet.
    UserTransfer,
    /// `holdFrom` on a generated wallet (operator), notary the notary role or the operator.
    HoldCreate,
    /// `executeHold` of everything the hold still locks (notary).
    HoldExecute,
    /// `executeHold` of part of the hold; the rest is released (notary).
    HoldExecutePartial,
    /// `executeHoldAndKeepOpen` of part of the hold (notary).
    HoldExecuteKeepOpen,
    /// `releaseHold` by the notary.
    HoldRelease,
    /// `renewHold` by the issuer (operator), extending or making perpetual.
    HoldRenew,
    /// `orderTransferFrom` (operator).
    TwoStepOrder,
    /// `processClearableTransfer` (operator).
    TwoStepProcess,
    /// `executeClearableTransfer` (operator).
    TwoStepExecute,
    /// `rejectClearableTransfer` (operator).
    TwoStepReject,
    /// `cancelTransfer` by the orderer (operator).
    TwoStepCancel,
    /// `orderFundFrom` (operator).
    FundOrder,
    /// `processFund` (operator).
    FundProcess,
    /// `executeFund`: mints (operator).
    FundExecute,
    /// `rejectFund` (operator).
    FundReject,
    /// `orderPayoutFrom` (operator).
    PayoutOrder,
    /// `processPayout` (operator).
    PayoutProcess,
    /// `executePayout` of a payout in process: burns from the wallet (operator).
    PayoutExecute,
    /// `putFundsInSuspenseInPayout` (operator).
    PayoutToSuspense,
    /// `executePayout` of a payout in suspense: burns from the suspense account (operator).
    PayoutExecuteFromSuspense,
    /// `rejectPayout` of an ordered or in-process payout: unlocks (operator).
    PayoutReject,
    /// `rejectPayout` of a payout in suspense: refunds the wallet (operator).
    PayoutRefundFromSuspense,
    /// `cancelPayout` by the orderer (operator).
    PayoutCancel,
}

impl OpKind {
    /// Every kind.
    pub const ALL: [Self; 28] = [
        Self::RegisterWallet,
        Self::MintCard,
        Self::MintBank,
        Self::OperatorTransfer,
        Self::UserTransfer,
        Self::HoldCreate,
        Self::HoldExecute,
        Self::HoldExecutePartial,
        Self::HoldExecuteKeepOpen,
        Self::HoldRelease,
        Self::HoldRenew,
        Self::TwoStepOrder,
        Self::TwoStepProcess,
        Self::TwoStepExecute,
        Self::TwoStepReject,
        Self::TwoStepCancel,
        Self::FundOrder,
        Self::FundProcess,
        Self::FundExecute,
        Self::FundReject,
        Self::PayoutOrder,
        Self::PayoutProcess,
        Self::PayoutExecute,
        Self::PayoutToSuspense,
        Self::PayoutExecuteFromSuspense,
        Self::PayoutReject,
        Self::PayoutRefundFromSuspense,
        Self::PayoutCancel,
    ];

    /// How many EmToken events a transaction of this kind emits (a `Transfer` with the lifecycle event
    /// whenever balances move).
    pub const fn events(self) -> usize {
        match self {
            Self::MintCard
            | Self::MintBank
            | Self::OperatorTransfer
            | Self::HoldExecute
            | Self::HoldExecutePartial
            | Self::HoldExecuteKeepOpen
            | Self::TwoStepExecute
            | Self::FundExecute
            | Self::PayoutExecute
            | Self::PayoutToSuspense
            | Self::PayoutExecuteFromSuspense
            | Self::PayoutRefundFromSuspense => 2,
            _ => 1,
        }
    }

    /// A stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RegisterWallet => "register_wallet",
            Self::MintCard => "mint_card",
            Self::MintBank => "mint_bank",
            Self::OperatorTransfer => "operator_transfer",
            Self::UserTransfer => "user_transfer",
            Self::HoldCreate => "hold_create",
            Self::HoldExecute => "hold_execute",
            Self::HoldExecutePartial => "hold_execute_partial",
            Self::HoldExecuteKeepOpen => "hold_execute_keep_open",
            Self::HoldRelease => "hold_release",
            Self::HoldRenew => "hold_renew",
            Self::TwoStepOrder => "two_step_order",
            Self::TwoStepProcess => "two_step_process",
            Self::TwoStepExecute => "two_step_execute",
            Self::TwoStepReject => "two_step_reject",
            Self::TwoStepCancel => "two_step_cancel",
            Self::FundOrder => "fund_order",
            Self::FundProcess => "fund_process",
            Self::FundExecute => "fund_execute",
            Self::FundReject => "fund_reject",
            Self::PayoutOrder => "payout_order",
            Self::PayoutProcess => "payout_process",
            Self::PayoutExecute => "payout_execute",
            Self::PayoutToSuspense => "payout_to_suspense",
            Self::PayoutExecuteFromSuspense => "payout_execute_from_suspense",
            Self::PayoutReject => "payout_reject",
            Self::PayoutRefundFromSuspense => "payout_refund_from_suspense",
            Self::PayoutCancel => "payout_cancel",
        }
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
