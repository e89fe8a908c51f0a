use std::{collections::BTreeMap, time::Duration};

use alloy::primitives::{Address, U256};
use emtoken_sdk::{Amount, EmTokenEvents};

use crate::OpKind;

/// What a run sent and what the chain must now show.
#[derive(Debug, Clone)]
pub struct WorkloadSummary {
    /// EmToken events emitted, counted from the transactions' receipts.
    pub events: usize,
    /// Transactions sent (all mined and successful).
    pub transactions: usize,
    /// The lowest block holding one of them.
    pub first_block: u64,
    /// The highest block holding one of them.
    pub last_block: u64,
    /// Wall time of the run, reads included.
    pub elapsed: Duration,
    /// Waves sent (each wave's transactions are independent of each other).
    pub waves: usize,
    /// Transactions per kind (every kind is present, with 0 when none was sent).
    pub by_kind: BTreeMap<OpKind, usize>,
    /// Every event, as `(name, amount)`, in the order the workload planned the transactions (not the order
    /// the node mined them in, which varies within a wave): the same seed gives the same trace.
    pub trace: Vec<TracedEvent>,
    /// The generated wallets, in index order.
    pub wallets: Vec<Address>,
    /// The balances the workload's own book ends with, for the generated wallets, the role users and the
    /// suspense account: the chain (and an indexer) must show the same.
    pub balances: BTreeMap<Address, Balance>,
    /// The total supply the book ends with.
    pub total_supply: Amount,
}

/// An account's balances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    /// `balanceOf`: the gross balance.
    pub balance: Amount,
    /// `balanceOnHold`: the part locked by holds and orders.
    pub on_hold: Amount,
}

/// One event of a run, reduced to what is the same on every chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TracedEvent {
    /// The event's name (`Transfer`, `HoldExecuted`, ...).
    pub name: &'static str,
    /// Its main amount, in base units: the value moved, held, ordered or released (`executedValue` of
    /// `HoldExecuted`, `releasedValue` of `HoldReleased`, `remaining` of `HoldRenewed`, the level of
    /// `WalletRegistered`, the version of `Initialized`), 0 for events without one.
    pub amount: U256,
}

impl WorkloadSummary {
    /// Transactions per second of wall time (integer: money and rates here are never floats).
    pub fn transactions_per_second(&self) -> u64 {
        per_second(self.transactions, self.elapsed)
    }

    /// Events per second of wall time.
    pub fn events_per_second(&self) -> u64 {
        per_second(self.events, self.elapsed)
    }
}

fn per_second(count: usize, elapsed: Duration) -> u64 {
    let millis = elapsed.as_millis().max(1);
    u64::try_from(count as u128 * 1000 / millis).unwrap_or(u64::MAX)
}

/// The name and main amount of an EmToken event (see [`TracedEvent`]).
pub fn trace_event(event: &EmTokenEvents) -> TracedEvent {
    use EmTokenEvents as E;
    let (name, amount) = match event {
        E::Transfer(e) => ("Transfer", e.value),
        E::Approval(e) => ("Approval", e.value),
        E::Minted(e) => ("Minted", e.value),
        E::OperatorTransferExecuted(e) => ("OperatorTransferExecuted", e.value),
        E::HoldCreated(e) => ("HoldCreated", e.value),
        E::HoldExecuted(e) => ("HoldExecuted", e.executedValue),
        E::HoldReleased(e) => ("HoldReleased", e.releasedValue),
        E::HoldRenewed(e) => ("HoldRenewed", e.remaining),
        E::ClearableTransferOrdered(e) => ("ClearableTransferOrdered", e.value),
        E::ClearableTransferInProcess(e) => ("ClearableTransferInProcess", e.value),
        E::ClearableTransferExecuted(e) => ("ClearableTransferExecuted", e.value),
        E::ClearableTransferRejected(e) => ("ClearableTransferRejected", e.value),
        E::ClearableTransferCancelled(e) => ("ClearableTransferCancelled", e.value),
        E::FundOrdered(e) => ("FundOrdered", e.value),
        E::FundInProcess(e) => ("FundInProcess", e.value),
        E::FundExecuted(e) => ("FundExecuted", e.value),
        E::FundRejected(e) => ("FundRejected", e.value),
        E::FundCancelled(e) => ("FundCancelled", e.value),
        E::PayoutOrdered(e) => ("PayoutOrdered", e.value),
        E::PayoutInProcess(e) => ("PayoutInProcess", e.value),
        E::PayoutFundsInSuspense(e) => ("PayoutFundsInSuspense", e.value),
        E::PayoutExecuted(e) => ("PayoutExecuted", e.value),
        E::PayoutRejected(e) => ("PayoutRejected", e.value),
        E::PayoutCancelled(e) => ("PayoutCancelled", e.value),
        E::WalletRegistered(e) => ("WalletRegistered", U256::from(e.level)),
        E::KycLevelChanged(e) => ("KycLevelChanged", U256::from(e.level)),
        E::TierSet(e) => ("TierSet", U256::from(e.level)),
        E::Frozen(_) => ("Frozen", U256::ZERO),
        E::Unfrozen(_) => ("Unfrozen", U256::ZERO),
        E::OperatorAuthorized(_) => ("OperatorAuthorized", U256::ZERO),
        E::OperatorRevoked(_) => ("OperatorRevoked", U256::ZERO),
        E::SuspenseAccountChanged(_) => ("SuspenseAccountChanged", U256::ZERO),
        E::Paused(_) => ("Paused", U256::ZERO),
        E::Unpaused(_) => ("Unpaused", U256::ZERO),
        E::RoleAdminChanged(_) => ("RoleAdminChanged", U256::ZERO),
        E::RoleGranted(_) => ("RoleGranted", U256::ZERO),
        E::RoleRevoked(_) => ("RoleRevoked", U256::ZERO),
        E::Initialized(e) => ("Initialized", U256::from(e.version)),
        E::UpgradeProposed(_) => ("UpgradeProposed", U256::ZERO),
        E::UpgradeCancelled(_) => ("UpgradeCancelled", U256::ZERO),
        E::Upgraded(_) => ("Upgraded", U256::ZERO),
        E::AuthorizationUsed(_) => ("AuthorizationUsed", U256::ZERO),
        E::AuthorizationCanceled(_) => ("AuthorizationCanceled", U256::ZERO),
        E::MinterConfigured(e) => ("MinterConfigured", e.allowance),
        E::TokensRescued(e) => ("TokensRescued", e.value),
        E::Wiped(e) => ("Wiped", e.value),
        E::FeeAccountChanged(_) => ("FeeAccountChanged", U256::ZERO),
        E::FeeCharged(e) => ("FeeCharged", e.fee),
    };
    TracedEvent { name, amount }
}
