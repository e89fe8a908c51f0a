//! Two-step transfers, fund orders and payouts: their record, what they keep on hold, and their
//! movements (PENDING from the order until the deciding event is final). A payout whose funds go through
//! the suspense account also gives that account a SUSPENSE_IN and, once burnt or sent back, a
//! SUSPENSE_OUT (done once mined, like a transfer's), so its movements explain its balance.

use alloy::primitives::{Address, FixedBytes, U256};
use emtoken_sdk::EmTokenEvents as E;
use emtoken_store::{Addr, EventRow, Hash, OrderRow, ids};
use rust_decimal::Decimal;

use super::{Mapper, PendingTransfer, ZERO, addr, claim, order_status};
use crate::{
    Result,
    decode::{Decoded, units},
};

/// What an order event says, whatever its kind.
struct Step {
    kind: &'static str,
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

/// Creation facts of an order.
struct Creation {
    orderer: Address,
    operation_id: FixedBytes<32>,
    instructions_hash: Option<Hash>,
}

/// The suspense account's movement of a payout event, if its funds reach or leave that account: (id role,
/// the account, type, (origin, target)).
type SuspenseSide = (
    &'static str,
    Addr,
    &'static str,
    (Option<Addr>, Option<Addr>),
);

fn suspense_side(event: &E) -> Option<SuspenseSide> {
    match event {
        E::PayoutFundsInSuspense(e) => {
            let (wallet, suspense) = (addr(e.wallet), addr(e.suspenseAccount));
            Some((
                "suspense_in",
                suspense,
                "SUSPENSE_IN",
                (Some(wallet), Some(suspense)),
            ))
        }
        // Burnt from the suspense account (from the wallet when it never went there).
        E::PayoutExecuted(e) if e.burntFrom != e.wallet => {
            let account = addr(e.burntFrom);
            Some((
                "suspense_out",
                account,
                "SUSPENSE_OUT",
                (Some(account), None),
            ))
        }
        // Sent back from the suspense account (refundedFrom is zero when nothing went there).
        E::PayoutRejected(e) if !e.refundedFrom.is_zero() && e.refundedFrom != e.wallet => {
            let account = addr(e.refundedFrom);
            let parties = (Some(account), Some(addr(e.wallet)));
            Some(("suspense_out", account, "SUSPENSE_OUT", parties))
        }
        _ => None,
    }
}

fn step(
    kind: &'static str,
    key: FixedBytes<32>,
    (payer, payee): (Address, Option<Address>),
    (value, locked): (U256, U256),
    status: u8,
) -> Result<Step> {
    Ok(Step {
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

impl Mapper {
    pub(super) fn order_event(
        &mut self,
        d: &Decoded,
        transfers: &mut [PendingTransfer],
    ) -> Result<()> {
        let ev = &d.row;
        let (mut s, creation) = match &d.event {
            E::ClearableTransferOrdered(e) => (
                step(
                    "TRANSFER",
                    e.orderId,
                    (e.from, Some(e.to)),
                    (e.value, e.locked),
                    e.status,
                )?,
                Some(Creation {
                    orderer: e.orderer,
                    operation_id: e.operationId,
                    instructions_hash: None,
                }),
            ),
            E::ClearableTransferInProcess(e) => (
                step(
                    "TRANSFER",
                    e.orderId,
                    (e.from, Some(e.to)),
                    (e.value, e.locked),
                    e.status,
                )?,
                None,
            ),
            E::ClearableTransferExecuted(e) => {
                let mut s = step(
                    "TRANSFER",
                    e.orderId,
                    (e.from, Some(e.to)),
                    (e.value, e.locked),
                    e.status,
                )?;
                s.moved = Some((addr(e.from), addr(e.to)));
                (s, None)
            }
            E::ClearableTransferRejected(e) => {
                let mut s = step(
                    "TRANSFER",
                    e.orderId,
                    (e.from, Some(e.to)),
                    (e.value, e.locked),
                    e.status,
                )?;
                s.reason = Some(e.reason.clone());
                (s, None)
            }
            E::ClearableTransferCancelled(e) => (
                step(
                    "TRANSFER",
                    e.orderId,
                    (e.from, Some(e.to)),
                    (e.value, e.locked),
                    e.status,
                )?,
                None,
            ),
            E::FundOrdered(e) => (
                step(
                    "FUND",
                    e.orderId,
                    (e.walletToFund, None),
                    (e.value, e.locked),
                    e.status,
                )?,
                Some(Creation {
                    orderer: e.orderer,
                    operation_id: e.operationId,
                    instructions_hash: Some(e.instructionsHash.0),
                }),
            ),
            E::FundInProcess(e) => (
                step(
                    "FUND",
                    e.orderId,
                    (e.walletToFund, None),
                    (e.value, e.locked),
                    e.status,
                )?,
                None,
            ),
            E::FundExecuted(e) => {
                let mut s = step(
                    "FUND",
                    e.orderId,
                    (e.walletToFund, None),
                    (e.value, e.locked),
                    e.status,
                )?;
                s.moved = Some((ZERO, addr(e.walletToFund)));
                (s, None)
            }
            E::FundRejected(e) => {
                let mut s = step(
                    "FUND",
                    e.orderId,
                    (e.walletToFund, None),
                    (e.value, e.locked),
                    e.status,
                )?;
                s.reason = Some(e.reason.clone());
                (s, None)
            }
            E::FundCancelled(e) => (
                step(
                    "FUND",
                    e.orderId,
                    (e.walletToFund, None),
                    (e.value, e.locked),
                    e.status,
                )?,
                None,
            ),
            E::PayoutOrdered(e) => (
                step(
                    "PAYOUT",
                    e.orderId,
                    (e.wallet, None),
                    (e.value, e.locked),
                    e.status,
                )?,
                Some(Creation {
                    orderer: e.orderer,
                    operation_id: e.operationId,
                    instructions_hash: Some(e.instructionsHash.0),
                }),
            ),
            E::PayoutInProcess(e) => (
                step(
                    "PAYOUT",
                    e.orderId,
                    (e.wallet, None),
                    (e.value, e.locked),
                    e.status,
                )?,
                None,
            ),
            E::PayoutFundsInSuspense(e) => {
                let mut s = step(
                    "PAYOUT",
                    e.orderId,
                    (e.wallet, None),
                    (e.value, e.locked),
                    e.status,
                )?;
                s.holder = Some(addr(e.suspenseAccount));
                s.moved = Some((addr(e.wallet), addr(e.suspenseAccount)));
                (s, None)
            }
            E::PayoutExecuted(e) => {
                let mut s = step(
                    "PAYOUT",
                    e.orderId,
                    (e.wallet, None),
                    (e.value, e.locked),
                    e.status,
                )?;
                s.moved = Some((addr(e.burntFrom), ZERO));
                (s, None)
            }
            E::PayoutRejected(e) => {
                let mut s = step(
                    "PAYOUT",
                    e.orderId,
                    (e.wallet, None),
                    (e.value, e.locked),
                    e.status,
                )?;
                s.reason = Some(e.reason.clone());
                if e.refundedFrom != e.wallet {
                    s.moved = Some((addr(e.refundedFrom), addr(e.wallet)));
                }
                (s, None)
            }
            E::PayoutCancelled(e) => (
                step(
                    "PAYOUT",
                    e.orderId,
                    (e.wallet, None),
                    (e.value, e.locked),
                    e.status,
                )?,
                None,
            ),
            // Approvals, tiers, operators, pause: stored, no record to change.
            _ => return Ok(()),
        };
        let suspense = suspense_side(&d.event);
        if let Some((from, to)) = s.moved {
            claim(transfers, from, to, s.value);
        }
        s.reason = s.reason.filter(|r| !r.is_empty());
        let (key, value) = (s.key, s.value);
        self.order_step(ev, s, creation);
        if let Some((role, account, ty, parties)) = suspense {
            let id = ids::record_movement_id(self.chain_id, "PAYOUT", &key, role);
            let record = Some(("PAYOUT", key));
            self.new_movement(id, ev, account, ty, value, parties, record, Some("SUCCESS"));
        }
        Ok(())
    }

    fn order_step(&mut self, ev: &EventRow, s: Step, creation: Option<Creation>) {
        let chain_id = self.chain_id;
        let status = order_status(s.kind, s.status);
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
                kind: s.kind.to_owned(),
                order_key: s.key,
                operation_id: [0; 32],
                orderer: ZERO,
                payer: s.payer,
                payee: s.payee,
                value: s.value,
                status: String::new(),
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
        order.status = status.clone();
        order.locked = s.locked;
        order.lock_holder = holder;
        if s.reason.is_some() {
            order.reason = s.reason.clone();
        }
        order.updated_at = ev.block_time;
        let outcome = match status.as_str() {
            "EXECUTED" => Some("SUCCESS"),
            "REJECTED" | "CANCELLED" => Some("ERROR"),
            _ => None,
        };
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
        let record = Some((s.kind, s.key));
        let roles: Vec<(&str, Addr, &str)> = match s.kind {
            "TRANSFER" => vec![
                ("out", payer, "TRANSFER_OUT"),
                ("in", payee.unwrap_or(ZERO), "TRANSFER_IN"),
            ],
            "FUND" => vec![("cashin", payer, "BANK_ACCOUNT_CASHIN")],
            _ => vec![("cashout", payer, "BANK_ACCOUNT_CASHOUT")],
        };
        let parties = if s.kind == "TRANSFER" {
            (Some(payer), payee)
        } else {
            (None, None)
        };
        for (role, wallet, ty) in roles {
            let id = ids::record_movement_id(chain_id, s.kind, &s.key, role);
            if created && !self.movements.contains_key(&id) {
                self.new_movement(id, ev, wallet, ty, s.value, parties, record, None);
            }
            if let Some(outcome) = outcome {
                self.decide(id, ev, outcome);
            }
        }
    }
}
