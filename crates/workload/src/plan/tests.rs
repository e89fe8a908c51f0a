use std::collections::BTreeMap;

use alloy::primitives::{Address, B256};
use emtoken_test_utils::Role;

use super::{Participants, Planner, User};
use crate::{
    OpKind,
    book::Account,
    op::{Call, Op},
};

const OPERATOR: Address = Address::repeat_byte(0x01);

fn participants() -> Participants {
    let user = |role, byte, limits: Option<(u128, u128, u128)>| User {
        role,
        address: Address::repeat_byte(byte),
        account: Account::default(),
        max_balance: limits.map(|l| l.0),
        max_transfer: limits.map(|l| l.1),
        outflow_left: limits.map(|l| l.2),
    };
    Participants {
        operator: OPERATOR,
        notary: Address::repeat_byte(0x04),
        suspense: Address::repeat_byte(0x05),
        suspense_account: Account::default(),
        users: vec![
            user(Role::Alice, 0x06, Some((1_000_000, 500_000, 1_500_000))),
            user(Role::Bob, 0x07, Some((1_000_000, 500_000, 1_500_000))),
            user(Role::Carol, 0x08, None),
            user(Role::Dave, 0x09, Some((25_000, 10_000, 15_000))),
        ],
        total_supply: 0,
    }
}

fn plan(
    seed: u64,
    events: usize,
    wallets: usize,
    capacity: usize,
) -> (Vec<(usize, Vec<Op>)>, Planner) {
    let mut planner = Planner::new(seed, events, wallets, capacity, participants());
    let waves = std::iter::from_fn(|| planner.next_wave()).collect();
    (waves, planner)
}

fn events(waves: &[(usize, Vec<Op>)]) -> usize {
    waves
        .iter()
        .flat_map(|(_, ops)| ops)
        .map(|op| op.kind.events())
        .sum()
}

#[test]
fn the_same_seed_plans_the_same_waves() {
    let (a, _) = plan(7, 3_000, 40, 64);
    let (b, _) = plan(7, 3_000, 40, 64);
    let (c, _) = plan(8, 3_000, 40, 64);
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    assert_ne!(format!("{a:?}"), format!("{c:?}"));
}

#[test]
fn it_lands_on_the_event_target_with_every_kind() {
    for (seed, target, wallets, capacity) in [
        (1, 600, 50, 256),
        (2, 5_000, 200, 256),
        (3, 20_000, 1_000, 256),
        (4, 2_000, 10, 3),
    ] {
        let (waves, _) = plan(seed, target, wallets, capacity);
        let planned = events(&waves);
        assert!(
            (target..=target * 105 / 100).contains(&planned),
            "{planned} events planned for {target}"
        );
        let mut by_kind = BTreeMap::new();
        for (_, ops) in &waves {
            assert!(
                ops.len() <= capacity.max(4),
                "a wave is bigger than the in-flight limit"
            );
            for op in ops {
                *by_kind.entry(op.kind).or_insert(0) += 1;
            }
        }
        for kind in OpKind::ALL {
            assert!(
                by_kind.contains_key(&kind),
                "{kind} missing at {target} events"
            );
        }
    }
}

/// The contract mints once per payment reference and refuses the zero one; wallets can only be registered
/// at a level with a tier, which the deployment sets for [`crate::WALLET_LEVEL`].
#[test]
fn mints_use_fresh_references_and_wallets_a_level_with_a_tier() {
    let (waves, _) = plan(11, 10_000, 100, 128);
    let mut references = std::collections::BTreeSet::new();
    let mut registrations = 0;
    for op in waves.iter().flat_map(|(_, ops)| ops) {
        match &op.call {
            Call::Mint { reference, .. } => {
                assert!(!reference.is_zero(), "a mint without reference");
                assert!(
                    references.insert(*reference),
                    "reference {reference} reused"
                );
            }
            Call::Register { level, .. } => {
                registrations += 1;
                assert!(
                    crate::TIERS.iter().any(|tier| tier.0 == *level),
                    "level {level} has no tier"
                );
            }
            _ => {}
        }
    }
    assert!(references.len() > 100, "{} mints", references.len());
    assert_eq!(registrations, 100);
}

#[test]
fn steps_come_in_waves_after_their_record() {
    let (waves, _) = plan(5, 10_000, 100, 128);
    let mut created: BTreeMap<B256, usize> = BTreeMap::new();
    let mut last_step: BTreeMap<B256, usize> = BTreeMap::new();
    for (wave, ops) in &waves {
        for op in ops {
            match &op.call {
                Call::HoldFrom { operation, .. }
                | Call::OrderTransfer { operation, .. }
                | Call::OrderFund { operation, .. }
                | Call::OrderPayout { operation, .. } => {
                    let id = operation.record_key(OPERATOR);
                    assert!(created.insert(id, *wave).is_none(), "an id is reused");
                }
                Call::Step { id }
                | Call::ExecuteHold { id, .. }
                | Call::ReleaseHold { id, .. }
                | Call::RenewHold { id, .. } => {
                    let after = last_step
                        .get(id)
                        .or(created.get(id))
                        .expect("a step of an unknown record");
                    assert!(
                        wave > after,
                        "{} of {id} in wave {wave}, after wave {after}",
                        op.kind
                    );
                    last_step.insert(*id, *wave);
                }
                _ => {}
            }
        }
    }
}

#[test]
fn the_book_adds_up_and_users_stay_within_their_limits() {
    let (waves, planner) = plan(9, 20_000, 100, 256);
    let book = planner.book();
    let total: u128 = book.accounts().values().map(|a| a.balance).sum();
    assert_eq!(total, book.supply());
    let held: u128 = book.accounts().values().map(|a| a.held).sum();
    assert_eq!(held, 1, "only the anchor hold stays open");
    let dave = Address::repeat_byte(0x09);
    let sent: Vec<u128> = waves
        .iter()
        .flat_map(|(_, ops)| ops)
        .filter_map(|op| match op.call {
            Call::UserTransfer {
                user: Role::Dave,
                value,
                ..
            } => Some(value),
            _ => None,
        })
        .collect();
    assert!(!sent.is_empty(), "dave sent nothing");
    assert!(sent.iter().all(|v| *v <= 10_000));
    assert!(sent.iter().sum::<u128>() <= 15_000);
    assert!(book.account(dave).balance <= 25_000);
}
