//! Building blocks of the mapping: balance changes, first sightings, compliance and movements.

use emtoken_store::{Addr, ComplianceRow, DeltaRow, EventRow, Hash, MovementRow, SeenAddress, ids};
use emtoken_types::{MovementType, Outcome, RecordKind, Role};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{Mapper, status_of};

use crate::Result;

impl Mapper {
    /// Records a balance change of `address` by the event, and that the address was seen.
    pub(super) fn delta(&mut self, ev: &EventRow, address: Addr, total: Decimal, held: Decimal) {
        self.see(address, ev);
        if total.is_zero() && held.is_zero() {
            return;
        }
        self.deltas.push(DeltaRow {
            block_hash: ev.block_hash,
            log_index: ev.log_index,
            block_number: ev.block_number,
            address,
            total,
            held,
        });
    }

    /// Notes that `address` appears on chain at the event's block (its wallet row exists from then on).
    pub(super) fn see(&mut self, address: Addr, ev: &EventRow) {
        let chain_id = self.chain_id;
        self.seen.entry(address).or_insert_with(|| SeenAddress {
            address,
            wallet_id: ids::wallet_id(chain_id, &address),
            block_number: ev.block_number,
            time: ev.block_time,
        });
    }

    /// The pending compliance change of `address` (creating its wallet row if new).
    pub(super) fn compliance_of(&mut self, address: Addr, ev: &EventRow) -> &mut ComplianceRow {
        self.see(address, ev);
        self.compliance
            .entry(address)
            .or_insert_with(|| ComplianceRow {
                address,
                registered: None,
                kyc_level: None,
                frozen: None,
                reset: false,
            })
    }

    /// A new movement of `wallet` created by the event, returned for what only some movements carry.
    /// `outcome` is known for movements that are done once mined (decided by this very event); None for
    /// orders waiting for their agent.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new_movement(
        &mut self,
        id: Uuid,
        ev: &EventRow,
        wallet: Addr,
        ty: MovementType,
        amount: Decimal,
        (origin, target): (Option<Addr>, Option<Addr>),
        record: Option<(RecordKind, Hash)>,
        outcome: Option<Outcome>,
    ) -> &mut MovementRow {
        self.see(wallet, ev);
        let decided_block = outcome.map(|_| ev.block_number);
        let movement = MovementRow {
            id,
            wallet_id: ids::wallet_id(self.chain_id, &wallet),
            r#type: ty,
            status: status_of(outcome, decided_block, self.final_block),
            outcome,
            amount,
            concept: None,
            origin_address: origin,
            target_address: target,
            iban: None,
            record_kind: record.map(|(kind, _)| kind),
            record_key: record.map(|(_, key)| key),
            payment_reference: None,
            tx_hash: ev.tx_hash,
            block_number: ev.block_number,
            block_hash: ev.block_hash,
            log_index: ev.log_index,
            decided_block,
            dropped: false,
            created_at: ev.block_time,
            updated_at: ev.block_time,
        };
        self.touched_movements.push(id);
        self.movements.entry(id).insert_entry(movement).into_mut()
    }

    /// TRANSFER_OUT for the payer and TRANSFER_IN for the payee, done once mined.
    pub(super) fn transfer_pair(
        &mut self,
        ev: &EventRow,
        from: Addr,
        to: Addr,
        value: Decimal,
        record: Option<(RecordKind, Hash)>,
    ) -> Result<()> {
        let parties = (Some(from), Some(to));
        // An operator transfer is a record of its own (its key is derived from the issuer and the
        // operation id), so the platform can name its movements before it is mined.
        let (out, inn) = match record {
            Some((kind @ RecordKind::OperatorTransfer, key)) => (
                ids::record_movement_id(self.chain_id, kind, &key, Role::Out),
                ids::record_movement_id(self.chain_id, kind, &key, Role::In),
            ),
            _ => (
                ids::event_movement_id(self.chain_id, &ev.tx_hash, ev.tx_ordinal, Role::Out),
                ids::event_movement_id(self.chain_id, &ev.tx_hash, ev.tx_ordinal, Role::In),
            ),
        };
        self.new_movement(
            out,
            ev,
            from,
            MovementType::TransferOut,
            value,
            parties,
            record,
            Some(Outcome::Success),
        );
        self.new_movement(
            inn,
            ev,
            to,
            MovementType::TransferIn,
            value,
            parties,
            record,
            Some(Outcome::Success),
        );
        Ok(())
    }

    /// Settles a record's movement with `outcome` as of the event (it shows once the event is final).
    /// Returns false when the movement is unknown (its record predates the indexed range).
    pub(super) fn decide(&mut self, id: Uuid, ev: &EventRow, outcome: Outcome) -> bool {
        let final_block = self.final_block;
        let Some(movement) = self.movements.get_mut(&id) else {
            return false;
        };
        movement.outcome = Some(outcome);
        movement.decided_block = Some(ev.block_number);
        movement.updated_at = ev.block_time;
        movement.status = status_of(Some(outcome), Some(ev.block_number), final_block);
        self.touched_movements.push(id);
        true
    }
}
