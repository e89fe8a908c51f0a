//! Fees charged in the same transaction as their operation (`FeeCharged`) and wipes of frozen balances
//! (`Wiped`).

use emtoken_sdk::EmTokenEvents as E;
use emtoken_store::{EventRow, ids};
use emtoken_types::{FeeKind, MovementType, Outcome, RecordKind, Role};

use super::{Mapper, PendingTransfer, ZERO, addr, claim};
use crate::{Result, decode::units};

impl Mapper {
    /// Applies a fee or a wipe; false when the event is neither.
    pub(super) fn fee_event(
        &mut self,
        event: &E,
        ev: &EventRow,
        transfers: &mut [PendingTransfer],
    ) -> Result<bool> {
        match event {
            E::FeeCharged(f) => {
                let (payer, account, fee) = (addr(f.payer), addr(f.feeAccount), units(f.fee)?);
                let kind = FeeKind::try_from(f.kind)?;
                let operation = f.operation.0;
                // The fee's own Transfer (payer → fee account), emitted just before.
                claim(transfers, payer, account, fee);
                // Linked to its operation: the record the operation's movements carry, or (a mint) the
                // payment reference its cash-in carries.
                let record = match kind {
                    FeeKind::OperatorTransfer => Some((RecordKind::OperatorTransfer, operation)),
                    FeeKind::HoldExecution => Some((RecordKind::Hold, operation)),
                    FeeKind::Payout => Some((RecordKind::Payout, operation)),
                    FeeKind::Fund => Some((RecordKind::Fund, operation)),
                    FeeKind::Mint => None,
                };
                let reference = (kind == FeeKind::Mint).then_some(operation);
                let parties = (Some(payer), Some(account));
                let success = Some(Outcome::Success);
                for (wallet, ty, role) in [
                    (payer, MovementType::Commission, Role::Commission),
                    (account, MovementType::CommissionIn, Role::CommissionIn),
                ] {
                    let id = ids::commission_movement_id(self.chain_id, kind, &operation, role);
                    let movement =
                        self.new_movement(id, ev, wallet, ty, fee, parties, record, success);
                    movement.payment_reference = reference;
                }
            }
            E::Wiped(w) => {
                let (wallet, value) = (addr(w.wallet), units(w.value)?);
                // The burn's Transfer (wallet → nobody), emitted just before.
                claim(transfers, wallet, ZERO, value);
                let id =
                    ids::event_movement_id(self.chain_id, &ev.tx_hash, ev.tx_ordinal, Role::Wipe);
                let success = Some(Outcome::Success);
                let movement = self.new_movement(
                    id,
                    ev,
                    wallet,
                    MovementType::Wipe,
                    value,
                    (None, None),
                    None,
                    success,
                );
                // What the wallet's owner is shown: the decision's reason (its reference is in the
                // stored event).
                movement.concept = Some(w.reason.clone());
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
