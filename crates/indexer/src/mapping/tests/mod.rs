//! The mapping event by event: each test builds the decoded events of a few transactions (one block
//! each, as on the dev chain), runs them through a [`Mapper`] and snapshots its writes, one line per
//! row ([`render`]), so a reviewer reads what each event does to wallets, balances, movements, holds
//! and orders. Besides the snapshots, [`map`] asserts what users rely on ([`check`]): every
//! movement's wallet was seen, a transaction's balance changes sum to what it minted less what it
//! burnt, and a wallet whose movements are all decided has SUCCESS movements summing to its change.
//!
//! The events are built in `events.rs`, the writes rendered and checked in `render.rs`; the snapshots
//! are in `snapshots/`. After an intended change, write them again with
//! `INSTA_UPDATE=always cargo test -p emtoken-indexer --lib mapping::tests` and read the diff of the
//! `.snap` files before committing it.

use std::{collections::BTreeMap, fmt::Write as _};

use alloy::primitives::{Address, B256, U256};
use emtoken_sdk::{EmTokenEvents as E, Role as AccessRole, bindings::EmToken as C};
use emtoken_store::{Addr, EventRow, Hash, MovementRow, ids};
use emtoken_types::{FeeKind, MovementType, Outcome, Role};
use rust_decimal::Decimal;

mod events;
mod render;

use events::*;
use render::*;

use super::{Mapper, Writes};
use crate::decode::{Decoded, record_key};

const CHAIN: i64 = 31337;

const ALICE: Address = Address::new([0xa1; 20]);
const BOB: Address = Address::new([0xb0; 20]);
const OPERATOR: Address = Address::new([0x0e; 20]);
const NOTARY: Address = Address::new([0x4e; 20]);
const SUSPENSE: Address = Address::new([0x55; 20]);
const SUSPENSE_2: Address = Address::new([0x56; 20]);
const FEES: Address = Address::new([0xfe; 20]);
const ZERO: Address = Address::ZERO;

/// The names the snapshots show for the parties' addresses.
const NAMES: [(Address, &str); 8] = [
    (ZERO, "zero"),
    (ALICE, "alice"),
    (BOB, "bob"),
    (OPERATOR, "operator"),
    (NOTARY, "notary"),
    (SUSPENSE, "suspense"),
    (SUSPENSE_2, "suspense2"),
    (FEES, "fees"),
];

/// A hold's or an order's key (and operation ids, payment references): one byte repeated.
fn key(byte: u8) -> B256 {
    B256::repeat_byte(byte)
}

fn u(value: u64) -> U256 {
    U256::from(value)
}

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

/// `payer` pays `fee` to the fee account for the operation `operation` of `kind` (its Transfer, then
/// FeeCharged, as the contract emits them after the operation's own events).
fn fee(operation: B256, kind: FeeKind, payer: Address, value: u64) -> Vec<E> {
    vec![
        transfer(payer, FEES, value),
        E::FeeCharged(C::FeeCharged {
            operation,
            kind: kind as u8,
            payer,
            feeAccount: FEES,
            fee: u(value),
        }),
    ]
}

#[test]
fn fees_are_commissions_of_the_payer_and_the_fee_account_linked_to_their_operation() {
    let with_fee = |mut events: Vec<E>, more: Vec<E>| {
        events.extend(more);
        events
    };
    let transfer_id = key(0x07);
    let chain = Chain::from(10)
        .tx(vec![E::FeeAccountChanged(C::FeeAccountChanged {
            previousAccount: ZERO,
            newAccount: FEES,
        })])
        // A card mint of 1000 of which 10 goes to the fee account.
        .tx(with_fee(
            minted(ALICE, 1000, 0, 0xc1),
            fee(key(0xc1), FeeKind::Mint, ALICE, 10),
        ))
        // An operator transfer of 100 with a fee of 2.
        .tx(with_fee(
            vec![
                transfer(ALICE, BOB, 100),
                E::OperatorTransferExecuted(C::OperatorTransferExecuted {
                    transferId: transfer_id,
                    from: ALICE,
                    to: BOB,
                    operator: OPERATOR,
                    operationId: key(0x08),
                    value: u(100),
                }),
            ],
            fee(transfer_id, FeeKind::OperatorTransfer, ALICE, 2),
        ))
        // A hold of 50 executed in full with a fee of 1.
        .tx(vec![hold_created(0x10, ALICE, BOB, 50, 1)])
        .tx(with_fee(
            hold_executed(0x10, 50, 0, 0, 3),
            fee(key(0x10), FeeKind::HoldExecution, ALICE, 1),
        ))
        // A payout of 400 executed from the wallet with a fee of 3.
        .tx(payout(0x90, 1))
        .tx(with_fee(
            payout(0x90, 14),
            fee(key(0x90), FeeKind::Payout, ALICE, 3),
        ));
    let rendered = map(30, chain);
    // No fee is taken for a plain transfer, and every commission id is one the platform can name
    // before the transaction is mined (from the fee's kind and its operation's key).
    assert!(!rendered.contains("TRANSFER_OUT 10 "), "{rendered}");
    assert_eq!(rendered.matches(" COMMISSION ").count(), 4, "{rendered}");
    assert_eq!(rendered.matches(" COMMISSION_IN ").count(), 4, "{rendered}");
    for line in rendered.lines().filter(|l| l.contains(" COMMISSION")) {
        assert!(line.contains(" id fee "), "{line}");
    }
    insta::assert_snapshot!(rendered);
}

#[test]
fn a_wipe_burns_with_its_reason_and_changing_the_fee_account_moves_the_mark() {
    let chain = || {
        Chain::from(10)
            .tx(minted(ALICE, 1000, 1, 0xc1))
            .tx(vec![
                transfer(ALICE, ZERO, 600),
                E::Wiped(C::Wiped {
                    wallet: ALICE,
                    value: u(600),
                    orderReference: key(0xd0),
                    reason: "court order 2026/117".into(),
                    by: OPERATOR,
                }),
            ])
            .tx(vec![E::FeeAccountChanged(C::FeeAccountChanged {
                previousAccount: FEES,
                newAccount: BOB,
            })])
    };
    let mut mapper = Mapper::new(CHAIN, 20);
    mapper.apply(&chain().decoded).expect("maps");
    let writes = mapper.finish();
    let wipe = writes
        .movements
        .iter()
        .find(|m| m.r#type == MovementType::Wipe)
        .expect("a WIPE movement");
    assert_eq!(wipe.concept.as_deref(), Some("court order 2026/117"));
    assert_eq!(wipe.amount, Decimal::from(600));
    insta::assert_snapshot!(map(20, chain()));
}
