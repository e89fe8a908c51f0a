//! The seeds' chain flows end to end, through the SDK's public methods only: wallet registration with
//! KYC levels, cash-in by card (direct mint) and by bank transfer (fund orders), one-step, operator and
//! two-step transfers, holds (partial execution, kept open, renewal, expiry, holds by operators), every
//! cash-out path (cancel, reject, execute, suspense then execute, suspense then refund) and the pause.
//!
//! After each step the balances (gross, held, available) and the record's status are read back through
//! the SDK, and the key the SDK returns for a new record is checked against the one in its creation event.
//! One compact flow also runs on the besu profile (2 s blocks, gas price 0).

mod common;

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use common::{Fixture, amount, payment_reference};
use emtoken_sdk::{
    EmTokenClient, EmTokenError, EmTokenEvents, Error, HoldStatus, MintKind, OperationId,
    OrderStatus, PayoutStatus, Result, TxOutcome,
};
use emtoken_test_utils::{ProfileName, Role};

// ------------------------------------------------------------------------------------------- helpers

/// The single event of `$variant` in a [`TxOutcome`] (fails when there is none or more than one).
macro_rules! event {
    ($outcome:expr, $variant:ident) => {{
        let outcome: &TxOutcome = &$outcome;
        let mut found = outcome.events().filter_map(|e| match e {
            EmTokenEvents::$variant(x) => Some(x.clone()),
            _ => None,
        });
        let first = found.next().unwrap_or_else(|| {
            panic!("no {} event in {:#?}", stringify!($variant), outcome.events)
        });
        assert!(
            found.next().is_none(),
            "more than one {} event in {:#?}",
            stringify!($variant),
            outcome.events
        );
        first
    }};
}

/// How many events of `$variant` a [`TxOutcome`] carries.
macro_rules! count {
    ($outcome:expr, $variant:ident) => {
        $outcome
            .events()
            .filter(|e| matches!(e, EmTokenEvents::$variant(_)))
            .count()
    };
}

/// The decoded contract error of a refused call.
fn revert<T: std::fmt::Debug>(result: Result<T>) -> EmTokenError {
    match result {
        Err(Error::Revert { error, .. }) => error,
        other => panic!("expected a decoded revert, got {other:?}"),
    }
}

/// Base units of a decimal amount of the fixture's token (2 decimals).
fn units(text: &str) -> U256 {
    amount(text).base_units()
}

/// Gross, held and available balances of `role`, read through the SDK.
async fn assert_balances(f: &Fixture, role: Role, gross: &str, held: &str, available: &str) {
    let who = f.addr(role);
    let read = &f.operator;
    let actual = (
        read.balance_of(who).await.unwrap(),
        read.balance_on_hold(who).await.unwrap(),
        read.available_balance_of(who).await.unwrap(),
    );
    assert_eq!(
        actual,
        (amount(gross), amount(held), amount(available)),
        "{role}: (gross, held, available)"
    );
}

/// Total supply and total supply on hold.
async fn assert_supply(f: &Fixture, total: &str, on_hold: &str) {
    assert_eq!(
        f.operator.total_supply().await.unwrap(),
        amount(total),
        "total supply"
    );
    assert_eq!(
        f.operator.total_supply_on_hold().await.unwrap(),
        amount(on_hold),
        "total supply on hold"
    );
}

/// Moves the node's clock forward and mines a block on it (anvil's evm_increaseTime + evm_mine).
async fn advance_time(client: &EmTokenClient, seconds: u64) {
    let provider = client.provider();
    let _: serde_json::Value = provider
        .raw_request("evm_increaseTime".into(), (seconds,))
        .await
        .expect("evm_increaseTime");
    let _: serde_json::Value = provider
        .raw_request("evm_mine".into(), ())
        .await
        .expect("evm_mine");
}

/// The timestamp of the block that included `outcome`.
async fn block_time(client: &EmTokenClient, outcome: &TxOutcome) -> u64 {
    client
        .provider()
        .get_block_by_number(outcome.block_number.into())
        .await
        .unwrap()
        .expect("block")
        .header
        .timestamp
}

fn instructions(text: &str) -> B256 {
    keccak256(text.as_bytes())
}

// ------------------------------------------------------------------------------ onboarding, cash-in

#[tokio::test]
async fn register_wallets_with_kyc_levels() {
    let f = Fixture::new(ProfileName::Dev).await;
    // The fixture's users, registered by compliance at their seed levels.
    for (role, level) in [
        (Role::Alice, 1),
        (Role::Bob, 1),
        (Role::Carol, 2),
        (Role::Dave, 0),
    ] {
        assert!(f.alice.is_registered(f.addr(role)).await.unwrap(), "{role}");
        assert_eq!(
            f.alice.kyc_level_of(f.addr(role)).await.unwrap(),
            level,
            "{role}"
        );
    }

    // New wallets whose Ethereum address the platform generated: unknown until compliance registers them.
    let wallets: Vec<Address> = (0..3)
        .map(|_| PrivateKeySigner::random().address())
        .collect();
    assert!(!f.alice.is_registered(wallets[0]).await.unwrap());
    let refused = f
        .operator
        .mint(
            wallets[0],
            amount("10"),
            MintKind::Card,
            payment_reference(),
        )
        .await;
    assert!(
        matches!(revert(refused), EmTokenError::WalletNotRegistered(e) if e.wallet == wallets[0])
    );

    for (wallet, level) in wallets.iter().zip([0u8, 1, 2]) {
        let outcome = f.compliance.register_wallet(*wallet, level).await.unwrap();
        let registered = event!(outcome, WalletRegistered);
        assert_eq!((registered.wallet, registered.level), (*wallet, level));
        assert!(f.alice.is_registered(*wallet).await.unwrap());
        assert!(!f.alice.is_frozen(*wallet).await.unwrap());
        assert_eq!(f.alice.kyc_level_of(*wallet).await.unwrap(), level);
    }

    // KYC 0 → 1 after the user's identity is verified.
    let outcome = f.compliance.set_kyc_level(wallets[0], 1).await.unwrap();
    let changed = event!(outcome, KycLevelChanged);
    assert_eq!(
        (changed.wallet, changed.previousLevel, changed.level),
        (wallets[0], 0, 1)
    );
    assert_eq!(f.alice.kyc_level_of(wallets[0]).await.unwrap(), 1);

    // A registered wallet can now be funded.
    f.operator
        .mint(
            wallets[0],
            amount("10"),
            MintKind::Card,
            payment_reference(),
        )
        .await
        .unwrap();
    assert_eq!(f.alice.balance_of(wallets[0]).await.unwrap(), amount("10"));
}

#[tokio::test]
async fn card_and_sepa_cash_in_by_mint_carry_kind_and_reference() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (alice, bob) = (f.addr(Role::Alice), f.addr(Role::Bob));

    let card = OperationId::random().as_bytes();
    let outcome = f
        .operator
        .mint(alice, amount("100.00"), MintKind::Card, card)
        .await
        .unwrap();
    let minted = event!(outcome, Minted);
    assert_eq!(minted.to, alice);
    assert_eq!(minted.value, units("100.00"));
    assert_eq!(minted.kind, MintKind::Card as u8);
    assert_eq!(minted.paymentReference, card);
    let transfer = event!(outcome, Transfer);
    assert_eq!(
        (transfer.from, transfer.to, transfer.value),
        (Address::ZERO, alice, units("100.00"))
    );
    assert_eq!(outcome.events.len(), 2, "{:#?}", outcome.events);

    let sepa = instructions("SEPA credit ES91 2100 0418 4502 0005 1332 / 2024-05-01");
    let outcome = f
        .operator
        .mint(bob, amount("42.50"), MintKind::BankTransfer, sepa)
        .await
        .unwrap();
    let minted = event!(outcome, Minted);
    assert_eq!(
        (
            minted.to,
            minted.value,
            minted.kind,
            minted.paymentReference
        ),
        (bob, units("42.50"), MintKind::BankTransfer as u8, sepa)
    );

    assert_balances(&f, Role::Alice, "100.00", "0", "100.00").await;
    assert_balances(&f, Role::Bob, "42.50", "0", "42.50").await;
    assert_supply(&f, "142.50", "0").await;
}

#[tokio::test]
async fn a_kyc_level_without_tier_cannot_be_given() {
    let f = Fixture::new(ProfileName::Dev).await;
    for level in 0..=2 {
        assert!(f.alice.is_tier_set(level).await.unwrap(), "level {level}");
    }
    assert!(!f.alice.is_tier_set(3).await.unwrap());
    assert!(!f.alice.is_tier_set(255).await.unwrap());

    // A new wallet at a level nobody configured: refused, decoded, nothing registered.
    let wallet = PrivateKeySigner::random().address();
    let refused = f.compliance.register_wallet(wallet, 3).await;
    let Err(Error::Revert { call, error }) = refused else {
        panic!("expected a decoded revert, got {refused:?}");
    };
    assert_eq!(call, "registerWallet");
    assert!(
        matches!(&error, EmTokenError::KycLevelWithoutTier(e) if e.level == 3),
        "{error:?}"
    );
    assert!(!f.alice.is_registered(wallet).await.unwrap());
    // Nor can a registered wallet be moved there.
    let refused = f.compliance.set_kyc_level(f.addr(Role::Alice), 255).await;
    assert!(matches!(revert(refused), EmTokenError::KycLevelWithoutTier(e) if e.level == 255));
    assert_eq!(f.alice.kyc_level_of(f.addr(Role::Alice)).await.unwrap(), 1);

    // Unlimited is the admin's explicit choice: once level 3 has a tier, it can be given.
    let no_limits = emtoken_sdk::Tier {
        max_balance: None,
        max_transfer: None,
        max_outflow_30d: None,
    };
    f.admin.set_tier(3, no_limits).await.unwrap();
    assert!(f.alice.is_tier_set(3).await.unwrap());
    f.compliance.register_wallet(wallet, 3).await.unwrap();
    assert_eq!(f.alice.kyc_level_of(wallet).await.unwrap(), 3);
}

#[tokio::test]
async fn a_payment_reference_mints_once() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (alice, bob) = (f.addr(Role::Alice), f.addr(Role::Bob));
    let reference = payment_reference();
    assert!(!f.alice.is_mint_reference_used(reference).await.unwrap());
    f.operator
        .mint(alice, amount("100.00"), MintKind::Card, reference)
        .await
        .unwrap();
    assert!(f.alice.is_mint_reference_used(reference).await.unwrap());

    // The same cash-in again (or its reference as another kind, to another wallet): refused, decoded.
    for (to, kind) in [(alice, MintKind::Card), (bob, MintKind::BankTransfer)] {
        let refused = f.operator.mint(to, amount("100.00"), kind, reference).await;
        let Err(Error::Revert { call, error }) = refused else {
            panic!("expected a decoded revert, got {refused:?}");
        };
        assert_eq!(call, "mint");
        assert!(
            matches!(&error, EmTokenError::MintReferenceUsed(e) if e.paymentReference == reference),
            "{error:?}"
        );
    }
    let refused = f
        .operator
        .mint(alice, amount("1.00"), MintKind::Card, B256::ZERO)
        .await;
    assert!(matches!(
        revert(refused),
        EmTokenError::ZeroPaymentReference(_)
    ));

    // Nothing was minted but the first cash-in.
    assert_balances(&f, Role::Alice, "100.00", "0", "100.00").await;
    assert_balances(&f, Role::Bob, "0", "0", "0").await;
    assert_supply(&f, "100.00", "0").await;
}

/// A fund order of `value` by bob, checked against its creation event and its stored record.
async fn order_fund(f: &Fixture, value: &str) -> B256 {
    let bob = f.addr(Role::Bob);
    let operation = OperationId::random();
    let hash = instructions("bank transfer from ES76 0081 0216 7300 0123 4567");
    let created = f
        .bob
        .order_fund(operation, amount(value), hash)
        .await
        .unwrap();
    let ordered = event!(created.outcome, FundOrdered);
    assert_eq!(ordered.orderId, created.id);
    assert_eq!(created.id, operation.record_key(bob));
    assert_eq!(
        (ordered.walletToFund, ordered.orderer, ordered.operationId),
        (bob, bob, operation.as_bytes())
    );
    assert_eq!(
        (ordered.value, ordered.instructionsHash),
        (units(value), hash)
    );
    assert_eq!(
        (ordered.moved, ordered.locked, ordered.status),
        (U256::ZERO, U256::ZERO, OrderStatus::Ordered as u8)
    );
    let fund = f.bob.retrieve_fund(created.id).await.unwrap();
    assert_eq!(
        (fund.id, fund.orderer, fund.wallet, fund.value, fund.status),
        (created.id, bob, bob, amount(value), OrderStatus::Ordered)
    );
    // Nothing is minted nor locked until the money arrives.
    assert_balances(f, Role::Bob, "0", "0", "0").await;
    created.id
}

#[tokio::test]
async fn bank_cash_in_fund_order_processed_and_executed() {
    let f = Fixture::new(ProfileName::Dev).await;
    let bob = f.addr(Role::Bob);
    let id = order_fund(&f, "50.00").await;

    let outcome = f.operator.process_fund(id).await.unwrap();
    let in_process = event!(outcome, FundInProcess);
    assert_eq!(
        (
            in_process.orderId,
            in_process.walletToFund,
            in_process.value
        ),
        (id, bob, units("50.00"))
    );
    assert_eq!(
        f.bob.retrieve_fund(id).await.unwrap().status,
        OrderStatus::InProcess
    );
    assert_eq!(
        (in_process.moved, in_process.locked, in_process.status),
        (U256::ZERO, U256::ZERO, OrderStatus::InProcess as u8)
    );
    // Taken in process: the user can no longer cancel it.
    assert!(matches!(
        revert(f.bob.cancel_fund(id).await),
        EmTokenError::FundWrongStatus(_)
    ));

    let outcome = f.operator.execute_fund(id).await.unwrap();
    let executed = event!(outcome, FundExecuted);
    assert_eq!(
        (executed.orderId, executed.walletToFund, executed.value),
        (id, bob, units("50.00"))
    );
    assert_eq!(
        (executed.moved, executed.locked, executed.status),
        (units("50.00"), U256::ZERO, OrderStatus::Executed as u8)
    );
    let transfer = event!(outcome, Transfer);
    assert_eq!((transfer.from, transfer.to), (Address::ZERO, bob));
    assert_eq!(
        f.bob.retrieve_fund(id).await.unwrap().status,
        OrderStatus::Executed
    );
    assert_balances(&f, Role::Bob, "50.00", "0", "50.00").await;
    assert_supply(&f, "50.00", "0").await;
}

#[tokio::test]
async fn bank_cash_in_fund_order_rejected() {
    let f = Fixture::new(ProfileName::Dev).await;
    let id = order_fund(&f, "50.00").await;
    let outcome = f
        .operator
        .reject_fund(id, "no bank transfer received")
        .await
        .unwrap();
    let rejected = event!(outcome, FundRejected);
    assert_eq!(
        (rejected.orderId, rejected.value, rejected.reason.as_str()),
        (id, units("50.00"), "no bank transfer received")
    );
    assert_eq!(
        (rejected.moved, rejected.locked, rejected.status),
        (U256::ZERO, U256::ZERO, OrderStatus::Rejected as u8)
    );
    assert_eq!(count!(outcome, Transfer), 0);
    assert_eq!(
        f.bob.retrieve_fund(id).await.unwrap().status,
        OrderStatus::Rejected
    );
    assert_balances(&f, Role::Bob, "0", "0", "0").await;
    assert_supply(&f, "0", "0").await;
}

#[tokio::test]
async fn bank_cash_in_fund_order_cancelled() {
    let f = Fixture::new(ProfileName::Dev).await;
    let id = order_fund(&f, "50.00").await;
    let outcome = f.bob.cancel_fund(id).await.unwrap();
    let cancelled = event!(outcome, FundCancelled);
    assert_eq!((cancelled.orderId, cancelled.value), (id, units("50.00")));
    assert_eq!(
        (cancelled.moved, cancelled.locked, cancelled.status),
        (U256::ZERO, U256::ZERO, OrderStatus::Cancelled as u8)
    );
    assert_eq!(
        f.bob.retrieve_fund(id).await.unwrap().status,
        OrderStatus::Cancelled
    );
    // A cancelled order cannot be executed afterwards.
    assert!(matches!(
        revert(f.operator.execute_fund(id).await),
        EmTokenError::FundWrongStatus(_)
    ));
    assert_balances(&f, Role::Bob, "0", "0", "0").await;
}

// ----------------------------------------------------------------------------------------- transfers

#[tokio::test]
async fn one_step_transfer_and_kyc_limits() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (alice, bob, dave) = (f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Dave));
    f.fund(Role::Alice, "100.00").await;

    let outcome = f.alice.transfer(bob, amount("30.00")).await.unwrap();
    let transfer = event!(outcome, Transfer);
    assert_eq!(
        (transfer.from, transfer.to, transfer.value),
        (alice, bob, units("30.00"))
    );
    assert_eq!(outcome.events.len(), 1, "{:#?}", outcome.events);
    assert_balances(&f, Role::Alice, "70.00", "0", "70.00").await;
    assert_balances(&f, Role::Bob, "30.00", "0", "30.00").await;

    // Dave is KYC 0: at most 100.00 per transfer and a balance of at most 250.00.
    f.fund(Role::Dave, "200.00").await;
    let error = revert(f.dave.transfer(alice, amount("120.00")).await);
    match error {
        EmTokenError::TransferLimitExceeded(e) => {
            assert_eq!(
                (e.wallet, e.value, e.maxTransfer),
                (dave, units("120.00"), units("100"))
            );
        }
        other => panic!("expected TransferLimitExceeded, got {other:?}"),
    }
    let error = revert(f.alice.transfer(dave, amount("60.00")).await);
    match error {
        EmTokenError::BalanceLimitExceeded(e) => {
            assert_eq!(
                (e.wallet, e.balance, e.maxBalance),
                (dave, units("260.00"), units("250"))
            );
        }
        other => panic!("expected BalanceLimitExceeded, got {other:?}"),
    }
    // Nothing moved; within the limits it goes through.
    assert_balances(&f, Role::Dave, "200.00", "0", "200.00").await;
    assert_balances(&f, Role::Alice, "70.00", "0", "70.00").await;
    f.dave.transfer(alice, amount("100.00")).await.unwrap();
    assert_balances(&f, Role::Dave, "100.00", "0", "100.00").await;
    assert_balances(&f, Role::Alice, "170.00", "0", "170.00").await;
    assert_supply(&f, "300.00", "0").await;
}

#[tokio::test]
async fn operator_transfers_by_the_operator_role_and_an_authorised_operator() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (alice, bob, carol) = (f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Carol));
    f.fund(Role::Alice, "100.00").await;

    // The platform moves funds of a wallet whose key it discarded: the operator role needs no approval.
    let operation = OperationId::random();
    let created = f
        .operator
        .operator_transfer(operation, alice, bob, amount("25.00"))
        .await
        .unwrap();
    let executed = event!(created.outcome, OperatorTransferExecuted);
    assert_eq!(executed.transferId, created.id);
    assert_eq!(created.id, operation.record_key(f.addr(Role::Operator)));
    assert_eq!(
        (executed.from, executed.to, executed.operator),
        (alice, bob, f.addr(Role::Operator))
    );
    assert_eq!(
        (executed.operationId, executed.value),
        (operation.as_bytes(), units("25.00"))
    );
    assert_eq!(event!(created.outcome, Transfer).value, units("25.00"));

    // Carol may only once alice authorised her; the same operation id gives her a key of her own.
    assert!(matches!(
        revert(
            f.carol
                .operator_transfer(operation, alice, carol, amount("5"))
                .await
        ),
        EmTokenError::NotOperatorFor(_)
    ));
    f.alice.authorize_transfer_operator(carol).await.unwrap();
    assert!(
        f.alice
            .is_transfer_operator_for(carol, alice)
            .await
            .unwrap()
    );
    let created = f
        .carol
        .operator_transfer(operation, alice, carol, amount("5.00"))
        .await
        .unwrap();
    assert_eq!(
        event!(created.outcome, OperatorTransferExecuted).transferId,
        created.id
    );
    assert_eq!(created.id, operation.record_key(carol));

    assert_balances(&f, Role::Alice, "70.00", "0", "70.00").await;
    assert_balances(&f, Role::Bob, "25.00", "0", "25.00").await;
    assert_balances(&f, Role::Carol, "5.00", "0", "5.00").await;
}

/// Alice (100.00) orders a two-step transfer of 40.00 to bob: checked against its event and record.
async fn order_two_step(f: &Fixture) -> B256 {
    let (alice, bob) = (f.addr(Role::Alice), f.addr(Role::Bob));
    f.fund(Role::Alice, "100.00").await;
    let operation = OperationId::random();
    let created = f
        .alice
        .order_transfer(operation, bob, amount("40.00"))
        .await
        .unwrap();
    let ordered = event!(created.outcome, ClearableTransferOrdered);
    assert_eq!(ordered.orderId, created.id);
    assert_eq!(created.id, operation.record_key(alice));
    assert_eq!(
        (ordered.from, ordered.to, ordered.orderer),
        (alice, bob, alice)
    );
    assert_eq!(
        (ordered.operationId, ordered.value),
        (operation.as_bytes(), units("40.00"))
    );
    assert_eq!(
        (ordered.moved, ordered.locked, ordered.status),
        (U256::ZERO, units("40.00"), OrderStatus::Ordered as u8)
    );
    // One event family per action: the system hold behind the order emits no hold events of its own.
    assert_eq!(
        created.outcome.events.len(),
        1,
        "{:#?}",
        created.outcome.events
    );
    let order = f
        .alice
        .retrieve_clearable_transfer(created.id)
        .await
        .unwrap();
    assert_eq!(
        (order.id, order.orderer, order.from, order.to),
        (created.id, alice, alice, bob)
    );
    assert_eq!(
        (order.value, order.status),
        (amount("40.00"), OrderStatus::Ordered)
    );
    assert_balances(f, Role::Alice, "100.00", "40.00", "60.00").await;
    assert_balances(f, Role::Bob, "0", "0", "0").await;
    assert_supply(f, "100.00", "40.00").await;
    created.id
}

#[tokio::test]
async fn two_step_transfer_processed_and_executed() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (alice, bob) = (f.addr(Role::Alice), f.addr(Role::Bob));
    let id = order_two_step(&f).await;

    let outcome = f.operator.process_clearable_transfer(id).await.unwrap();
    let in_process = event!(outcome, ClearableTransferInProcess);
    assert_eq!(
        (
            in_process.orderId,
            in_process.from,
            in_process.to,
            in_process.value
        ),
        (id, alice, bob, units("40.00"))
    );
    assert_eq!(
        (in_process.moved, in_process.locked, in_process.status),
        (U256::ZERO, units("40.00"), OrderStatus::InProcess as u8)
    );
    let status = f
        .alice
        .retrieve_clearable_transfer(id)
        .await
        .unwrap()
        .status;
    assert_eq!(status, OrderStatus::InProcess);
    assert!(matches!(
        revert(f.alice.cancel_transfer(id).await),
        EmTokenError::ClearableTransferWrongStatus(_)
    ));
    assert_balances(&f, Role::Alice, "100.00", "40.00", "60.00").await;

    let outcome = f.operator.execute_clearable_transfer(id).await.unwrap();
    let executed = event!(outcome, ClearableTransferExecuted);
    assert_eq!(
        (executed.orderId, executed.from, executed.to, executed.value),
        (id, alice, bob, units("40.00"))
    );
    assert_eq!(
        (executed.moved, executed.locked, executed.status),
        (units("40.00"), U256::ZERO, OrderStatus::Executed as u8)
    );
    let transfer = event!(outcome, Transfer);
    assert_eq!(
        (transfer.from, transfer.to, transfer.value),
        (alice, bob, units("40.00"))
    );
    let status = f
        .alice
        .retrieve_clearable_transfer(id)
        .await
        .unwrap()
        .status;
    assert_eq!(status, OrderStatus::Executed);
    assert_balances(&f, Role::Alice, "60.00", "0", "60.00").await;
    assert_balances(&f, Role::Bob, "40.00", "0", "40.00").await;
    assert_supply(&f, "100.00", "0").await;
}

#[tokio::test]
async fn two_step_transfer_rejected() {
    let f = Fixture::new(ProfileName::Dev).await;
    let id = order_two_step(&f).await;
    let outcome = f
        .operator
        .reject_clearable_transfer(id, "payee account under review")
        .await
        .unwrap();
    let rejected = event!(outcome, ClearableTransferRejected);
    assert_eq!(
        (rejected.orderId, rejected.value, rejected.reason.as_str()),
        (id, units("40.00"), "payee account under review")
    );
    assert_eq!(
        (rejected.moved, rejected.locked, rejected.status),
        (U256::ZERO, U256::ZERO, OrderStatus::Rejected as u8)
    );
    assert_eq!(count!(outcome, Transfer), 0);
    let status = f
        .alice
        .retrieve_clearable_transfer(id)
        .await
        .unwrap()
        .status;
    assert_eq!(status, OrderStatus::Rejected);
    assert_balances(&f, Role::Alice, "100.00", "0", "100.00").await;
    assert_balances(&f, Role::Bob, "0", "0", "0").await;
    assert_supply(&f, "100.00", "0").await;
}

#[tokio::test]
async fn two_step_transfer_cancelled() {
    let f = Fixture::new(ProfileName::Dev).await;
    let id = order_two_step(&f).await;
    let outcome = f.alice.cancel_transfer(id).await.unwrap();
    let cancelled = event!(outcome, ClearableTransferCancelled);
    assert_eq!((cancelled.orderId, cancelled.value), (id, units("40.00")));
    assert_eq!(
        (cancelled.moved, cancelled.locked, cancelled.status),
        (U256::ZERO, U256::ZERO, OrderStatus::Cancelled as u8)
    );
    let status = f
        .alice
        .retrieve_clearable_transfer(id)
        .await
        .unwrap()
        .status;
    assert_eq!(status, OrderStatus::Cancelled);
    assert!(matches!(
        revert(f.operator.process_clearable_transfer(id).await),
        EmTokenError::ClearableTransferWrongStatus(_)
    ));
    assert_balances(&f, Role::Alice, "100.00", "0", "100.00").await;
    assert_supply(&f, "100.00", "0").await;
}

// ---------------------------------------------------------------------------------------------- holds

/// Alice holds `value` for bob with the notary, expiring in `expires_in`; checked against its event and
/// its record.
async fn hold_for_bob(f: &Fixture, value: &str, expires_in: Option<Duration>) -> B256 {
    let (alice, bob, notary) = (f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Notary));
    let operation = OperationId::random();
    let created = f
        .alice
        .hold(operation, bob, notary, amount(value), expires_in)
        .await
        .unwrap();
    let event = event!(created.outcome, HoldCreated);
    assert_eq!(event.holdId, created.id);
    assert_eq!(created.id, f.alice.hold_id(alice, operation));
    assert_eq!(
        (event.payer, event.payee, event.issuer, event.notary),
        (alice, bob, alice, notary)
    );
    assert_eq!(
        (event.operationId, event.value),
        (operation.as_bytes(), units(value))
    );
    assert_eq!(event.status, HoldStatus::Ordered as u8);
    let mined_at = block_time(&f.alice, &created.outcome).await;
    let expiration = expires_in.map(|d| mined_at + d.as_secs());
    assert_eq!(event.expiration, U256::from(expiration.unwrap_or(0)));
    assert_eq!(
        created.outcome.events.len(),
        1,
        "{:#?}",
        created.outcome.events
    );
    let hold = f.alice.retrieve_hold(created.id).await.unwrap();
    assert_eq!(
        (hold.id, hold.issuer, hold.payer, hold.payee, hold.notary),
        (created.id, alice, alice, bob, notary)
    );
    assert_eq!(
        (hold.remaining, hold.expiration, hold.status),
        (amount(value), expiration, HoldStatus::Ordered)
    );
    created.id
}

#[tokio::test]
async fn hold_partially_executed_releases_the_rest() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (alice, bob) = (f.addr(Role::Alice), f.addr(Role::Bob));
    f.fund(Role::Alice, "100.00").await;
    let id = hold_for_bob(&f, "50.00", Some(Duration::from_secs(3600))).await;
    assert_balances(&f, Role::Alice, "100.00", "50.00", "50.00").await;
    assert_supply(&f, "100.00", "50.00").await;
    // Held funds cannot leave by another path.
    assert!(matches!(
        revert(f.alice.transfer(bob, amount("60.00")).await),
        EmTokenError::InsufficientAvailableBalance(_)
    ));

    let outcome = f.notary.execute_hold(id, amount("20.00")).await.unwrap();
    let executed = event!(outcome, HoldExecuted);
    assert_eq!(
        (executed.holdId, executed.payer, executed.payee),
        (id, alice, bob)
    );
    assert_eq!(
        (
            executed.executedValue,
            executed.releasedValue,
            executed.remaining
        ),
        (units("20.00"), units("30.00"), U256::ZERO)
    );
    assert_eq!(executed.status, HoldStatus::Executed as u8);
    let transfer = event!(outcome, Transfer);
    assert_eq!(
        (transfer.from, transfer.to, transfer.value),
        (alice, bob, units("20.00"))
    );
    let hold = f.alice.retrieve_hold(id).await.unwrap();
    assert_eq!(
        (hold.status, hold.remaining),
        (HoldStatus::Executed, amount("0"))
    );
    assert_balances(&f, Role::Alice, "80.00", "0", "80.00").await;
    assert_balances(&f, Role::Bob, "20.00", "0", "20.00").await;
    assert_supply(&f, "100.00", "0").await;
}

#[tokio::test]
async fn hold_executed_and_kept_open_twice_then_released_by_notary() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (alice, bob) = (f.addr(Role::Alice), f.addr(Role::Bob));
    f.fund(Role::Alice, "100.00").await;
    let id = hold_for_bob(&f, "60.00", None).await;

    let outcome = f
        .notary
        .execute_hold_and_keep_open(id, amount("10.00"))
        .await
        .unwrap();
    let executed = event!(outcome, HoldExecuted);
    assert_eq!(
        (
            executed.executedValue,
            executed.releasedValue,
            executed.remaining
        ),
        (units("10.00"), U256::ZERO, units("50.00"))
    );
    assert_eq!(executed.status, HoldStatus::ExecutedAndKeptOpen as u8);
    let hold = f.alice.retrieve_hold(id).await.unwrap();
    assert_eq!(
        (hold.status, hold.remaining),
        (HoldStatus::ExecutedAndKeptOpen, amount("50.00"))
    );
    assert_balances(&f, Role::Alice, "90.00", "50.00", "40.00").await;
    assert_balances(&f, Role::Bob, "10.00", "0", "10.00").await;

    let outcome = f
        .notary
        .execute_hold_and_keep_open(id, amount("15.00"))
        .await
        .unwrap();
    let executed = event!(outcome, HoldExecuted);
    assert_eq!(
        (executed.executedValue, executed.remaining),
        (units("15.00"), units("35.00"))
    );
    let hold = f.alice.retrieve_hold(id).await.unwrap();
    assert_eq!(
        (hold.status, hold.remaining),
        (HoldStatus::ExecutedAndKeptOpen, amount("35.00"))
    );
    assert_balances(&f, Role::Alice, "75.00", "35.00", "40.00").await;
    assert_balances(&f, Role::Bob, "25.00", "0", "25.00").await;

    let outcome = f.notary.release_hold(id).await.unwrap();
    let released = event!(outcome, HoldReleased);
    assert_eq!(
        (released.holdId, released.payer, released.payee),
        (id, alice, bob)
    );
    assert_eq!(
        (released.releasedValue, released.status),
        (units("35.00"), HoldStatus::ReleasedByNotary as u8)
    );
    assert_eq!(count!(outcome, Transfer), 0);
    let hold = f.alice.retrieve_hold(id).await.unwrap();
    assert_eq!(
        (hold.status, hold.remaining),
        (HoldStatus::ReleasedByNotary, amount("0"))
    );
    assert_balances(&f, Role::Alice, "75.00", "0", "75.00").await;
    assert_balances(&f, Role::Bob, "25.00", "0", "25.00").await;
    assert_supply(&f, "100.00", "0").await;
}

#[tokio::test]
async fn hold_renewed_then_released_by_anyone_once_expired() {
    let f = Fixture::new(ProfileName::Dev).await;
    f.fund(Role::Alice, "100.00").await;
    let id = hold_for_bob(&f, "30.00", Some(Duration::from_secs(60))).await;
    let first = f.alice.retrieve_hold(id).await.unwrap().expiration.unwrap();

    // The payer extends it by an hour from now.
    let outcome = f
        .alice
        .renew_hold(id, Some(Duration::from_secs(3600)))
        .await
        .unwrap();
    let renewed = event!(outcome, HoldRenewed);
    let expiration = block_time(&f.alice, &outcome).await + 3600;
    assert_eq!(
        (
            renewed.holdId,
            renewed.previousExpiration,
            renewed.expiration
        ),
        (id, U256::from(first), U256::from(expiration))
    );
    assert_eq!(
        (renewed.remaining, renewed.status),
        (units("30.00"), HoldStatus::Ordered as u8)
    );
    let hold = f.alice.retrieve_hold(id).await.unwrap();
    assert_eq!(
        (hold.expiration, hold.status, hold.remaining),
        (Some(expiration), HoldStatus::Ordered, amount("30.00"))
    );

    // Before it expires a stranger may not release it; past the first expiration it is still open.
    advance_time(&f.suspense, 120).await;
    assert!(matches!(
        revert(f.suspense.release_hold(id).await),
        EmTokenError::HoldReleaseNotAllowed(_)
    ));
    assert_balances(&f, Role::Alice, "100.00", "30.00", "70.00").await;

    advance_time(&f.suspense, 3600).await;
    // Expired: the notary can no longer execute it, and anyone (here the suspense account) releases it.
    assert!(matches!(
        revert(f.notary.execute_hold(id, amount("1")).await),
        EmTokenError::HoldExpired(_)
    ));
    let outcome = f.suspense.release_hold(id).await.unwrap();
    let released = event!(outcome, HoldReleased);
    assert_eq!(
        (released.releasedValue, released.status),
        (units("30.00"), HoldStatus::ReleasedOnExpiration as u8)
    );
    let hold = f.alice.retrieve_hold(id).await.unwrap();
    assert_eq!(
        (hold.status, hold.remaining),
        (HoldStatus::ReleasedOnExpiration, amount("0"))
    );
    assert_balances(&f, Role::Alice, "100.00", "0", "100.00").await;
    assert_balances(&f, Role::Bob, "0", "0", "0").await;
    assert_supply(&f, "100.00", "0").await;
}

#[tokio::test]
async fn hold_from_by_an_authorised_hold_operator_and_by_the_operator_role() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (alice, bob, carol) = (f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Carol));
    let (operator, notary) = (f.addr(Role::Operator), f.addr(Role::Notary));
    f.fund(Role::Alice, "100.00").await;
    // Both issuers use the same operation id: each gets a key of its own.
    let operation = OperationId::random();

    // Carol acts for alice only once alice authorised her.
    assert!(matches!(
        revert(
            f.carol
                .hold_from(operation, alice, bob, notary, amount("20"), None)
                .await
        ),
        EmTokenError::NotOperatorFor(_)
    ));
    let outcome = f.alice.authorize_hold_operator(carol).await.unwrap();
    let authorized = event!(outcome, OperatorAuthorized);
    assert_eq!((authorized.wallet, authorized.operator), (alice, carol));
    assert!(f.alice.is_hold_operator_for(carol, alice).await.unwrap());

    let by_carol = f
        .carol
        .hold_from(operation, alice, bob, notary, amount("20.00"), None)
        .await
        .unwrap();
    let created = event!(by_carol.outcome, HoldCreated);
    assert_eq!(created.holdId, by_carol.id);
    assert_eq!(by_carol.id, f.carol.hold_id(carol, operation));
    assert_eq!(
        (created.payer, created.payee, created.issuer, created.notary),
        (alice, bob, carol, notary)
    );
    let hold = f.alice.retrieve_hold(by_carol.id).await.unwrap();
    assert_eq!(
        (
            hold.issuer,
            hold.payer,
            hold.payee,
            hold.notary,
            hold.expiration
        ),
        (carol, alice, bob, notary, None)
    );
    assert_eq!(
        (hold.remaining, hold.status),
        (amount("20.00"), HoldStatus::Ordered)
    );

    // The platform's operator needs no authorisation; here it is its own notary.
    let by_operator = f
        .operator
        .hold_from(
            operation,
            alice,
            bob,
            operator,
            amount("30.00"),
            Some(Duration::from_secs(3600)),
        )
        .await
        .unwrap();
    let created = event!(by_operator.outcome, HoldCreated);
    assert_eq!(created.holdId, by_operator.id);
    assert_eq!(by_operator.id, operation.record_key(operator));
    assert_ne!(by_operator.id, by_carol.id);
    assert_eq!(
        (created.payer, created.issuer, created.notary),
        (alice, operator, operator)
    );
    let hold = f.alice.retrieve_hold(by_operator.id).await.unwrap();
    assert_eq!(
        (hold.issuer, hold.notary, hold.remaining, hold.status),
        (operator, operator, amount("30.00"), HoldStatus::Ordered)
    );
    assert_balances(&f, Role::Alice, "100.00", "50.00", "50.00").await;

    // Settle both: the notary executes carol's hold, the operator releases its own.
    f.notary
        .execute_hold(by_carol.id, amount("20.00"))
        .await
        .unwrap();
    f.operator.release_hold(by_operator.id).await.unwrap();
    let status = f.alice.retrieve_hold(by_carol.id).await.unwrap().status;
    assert_eq!(status, HoldStatus::Executed);
    let status = f.alice.retrieve_hold(by_operator.id).await.unwrap().status;
    assert_eq!(status, HoldStatus::ReleasedByNotary);
    assert_balances(&f, Role::Alice, "80.00", "0", "80.00").await;
    assert_balances(&f, Role::Bob, "20.00", "0", "20.00").await;

    // Revoked, carol can no longer hold alice's funds.
    f.alice.revoke_hold_operator(carol).await.unwrap();
    assert!(!f.alice.is_hold_operator_for(carol, alice).await.unwrap());
    assert!(matches!(
        revert(
            f.carol
                .hold_from(OperationId::random(), alice, bob, notary, amount("1"), None)
                .await
        ),
        EmTokenError::NotOperatorFor(_)
    ));
}

// ------------------------------------------------------------------------------------------- cash-out

const IBAN: &str = "ES91 2100 0418 4502 0005 1332";

/// Alice (100.00) orders a payout of 40.00 to her bank account; checked against its event and record.
async fn order_payout(f: &Fixture) -> B256 {
    let alice = f.addr(Role::Alice);
    f.fund(Role::Alice, "100.00").await;
    let operation = OperationId::random();
    let created = f
        .alice
        .order_payout(operation, amount("40.00"), instructions(IBAN))
        .await
        .unwrap();
    let ordered = event!(created.outcome, PayoutOrdered);
    assert_eq!(ordered.orderId, created.id);
    assert_eq!(created.id, operation.record_key(alice));
    assert_eq!(
        (ordered.wallet, ordered.orderer, ordered.operationId),
        (alice, alice, operation.as_bytes())
    );
    assert_eq!(
        (ordered.value, ordered.instructionsHash),
        (units("40.00"), instructions(IBAN))
    );
    assert_eq!(
        (ordered.moved, ordered.locked, ordered.status),
        (U256::ZERO, units("40.00"), PayoutStatus::Ordered as u8)
    );
    assert_eq!(
        created.outcome.events.len(),
        1,
        "{:#?}",
        created.outcome.events
    );
    let payout = f.alice.retrieve_payout(created.id).await.unwrap();
    assert_eq!(
        (payout.id, payout.orderer, payout.wallet),
        (created.id, alice, alice)
    );
    assert_eq!(
        (payout.value, payout.status),
        (amount("40.00"), PayoutStatus::Ordered)
    );
    assert_balances(f, Role::Alice, "100.00", "40.00", "60.00").await;
    assert_supply(f, "100.00", "40.00").await;
    created.id
}

async fn payout_status(f: &Fixture, id: B256) -> PayoutStatus {
    f.alice.retrieve_payout(id).await.unwrap().status
}

/// Takes the payout in process and checks it can no longer be cancelled.
async fn process_payout(f: &Fixture, id: B256) {
    let outcome = f.operator.process_payout(id).await.unwrap();
    let in_process = event!(outcome, PayoutInProcess);
    assert_eq!(
        (in_process.orderId, in_process.wallet, in_process.value),
        (id, f.addr(Role::Alice), units("40.00"))
    );
    assert_eq!(
        (in_process.moved, in_process.locked, in_process.status),
        (U256::ZERO, units("40.00"), PayoutStatus::InProcess as u8)
    );
    assert_eq!(payout_status(f, id).await, PayoutStatus::InProcess);
    assert!(matches!(
        revert(f.alice.cancel_payout(id).await),
        EmTokenError::PayoutWrongStatus(_)
    ));
    assert_balances(f, Role::Alice, "100.00", "40.00", "60.00").await;
}

/// Moves the payout's funds to the suspense account, where they stay locked.
async fn put_in_suspense(f: &Fixture, id: B256) {
    let (alice, suspense) = (f.addr(Role::Alice), f.addr(Role::Suspense));
    let outcome = f.operator.put_funds_in_suspense(id).await.unwrap();
    let moved = event!(outcome, PayoutFundsInSuspense);
    assert_eq!(
        (
            moved.orderId,
            moved.wallet,
            moved.suspenseAccount,
            moved.value
        ),
        (id, alice, suspense, units("40.00"))
    );
    // Moved to the suspense account, and still locked there.
    assert_eq!(
        (moved.moved, moved.locked, moved.status),
        (
            units("40.00"),
            units("40.00"),
            PayoutStatus::FundsInSuspense as u8
        )
    );
    let transfer = event!(outcome, Transfer);
    assert_eq!(
        (transfer.from, transfer.to, transfer.value),
        (alice, suspense, units("40.00"))
    );
    assert_eq!(payout_status(f, id).await, PayoutStatus::FundsInSuspense);
    assert_balances(f, Role::Alice, "60.00", "0", "60.00").await;
    assert_balances(f, Role::Suspense, "40.00", "40.00", "0").await;
    assert_supply(f, "100.00", "40.00").await;
}

#[tokio::test]
async fn payout_cancelled_by_the_wallet() {
    let f = Fixture::new(ProfileName::Dev).await;
    let id = order_payout(&f).await;
    let outcome = f.alice.cancel_payout(id).await.unwrap();
    let cancelled = event!(outcome, PayoutCancelled);
    assert_eq!(
        (cancelled.orderId, cancelled.wallet, cancelled.value),
        (id, f.addr(Role::Alice), units("40.00"))
    );
    assert_eq!(
        (cancelled.moved, cancelled.locked, cancelled.status),
        (U256::ZERO, U256::ZERO, PayoutStatus::Cancelled as u8)
    );
    assert_eq!(payout_status(&f, id).await, PayoutStatus::Cancelled);
    assert_balances(&f, Role::Alice, "100.00", "0", "100.00").await;
    assert_supply(&f, "100.00", "0").await;
}

#[tokio::test]
async fn payout_rejected_while_ordered() {
    let f = Fixture::new(ProfileName::Dev).await;
    let id = order_payout(&f).await;
    let outcome = f.operator.reject_payout(id, "IBAN closed").await.unwrap();
    let rejected = event!(outcome, PayoutRejected);
    assert_eq!(
        (rejected.orderId, rejected.wallet, rejected.refundedFrom),
        (id, f.addr(Role::Alice), Address::ZERO)
    );
    assert_eq!(
        (rejected.value, rejected.reason.as_str()),
        (units("40.00"), "IBAN closed")
    );
    // Nothing was moved: the lock is simply lifted.
    assert_eq!(
        (rejected.moved, rejected.locked, rejected.status),
        (U256::ZERO, U256::ZERO, PayoutStatus::Rejected as u8)
    );
    assert_eq!(count!(outcome, Transfer), 0);
    assert_eq!(payout_status(&f, id).await, PayoutStatus::Rejected);
    assert_balances(&f, Role::Alice, "100.00", "0", "100.00").await;
    assert_supply(&f, "100.00", "0").await;
}

#[tokio::test]
async fn payout_processed_and_executed_burns_from_the_wallet() {
    let f = Fixture::new(ProfileName::Dev).await;
    let alice = f.addr(Role::Alice);
    let id = order_payout(&f).await;
    process_payout(&f, id).await;
    let outcome = f.operator.execute_payout(id).await.unwrap();
    let executed = event!(outcome, PayoutExecuted);
    assert_eq!(
        (
            executed.orderId,
            executed.wallet,
            executed.burntFrom,
            executed.value
        ),
        (id, alice, alice, units("40.00"))
    );
    assert_eq!(
        (executed.moved, executed.locked, executed.status),
        (units("40.00"), U256::ZERO, PayoutStatus::Executed as u8)
    );
    let burn = event!(outcome, Transfer);
    assert_eq!(
        (burn.from, burn.to, burn.value),
        (alice, Address::ZERO, units("40.00"))
    );
    assert_eq!(payout_status(&f, id).await, PayoutStatus::Executed);
    assert_balances(&f, Role::Alice, "60.00", "0", "60.00").await;
    assert_supply(&f, "60.00", "0").await;

    // The operator orders a payout for a wallet whose key the platform discarded.
    let operation = OperationId::random();
    let created = f
        .operator
        .order_payout_from(operation, alice, amount("10.00"), instructions(IBAN))
        .await
        .unwrap();
    let ordered = event!(created.outcome, PayoutOrdered);
    assert_eq!(ordered.orderId, created.id);
    assert_eq!(created.id, operation.record_key(f.addr(Role::Operator)));
    assert_eq!(
        (ordered.wallet, ordered.orderer),
        (alice, f.addr(Role::Operator))
    );
    let payout = f.alice.retrieve_payout(created.id).await.unwrap();
    assert_eq!(
        (payout.orderer, payout.wallet, payout.status),
        (f.addr(Role::Operator), alice, PayoutStatus::Ordered)
    );
    assert_balances(&f, Role::Alice, "60.00", "10.00", "50.00").await;
    f.operator.process_payout(created.id).await.unwrap();
    f.operator.execute_payout(created.id).await.unwrap();
    assert_eq!(payout_status(&f, created.id).await, PayoutStatus::Executed);
    assert_balances(&f, Role::Alice, "50.00", "0", "50.00").await;
    assert_supply(&f, "50.00", "0").await;
}

#[tokio::test]
async fn payout_through_suspense_then_executed_burns_from_suspense() {
    let f = Fixture::new(ProfileName::Dev).await;
    let suspense = f.addr(Role::Suspense);
    let id = order_payout(&f).await;
    process_payout(&f, id).await;
    put_in_suspense(&f, id).await;

    let outcome = f.operator.execute_payout(id).await.unwrap();
    let executed = event!(outcome, PayoutExecuted);
    assert_eq!(
        (executed.wallet, executed.burntFrom, executed.value),
        (f.addr(Role::Alice), suspense, units("40.00"))
    );
    assert_eq!(
        (executed.moved, executed.locked, executed.status),
        (units("40.00"), U256::ZERO, PayoutStatus::Executed as u8)
    );
    let burn = event!(outcome, Transfer);
    assert_eq!((burn.from, burn.to), (suspense, Address::ZERO));
    assert_eq!(payout_status(&f, id).await, PayoutStatus::Executed);
    assert_balances(&f, Role::Alice, "60.00", "0", "60.00").await;
    assert_balances(&f, Role::Suspense, "0", "0", "0").await;
    assert_supply(&f, "60.00", "0").await;
}

#[tokio::test]
async fn payout_through_suspense_then_rejected_refunds_the_wallet() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (alice, suspense) = (f.addr(Role::Alice), f.addr(Role::Suspense));
    let id = order_payout(&f).await;
    process_payout(&f, id).await;
    put_in_suspense(&f, id).await;

    let outcome = f
        .operator
        .reject_payout(id, "returned by the beneficiary bank")
        .await
        .unwrap();
    let rejected = event!(outcome, PayoutRejected);
    assert_eq!(
        (rejected.wallet, rejected.refundedFrom, rejected.value),
        (alice, suspense, units("40.00"))
    );
    // Refunded from suspense: moved back to the wallet, nothing stays locked.
    assert_eq!(
        (rejected.moved, rejected.locked, rejected.status),
        (units("40.00"), U256::ZERO, PayoutStatus::Rejected as u8)
    );
    let refund = event!(outcome, Transfer);
    assert_eq!(
        (refund.from, refund.to, refund.value),
        (suspense, alice, units("40.00"))
    );
    assert_eq!(payout_status(&f, id).await, PayoutStatus::Rejected);
    assert_balances(&f, Role::Alice, "100.00", "0", "100.00").await;
    assert_balances(&f, Role::Suspense, "0", "0", "0").await;
    assert_supply(&f, "100.00", "0").await;
}

// ---------------------------------------------------------------------------------------------- pause

fn assert_paused<T: std::fmt::Debug>(what: &str, result: Result<T>) {
    let error = revert(result);
    assert!(
        matches!(error, EmTokenError::EnforcedPause(_)),
        "{what}: expected EnforcedPause, got {error:?}"
    );
}

#[tokio::test]
async fn pause_blocks_every_money_movement_until_unpaused() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (alice, bob, notary) = (f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Notary));
    f.fund(Role::Alice, "100.00").await;
    let open = hold_for_bob(&f, "10.00", None).await;

    let outcome = f.pauser.pause().await.unwrap();
    assert_eq!(event!(outcome, Paused).account, f.addr(Role::Pauser));
    assert!(f.alice.paused().await.unwrap());

    assert_paused("transfer", f.alice.transfer(bob, amount("1")).await);
    let hold = f
        .alice
        .hold(OperationId::random(), bob, notary, amount("1"), None)
        .await;
    assert_paused("hold", hold);
    assert_paused(
        "executeHold",
        f.notary.execute_hold(open, amount("10")).await,
    );
    let order = f
        .alice
        .order_transfer(OperationId::random(), bob, amount("1"))
        .await;
    assert_paused("orderTransfer", order);
    let mint = f
        .operator
        .mint(alice, amount("1"), MintKind::Card, payment_reference())
        .await;
    assert_paused("mint", mint);
    let payout = f
        .alice
        .order_payout(OperationId::random(), amount("1"), instructions(IBAN))
        .await;
    assert_paused("orderPayout", payout);
    // Nothing moved.
    assert_balances(&f, Role::Alice, "100.00", "10.00", "90.00").await;
    assert_eq!(
        f.alice.retrieve_hold(open).await.unwrap().status,
        HoldStatus::Ordered
    );

    let outcome = f.pauser.unpause().await.unwrap();
    assert_eq!(event!(outcome, Unpaused).account, f.addr(Role::Pauser));
    assert!(!f.alice.paused().await.unwrap());

    f.alice.transfer(bob, amount("1.00")).await.unwrap();
    let held = f
        .alice
        .hold(OperationId::random(), bob, notary, amount("2.00"), None)
        .await
        .unwrap();
    f.notary.execute_hold(open, amount("10.00")).await.unwrap();
    let order = f
        .alice
        .order_transfer(OperationId::random(), bob, amount("3.00"))
        .await
        .unwrap();
    f.operator
        .mint(alice, amount("4.00"), MintKind::Card, payment_reference())
        .await
        .unwrap();
    let payout = f
        .alice
        .order_payout(OperationId::random(), amount("5.00"), instructions(IBAN))
        .await
        .unwrap();
    assert_eq!(
        f.alice.retrieve_hold(open).await.unwrap().status,
        HoldStatus::Executed
    );
    assert_eq!(
        f.alice.retrieve_hold(held.id).await.unwrap().status,
        HoldStatus::Ordered
    );
    let status = f
        .alice
        .retrieve_clearable_transfer(order.id)
        .await
        .unwrap()
        .status;
    assert_eq!(status, OrderStatus::Ordered);
    assert_eq!(payout_status(&f, payout.id).await, PayoutStatus::Ordered);
    // 100 − 1 − 10 + 4 = 93 gross; 2 + 3 + 5 held.
    assert_balances(&f, Role::Alice, "93.00", "10.00", "83.00").await;
    assert_balances(&f, Role::Bob, "11.00", "0", "11.00").await;
    assert_supply(&f, "104.00", "10.00").await;
}

// ----------------------------------------------------------------------------------------------- besu

/// The native balances of `who`, to show gas is free.
async fn native_balances(client: &EmTokenClient, who: &[Address]) -> Vec<U256> {
    let mut balances = Vec::new();
    for address in who {
        balances.push(client.provider().get_balance(*address).await.unwrap());
    }
    balances
}

#[tokio::test]
async fn compact_flow_on_besu_is_gas_free() {
    let f = Fixture::new(ProfileName::Besu).await;
    let (alice, bob, notary) = (f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Notary));
    let signers = [
        f.addr(Role::Compliance),
        f.addr(Role::Operator),
        alice,
        notary,
    ];
    let before = native_balances(&f.alice, &signers).await;

    // Register a new wallet and cash in for alice: independent, so in the same block.
    let wallet = PrivateKeySigner::random().address();
    let (registered, minted) = tokio::join!(
        f.compliance.register_wallet(wallet, 1),
        f.operator
            .mint(alice, amount("100.00"), MintKind::Card, payment_reference())
    );
    let registered = registered.unwrap();
    minted.unwrap();
    assert_eq!(event!(registered, WalletRegistered).wallet, wallet);

    // Alice's transfer, hold and payout order: one client sends them at once, in one block.
    let (transferred, hold, payout) = tokio::join!(
        f.alice.transfer(wallet, amount("10.00")),
        f.alice
            .hold(OperationId::random(), bob, notary, amount("20.00"), None),
        f.alice
            .order_payout(OperationId::random(), amount("30.00"), instructions(IBAN))
    );
    transferred.unwrap();
    let (hold, payout) = (hold.unwrap(), payout.unwrap());
    assert_eq!(event!(hold.outcome, HoldCreated).holdId, hold.id);
    assert_eq!(event!(payout.outcome, PayoutOrdered).orderId, payout.id);
    assert_balances(&f, Role::Alice, "90.00", "50.00", "40.00").await;
    let (executed, processed) = tokio::join!(
        f.notary.execute_hold(hold.id, amount("20.00")),
        f.operator.process_payout(payout.id)
    );
    executed.unwrap();
    processed.unwrap();
    let outcome = f.operator.execute_payout(payout.id).await.unwrap();

    assert_eq!(
        f.alice.retrieve_hold(hold.id).await.unwrap().status,
        HoldStatus::Executed
    );
    assert_eq!(payout_status(&f, payout.id).await, PayoutStatus::Executed);
    assert_balances(&f, Role::Alice, "40.00", "0", "40.00").await;
    assert_balances(&f, Role::Bob, "20.00", "0", "20.00").await;
    assert_eq!(f.alice.balance_of(wallet).await.unwrap(), amount("10.00"));
    assert_supply(&f, "70.00", "0").await;

    // Legacy transactions at gas price 0: gas was used, nobody paid for it.
    let receipt = f
        .alice
        .provider()
        .get_transaction_receipt(outcome.tx_hash)
        .await
        .unwrap()
        .expect("receipt");
    assert!(receipt.gas_used > 0);
    assert_eq!(receipt.effective_gas_price, 0);
    let tx = f
        .alice
        .provider()
        .get_transaction_by_hash(outcome.tx_hash)
        .await
        .unwrap()
        .expect("transaction");
    assert!(tx.inner.is_legacy(), "a legacy transaction");
    assert_eq!(native_balances(&f.alice, &signers).await, before);
}
