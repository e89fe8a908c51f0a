//! The mapping event by event: each test builds the decoded events of a few transactions (one block
//! each, as on the dev chain), runs them through a [`Mapper`] and snapshots its writes, one line per
//! row ([`render`]), so a reviewer reads what each event does to wallets, balances, movements, holds
//! and orders. Besides the snapshots, [`map`] asserts what users rely on ([`check`]): every
//! movement's wallet was seen, a transaction's balance changes sum to what it minted less what it
//! burnt, and a wallet whose movements are all decided has SUCCESS movements summing to its change.
//!
//! The snapshots are in `snapshots/`. After an intended change, write them again with
//! `INSTA_UPDATE=always cargo test -p emtoken-indexer --lib mapping::tests` and read the diff of the
//! `.snap` files before committing it.

use std::{collections::BTreeMap, fmt::Write as _};

use alloy::primitives::{Address, B256, U256};
use emtoken_sdk::{EmTokenEvents as E, Role as AccessRole, bindings::EmToken as C};
use emtoken_store::{Addr, EventRow, Hash, MovementRow, ids};
use emtoken_types::{MovementType, Outcome, Role};
use rust_decimal::Decimal;

use super::{Mapper, Writes};
use crate::decode::{Decoded, record_key};

const CHAIN: i64 = 31337;

const ALICE: Address = Address::new([0xa1; 20]);
const BOB: Address = Address::new([0xb0; 20]);
const OPERATOR: Address = Address::new([0x0e; 20]);
const NOTARY: Address = Address::new([0x4e; 20]);
const SUSPENSE: Address = Address::new([0x55; 20]);
const SUSPENSE_2: Address = Address::new([0x56; 20]);
const ZERO: Address = Address::ZERO;

/// The names the snapshots show for the parties' addresses.
const NAMES: [(Address, &str); 7] = [
    (ZERO, "zero"),
    (ALICE, "alice"),
    (BOB, "bob"),
    (OPERATOR, "operator"),
    (NOTARY, "notary"),
    (SUSPENSE, "suspense"),
    (SUSPENSE_2, "suspense2"),
];

const ROLES: [Role; 8] = [
    Role::Out,
    Role::In,
    Role::Cashin,
    Role::Cashout,
    Role::Lock,
    Role::Release,
    Role::SuspenseIn,
    Role::SuspenseOut,
];

/// A hold's or an order's key (and operation ids, payment references): one byte repeated.
fn key(byte: u8) -> B256 {
    B256::repeat_byte(byte)
}

fn u(value: u64) -> U256 {
    U256::from(value)
}

// ---- building events ----

/// The decoded events of consecutive transactions, each mined alone in the next block.
struct Chain {
    block: i64,
    decoded: Vec<Decoded>,
}

/// A hash tagged by its first byte (0xbb blocks, 0x77 transactions) with the block number at its end.
fn tagged(tag: u8, block: i64) -> Hash {
    let mut hash = [0u8; 32];
    hash[0] = tag;
    hash[24..].copy_from_slice(&block.to_be_bytes());
    hash
}

impl Chain {
    /// A chain whose next transaction is mined in block `first`.
    fn from(first: i64) -> Self {
        Self {
            block: first - 1,
            decoded: Vec::new(),
        }
    }

    /// A transaction in the next block, emitting `events` in this order (logs 0, 1, …).
    fn tx(mut self, events: Vec<E>) -> Self {
        self.block += 1;
        let block = self.block;
        for (ordinal, event) in events.into_iter().enumerate() {
            let row = EventRow {
                block_hash: tagged(0xbb, block),
                log_index: ordinal as i64,
                block_number: block,
                block_time: chrono::DateTime::from_timestamp(1_750_000_000 + block * 12, 0)
                    .expect("a time"),
                tx_hash: tagged(0x77, block),
                tx_index: 0,
                tx_ordinal: ordinal as i32,
                name: String::new(),
                record_key: record_key(&event),
                args: serde_json::Value::Null,
                topics: Vec::new(),
                data: Vec::new(),
            };
            self.decoded.push(Decoded { row, event });
        }
        self
    }
}

fn transfer(from: Address, to: Address, value: u64) -> E {
    E::Transfer(C::Transfer {
        from,
        to,
        value: u(value),
    })
}

/// A direct mint of `kind` (0 card, 1 bank transfer) against payment reference `reference`.
fn minted(to: Address, value: u64, kind: u8, reference: u8) -> Vec<E> {
    vec![
        transfer(ZERO, to, value),
        E::Minted(C::Minted {
            to,
            value: u(value),
            kind,
            paymentReference: key(reference),
        }),
    ]
}

fn hold_created(hold: u8, payer: Address, payee: Address, value: u64, status: u8) -> E {
    E::HoldCreated(C::HoldCreated {
        holdId: key(hold),
        payer,
        payee,
        issuer: OPERATOR,
        notary: NOTARY,
        operationId: key(hold + 1),
        value: u(value),
        expiration: U256::ZERO,
        status,
    })
}

/// HoldExecuted of `hold` (alice pays bob) with its Transfer log when something was paid.
fn hold_executed(hold: u8, executed: u64, released: u64, remaining: u64, status: u8) -> Vec<E> {
    let mut events = Vec::new();
    if executed > 0 {
        events.push(transfer(ALICE, BOB, executed));
    }
    events.push(E::HoldExecuted(C::HoldExecuted {
        holdId: key(hold),
        payer: ALICE,
        payee: BOB,
        executedValue: u(executed),
        releasedValue: u(released),
        remaining: u(remaining),
        status,
    }));
    events
}

/// A two-step transfer's event: alice pays bob 300, ordered by the operator.
fn clearable(order: u8, status: u8) -> Vec<E> {
    let (id, from, to, value) = (key(order), ALICE, BOB, u(300));
    vec![match status {
        1 => E::ClearableTransferOrdered(C::ClearableTransferOrdered {
            orderId: id,
            from,
            to,
            orderer: OPERATOR,
            operationId: key(order + 1),
            value,
            moved: U256::ZERO,
            locked: value,
            status,
        }),
        2 => E::ClearableTransferInProcess(C::ClearableTransferInProcess {
            orderId: id,
            from,
            to,
            value,
            moved: U256::ZERO,
            locked: value,
            status,
        }),
        3 => {
            let executed = E::ClearableTransferExecuted(C::ClearableTransferExecuted {
                orderId: id,
                from,
                to,
                value,
                moved: value,
                locked: U256::ZERO,
                status,
            });
            return vec![transfer(from, to, 300), executed];
        }
        4 => E::ClearableTransferRejected(C::ClearableTransferRejected {
            orderId: id,
            from,
            to,
            value,
            reason: "beneficiary account closed".into(),
            moved: U256::ZERO,
            locked: U256::ZERO,
            status,
        }),
        5 => E::ClearableTransferCancelled(C::ClearableTransferCancelled {
            orderId: id,
            from,
            to,
            value,
            moved: U256::ZERO,
            locked: U256::ZERO,
            status,
        }),
        _ => unreachable!("no clearable status {status}"),
    }]
}

/// A fund order's event: bob is funded 700 (nothing is locked).
fn fund(order: u8, status: u8) -> Vec<E> {
    let (id, wallet, value, zero) = (key(order), BOB, u(700), U256::ZERO);
    vec![match status {
        1 => E::FundOrdered(C::FundOrdered {
            orderId: id,
            walletToFund: wallet,
            orderer: OPERATOR,
            operationId: key(order + 1),
            value,
            instructionsHash: key(order + 2),
            moved: zero,
            locked: zero,
            status,
        }),
        3 => {
            let executed = E::FundExecuted(C::FundExecuted {
                orderId: id,
                walletToFund: wallet,
                value,
                moved: value,
                locked: zero,
                status,
            });
            return vec![transfer(ZERO, wallet, 700), executed];
        }
        4 => E::FundRejected(C::FundRejected {
            orderId: id,
            walletToFund: wallet,
            value,
            reason: "no matching SEPA transfer".into(),
            moved: zero,
            locked: zero,
            status,
        }),
        _ => unreachable!("no fund status {status} here"),
    }]
}

/// A payout's event: alice is paid out 400 through the suspense account (`14`: executed from the
/// wallet, `15`: rejected in process, neither through the suspense account).
fn payout(order: u8, status: u8) -> Vec<E> {
    let (id, wallet, value, zero) = (key(order), ALICE, u(400), U256::ZERO);
    vec![match status {
        1 => E::PayoutOrdered(C::PayoutOrdered {
            orderId: id,
            wallet,
            orderer: OPERATOR,
            operationId: key(order + 1),
            value,
            instructionsHash: key(order + 2),
            moved: zero,
            locked: value,
            status,
        }),
        2 => E::PayoutInProcess(C::PayoutInProcess {
            orderId: id,
            wallet,
            value,
            moved: zero,
            locked: value,
            status,
        }),
        3 => {
            let in_suspense = E::PayoutFundsInSuspense(C::PayoutFundsInSuspense {
                orderId: id,
                wallet,
                suspenseAccount: SUSPENSE,
                value,
                moved: value,
                locked: value,
                status,
            });
            return vec![transfer(wallet, SUSPENSE, 400), in_suspense];
        }
        // Executed from the suspense account (4) or, never put there, from the wallet (14).
        4 | 14 => {
            let burnt_from = if status == 4 { SUSPENSE } else { wallet };
            let executed = E::PayoutExecuted(C::PayoutExecuted {
                orderId: id,
                wallet,
                burntFrom: burnt_from,
                value,
                moved: value,
                locked: zero,
                status: 4,
            });
            return vec![transfer(burnt_from, ZERO, 400), executed];
        }
        5 => {
            let rejected = E::PayoutRejected(C::PayoutRejected {
                orderId: id,
                wallet,
                refundedFrom: SUSPENSE,
                value,
                reason: "IBAN refused by the bank".into(),
                moved: value,
                locked: zero,
                status,
            });
            return vec![transfer(SUSPENSE, wallet, 400), rejected];
        }
        // Rejected before its funds left the wallet: nothing is sent back (refundedFrom zero).
        15 => E::PayoutRejected(C::PayoutRejected {
            orderId: id,
            wallet,
            refundedFrom: ZERO,
            value,
            reason: "sanctions screening".into(),
            moved: zero,
            locked: zero,
            status: 5,
        }),
        6 => E::PayoutCancelled(C::PayoutCancelled {
            orderId: id,
            wallet,
            value,
            moved: zero,
            locked: zero,
            status,
        }),
        _ => unreachable!("no payout status {status}"),
    }]
}

// ---- running and reading the mapping ----

/// Maps `chain`'s events with `final_block` as the last final block, checks the invariants and
/// renders the writes.
fn map(final_block: i64, chain: Chain) -> String {
    let mut mapper = Mapper::new(CHAIN, final_block);
    mapper.apply(&chain.decoded).expect("the events map");
    let writes = mapper.finish();
    check(&chain.decoded, &writes);
    render(&writes)
}

fn name(address: &Addr) -> String {
    let address = Address::from(*address);
    NAMES
        .iter()
        .find(|(a, _)| *a == address)
        .map_or_else(|| format!("{address:#x}"), |(_, n)| (*n).to_owned())
}

fn wallet_name(id: uuid::Uuid) -> String {
    NAMES
        .iter()
        .find(|(a, _)| ids::wallet_id(CHAIN, &a.0.0) == id)
        .map_or_else(|| format!("wallet {id}"), |(_, n)| (*n).to_owned())
}

fn short(hash: &Hash) -> String {
    format!("0x{}…", alloy::hex::encode(&hash[..2]))
}

fn opt<T>(value: Option<T>, show: impl Fn(T) -> String) -> String {
    value.map_or_else(|| "-".to_owned(), show)
}

/// How a movement's id was made: `record/ROLE` (from the hold's or order's key: the API can name it
/// before it is mined) or `event#ORDINAL/ROLE` (from the transaction hash and the event's position).
fn id_source(m: &MovementRow) -> String {
    for role in ROLES {
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
fn render(w: &Writes) -> String {
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
            "role       {} suspense {} operator {}",
            name(&r.address),
            opt(r.suspense, yes_no),
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
fn signed(m: &MovementRow) -> Decimal {
    match m.r#type {
        MovementType::CardCashin
        | MovementType::BankAccountCashin
        | MovementType::TransferIn
        | MovementType::SuspenseIn => m.amount,
        MovementType::BankAccountCashout
        | MovementType::TransferOut
        | MovementType::SuspenseOut => -m.amount,
        MovementType::Lock | MovementType::Release => Decimal::ZERO,
    }
}

/// The invariants users rely on, for the writes of `events`.
fn check(events: &[Decoded], w: &Writes) {
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

// ---- the events ----

#[test]
fn transfer_alone_is_a_pair_out_and_in() {
    let chain = Chain::from(10)
        .tx(minted(ALICE, 1000, 0, 0xc1))
        .tx(vec![transfer(ALICE, BOB, 250)]);
    insta::assert_snapshot!(map(20, chain));
}

#[test]
fn mints_by_card_and_bank_keep_their_payment_reference() {
    let chain = Chain::from(10)
        .tx(minted(ALICE, 1000, 0, 0xc1))
        .tx(minted(BOB, 2550, 1, 0xc2));
    let rendered = map(20, chain);
    assert!(
        !rendered.contains("TRANSFER"),
        "the mint's Transfer log is claimed"
    );
    insta::assert_snapshot!(rendered);
}

#[test]
fn mint_without_its_event_moves_the_balance_and_makes_no_movement() {
    let chain = Chain::from(10).tx(vec![transfer(ZERO, ALICE, 1000)]);
    let mut mapper = Mapper::new(CHAIN, 20);
    mapper.apply(&chain.decoded).expect("maps");
    let writes = mapper.finish();
    assert!(writes.movements.is_empty(), "{writes:?}");
    assert_eq!(writes.deltas.len(), 1, "{writes:?}");
}

#[test]
fn operator_transfer_ids_come_from_its_record_key() {
    let transfer_id = key(0x07);
    let chain = Chain::from(10).tx(minted(ALICE, 1000, 0, 0xc1)).tx(vec![
        transfer(ALICE, BOB, 125),
        E::OperatorTransferExecuted(C::OperatorTransferExecuted {
            transferId: transfer_id,
            from: ALICE,
            to: BOB,
            operator: OPERATOR,
            operationId: key(0x08),
            value: u(125),
        }),
    ]);
    let rendered = map(20, chain);
    // The ids the API names before the transaction is mined.
    assert_eq!(rendered.matches("record/out").count(), 1, "{rendered}");
    assert_eq!(rendered.matches("record/in").count(), 1, "{rendered}");
    insta::assert_snapshot!(rendered);
}

#[test]
fn compliance_events_set_registration_kyc_and_freezing() {
    let chain = Chain::from(10)
        .tx(vec![E::WalletRegistered(C::WalletRegistered {
            wallet: ALICE,
            level: 1,
        })])
        .tx(vec![E::KycLevelChanged(C::KycLevelChanged {
            wallet: ALICE,
            previousLevel: 1,
            level: 3,
        })])
        .tx(vec![E::Frozen(C::Frozen {
            wallet: BOB,
            by: OPERATOR,
        })])
        .tx(vec![
            E::Frozen(C::Frozen {
                wallet: ALICE,
                by: OPERATOR,
            }),
            E::Unfrozen(C::Unfrozen {
                wallet: ALICE,
                by: OPERATOR,
            }),
        ]);
    insta::assert_snapshot!(map(20, chain));
}

#[test]
fn role_events_mark_the_suspense_account_and_operators() {
    let role = |role: AccessRole| role.id();
    let chain = Chain::from(10)
        .tx(vec![E::SuspenseAccountChanged(C::SuspenseAccountChanged {
            previousAccount: ZERO,
            newAccount: SUSPENSE,
        })])
        .tx(vec![E::RoleGranted(C::RoleGranted {
            role: role(AccessRole::Operator),
            account: OPERATOR,
            sender: ALICE,
        })])
        // Other roles are not the platform's accounts: nothing written.
        .tx(vec![E::RoleGranted(C::RoleGranted {
            role: role(AccessRole::Compliance),
            account: BOB,
            sender: ALICE,
        })])
        .tx(vec![E::SuspenseAccountChanged(C::SuspenseAccountChanged {
            previousAccount: SUSPENSE,
            newAccount: SUSPENSE_2,
        })])
        .tx(vec![E::RoleRevoked(C::RoleRevoked {
            role: role(AccessRole::Operator),
            account: NOTARY,
            sender: ALICE,
        })]);
    insta::assert_snapshot!(map(20, chain));
}

#[test]
fn holds_lock_then_execute_in_full_in_part_or_release() {
    let chain = Chain::from(10)
        .tx(minted(ALICE, 1000, 0, 0xc1))
        // Hold 0x10: 100, executed in full.
        .tx(vec![hold_created(0x10, ALICE, BOB, 100, 1)])
        .tx(hold_executed(0x10, 100, 0, 0, 3))
        // Hold 0x20: 200, 50 executed and kept open, renewed, then 30 executed and the rest (120)
        // released with it.
        .tx(vec![hold_created(0x20, ALICE, BOB, 200, 1)])
        .tx(hold_executed(0x20, 50, 0, 150, 2))
        .tx(vec![E::HoldRenewed(C::HoldRenewed {
            holdId: key(0x20),
            payer: ALICE,
            payee: BOB,
            previousExpiration: U256::ZERO,
            expiration: u(1_900_000_000),
            remaining: u(150),
            status: 2,
        })])
        .tx(hold_executed(0x20, 30, 120, 0, 3))
        // Hold 0x30: 300, released by its notary.
        .tx(vec![hold_created(0x30, ALICE, BOB, 300, 1)])
        .tx(vec![E::HoldReleased(C::HoldReleased {
            holdId: key(0x30),
            payer: ALICE,
            payee: BOB,
            releasedValue: u(300),
            status: 4,
        })]);
    insta::assert_snapshot!(map(30, chain));
}

#[test]
fn hold_created_before_the_indexed_range_starts_from_its_later_event() {
    let chain = Chain::from(10).tx(hold_executed(0x40, 60, 0, 40, 2));
    insta::assert_snapshot!(map(20, chain));
}

#[test]
fn order_created_before_the_indexed_range_starts_from_its_later_event() {
    let chain = Chain::from(10)
        .tx(minted(ALICE, 1000, 0, 0xc1))
        .tx(clearable(0x50, 3));
    insta::assert_snapshot!(map(20, chain));
}

#[test]
fn two_step_transfer_ordered_in_process_executed() {
    let chain = Chain::from(10)
        .tx(minted(ALICE, 1000, 0, 0xc1))
        .tx(clearable(0x50, 1))
        .tx(clearable(0x50, 2))
        .tx(clearable(0x50, 3));
    insta::assert_snapshot!(map(20, chain));
}

#[test]
fn two_step_transfers_rejected_with_a_reason_or_cancelled() {
    let chain = Chain::from(10)
        .tx(minted(ALICE, 1000, 0, 0xc1))
        .tx(clearable(0x50, 1))
        .tx(clearable(0x50, 4))
        .tx(clearable(0x60, 1))
        .tx(clearable(0x60, 5));
    insta::assert_snapshot!(map(20, chain));
}

#[test]
fn fund_orders_executed_or_rejected() {
    let chain = Chain::from(10)
        .tx(fund(0x70, 1))
        .tx(fund(0x70, 3))
        .tx(fund(0x80, 1))
        .tx(fund(0x80, 4));
    insta::assert_snapshot!(map(20, chain));
}

#[test]
fn payout_through_suspense_executed_burns_from_suspense() {
    let chain = Chain::from(10)
        .tx(minted(ALICE, 1000, 0, 0xc1))
        .tx(payout(0x90, 1))
        .tx(payout(0x90, 2))
        .tx(payout(0x90, 3))
        .tx(payout(0x90, 4));
    insta::assert_snapshot!(map(20, chain));
}

#[test]
fn payout_executed_without_suspense_burns_from_the_wallet() {
    let chain = Chain::from(10)
        .tx(minted(ALICE, 1000, 0, 0xc1))
        .tx(payout(0x90, 1))
        .tx(payout(0x90, 2))
        .tx(payout(0x90, 14));
    let rendered = map(20, chain);
    assert!(!rendered.contains("SUSPENSE"), "{rendered}");
    insta::assert_snapshot!(rendered);
}

#[test]
fn payouts_rejected_from_suspense_refund_it_cancelled_or_rejected_in_place() {
    let chain = Chain::from(10)
        .tx(minted(ALICE, 1000, 0, 0xc1))
        .tx(payout(0x90, 1))
        .tx(payout(0x90, 2))
        .tx(payout(0x90, 3))
        .tx(payout(0x90, 5))
        .tx(payout(0xa0, 1))
        .tx(payout(0xa0, 6))
        .tx(payout(0xb0, 1))
        .tx(payout(0xb0, 2))
        .tx(payout(0xb0, 15));
    insta::assert_snapshot!(map(20, chain));
}

#[test]
fn movements_are_pending_until_their_deciding_block_is_final() {
    // A transfer (done once mined, block 11) and a two-step transfer ordered at 12, rejected at 13.
    let chain = || {
        Chain::from(10)
            .tx(minted(ALICE, 1000, 0, 0xc1))
            .tx(vec![transfer(ALICE, BOB, 250)])
            .tx(clearable(0x50, 1))
            .tx(clearable(0x50, 4))
    };
    let statuses = |final_block| {
        let rendered = map(final_block, chain());
        rendered
            .lines()
            .filter(|l| l.starts_with("movement"))
            .map(|l| l.split(" (outcome").next().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("\n")
    };
    // Nothing final, the transfer's block final, everything final.
    insta::assert_snapshot!(format!(
        "final @9:\n{}\n\nfinal @11:\n{}\n\nfinal @13:\n{}",
        statuses(9),
        statuses(11),
        statuses(13)
    ));
}

#[test]
fn an_order_decided_in_a_later_batch_settles_its_stored_movements() {
    let first = Chain::from(10)
        .tx(minted(ALICE, 1000, 0, 0xc1))
        .tx(clearable(0x50, 1));
    let mut mapper = Mapper::new(CHAIN, 11);
    mapper.apply(&first.decoded).expect("maps");
    let stored = mapper.finish();
    let record_movements: Vec<MovementRow> = stored
        .movements
        .into_iter()
        .filter(|m| m.record_kind.is_some())
        .collect();

    // The next batch: the execution at block 12, not final yet, then final.
    let second = Chain::from(12).tx(clearable(0x50, 3));
    let rendered = |final_block| {
        let mut mapper = Mapper::new(CHAIN, final_block).with_records(
            stored.holds.clone(),
            stored.orders.clone(),
            record_movements.clone(),
        );
        mapper.apply(&second.decoded).expect("maps");
        render(&mapper.finish())
    };
    insta::assert_snapshot!(format!(
        "final @11:\n{}\nfinal @12:\n{}",
        rendered(11),
        rendered(12)
    ));
}

#[test]
fn an_unknown_status_number_is_an_error_naming_it() {
    let cases = [
        (vec![hold_created(0x10, ALICE, BOB, 100, 9)], "HoldStatus 9"),
        (minted(ALICE, 1000, 7, 0xc1), "MintKind 7"),
    ];
    for (events, expected) in cases {
        let chain = Chain::from(10).tx(events);
        let error = Mapper::new(CHAIN, 20)
            .apply(&chain.decoded)
            .expect_err("an unknown number is refused");
        let message = error.to_string();
        assert!(
            message.contains(expected) && message.contains("upgrade the indexer"),
            "{message}"
        );
    }
    // An order status past the payout's last (CANCELLED = 6).
    let mut events = payout(0x90, 1);
    if let E::PayoutOrdered(e) = &mut events[0] {
        e.status = 7;
    }
    let error = Mapper::new(CHAIN, 20)
        .apply(&Chain::from(10).tx(events).decoded)
        .expect_err("refused");
    assert!(error.to_string().contains("PayoutStatus 7"), "{error}");
}
