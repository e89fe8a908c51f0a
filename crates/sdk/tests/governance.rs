//! The v2 governance calls end to end through the SDK's typed wrappers: fees charged with a platform
//! movement (the fee account receives exactly the fee, the payer pays it on top), minter allowances, the
//! wipe of a frozen balance, the rescue of another ERC-20, and upgrades by two keys. Refusals come back as
//! `Error::Revert` naming the call, with the contract's error decoded.

mod common;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol_types::SolCall,
};
use common::{Fixture, amount, builder, payment_reference};
use emtoken_sdk::{
    Amount, DeployConfig, EmTokenClient, EmTokenError, EmTokenEvents, Error, MintKind, OperationId,
    PendingUpgrade, Role as ContractRole, Roles, Tier, TxOutcome,
    bindings::{EmToken, EmTokenImplementation},
    deploy,
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

/// The decoded value of a revert: `revert!(FeeAccountNotSet {})` is
/// `EmTokenError::FeeAccountNotSet(EmToken::FeeAccountNotSet {})`.
macro_rules! revert {
    ($name:ident { $($fields:tt)* }) => { EmTokenError::$name(EmToken::$name { $($fields)* }) };
}

/// `result` must be the contract's refusal of `call`, decoded as `expected`.
#[track_caller]
fn assert_refused<T: std::fmt::Debug>(
    result: emtoken_sdk::Result<T>,
    call: &str,
    expected: EmTokenError,
) {
    match result {
        Err(Error::Revert { call: got, error }) => {
            assert_eq!(got, call, "the revert names the call");
            assert_eq!(error, expected, "{call}: decoded error");
        }
        other => panic!("{call}: expected Revert({expected:?}), got {other:?}"),
    }
}

/// Base units of a decimal amount of the fixture's token (2 decimals).
fn units(text: &str) -> U256 {
    amount(text).base_units()
}

/// The gross balance of each of `who`, in order.
async fn balances<const N: usize>(f: &Fixture, who: [Role; N]) -> [Amount; N] {
    let mut out = [Amount::zero(2); N];
    for (slot, role) in out.iter_mut().zip(who) {
        *slot = f
            .operator
            .balance_of(f.addr(role))
            .await
            .expect("balanceOf");
    }
    out
}

#[track_caller]
fn assert_amounts<const N: usize>(actual: [Amount; N], expected: [&str; N], what: &str) {
    assert_eq!(actual, expected.map(amount), "{what}");
}

// ------------------------------------------------------------------------------------------- fees

#[tokio::test]
async fn fees_move_exactly_from_the_payer_to_the_fee_account() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (alice, bob, carol) = (f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Carol));
    let operator = f.addr(Role::Operator);
    f.fund(Role::Alice, "1000.00").await;
    f.fund(Role::Bob, "500.00").await;
    // A hold alice makes for bob, notarised by the operator (executeHoldWithFee needs the role), and a
    // payout of bob's in process: each waits for its execution with a fee.
    let hold = f
        .alice
        .hold(OperationId::random(), bob, operator, amount("50.00"), None)
        .await
        .expect("hold");
    let payout = f
        .bob
        .order_payout(
            OperationId::random(),
            amount("100.00"),
            B256::repeat_byte(1),
        )
        .await
        .expect("order payout");
    f.operator.process_payout(payout.id).await.expect("process");

    // No fee account yet: a non-zero fee is refused by every fee call, a zero fee charges nothing.
    assert_eq!(f.operator.fee_account().await.unwrap(), None);
    let not_set = || revert!(FeeAccountNotSet {});
    assert_refused(
        f.operator
            .operator_transfer_with_fee(
                OperationId::random(),
                alice,
                bob,
                amount("1.00"),
                amount("0.10"),
            )
            .await,
        "operatorTransferWithFee",
        not_set(),
    );
    assert_refused(
        f.operator
            .execute_hold_with_fee(hold.id, amount("30.00"), amount("0.10"))
            .await,
        "executeHoldWithFee",
        not_set(),
    );
    assert_refused(
        f.operator
            .mint_with_fee(
                bob,
                amount("1.00"),
                amount("0.10"),
                MintKind::Card,
                payment_reference(),
            )
            .await,
        "mintWithFee",
        not_set(),
    );
    assert_refused(
        f.operator
            .execute_payout_with_fee(payout.id, amount("0.10"))
            .await,
        "executePayoutWithFee",
        not_set(),
    );
    let free = f
        .operator
        .operator_transfer_with_fee(
            OperationId::random(),
            alice,
            bob,
            amount("1.00"),
            Amount::zero(2),
        )
        .await
        .expect("a zero fee needs no fee account");
    assert!(
        !free
            .outcome
            .events()
            .any(|e| matches!(e, EmTokenEvents::FeeCharged(_))),
        "nothing charged"
    );
    // The fee of a mint comes out of the minted value, never above it.
    assert_refused(
        f.operator
            .mint_with_fee(
                bob,
                amount("1.00"),
                amount("1.01"),
                MintKind::Card,
                payment_reference(),
            )
            .await,
        "mintWithFee",
        revert!(FeeAboveValue {
            fee: units("1.01"),
            value: units("1.00"),
        }),
    );

    // The admin names carol (level 2, no limits) the fee account; nobody else may.
    assert_refused(
        f.operator.set_fee_account(carol).await,
        "setFeeAccount",
        revert!(AccessControlUnauthorizedAccount {
            account: operator,
            neededRole: ContractRole::Admin.id(),
        }),
    );
    let set = f.admin.set_fee_account(carol).await.expect("setFeeAccount");
    let changed = event!(set, FeeAccountChanged);
    assert_eq!(
        (changed.previousAccount, changed.newAccount),
        (Address::ZERO, carol)
    );
    assert_eq!(f.operator.fee_account().await.unwrap(), Some(carol));
    let parties = [Role::Alice, Role::Bob, Role::Carol];
    assert_amounts(
        balances(&f, parties).await,
        ["999.00", "501.00", "0.00"],
        "before any fee",
    );

    // Operator transfer of 100.00 with a fee of 1.50: the SDK's key is the contract's transfer id, which
    // the fee names.
    let operation = OperationId::random();
    let created = f
        .operator
        .operator_transfer_with_fee(operation, alice, bob, amount("100.00"), amount("1.50"))
        .await
        .expect("operatorTransferWithFee");
    assert_eq!(created.id, operation.record_key(operator));
    let executed = event!(created.outcome, OperatorTransferExecuted);
    assert_eq!(executed.transferId, created.id);
    assert_eq!(executed.value, units("100.00"));
    let charged = event!(created.outcome, FeeCharged);
    assert_eq!(
        (
            charged.operation,
            charged.kind,
            charged.payer,
            charged.feeAccount,
            charged.fee
        ),
        (created.id, 0, alice, carol, units("1.50")),
    );
    assert_amounts(
        balances(&f, parties).await,
        ["897.50", "601.00", "1.50"],
        "after the operator transfer",
    );

    // Hold execution of 30.00 of the 50.00 held, with a fee of 0.75: the rest is released, and the fee
    // comes from alice's available balance.
    let outcome = f
        .operator
        .execute_hold_with_fee(hold.id, amount("30.00"), amount("0.75"))
        .await
        .expect("executeHoldWithFee");
    let charged = event!(outcome, FeeCharged);
    assert_eq!(
        (charged.operation, charged.kind, charged.payer, charged.fee),
        (hold.id, 1, alice, units("0.75"))
    );
    assert_amounts(
        balances(&f, parties).await,
        ["866.75", "631.00", "2.25"],
        "after the hold execution",
    );
    assert!(
        f.operator.balance_on_hold(alice).await.unwrap().is_zero(),
        "the rest of the hold is released"
    );

    // Mint of 200.00 to bob of which 2.00 go to the fee account: the supply grows by the whole value.
    let supply = f.operator.total_supply().await.unwrap();
    let reference = payment_reference();
    let outcome = f
        .operator
        .mint_with_fee(
            bob,
            amount("200.00"),
            amount("2.00"),
            MintKind::BankTransfer,
            reference,
        )
        .await
        .expect("mintWithFee");
    assert_eq!(event!(outcome, Minted).value, units("200.00"));
    let charged = event!(outcome, FeeCharged);
    assert_eq!(
        (charged.operation, charged.kind, charged.payer, charged.fee),
        (reference, 2, bob, units("2.00"))
    );
    assert_amounts(
        balances(&f, parties).await,
        ["866.75", "829.00", "4.25"],
        "after the mint",
    );
    assert_eq!(
        f.operator.total_supply().await.unwrap().base_units(),
        supply.base_units() + units("200.00")
    );
    assert!(f.operator.is_mint_reference_used(reference).await.unwrap());

    // Payout execution (100.00 burnt) with a fee of 1.00 from bob's available balance.
    let supply = f.operator.total_supply().await.unwrap();
    let outcome = f
        .operator
        .execute_payout_with_fee(payout.id, amount("1.00"))
        .await
        .expect("executePayoutWithFee");
    let charged = event!(outcome, FeeCharged);
    assert_eq!(
        (charged.operation, charged.kind, charged.payer, charged.fee),
        (payout.id, 3, bob, units("1.00"))
    );
    assert_amounts(
        balances(&f, parties).await,
        ["866.75", "728.00", "5.25"],
        "after the payout",
    );
    assert_eq!(
        f.operator.total_supply().await.unwrap().base_units(),
        supply.base_units() - units("100.00")
    );

    // Only the operator role charges fees, even for a wallet that approved a transfer operator.
    f.alice
        .authorize_transfer_operator(bob)
        .await
        .expect("approve bob");
    assert_refused(
        f.bob
            .operator_transfer_with_fee(
                OperationId::random(),
                alice,
                bob,
                amount("1.00"),
                amount("0.10"),
            )
            .await,
        "operatorTransferWithFee",
        revert!(AccessControlUnauthorizedAccount {
            account: bob,
            neededRole: ContractRole::Operator.id(),
        }),
    );
}

// ------------------------------------------------------------------------------------------- supply

#[tokio::test]
async fn a_minter_mints_within_its_allowance() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (operator, alice) = (f.addr(Role::Operator), f.addr(Role::Alice));

    // Only the minter admin (the admin's account on the devnet) sets allowances; a new one replaces
    // the old.
    assert_refused(
        f.operator.configure_minter(operator, amount("1.00")).await,
        "configureMinter",
        revert!(AccessControlUnauthorizedAccount {
            account: operator,
            neededRole: ContractRole::MinterAdmin.id(),
        }),
    );
    let configured = f
        .admin
        .configure_minter(operator, amount("500.00"))
        .await
        .expect("configureMinter");
    let event = event!(configured, MinterConfigured);
    assert_eq!(
        (event.minter, event.allowance, event.by),
        (operator, units("500.00"), f.addr(Role::Admin))
    );
    assert_eq!(
        f.operator.minter_allowance(operator).await.unwrap(),
        amount("500.00")
    );

    // Every mint uses it up, with or without a fee.
    f.operator
        .mint(alice, amount("200.00"), MintKind::Card, payment_reference())
        .await
        .expect("mint");
    assert_eq!(
        f.operator.minter_allowance(operator).await.unwrap(),
        amount("300.00")
    );
    f.operator
        .mint_with_fee(
            alice,
            amount("100.00"),
            Amount::zero(2),
            MintKind::Card,
            payment_reference(),
        )
        .await
        .expect("mintWithFee");
    assert_eq!(
        f.operator.minter_allowance(operator).await.unwrap(),
        amount("200.00")
    );

    // Above what is left: refused, nothing minted, nothing used.
    let supply = f.operator.total_supply().await.unwrap();
    assert_refused(
        f.operator
            .mint(alice, amount("200.01"), MintKind::Card, payment_reference())
            .await,
        "mint",
        revert!(MinterAllowanceExceeded {
            minter: operator,
            allowance: units("200.00"),
            value: units("200.01"),
        }),
    );
    assert_eq!(f.operator.total_supply().await.unwrap(), supply);
    assert_eq!(
        f.operator.minter_allowance(operator).await.unwrap(),
        amount("200.00")
    );
    f.operator
        .mint(alice, amount("200.00"), MintKind::Card, payment_reference())
        .await
        .expect("a mint of exactly what is left");
    assert!(
        f.operator
            .minter_allowance(operator)
            .await
            .unwrap()
            .is_zero()
    );

    // Not cumulative: 50.00 after 0 is 50.00; zero stops minting.
    f.admin
        .configure_minter(operator, amount("50.00"))
        .await
        .expect("configureMinter");
    assert_eq!(
        f.operator.minter_allowance(operator).await.unwrap(),
        amount("50.00")
    );
    f.admin
        .configure_minter(operator, Amount::zero(2))
        .await
        .expect("configureMinter 0");
    assert_refused(
        f.operator
            .mint(alice, amount("0.01"), MintKind::Card, payment_reference())
            .await,
        "mint",
        revert!(MinterAllowanceExceeded {
            minter: operator,
            allowance: U256::ZERO,
            value: units("0.01"),
        }),
    );
}

#[tokio::test]
async fn a_wipe_burns_exactly_the_value_of_a_frozen_wallet() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (alice, bob, compliance) = (
        f.addr(Role::Alice),
        f.addr(Role::Bob),
        f.addr(Role::Compliance),
    );
    f.fund(Role::Alice, "300.00").await;
    f.alice
        .hold(
            OperationId::random(),
            bob,
            f.addr(Role::Notary),
            amount("100.00"),
            None,
        )
        .await
        .expect("hold");
    let reference = B256::repeat_byte(0xd0);
    let reason = "court order 2026/117";

    // The SDK's role ids are the contract's; the wiper role is the admin's to grant.
    assert_eq!(
        ContractRole::Wiper.id(),
        f.admin.contract().WIPER_ROLE().call().await.unwrap()
    );
    assert_refused(
        f.compliance
            .wipe_frozen_balance(alice, amount("1.00"), reference, reason)
            .await,
        "wipeFrozenBalance",
        revert!(AccessControlUnauthorizedAccount {
            account: compliance,
            neededRole: ContractRole::Wiper.id(),
        }),
    );
    f.admin
        .grant_role(ContractRole::Wiper, compliance)
        .await
        .expect("grant wiper");
    assert!(
        f.admin
            .has_role(ContractRole::Wiper, compliance)
            .await
            .unwrap()
    );

    // Only a frozen wallet, only its available balance (the hold is decided first).
    assert_refused(
        f.compliance
            .wipe_frozen_balance(alice, amount("1.00"), reference, reason)
            .await,
        "wipeFrozenBalance",
        revert!(WalletNotFrozen { wallet: alice }),
    );
    f.compliance.freeze(alice).await.expect("freeze");
    assert_refused(
        f.compliance
            .wipe_frozen_balance(alice, amount("200.01"), reference, reason)
            .await,
        "wipeFrozenBalance",
        revert!(InsufficientAvailableBalance {
            account: alice,
            available: units("200.00"),
            needed: units("200.01"),
        }),
    );

    let supply = f.operator.total_supply().await.unwrap();
    let outcome = f
        .compliance
        .wipe_frozen_balance(alice, amount("150.00"), reference, reason)
        .await
        .expect("wipeFrozenBalance");
    let wiped = event!(outcome, Wiped);
    assert_eq!(
        (
            wiped.wallet,
            wiped.value,
            wiped.orderReference,
            wiped.reason.as_str(),
            wiped.by
        ),
        (alice, units("150.00"), reference, reason, compliance)
    );
    let burnt = event!(outcome, Transfer);
    assert_eq!(
        (burnt.from, burnt.to, burnt.value),
        (alice, Address::ZERO, units("150.00"))
    );
    assert_eq!(
        f.operator.total_supply().await.unwrap().base_units(),
        supply.base_units() - units("150.00")
    );
    assert_eq!(
        f.operator.balance_of(alice).await.unwrap(),
        amount("150.00")
    );
    assert_eq!(
        f.operator.balance_on_hold(alice).await.unwrap(),
        amount("100.00")
    );
    assert!(
        f.operator.is_frozen(alice).await.unwrap(),
        "the wallet stays frozen"
    );
}

#[tokio::test]
async fn a_rescue_sends_another_erc20_on_and_never_the_token_itself() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (admin, bob) = (f.addr(Role::Admin), f.addr(Role::Bob));
    let token = f.deployment.address;

    assert_eq!(
        ContractRole::Rescuer.id(),
        f.admin.contract().RESCUER_ROLE().call().await.unwrap()
    );
    assert_refused(
        f.admin.rescue_erc20(token, bob, U256::from(1)).await,
        "rescueERC20",
        revert!(AccessControlUnauthorizedAccount {
            account: admin,
            neededRole: ContractRole::Rescuer.id(),
        }),
    );
    f.admin
        .grant_role(ContractRole::Rescuer, admin)
        .await
        .expect("grant rescuer");
    assert_refused(
        f.admin.rescue_erc20(token, bob, U256::from(1)).await,
        "rescueERC20",
        revert!(RescueOfOwnToken {}),
    );

    // A second ERC-20 (another EmToken, deployed by the upgrader's key, unused here) that registers the
    // first token's address and mints 5.00 to it, as if sent there by mistake.
    let other = second_token(&f).await;
    other
        .mint(token, amount("5.00"), MintKind::Card, payment_reference())
        .await
        .expect("mint to the token's address");

    let outcome = f
        .admin
        .rescue_erc20(other.address(), bob, units("3.00"))
        .await
        .expect("rescueERC20");
    let rescued = event!(outcome, TokensRescued);
    assert_eq!(
        (rescued.tokenContract, rescued.to, rescued.value, rescued.by),
        (other.address(), bob, units("3.00"), admin)
    );
    assert_eq!(other.balance_of(bob).await.unwrap(), amount("3.00"));
    assert_eq!(other.balance_of(token).await.unwrap(), amount("2.00"));
    assert!(
        f.operator.balance_of(bob).await.unwrap().is_zero(),
        "the token's own balances are untouched"
    );
}

/// Another EmToken on the fixture's node, deployed and run by the upgrader's key (the only one of the
/// fixture with no client), with the first token's address and bob registered (no limits).
async fn second_token(f: &Fixture) -> EmTokenClient {
    let deployer = f.addr(Role::Upgrader);
    let unlimited = Tier {
        max_balance: None,
        max_transfer: None,
        max_outflow_30d: None,
    };
    let config = DeployConfig {
        name: "Other".to_owned(),
        symbol: "OTH".to_owned(),
        decimals: 2,
        roles: Roles {
            admin: deployer,
            operator: deployer,
            compliance: deployer,
            pauser: deployer,
            upgrader: f.addr(Role::Dave),
            minter_admin: deployer,
        },
        suspense: f.addr(Role::Suspense),
        minter_allowance: amount("1000.00"),
        tiers: vec![(0, unlimited)],
    };
    let (_, other) = deploy(builder(&f.node, Role::Upgrader), &config)
        .await
        .expect("deploy the second token");
    for wallet in [f.deployment.address, f.addr(Role::Bob)] {
        other.register_wallet(wallet, 0).await.expect("register");
    }
    other
}

// ------------------------------------------------------------------------------------------- upgrades

#[tokio::test]
async fn an_upgrade_needs_the_proposal_of_one_key_and_the_execution_of_another() {
    let f = Fixture::new(ProfileName::Dev).await;
    let (admin, bob) = (f.addr(Role::Admin), f.addr(Role::Bob));
    let upgrader_address = f.addr(Role::Upgrader);
    let upgrader = builder(&f.node, Role::Upgrader)
        .connect(f.deployment.address)
        .await
        .expect("connect the upgrader");
    f.fund(Role::Alice, "10.00").await;

    assert_eq!(
        f.admin.implementation().await.unwrap(),
        f.deployment.implementation
    );
    assert_eq!(f.admin.pending_upgrade().await.unwrap(), None);
    // A new implementation with the same modules, deployed from dave's unlocked dev account (dave's
    // client is not used here, so no client's nonce goes stale).
    let next = EmTokenImplementation::deploy_builder(
        f.admin.provider().clone(),
        f.deployment.orders_module,
        f.deployment.authorizations_module,
    )
    .from(f.addr(Role::Dave))
    .deploy()
    .await
    .expect("deploy the next implementation");

    // Only the admin proposes; the upgrader (or the admin) may withdraw.
    assert_refused(
        upgrader.propose_upgrade(next).await,
        "proposeUpgrade",
        revert!(AccessControlUnauthorizedAccount {
            account: upgrader_address,
            neededRole: ContractRole::Admin.id(),
        }),
    );
    let proposed = f.admin.propose_upgrade(next).await.expect("proposeUpgrade");
    let event = event!(proposed, UpgradeProposed);
    assert_eq!((event.implementation, event.proposer), (next, admin));
    let pending = Some(PendingUpgrade {
        implementation: next,
        proposer: admin,
    });
    assert_eq!(f.admin.pending_upgrade().await.unwrap(), pending);
    let cancelled = upgrader.cancel_upgrade().await.expect("cancelUpgrade");
    let event = event!(cancelled, UpgradeCancelled);
    assert_eq!((event.implementation, event.by), (next, upgrader_address));
    assert_eq!(f.admin.pending_upgrade().await.unwrap(), None);
    assert_refused(
        upgrader.upgrade_to_and_call(next, Bytes::new()).await,
        "upgradeToAndCall",
        revert!(UpgradeNotProposed {
            implementation: next,
            proposed: Address::ZERO,
        }),
    );

    // Proposed again. The proposer cannot execute: not without the upgrader role, and not with it
    // either (a second key must).
    f.admin.propose_upgrade(next).await.expect("proposeUpgrade");
    assert_refused(
        f.admin.upgrade_to_and_call(next, Bytes::new()).await,
        "upgradeToAndCall",
        revert!(AccessControlUnauthorizedAccount {
            account: admin,
            neededRole: ContractRole::Upgrader.id(),
        }),
    );
    // Upgraders name upgraders: the admin cannot give itself the role; only an upgrader can.
    assert_refused(
        f.admin.grant_role(ContractRole::Upgrader, admin).await,
        "grantRole",
        revert!(AccessControlUnauthorizedAccount {
            account: admin,
            neededRole: ContractRole::Upgrader.id(),
        }),
    );
    upgrader
        .grant_role(ContractRole::Upgrader, admin)
        .await
        .expect("the upgrader grants the admin the upgrader role");
    assert_refused(
        f.admin.upgrade_to_and_call(next, Bytes::new()).await,
        "upgradeToAndCall",
        revert!(UpgradeNeedsSecondKey { account: admin }),
    );
    assert_eq!(
        f.admin.implementation().await.unwrap(),
        f.deployment.implementation
    );

    // The upgrader executes it, with a call run on the new implementation as the upgrader (here: it
    // approves bob as its transfer operator).
    let data = EmToken::authorizeTransferOperatorCall { operator: bob }.abi_encode();
    let upgraded = upgrader
        .upgrade_to_and_call(next, data.into())
        .await
        .expect("upgradeToAndCall");
    assert_eq!(event!(upgraded, Upgraded).implementation, next);
    assert_eq!(f.admin.implementation().await.unwrap(), next);
    assert_eq!(
        f.admin.pending_upgrade().await.unwrap(),
        None,
        "the proposal is used up"
    );
    assert!(
        f.admin
            .is_transfer_operator_for(bob, upgrader_address)
            .await
            .unwrap(),
        "the call ran"
    );
    // The token's state is the proxy's: balances survive, and the token still moves money.
    assert_eq!(
        f.admin.balance_of(f.addr(Role::Alice)).await.unwrap(),
        amount("10.00")
    );
    f.alice
        .transfer(bob, amount("4.00"))
        .await
        .expect("transfer after the upgrade");
    assert_eq!(f.admin.balance_of(bob).await.unwrap(), amount("4.00"));
}
