//! The steps of open records (execute, release, renew, process, reject, cancel, suspense), planned in
//! waves after the record's creation.

use alloy::primitives::Address;
use emtoken_sdk::MintKind;

use super::{DAY, EURO, Planner, Record, Suspense, Tag};
use crate::{OpKind::*, book::Effect, op::Call};

impl Planner {
    /// Plans the due steps of open records, oldest first, as far as the wave has room.
    pub(super) fn plan_steps(&mut self) {
        for mut record in std::mem::take(&mut self.records) {
            if record.ready <= self.wave && self.ops.len() < self.capacity && self.step(&mut record)
            {
                if record.steps.is_empty() {
                    continue;
                }
                record.ready = self.wave + self.delay();
            }
            self.records.push(record);
        }
    }

    /// Plans the record's next step; false when it must wait for another wave.
    fn step(&mut self, r: &mut Record) -> bool {
        let kind = r.steps[0];
        let way = match kind {
            PayoutToSuspense => Some(Suspense::In),
            PayoutExecuteFromSuspense | PayoutRefundFromSuspense => Some(Suspense::Out),
            _ => None,
        };
        if let Some(way) = way {
            if self.suspense_way.is_some_and(|w| w != way) {
                return false;
            }
            self.suspense_way = Some(way);
        }
        r.steps.pop_front();
        self.pending_events -= kind.events();
        let (id, from, to, value, s) = (r.id, r.from, r.to, r.value, self.suspense);
        let moves = |from: Address, to: Option<Address>, value| Effect::Move {
            from: Some(from),
            to,
            value,
        };
        let step = Call::Step { id };
        let (call, effects) = match kind {
            MintCard | MintBank => {
                self.funding += 1;
                let value = self.rng.between(50 * EURO, 2_000 * EURO);
                let mint_kind = if kind == MintCard {
                    MintKind::Card
                } else {
                    MintKind::BankTransfer
                };
                let reference = self.next_reference(Tag::Mint);
                let call = Call::Mint {
                    to: from,
                    value,
                    kind: mint_kind,
                    reference,
                };
                let mint = Effect::Move {
                    from: None,
                    to: Some(from),
                    value,
                };
                (call, vec![mint])
            }
            HoldExecute | HoldExecutePartial | HoldExecuteKeepOpen => {
                let part = match kind {
                    HoldExecute => value,
                    _ => self.rng.between(1, value - 1),
                };
                let keep_open = kind == HoldExecuteKeepOpen;
                let unlocked = if keep_open { part } else { value };
                r.value -= unlocked;
                let call = Call::ExecuteHold {
                    notary: r.notary,
                    id,
                    value: part,
                    keep_open,
                };
                (
                    call,
                    vec![Effect::Unlock(from, unlocked), moves(from, Some(to), part)],
                )
            }
            HoldRelease => (
                Call::ReleaseHold {
                    notary: r.notary,
                    id,
                },
                vec![Effect::Unlock(from, value)],
            ),
            HoldRenew => {
                let expires_in = self.rng.chance(50).then_some(2 * DAY);
                (Call::RenewHold { id, expires_in }, vec![])
            }
            TwoStepProcess | FundProcess | PayoutProcess | FundReject => (step, vec![]),
            TwoStepExecute => (
                step,
                vec![Effect::Unlock(from, value), moves(from, Some(to), value)],
            ),
            TwoStepReject | TwoStepCancel | PayoutReject | PayoutCancel => {
                (step, vec![Effect::Unlock(from, value)])
            }
            FundExecute => (
                step,
                vec![Effect::Move {
                    from: None,
                    to: Some(from),
                    value,
                }],
            ),
            PayoutExecute => (
                step,
                vec![Effect::Unlock(from, value), moves(from, None, value)],
            ),
            PayoutToSuspense => (
                step,
                vec![
                    Effect::Unlock(from, value),
                    moves(from, Some(s), value),
                    Effect::Lock(s, value),
                ],
            ),
            PayoutExecuteFromSuspense => {
                (step, vec![Effect::Unlock(s, value), moves(s, None, value)])
            }
            PayoutRefundFromSuspense => (
                step,
                vec![Effect::Unlock(s, value), moves(s, Some(from), value)],
            ),
            RegisterWallet | OperatorTransfer | UserTransfer | HoldCreate | TwoStepOrder
            | FundOrder | PayoutOrder => unreachable!("{kind} starts a record, it is no step"),
        };
        for effect in effects {
            self.book.later(effect);
        }
        self.push(kind, call);
        true
    }
}
