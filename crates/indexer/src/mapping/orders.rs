//! Two-step transfers, fund orders and payouts: their record, what they keep on hold, and their
//! movements (PENDING from the order until the deciding event is final). A payout whose funds go through
//! the suspense account also gives that account a SUSPENSE_IN and, once burnt or sent back, a
//! SUSPENSE_OUT (done once mined, like a transfer's), so its movements explain its balance.

use alloy::primitives::{Address, FixedBytes, U256};
use emtoken_sdk::EmTokenEvents as E;
use emtoken_store::{Addr, EventRow, Hash, OrderRow, ids};
use emtoken_types::{MovementType, OrderKind, Outcome, RecordKind, Role};
use rust_decimal::Decimal;

use super::{Mapper, PendingTransfer, ZERO, addr, claim, order_state};
use crate::{
    Result,
    decode::{Decoded, units},
};

/// What an order event says, whatever its kind.
struct Step {
    kind: OrderKind,
    key: Hash,
    payer: Addr,
    payee: Option<Addr>,
    value: Decimal,
    locked: Decimal,
    status: u8,
    reason: Option<String>,
    /// Where the lock sits after this step, when it is not the payer (payout funds in suspense).
    holder: Option<Addr>,
    /// The balance move the step made, to claim its Transfer log.
    moved: Option<(Addr, Addr)>,
}

impl Step {
    fn new(
        kind: OrderKind,
        key: FixedBytes<32>,
        (payer, payee): (Address, Option<Address>),
        (value, locked): (U256, U256),
        status: u8,
    ) -> Result<Self> {
        Ok(Self {
            kind,
            key: key.0,
            payer: addr(payer),
            payee: payee.map(addr),
            value: units(value)?,
            locked: units(locked)?,
            status,
            reason: None,
            holder: None,
            moved: None,
        })
    }

    /// The step moved the order's value `from → to`.
    fn moved(mut self, from: Address, to: Address) -> Self {
        self.moved = Some((addr(from), addr(to)));
        self
    }

    /// The operator's reason (rejections).
    fn because(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned()).filter(|r| !r.is_empty());
        self
    }

    /// The lock now sits on `holder`'s balance.
    fn held_by(mut self, holder: Address) -> Self {
        self.holder = Some(addr(holder));
        self
    }
}

/// The common fields of an order event of `$kind` whose parties are `$payer` and `$payee`.
macro_rules! step {
    ($kind:ident, $e:expr, $payer:expr, $payee:expr) => {
        Step::new(
            OrderKind::$kind,
            $e.orderId,
            ($payer, $payee),
            ($e.value, $e.locked),
            $e.status,
        )?
    };
}

/// Creation facts of an order.
struct Creation {
    orderer: Address,
    operation_id: FixedBytes<32>,
    instructions_hash: Option<Hash>,
}

fn created(
    orderer: Address,
    operation_id: FixedBytes<32>,
    instructions_hash: Option<FixedBytes<32>>,
) -> Option<Creation> {
    Some(Creation {
        orderer,
        operation_id,
        instructions_hash: instructions_hash.map(|h| h.0),
    })
}

/// The suspense account's movement of a payout event, if its funds reach or leave that account: (id role,
/// the account, type, (origin, target)).
type SuspenseSide = (Role, Addr, MovementType, (Option<Addr>, Option<Addr>));

fn suspense_side(event: &E) -> Option<SuspenseSide> {
    match event {
        E::PayoutFundsInSuspense(e) => {
            let (wallet, suspense) = (addr(e.wallet), addr(e.suspenseAccount));
            let parties = (Some(wallet), Some(suspense));
            Some((
                Role::SuspenseIn,
                suspense,
                MovementType::SuspenseIn,
                parties,
            ))
        }
        // Burnt from the suspense account (from the wallet when it never went there).
        E::PayoutExecuted(e) if e.burntFrom != e.wallet => {
            let account = addr(e.burntFrom);
            let parties = (Some(account), None);
            Some((
                Role::SuspenseOut,
                account,
                MovementType::SuspenseOut,
                parties,
            ))
        }
        // Sent back from the suspense account (refundedFrom is zero when nothing went there).
        E::PayoutRejected(e) if !e.refundedFrom.is_zero() && e.refundedFrom != e.wallet => {
            let account = addr(e.refundedFrom);
            let parties = (Some(account), Some(addr(e.wallet)));
            Some((
                Role::SuspenseOut,
                account,
                MovementType::SuspenseOut,
                parties,
            ))
        }
        _ => None,
    }
}

impl Mapper {
    pub(super) fn order_event(
        &mut self,
        d: &Decoded,
        transfers: &mut [PendingTransfer],
    ) -> Result<()> {
        let ev = &d.row;
        let (s, creation) = match &d.event {
            E::ClearableTransferOrdered(e) => (
                step!(Transfer, e, e.from, Some(e.to)),
                created(e.orderer, e.operationId, None),
            ),
            E::ClearableTransferInProcess(e) => (step!(Transfer, e, e.from, Some(e.to)), None),
            E::ClearableTransferExecuted(e) => (
                step!(Transfer, e, e.from, Some(e.to)).moved(e.from, e.to),
                None,
            ),
            E::ClearableTransferRejected(e) => (
                step!(Transfer, e, e.from, Some(e.to)).because(&e.reason),
                None,
            ),
            E::ClearableTransferCancelled(e) => (step!(Transfer, e, e.from, Some(e.to)), None),
            E::FundOrdered(e) => (
                step!(Fund, e, e.walletToFund, None),
                created(e.orderer, e.operationId, Some(e.instructionsHash)),
            ),
            E::FundInProcess(e) => (step!(Fund, e, e.walletToFund, None), None),
            E::FundExecuted(e) => (
                step!(Fund, e, e.walletToFund, None).moved(Address::ZERO, e.walletToFund),
                None,
            ),
            E::FundRejected(e) => (
                step!(Fund, e, e.walletToFund, None).because(&e.reason),
                None,
            ),
            E::FundCancelled(e) => (step!(Fund, e, e.walletToFund, None), None),
            E::PayoutOrdered(e) => (
                step!(Payout, e, e.wallet, None),
                created(e.orderer, e.operationId, Some(e.instructionsHash)),
            ),
            E::PayoutInProcess(e) => (step!(Payout, e, e.wallet, None), None),
            E::PayoutFundsInSuspense(e) => (
                step!(Payout, e, e.wallet, None)
                    .held_by(e.suspenseAccount)
                    .moved(e.wallet, e.suspenseAccount),
                None,
            ),
            E::PayoutExecuted(e) => (
                step!(Payout, e, e.wallet, None).moved(e.burntFrom, Address::ZERO),
                None,
            ),
            E::PayoutRejected(e) => {
                let s = step!(Payout, e, e.wallet, None).because(&e.reason);
                // Sent back to the wallet from where it sat (nothing moves when it never left).
                let s = if e.refundedFrom != e.wallet {
                    s.moved(e.refundedFrom, e.wallet)
                } else {
                    s
                };
                (s, None)
            }
            E::PayoutCancelled(e) => (step!(Payout, e, e.wallet, None), None),
            // Approvals, tiers, operators, pause: stored, no record to change.
            _ => return Ok(()),
        };
        let suspense = suspense_side(&d.event);
        if let Some((from, to)) = s.moved {
            claim(transfers, from, to, s.value);
        }
        let (key, value) = (s.key, s.value);
        self.order_step(ev, s, creation)?;
        if let Some((role, account, ty, parties)) = suspense {
            let id = ids::record_movement_id(self.chain_id, RecordKind::Payout, &key, role);
            let record = Some((RecordKind::Payout, key));
            let success = Some(Outcome::Success);
            self.new_movement(id, ev, account, ty, value, parties, record, success);
        }
        Ok(())
    }

    fn order_step(&mut self, ev: &EventRow, s: Step, creation: Option<Creation>) -> Result<()> {
        let chain_id = self.chain_id;
        let status = order_state(s.kind, s.status)?;
        let holder = s.holder.unwrap_or(s.payer);
        self.see(s.payer, ev);
        if let Some(payee) = s.payee {
            self.see(payee, ev);
        }
        let index = (s.kind, s.key);
        let created = creation.is_some() || !self.orders.contains_key(&index);
        let order = self.orders.entry(index).or_insert_with(|| {
            if creation.is_none() {
                tracing::warn!(order = %alloy::primitives::B256::from(s.key), "order created before the indexed range");
            }
            OrderRow {
                id: ids::order_id(chain_id, s.kind, &s.key),
                kind: s.kind,
                order_key: s.key,
                operation_id: [0; 32],
                orderer: ZERO,
                payer: s.payer,
                payee: s.payee,
                value: s.value,
                status,
                locked: Decimal::ZERO,
                lock_holder: s.payer,
                reason: None,
                instructions_hash: None,
                created_block: ev.block_number,
                created_tx: ev.tx_hash,
                decided_block: None,
                created_at: ev.block_time,
                updated_at: ev.block_time,
            }
        });
        if let Some(c) = &creation {
            order.orderer = addr(c.orderer);
            order.operation_id = c.operation_id.0;
            order.instructions_hash = c.instructions_hash;
        }
        let (previous_holder, previous_locked) = (order.lock_holder, order.locked);
        order.status = status;
        order.locked = s.locked;
        order.lock_holder = holder;
        if s.reason.is_some() {
            order.reason = s.reason.clone();
        }
        order.updated_at = ev.block_time;
        let outcome = status.outcome();
        if outcome.is_some() {
            order.decided_block = Some(ev.block_number);
        }
        let (payer, payee) = (order.payer, order.payee);
        self.touched_orders.push(index);

        if previous_holder == holder {
            self.delta(ev, holder, Decimal::ZERO, s.locked - previous_locked);
        } else {
            self.delta(ev, previous_holder, Decimal::ZERO, -previous_locked);
            self.delta(ev, holder, Decimal::ZERO, s.locked);
        }

        // The order's movements: created with the order, settled by its deciding event.
        let record_kind = RecordKind::from(s.kind);
        let record = Some((record_kind, s.key));
        let (roles, parties): (&[(Role, Addr, MovementType)], _) = match s.kind {
            OrderKind::Transfer => (
                &[
                    (Role::Out, payer, MovementType::TransferOut),
                    (Role::In, payee.unwrap_or(ZERO), MovementType::TransferIn),
                ],
                (Some(payer), payee),
            ),
            OrderKind::Fund => (
                &[(Role::Cashin, payer, MovementType::BankAccountCashin)],
                (None, None),
            ),
            OrderKind::Payout => (
                &[(Role::Cashout, payer, MovementType::BankAccountCashout)],
                (None, None),
            ),
        };
        for &(role, wallet, ty) in roles {
            let id = ids::record_movement_id(chain_id, record_kind, &s.key, role);
            if created && !self.movements.contains_key(&id) {
                self.new_movement(id, ev, wallet, ty, s.value, parties, record, None);
            }
            if let Some(outcome) = outcome {
                self.decide(id, ev, outcome);
            }
        }
        Ok(())
    }
}
