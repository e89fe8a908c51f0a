//! New operations of the mix: single transactions and the creation of records.

use alloy::primitives::Address;
use emtoken_sdk::MintKind;
use emtoken_test_utils::Role;

use super::{DAY, EURO, MIN_COMMIT, Planner, Tag, User};
use crate::{OpKind::*, book::Effect, op::Call, script::New};

impl Planner {
    pub(super) fn plan_new(&mut self, new: New) {
        match new {
            New::Mint(kind) => self.random_mint(kind),
            New::Fund(steps) => {
                let wallet = self.any_wallet();
                let value = self.rng.between(50 * EURO, 1_000 * EURO);
                let operation = self.next_operation();
                let instructions = self.next_reference(Tag::Instructions);
                self.push(
                    FundOrder,
                    Call::OrderFund {
                        operation,
                        wallet,
                        value,
                        instructions,
                    },
                );
                let id = operation.record_key(self.operator);
                self.open_record(id, wallet, wallet, Role::Operator, value, steps);
            }
            New::UserTransfer => self.user_transfer(),
            New::OperatorTransfer | New::Hold(_) | New::TwoStep(_) | New::Payout(_) => {
                let Some((from, room)) = self.payer() else {
                    return;
                };
                let to = self.other_wallet(from);
                let value = self.rng.between(2, (room / 4).max(2));
                self.book.commit(from, value);
                self.commit_new(new, from, to, value);
            }
        }
    }

    /// Plans `new` once `value` of `from` is committed.
    fn commit_new(&mut self, new: New, from: Address, to: Address, value: u128) {
        let operation = self.next_operation();
        let id = operation.record_key(self.operator);
        match new {
            New::OperatorTransfer => {
                self.book.later(Effect::Move {
                    from: Some(from),
                    to: Some(to),
                    value,
                });
                self.push(
                    OperatorTransfer,
                    Call::OperatorTransfer {
                        operation,
                        from,
                        to,
                        value,
                    },
                );
            }
            New::Hold(steps) => {
                self.book.later(Effect::Lock(from, value));
                let notary = if self.rng.chance(50) {
                    Role::Notary
                } else {
                    Role::Operator
                };
                let expires_in = (steps.contains(&HoldRenew) || self.rng.chance(70)).then_some(DAY);
                let notary_address = if notary == Role::Notary {
                    self.notary
                } else {
                    self.operator
                };
                self.push(
                    HoldCreate,
                    Call::HoldFrom {
                        operation,
                        from,
                        to,
                        notary: notary_address,
                        value,
                        expires_in,
                    },
                );
                self.open_record(id, from, to, notary, value, steps);
            }
            New::TwoStep(steps) => {
                self.book.later(Effect::Lock(from, value));
                self.push(
                    TwoStepOrder,
                    Call::OrderTransfer {
                        operation,
                        from,
                        to,
                        value,
                    },
                );
                self.open_record(id, from, to, Role::Operator, value, steps);
            }
            New::Payout(steps) => {
                self.book.later(Effect::Lock(from, value));
                let instructions = self.next_reference(Tag::Instructions);
                self.push(
                    PayoutOrder,
                    Call::OrderPayout {
                        operation,
                        wallet: from,
                        value,
                        instructions,
                    },
                );
                self.open_record(id, from, from, Role::Operator, value, steps);
            }
            New::Mint(_) | New::UserTransfer | New::Fund(_) => {
                unreachable!("{new:?} commits nothing")
            }
        }
    }

    /// A plain transfer from a role user with room left (balance, transfer and outflow limits) to a
    /// generated wallet; an operator transfer when no user has room.
    fn user_transfer(&mut self) {
        let start = self.rng.below(self.users.len().max(1));
        let found = (0..self.users.len())
            .map(|i| (start + i) % self.users.len())
            .map(|i| (i, self.user_send_room(&self.users[i])))
            .find(|(_, room)| *room >= 1);
        let Some((i, room)) = found else {
            return self.plan_new(New::OperatorTransfer);
        };
        let value = self.rng.between(1, (room / 4).max(1));
        let to = self.any_wallet();
        let user = &mut self.users[i];
        if let Some(left) = &mut user.outflow_left {
            *left -= value;
        }
        let (role, address) = (user.role, user.address);
        self.book.commit(address, value);
        self.book.later(Effect::Move {
            from: Some(address),
            to: Some(to),
            value,
        });
        self.push(
            UserTransfer,
            Call::UserTransfer {
                user: role,
                to,
                value,
            },
        );
    }

    fn user_send_room(&self, user: &User) -> u128 {
        let mut room = self.book.spendable(user.address);
        for limit in [user.max_transfer, user.outflow_left].into_iter().flatten() {
            room = room.min(limit);
        }
        room
    }

    pub(super) fn user_mint_room(&self, user: &User) -> u128 {
        match user.max_balance {
            Some(max) if !self.minted_users.contains(&user.role) => {
                max.saturating_sub(self.book.account(user.address).balance)
            }
            Some(_) => 0,
            None if self.minted_users.contains(&user.role) => 0,
            None => u128::MAX,
        }
    }

    /// A cash-in: to a role user with room now and then, else to a generated wallet.
    fn random_mint(&mut self, kind: MintKind) {
        if !self.users.is_empty() && self.rng.chance(20) {
            let i = self.rng.below(self.users.len());
            let room = self.user_mint_room(&self.users[i]);
            if room >= EURO {
                let value = room.min(self.rng.between(50 * EURO, 500 * EURO));
                self.minted_users.push(self.users[i].role);
                return self.mint(self.users[i].address, value, kind);
            }
        }
        let to = self.any_wallet();
        let value = self.rng.between(50 * EURO, 2_000 * EURO);
        self.mint(to, value, kind);
    }

    pub(super) fn mint(&mut self, to: Address, value: u128, kind: MintKind) {
        let reference = self.next_reference(Tag::Mint);
        self.book.later(Effect::Move {
            from: None,
            to: Some(to),
            value,
        });
        let op_kind = match kind {
            MintKind::Card => MintCard,
            MintKind::BankTransfer => MintBank,
        };
        self.push(
            op_kind,
            Call::Mint {
                to,
                value,
                kind,
                reference,
            },
        );
    }

    /// A generated wallet that can commit at least [`MIN_COMMIT`] in this wave, and how much; when a few
    /// tries find none, the last one tried gets a cash-in instead (and `None` is returned).
    fn payer(&mut self) -> Option<(Address, u128)> {
        let mut wallet = self.any_wallet();
        for _ in 0..4 {
            let room = self.book.spendable(wallet);
            if room >= MIN_COMMIT {
                return Some((wallet, room));
            }
            wallet = self.any_wallet();
        }
        let value = self.rng.between(50 * EURO, 2_000 * EURO);
        self.mint(wallet, value, MintKind::Card);
        None
    }
}
