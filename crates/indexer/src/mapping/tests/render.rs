//! Running the mapping, its writes one line per row, and the invariants checked on them.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Maps `chain`'s events with `final_block` as the last final block, checks the invariants and
/// renders the writes.
pub(super) fn map(final_block: i64, chain: Chain) -> String {
    let mut mapper = Mapper::new(CHAIN, final_block);
    mapper.apply(&chain.decoded).expect("the events map");
    let writes = mapper.finish();
    check(&chain.decoded, &writes);
    render(&writes)
}

pub(super) fn name(address: &Addr) -> String {
    let address = Address::from(*address);
    NAMES
        .iter()
        .find(|(a, _)| *a == address)
        .map_or_else(|| format!("{address:#x}"), |(_, n)| (*n).to_owned())
}

pub(super) fn wallet_name(id: uuid::Uuid) -> String {
    NAMES
        .iter()
        .find(|(a, _)| ids::wallet_id(CHAIN, &a.0.0) == id)
        .map_or_else(|| format!("wallet {id}"), |(_, n)| (*n).to_owned())
}

pub(super) fn short(hash: &Hash) -> String {
    format!("0x{}…", alloy::hex::encode(&hash[..2]))
}

pub(super) fn opt<T>(value: Option<T>, show: impl Fn(T) -> String) -> String {
    value.map_or_else(|| "-".to_owned(), show)
}

/// How a movement's id was made: `record/ROLE` (from the hold's or order's key: the API can name it
/// before it is mined), `card-reference` (a card mint's payment reference: likewise) or
/// `event#ORDINAL/ROLE` (from the transaction hash and the event's position).
pub(super) fn id_source(m: &MovementRow) -> String {
    if let Some(reference) = m.payment_reference
        && ids::card_cashin_movement_id(CHAIN, &reference) == m.id
    {
        return "card-reference".to_owned();
    }
    for kind in 0..4 {
        let kind = FeeKind::try_from(kind).expect("a fee kind");
        let key = m.record_key.or(m.payment_reference).unwrap_or_default();
        for role in [Role::Commission, Role::CommissionIn] {
            if ids::commission_movement_id(CHAIN, kind, &key, role) == m.id {
                return format!("fee {kind:?}/{}", role.as_str());
            }
        }
    }
    for &role in Role::ALL {
        if let (Some(kind), Some(key)) = (m.record_kind, m.record_key)
            && ids::record_movement_id(CHAIN, kind, &key, role) == m.id
        {
            return format!("record/{}", role.as_str());
        }
        for ordinal in 0..8 {
            if ids::event_movement_id(CHAIN, &m.tx_hash, ordinal, role) == m.id {
                return format!("event#{ordinal}/{}", role.as_str());
            }
        }
    }
    format!("unknown {}", m.id)
}

/// The writes, one line per row, in a stable order.
pub(super) fn render(w: &Writes) -> String {
    let mut out = String::new();
    for s in &w.seen {
        writeln!(out, "seen       {} @{}", name(&s.address), s.block_number).unwrap();
    }
    for d in &w.deltas {
        writeln!(
            out,
            "delta      {} total {:+} held {:+} (@{} log {})",
            name(&d.address),
            d.total,
            d.held,
            d.block_number,
            d.log_index
        )
        .unwrap();
    }
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    for c in &w.compliance {
        writeln!(
            out,
            "compliance {} registered {} kyc {} frozen {}",
            name(&c.address),
            opt(c.registered, yes_no),
            opt(c.kyc_level, |l| l.to_string()),
            opt(c.frozen, yes_no),
        )
        .unwrap();
    }
    for r in &w.roles {
        writeln!(
            out,
            "role       {} suspense {} fees {} operator {}",
            name(&r.address),
            opt(r.suspense, yes_no),
            opt(r.fee_account, yes_no),
            opt(r.operator, yes_no),
        )
        .unwrap();
    }
    let mut movements: Vec<&MovementRow> = w.movements.iter().collect();
    movements.sort_by_key(|m| (m.block_number, m.log_index, m.r#type));
    for m in movements {
        writeln!(
            out,
            "movement   {} {} {} {} (outcome {} decided {}) {} → {} record {} ref {} id {} (@{} log {})",
            wallet_name(m.wallet_id),
            m.r#type,
            m.amount,
            m.status,
            opt(m.outcome, |o| o.to_string()),
            opt(m.decided_block, |b| format!("@{b}")),
            opt(m.origin_address, |a| name(&a)),
            opt(m.target_address, |a| name(&a)),
            opt(m.record_kind.zip(m.record_key), |(k, key)| format!(
                "{k} {}",
                short(&key)
            )),
            opt(m.payment_reference, |r| short(&r)),
            id_source(m),
            m.block_number,
            m.log_index,
        )
        .unwrap();
    }
    for h in &w.holds {
        assert_eq!(h.id, ids::hold_id(CHAIN, &h.hold_key));
        writeln!(
            out,
            "hold       {} {} {} → {} notary {} issuer {} op {} held {} executed {} released {} remaining {} expires {} (created @{})",
            short(&h.hold_key),
            h.status,
            name(&h.payer),
            name(&h.payee),
            name(&h.notary),
            name(&h.issuer),
            short(&h.operation_id),
            h.held_value,
            h.executed_value,
            h.released_value,
            h.remaining,
            opt(h.expiration, |e| e.to_rfc3339()),
            h.created_block,
        )
        .unwrap();
    }
    for o in &w.orders {
        assert_eq!(o.id, ids::order_id(CHAIN, o.kind, &o.order_key));
        writeln!(
            out,
            "order      {} {} {} {} → {} by {} op {} value {} locked {} on {} reason {} instructions {} (created @{}, decided {})",
            o.kind,
            short(&o.order_key),
            o.status,
            name(&o.payer),
            opt(o.payee, |p| name(&p)),
            name(&o.orderer),
            short(&o.operation_id),
            o.value,
            o.locked,
            name(&o.lock_holder),
            opt(o.reason.clone(), |r| format!("{r:?}")),
            opt(o.instructions_hash, |h| short(&h)),
            o.created_block,
            opt(o.decided_block, |b| format!("@{b}")),
        )
        .unwrap();
    }
    out
}

/// A movement's effect on its wallet's total: in (+), out (−), or none (locks and releases).
pub(super) fn signed(m: &MovementRow) -> Decimal {
    match m.r#type {
        MovementType::CardCashin
        | MovementType::BankAccountCashin
        | MovementType::TransferIn
        | MovementType::SuspenseIn
        | MovementType::CommissionIn => m.amount,
        MovementType::BankAccountCashout
        | MovementType::TransferOut
        | MovementType::SuspenseOut
        | MovementType::Commission
        | MovementType::Wipe => -m.amount,
        MovementType::Lock | MovementType::Release => Decimal::ZERO,
    }
}

/// The invariants users rely on, for the writes of `events`.
pub(super) fn check(events: &[Decoded], w: &Writes) {
    // Every wallet a row names was seen (its wallet row exists), under the wallet id of its address.
    let seen: BTreeMap<uuid::Uuid, Addr> = w
        .seen
        .iter()
        .map(|s| {
            assert_eq!(s.wallet_id, ids::wallet_id(CHAIN, &s.address));
            (s.wallet_id, s.address)
        })
        .collect();
    for m in &w.movements {
        assert!(seen.contains_key(&m.wallet_id), "unseen wallet of {m:?}");
    }
    for d in &w.deltas {
        let id = ids::wallet_id(CHAIN, &d.address);
        assert!(seen.contains_key(&id), "unseen address of {d:?}");
    }
    // A transaction's total balance changes sum to what it minted less what it burnt.
    let mut issued: BTreeMap<Hash, Decimal> = BTreeMap::new();
    for d in events {
        if let E::Transfer(t) = &d.event {
            let value = Decimal::from(u64::try_from(t.value).expect("small amounts"));
            let change = issued.entry(d.row.block_hash).or_default();
            if t.from == ZERO {
                *change += value;
            }
            if t.to == ZERO {
                *change -= value;
            }
        }
    }
    let mut changed: BTreeMap<Hash, Decimal> = BTreeMap::new();
    for d in &w.deltas {
        *changed.entry(d.block_hash).or_default() += d.total;
    }
    changed.retain(|_, total| !total.is_zero());
    issued.retain(|_, total| !total.is_zero());
    assert_eq!(
        changed, issued,
        "balance changes per block vs minted − burnt"
    );
    // A wallet whose movements are all decided: its SUCCESS movements explain its balance change.
    let mut movements: BTreeMap<uuid::Uuid, Vec<&MovementRow>> = BTreeMap::new();
    for m in &w.movements {
        movements.entry(m.wallet_id).or_default().push(m);
    }
    for (wallet, list) in movements {
        if list.iter().any(|m| m.outcome.is_none()) {
            continue;
        }
        let by_movements: Decimal = list
            .iter()
            .filter(|m| m.outcome == Some(Outcome::Success))
            .map(|m| signed(m))
            .sum();
        let address = seen[&wallet];
        let by_deltas: Decimal = w
            .deltas
            .iter()
            .filter(|d| d.address == address)
            .map(|d| d.total)
            .sum();
        assert_eq!(
            by_movements,
            by_deltas,
            "{}: SUCCESS movements vs balance changes",
            name(&address)
        );
    }
}
