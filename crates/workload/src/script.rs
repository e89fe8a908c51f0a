//! The lifecycles the workload gives records, how often each is chosen, and the tour that opens every mix
//! with one of each (so every [`OpKind`] appears in any run of [`minimum_events`] events or more).

use emtoken_sdk::MintKind;

use crate::OpKind::{self, *};

/// What a hold does after `holdFrom`, and how often (weights).
pub(crate) const HOLD_SCRIPTS: [(&[OpKind], usize); 7] = [
    (&[HoldExecute], 30),
    (&[HoldExecutePartial], 15),
    (&[HoldExecuteKeepOpen, HoldExecute], 10),
    (&[HoldExecuteKeepOpen, HoldRelease], 5),
    (&[HoldRelease], 20),
    (&[HoldRenew, HoldExecute], 15),
    (&[HoldRenew, HoldRelease], 5),
];

/// What a two-step transfer does after `orderTransferFrom`.
pub(crate) const TWO_STEP_SCRIPTS: [(&[OpKind], usize); 5] = [
    (&[TwoStepExecute], 35),
    (&[TwoStepProcess, TwoStepExecute], 30),
    (&[TwoStepReject], 10),
    (&[TwoStepProcess, TwoStepReject], 10),
    (&[TwoStepCancel], 15),
];

/// What a fund order does after `orderFundFrom`.
pub(crate) const FUND_SCRIPTS: [(&[OpKind], usize); 4] = [
    (&[FundExecute], 40),
    (&[FundProcess, FundExecute], 35),
    (&[FundReject], 15),
    (&[FundProcess, FundReject], 10),
];

/// What a payout does after `orderPayoutFrom`.
pub(crate) const PAYOUT_SCRIPTS: [(&[OpKind], usize); 6] = [
    (&[PayoutProcess, PayoutExecute], 40),
    (&[PayoutReject], 10),
    (&[PayoutProcess, PayoutReject], 10),
    (&[PayoutCancel], 15),
    (
        &[PayoutProcess, PayoutToSuspense, PayoutExecuteFromSuspense],
        15,
    ),
    (
        &[PayoutProcess, PayoutToSuspense, PayoutRefundFromSuspense],
        10,
    ),
];

/// A new operation of the mix: a single transaction, or a record created with its whole lifecycle.
#[derive(Debug, Clone, Copy)]
pub(crate) enum New {
    Mint(MintKind),
    OperatorTransfer,
    UserTransfer,
    Hold(&'static [OpKind]),
    TwoStep(&'static [OpKind]),
    Fund(&'static [OpKind]),
    Payout(&'static [OpKind]),
}

/// The families of the mix and their weights: mostly transfers, like a real e-money book.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Family {
    Mint(MintKind),
    OperatorTransfer,
    UserTransfer,
    Hold,
    TwoStep,
    Fund,
    Payout,
}

pub(crate) const MIX: [(Family, usize); 8] = [
    (Family::OperatorTransfer, 45),
    (Family::UserTransfer, 8),
    (Family::Mint(MintKind::Card), 6),
    (Family::Mint(MintKind::BankTransfer), 3),
    (Family::Hold, 12),
    (Family::TwoStep, 10),
    (Family::Fund, 6),
    (Family::Payout, 10),
];

impl New {
    /// The kind of its first transaction.
    pub(crate) fn kind(self) -> OpKind {
        match self {
            Self::Mint(MintKind::Card) => MintCard,
            Self::Mint(MintKind::BankTransfer) => MintBank,
            Self::OperatorTransfer => OperatorTransfer,
            Self::UserTransfer => UserTransfer,
            Self::Hold(_) => HoldCreate,
            Self::TwoStep(_) => TwoStepOrder,
            Self::Fund(_) => FundOrder,
            Self::Payout(_) => PayoutOrder,
        }
    }

    /// The steps after the first transaction.
    pub(crate) fn steps(self) -> &'static [OpKind] {
        match self {
            Self::Hold(s) | Self::TwoStep(s) | Self::Fund(s) | Self::Payout(s) => s,
            _ => &[],
        }
    }

    /// Events of the whole lifecycle.
    pub(crate) fn events(self) -> usize {
        self.kind().events() + steps_events(self.steps())
    }
}

pub(crate) fn steps_events(steps: &[OpKind]) -> usize {
    steps.iter().map(|k| k.events()).sum()
}

/// One of every lifecycle, then one of every single transaction.
pub(crate) fn tour() -> Vec<New> {
    let scripts = |scripts: &[(&'static [OpKind], usize)], new: fn(&'static [OpKind]) -> New| {
        scripts.iter().map(move |(s, _)| new(s)).collect::<Vec<_>>()
    };
    let mut tour = Vec::new();
    tour.extend(scripts(&HOLD_SCRIPTS, New::Hold));
    tour.extend(scripts(&TWO_STEP_SCRIPTS, New::TwoStep));
    tour.extend(scripts(&FUND_SCRIPTS, New::Fund));
    tour.extend(scripts(&PAYOUT_SCRIPTS, New::Payout));
    tour.extend([
        New::Mint(MintKind::Card),
        New::Mint(MintKind::BankTransfer),
        New::OperatorTransfer,
        New::UserTransfer,
    ]);
    tour
}

/// The fewest events a run can have with `wallets` generated wallets: each wallet's registration and first
/// cash-in (3 events), the role users' first cash-ins (2 each), the anchor hold (1) and the tour.
pub fn minimum_events(wallets: usize) -> usize {
    3 * wallets + 2 * 4 + 1 + tour().iter().map(|n| n.events()).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tour_covers_every_kind() {
        let tour = tour();
        let mut kinds: Vec<OpKind> = tour
            .iter()
            .flat_map(|n| std::iter::once(n.kind()).chain(n.steps().iter().copied()))
            .collect();
        kinds.push(RegisterWallet);
        for kind in OpKind::ALL {
            assert!(kinds.contains(&kind), "{kind} missing from the tour");
        }
        assert_eq!(minimum_events(50), 150 + 8 + 1 + 80);
    }
}
