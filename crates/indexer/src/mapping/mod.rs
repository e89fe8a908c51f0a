//! Chain facts to records (docs/records.md): one pass over a batch's new events, in chain order,
//! turning them into balance changes, wallets (and which are the platform's own), movements, holds
//! and orders. The same code re-derives holds and orders from their remaining events after a
//! reorganisation, so both paths agree by construction.

use std::collections::{BTreeMap, HashMap};

use alloy::primitives::{Address, U256};
use emtoken_sdk::EmTokenEvents as E;
use emtoken_store::{
    Addr, ComplianceRow, DeltaRow, EventRow, Hash, HoldRow, MovementRow, OrderRow, SeenAddress,
    SystemRoleRow, ids,
};
use emtoken_types::{
    HoldState, HoldStatus, MintKind, MovementStatus, MovementType, OrderKind, OrderState, Outcome,
    RecordKind, Role,
};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{
    Result,
    decode::{Decoded, timestamp, units},
};

/// Everything a batch writes besides its events.
#[derive(Debug, Default)]
pub(crate) struct Writes {
    pub deltas: Vec<DeltaRow>,
    pub seen: Vec<SeenAddress>,
    pub compliance: Vec<ComplianceRow>,
    pub roles: Vec<SystemRoleRow>,
    pub movements: Vec<MovementRow>,
    pub holds: Vec<HoldRow>,
    pub orders: Vec<OrderRow>,
}

/// Applies events to the records they touch. Load the records the events name first
/// ([`Mapper::with_records`]), feed events in chain order, then take the writes.
#[derive(Debug)]
pub(crate) struct Mapper {
    chain_id: i64,
    final_block: i64,
    holds: HashMap<Hash, HoldRow>,
    orders: HashMap<(OrderKind, Hash), OrderRow>,
    movements: HashMap<Uuid, MovementRow>,
    deltas: Vec<DeltaRow>,
    seen: BTreeMap<Addr, SeenAddress>,
    compliance: BTreeMap<Addr, ComplianceRow>,
    roles: BTreeMap<Addr, SystemRoleRow>,
    touched_movements: Vec<Uuid>,
    touched_holds: Vec<Hash>,
    touched_orders: Vec<(OrderKind, Hash)>,
}

/// A Transfer log of the transaction being mapped, waiting to be explained by a domain event.
struct PendingTransfer {
    from: Addr,
    to: Addr,
    value: Decimal,
    row: EventRow,
    claimed: bool,
}

fn addr(a: Address) -> Addr {
    a.into_array()
}

const ZERO: Addr = [0u8; 20];

/// The status a movement shows: its outcome once the deciding block is final, PENDING before.
fn status_of(outcome: Option<Outcome>, decided: Option<i64>, final_block: i64) -> MovementStatus {
    match (outcome, decided) {
        (Some(outcome), Some(block)) if block <= final_block => outcome.into(),
        _ => MovementStatus::Pending,
    }
}

/// The state of a hold after an event reporting the contract's `status`.
fn hold_state(status: u8) -> Result<HoldState> {
    HoldState::from_chain(HoldStatus::try_from(status)?)
        .ok_or_else(|| crate::Error::Node(format!("a hold event with hold status {status}")))
}

/// The state of an order of `kind` after an event reporting the contract's `status`.
fn order_state(kind: OrderKind, status: u8) -> Result<OrderState> {
    OrderState::from_chain(kind, status)?
        .ok_or_else(|| crate::Error::Node(format!("a {kind} order event with status {status}")))
}

fn expiration(seconds: U256) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    if seconds.is_zero() {
        return Ok(None);
    }
    let seconds: u64 = seconds.try_into().unwrap_or(u64::MAX);
    Ok(Some(timestamp(seconds.min(i64::MAX as u64 / 1000))?))
}

impl Mapper {
    /// A mapper for a chain whose last final block (after the batch) is `final_block`.
    pub(crate) fn new(chain_id: i64, final_block: i64) -> Self {
        Self {
            chain_id,
            final_block,
            holds: HashMap::new(),
            orders: HashMap::new(),
            movements: HashMap::new(),
            deltas: Vec::new(),
            seen: BTreeMap::new(),
            compliance: BTreeMap::new(),
            roles: BTreeMap::new(),
            touched_movements: Vec::new(),
            touched_holds: Vec::new(),
            touched_orders: Vec::new(),
        }
    }

    /// Starts from stored records (the holds, orders and record movements the batch's events name).
    pub(crate) fn with_records(
        mut self,
        holds: Vec<HoldRow>,
        orders: Vec<OrderRow>,
        movements: Vec<MovementRow>,
    ) -> Self {
        self.holds
            .extend(holds.into_iter().map(|h| (h.hold_key, h)));
        for order in orders {
            self.orders.insert((order.kind, order.order_key), order);
        }
        self.movements
            .extend(movements.into_iter().map(|m| (m.id, m)));
        self
    }

    /// Re-derives compliance from scratch for these addresses (after a reorganisation): their state
    /// starts unregistered, unfrozen, and the remaining events are applied on top.
    pub(crate) fn reset_compliance(&mut self, addresses: &[Addr]) {
        for address in addresses {
            self.compliance.insert(
                *address,
                ComplianceRow {
                    address: *address,
                    registered: Some(false),
                    kyc_level: None,
                    frozen: Some(false),
                    reset: true,
                },
            );
        }
    }

    /// Applies events (in chain order; a transaction's events are never split across calls).
    pub(crate) fn apply(&mut self, events: &[Decoded]) -> Result<()> {
        let mut start = 0;
        while start < events.len() {
            let tx = events[start].row.tx_hash;
            let block = events[start].row.block_hash;
            let end = events[start..]
                .iter()
                .position(|e| e.row.tx_hash != tx || e.row.block_hash != block)
                .map_or(events.len(), |n| start + n);
            self.apply_tx(&events[start..end])?;
            start = end;
        }
        Ok(())
    }

    /// The writes, each record once in its final state.
    pub(crate) fn finish(mut self) -> Writes {
        let mut writes = Writes {
            deltas: std::mem::take(&mut self.deltas),
            seen: self.seen.into_values().collect(),
            compliance: self.compliance.into_values().collect(),
            roles: self.roles.into_values().collect(),
            ..Writes::default()
        };
        dedup(&mut self.touched_movements);
        dedup(&mut self.touched_holds);
        dedup(&mut self.touched_orders);
        writes.movements = self
            .touched_movements
            .iter()
            .filter_map(|id| self.movements.remove(id))
            .collect();
        writes.holds = self
            .touched_holds
            .iter()
            .filter_map(|k| self.holds.remove(k))
            .collect();
        writes.orders = self
            .touched_orders
            .iter()
            .filter_map(|k| self.orders.remove(k))
            .collect();
        writes
    }

    fn apply_tx(&mut self, events: &[Decoded]) -> Result<()> {
        let mut transfers: Vec<PendingTransfer> = Vec::new();
        for decoded in events {
            self.apply_event(decoded, &mut transfers)?;
        }
        for t in transfers.into_iter().filter(|t| !t.claimed) {
            if t.from == ZERO || t.to == ZERO {
                tracing::warn!(tx = %alloy::primitives::B256::from(t.row.tx_hash), "mint or burn without its EmToken event");
                continue;
            }
            self.transfer_pair(&t.row, t.from, t.to, t.value, None)?;
        }
        Ok(())
    }

    fn apply_event(&mut self, d: &Decoded, transfers: &mut Vec<PendingTransfer>) -> Result<()> {
        let ev = &d.row;
        match &d.event {
            E::Transfer(t) => {
                let (from, to, value) = (addr(t.from), addr(t.to), units(t.value)?);
                if from != ZERO {
                    self.delta(ev, from, -value, Decimal::ZERO);
                }
                if to != ZERO {
                    self.delta(ev, to, value, Decimal::ZERO);
                }
                transfers.push(PendingTransfer {
                    from,
                    to,
                    value,
                    row: ev.clone(),
                    claimed: false,
                });
            }
            E::Minted(m) => {
                let (to, value) = (addr(m.to), units(m.value)?);
                claim(transfers, ZERO, to, value);
                let kind = MintKind::try_from(m.kind)?;
                let ty = MovementType::from(kind);
                // A card cash-in is named by its payment reference (the platform shows it before the
                // mint); other mints by their event.
                let id = match kind {
                    MintKind::Card => {
                        ids::card_cashin_movement_id(self.chain_id, &m.paymentReference.0)
                    }
                    MintKind::BankTransfer => ids::event_movement_id(
                        self.chain_id,
                        &ev.tx_hash,
                        ev.tx_ordinal,
                        Role::Cashin,
                    ),
                };
                let success = Some(Outcome::Success);
                let movement =
                    self.new_movement(id, ev, to, ty, value, (None, None), None, success);
                // The fiat payment it was minted against, so the two can be matched.
                movement.payment_reference = Some(m.paymentReference.0);
            }
            E::OperatorTransferExecuted(o) => {
                let (from, to, value) = (addr(o.from), addr(o.to), units(o.value)?);
                claim(transfers, from, to, value);
                self.transfer_pair(
                    ev,
                    from,
                    to,
                    value,
                    Some((RecordKind::OperatorTransfer, o.transferId.0)),
                )?;
            }
            E::WalletRegistered(w) => {
                let row = self.compliance_of(addr(w.wallet), ev);
                row.registered = Some(true);
                row.kyc_level = Some(i16::from(w.level));
            }
            E::KycLevelChanged(w) => {
                self.compliance_of(addr(w.wallet), ev).kyc_level = Some(i16::from(w.level));
            }
            E::Frozen(w) => self.compliance_of(addr(w.wallet), ev).frozen = Some(true),
            E::Unfrozen(w) => self.compliance_of(addr(w.wallet), ev).frozen = Some(false),
            E::HoldCreated(_) | E::HoldExecuted(_) | E::HoldReleased(_) | E::HoldRenewed(_) => {
                self.hold_event(d, transfers)?;
            }
            event if self.role_event(event, ev) => {}
            event if self.fee_event(event, ev, transfers)? => {}
            _ => self.order_event(d, transfers)?,
        }
        Ok(())
    }

    fn hold_event(&mut self, d: &Decoded, transfers: &mut [PendingTransfer]) -> Result<()> {
        let ev = &d.row;
        match &d.event {
            E::HoldCreated(h) => {
                let (key, payer, payee, value) =
                    (h.holdId.0, addr(h.payer), addr(h.payee), units(h.value)?);
                self.see(payer, ev);
                self.see(payee, ev);
                self.holds.insert(
                    key,
                    HoldRow {
                        id: ids::hold_id(self.chain_id, &key),
                        hold_key: key,
                        operation_id: h.operationId.0,
                        issuer: addr(h.issuer),
                        payer,
                        payee,
                        notary: addr(h.notary),
                        held_value: value,
                        executed_value: Decimal::ZERO,
                        released_value: Decimal::ZERO,
                        remaining: value,
                        status: hold_state(h.status)?,
                        expiration: expiration(h.expiration)?,
                        created_block: ev.block_number,
                        created_tx: ev.tx_hash,
                        created_at: ev.block_time,
                        updated_at: ev.block_time,
                    },
                );
                self.touched_holds.push(key);
                self.delta(ev, payer, Decimal::ZERO, value);
                let id = ids::record_movement_id(self.chain_id, RecordKind::Hold, &key, Role::Lock);
                self.new_movement(
                    id,
                    ev,
                    payer,
                    MovementType::Lock,
                    value,
                    (None, None),
                    Some((RecordKind::Hold, key)),
                    Some(Outcome::Success),
                );
            }
            E::HoldExecuted(h) => {
                let key = h.holdId.0;
                let (payer, payee) = (addr(h.payer), addr(h.payee));
                let (executed, released) = (units(h.executedValue)?, units(h.releasedValue)?);
                let remaining = units(h.remaining)?;
                let status = hold_state(h.status)?;
                self.update_hold(key, ev, payer, payee, |hold| {
                    hold.executed_value += executed;
                    hold.released_value += released;
                    hold.remaining = remaining;
                    hold.status = status;
                });
                self.delta(ev, payer, Decimal::ZERO, -(executed + released));
                if !executed.is_zero() {
                    claim(transfers, payer, payee, executed);
                    let record = Some((RecordKind::Hold, key));
                    self.transfer_pair(ev, payer, payee, executed, record)?;
                }
                if !released.is_zero() {
                    self.release_movement(ev, payer, released, key);
                }
            }
            E::HoldReleased(h) => {
                let (key, payer, payee, released) = (
                    h.holdId.0,
                    addr(h.payer),
                    addr(h.payee),
                    units(h.releasedValue)?,
                );
                let status = hold_state(h.status)?;
                self.update_hold(key, ev, payer, payee, |hold| {
                    hold.released_value += released;
                    hold.remaining = Decimal::ZERO;
                    hold.status = status;
                });
                self.delta(ev, payer, Decimal::ZERO, -released);
                self.release_movement(ev, payer, released, key);
            }
            E::HoldRenewed(h) => {
                let (key, payer, payee) = (h.holdId.0, addr(h.payer), addr(h.payee));
                let expiration = expiration(h.expiration)?;
                let remaining = units(h.remaining)?;
                self.update_hold(key, ev, payer, payee, |hold| {
                    hold.expiration = expiration;
                    hold.remaining = remaining;
                    hold.status = HoldState::Renewed;
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// RELEASE of `released` for the payer of hold `key`, done once mined.
    fn release_movement(&mut self, ev: &EventRow, payer: Addr, released: Decimal, key: Hash) {
        let id = ids::event_movement_id(self.chain_id, &ev.tx_hash, ev.tx_ordinal, Role::Release);
        let record = Some((RecordKind::Hold, key));
        self.new_movement(
            id,
            ev,
            payer,
            MovementType::Release,
            released,
            (None, None),
            record,
            Some(Outcome::Success),
        );
    }

    /// Applies a change to a known hold; a hold created before the indexed range is started from what
    /// the event tells (amounts executed before are unknown).
    fn update_hold(
        &mut self,
        key: Hash,
        ev: &EventRow,
        payer: Addr,
        payee: Addr,
        change: impl FnOnce(&mut HoldRow),
    ) {
        let chain_id = self.chain_id;
        let hold = self.holds.entry(key).or_insert_with(|| {
            tracing::warn!(hold = %alloy::primitives::B256::from(key), "hold created before the indexed range");
            HoldRow {
                id: ids::hold_id(chain_id, &key),
                hold_key: key,
                operation_id: [0; 32],
                issuer: ZERO,
                payer,
                payee,
                notary: ZERO,
                held_value: Decimal::ZERO,
                executed_value: Decimal::ZERO,
                released_value: Decimal::ZERO,
                remaining: Decimal::ZERO,
                // Overwritten by the change that follows.
                status: HoldState::Created,
                expiration: None,
                created_block: ev.block_number,
                created_tx: ev.tx_hash,
                created_at: ev.block_time,
                updated_at: ev.block_time,
            }
        });
        change(hold);
        hold.updated_at = ev.block_time;
        self.touched_holds.push(key);
    }
}

/// Marks the latest unclaimed Transfer `from → to` of `value` in the transaction as explained.
fn claim(transfers: &mut [PendingTransfer], from: Addr, to: Addr, value: Decimal) -> bool {
    match transfers
        .iter_mut()
        .rev()
        .find(|t| !t.claimed && t.from == from && t.to == to && t.value == value)
    {
        Some(t) => {
            t.claimed = true;
            true
        }
        None => false,
    }
}

fn dedup<T: Ord + Copy>(items: &mut Vec<T>) {
    items.sort_unstable();
    items.dedup();
}

mod fees;
mod orders;
mod roles;
mod rows;
#[cfg(test)]
mod tests;
