//! The workload's own book of balances, kept exactly as the contract keeps them, and the rule that keeps
//! every generated operation valid whatever order the node mines a wave in.
//!
//! Within a wave, an account may only commit (transfer, hold, order) what was available at the wave's
//! start, minus a reserve that keeps every balance above zero, minus what the wave already committed.
//! Everything a wave moves is applied to the book when the wave ends, so money arriving during a wave is
//! spent in later waves only.

use std::collections::BTreeMap;

use alloy::primitives::Address;

/// What the book keeps on every account untouched: its balance never falls below it (so no storage slot of
/// a balance goes back to zero, which would make a later transaction of the same wave cost more gas than
/// its estimate).
pub(crate) const RESERVE: u128 = 100;

/// An account's gross balance and the part of it locked, in base units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Account {
    pub(crate) balance: u128,
    pub(crate) held: u128,
}

/// A change the book applies at the end of the wave.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Effect {
    /// `value` moves from `from` (`None`: minted) to `to` (`None`: burnt).
    Move {
        from: Option<Address>,
        to: Option<Address>,
        value: u128,
    },
    /// `value` of the account is locked.
    Lock(Address, u128),
    /// `value` of the account is unlocked.
    Unlock(Address, u128),
}

#[derive(Debug, Default)]
pub(crate) struct Book {
    accounts: BTreeMap<Address, Account>,
    committed: BTreeMap<Address, u128>,
    effects: Vec<Effect>,
    supply: u128,
}

impl Book {
    /// An account's state as of the start of the wave.
    pub(crate) fn account(&self, address: Address) -> Account {
        self.accounts.get(&address).copied().unwrap_or_default()
    }

    /// A book starting from the chain's total supply.
    pub(crate) fn new(supply: u128) -> Self {
        Self {
            supply,
            ..Self::default()
        }
    }

    /// Sets an account's state (what the chain says before the workload starts).
    pub(crate) fn open(&mut self, address: Address, account: Account) {
        self.accounts.insert(address, account);
    }

    /// What `address` may still commit in this wave.
    pub(crate) fn spendable(&self, address: Address) -> u128 {
        let a = self.account(address);
        let committed = self.committed.get(&address).copied().unwrap_or_default();
        (a.balance - a.held).saturating_sub(RESERVE + committed)
    }

    /// Takes `value` out of what `address` may commit in this wave (a transfer, a hold, an order).
    pub(crate) fn commit(&mut self, address: Address, value: u128) {
        assert!(
            value <= self.spendable(address),
            "the planner committed {value} of {address}, which can commit {}",
            self.spendable(address)
        );
        *self.committed.entry(address).or_default() += value;
    }

    /// Records a change to apply when the wave ends.
    pub(crate) fn later(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// Applies the wave's changes.
    pub(crate) fn end_wave(&mut self) {
        for effect in std::mem::take(&mut self.effects) {
            match effect {
                Effect::Move { from, to, value } => {
                    match from {
                        Some(from) => {
                            let a = self.accounts.entry(from).or_default();
                            a.balance = a
                                .balance
                                .checked_sub(value)
                                .filter(|balance| *balance >= a.held)
                                .expect("the book moved more than an account had available");
                        }
                        None => self.supply += value,
                    }
                    match to {
                        Some(to) => self.accounts.entry(to).or_default().balance += value,
                        None => self.supply -= value,
                    }
                }
                Effect::Lock(address, value) => {
                    let a = self.accounts.entry(address).or_default();
                    a.held += value;
                    assert!(
                        a.held <= a.balance,
                        "the book locked more than {address} had"
                    );
                }
                Effect::Unlock(address, value) => {
                    let a = self.accounts.entry(address).or_default();
                    a.held = a
                        .held
                        .checked_sub(value)
                        .expect("the book unlocked more than was locked");
                }
            }
        }
        self.committed.clear();
    }

    /// Every account the book knows.
    pub(crate) fn accounts(&self) -> &BTreeMap<Address, Account> {
        &self.accounts
    }

    /// The total supply.
    pub(crate) fn supply(&self) -> u128 {
        self.supply
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wave_spends_only_what_it_started_with() {
        let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
        let mut book = Book::default();
        book.later(Effect::Move {
            from: None,
            to: Some(a),
            value: 1_000,
        });
        assert_eq!(book.spendable(a), 0, "a mint counts once the wave ends");
        book.end_wave();
        assert_eq!(book.spendable(a), 1_000 - RESERVE);
        book.commit(a, 300);
        book.later(Effect::Move {
            from: Some(a),
            to: Some(b),
            value: 300,
        });
        book.commit(a, 200);
        book.later(Effect::Lock(a, 200));
        assert_eq!(book.spendable(a), 1_000 - RESERVE - 500);
        book.end_wave();
        assert_eq!(
            book.account(a),
            Account {
                balance: 700,
                held: 200
            }
        );
        assert_eq!(book.account(b).balance, 300);
        assert_eq!(book.spendable(a), 500 - RESERVE);
        assert_eq!(book.supply(), 1_000);
    }
}
