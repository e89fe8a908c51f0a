//! Every custom error of the EmToken ABI, triggered on a real node through the SDK's public methods and
//! checked decoded with its arguments: `Error::Revert { call, error: EmTokenError::… }`.
//!
//! Each node test below triggers one group of errors and asserts that the set of errors it saw is exactly
//! its group. `every_error_is_covered` (no node) asserts that the groups, the errors only the raw bindings
//! can reach ([`BELOW_THE_SDK`]) and the errors no public function can raise ([`UNREACHABLE`]) together
//! are every selector of `EmTokenErrors`: a new error in the contract fails it until a test triggers it.

mod common;

use std::{collections::BTreeSet, fmt::Debug, time::Duration};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    sol_types::{SolCall, SolError, SolInterface, SolValue},
};
use common::{Fixture, amount};
use emtoken_sdk::{
    Amount, EmTokenClient, EmTokenError, Error, HoldStatus, MAX_BASE_UNITS, MintKind, OperationId,
    OrderStatus, PayoutStatus, Role as ContractRole,
    bindings::{EmToken, EmTokenImplementation, EmTokenProxy},
};
use emtoken_test_utils::{ProfileName, Role};

type Selector = [u8; 4];

/// The decoded value of a revert: `revert!(HoldNotFound { holdId })` is
/// `EmTokenError::HoldNotFound(EmToken::HoldNotFound { holdId })`.
macro_rules! revert {
    ($name:ident { $($fields:tt)* }) => { EmTokenError::$name(EmToken::$name { $($fields)* }) };
}

macro_rules! selectors {
    ($($name:ident),+ $(,)?) => { &[$(<EmToken::$name as SolError>::SELECTOR),+] };
}

// ------------------------------------------------------------------------------------------ groups

/// Roles, pause, and the OpenZeppelin ERC-20 errors a caller can reach.
const ACCESS_PAUSE_ERC20: &[Selector] = selectors![
    AccessControlUnauthorizedAccount,
    EnforcedPause,
    ExpectedPause,
    ERC20InsufficientAllowance,
    ERC20InvalidSender,
    ERC20InvalidSpender,
    ERC20InvalidReceiver,
];

/// Registration, KYC levels and their tiers, freezing, tier limits, available balance, operators, mint
/// references, supply cap.
const COMPLIANCE_CORE: &[Selector] = selectors![
    WalletNotRegistered,
    WalletAlreadyRegistered,
    WalletFrozen,
    WalletNotFrozen,
    KycLevelUnchanged,
    KycLevelWithoutTier,
    MintReferenceUsed,
    ZeroPaymentReference,
    BalanceLimitExceeded,
    TransferLimitExceeded,
    OutflowLimitExceeded,
    ZeroAmount,
    ZeroAddress,
    InsufficientAvailableBalance,
    NotOperatorFor,
    SelfOperator,
    OperatorApprovalUnchanged,
    OperatorTransferExists,
    SupplyCapExceeded,
    SuspenseAccountNotAllowed,
];

/// Holds, their expirations included.
const HOLDS: &[Selector] = selectors![
    HoldExists,
    HoldNotFound,
    HoldNotOpen,
    HoldExpired,
    HoldCallerNotNotary,
    HoldReleaseNotAllowed,
    HoldRenewalNotAllowed,
    HoldExpirationShortened,
    HoldValueExceeded,
    ExpirationNotInFuture,
    ExpirationTooLarge,
    ZeroAmount,
    ZeroAddress,
    InsufficientAvailableBalance,
];

/// Two-step transfers, fund orders, payouts and the suspense account.
const ORDERS: &[Selector] = selectors![
    ClearableTransferExists,
    ClearableTransferNotFound,
    ClearableTransferWrongStatus,
    ClearableCancelNotAllowed,
    FundExists,
    FundNotFound,
    FundWrongStatus,
    FundCancelNotAllowed,
    PayoutExists,
    PayoutNotFound,
    PayoutWrongStatus,
    PayoutCancelNotAllowed,
    SuspenseAccountInUse,
    SuspenseAccountNotAllowed,
    ZeroAddress,
];

/// Upgrades and initialisation: `upgrade_and_initialization_errors` raises each one through the generated
/// bindings, since most (a non-UUPS implementation, a value sent, a failing call, a second
/// initialisation) are not reachable through the SDK's typed calls; tests/governance.rs checks the SDK's
/// upgrade calls report theirs.
const UPGRADES: &[Selector] = selectors![
    ImplementationWithoutCode,
    UpgradeNotProposed,
    UpgradeNeedsSecondKey,
    ERC1967InvalidImplementation,
    ERC1967NonPayable,
    FailedCall,
    UUPSUnauthorizedCallContext,
    InvalidInitialization,
    ERC1967ProxyUninitialized,
    RolesMustDiffer,
];

/// Signed authorizations (EIP-2612 permits, EIP-3009 transfers, receives and cancellations):
/// `signed_authorization_errors` raises each one through the generated bindings (bad signatures and
/// wrong callers are what the SDK's signing helpers never produce); tests/authorizations.rs covers the
/// SDK's calls.
const AUTHORIZATIONS: &[Selector] = selectors![
    PermitExpired,
    AuthorizationNotYetValid,
    AuthorizationExpired,
    AuthorizationUsedOrCanceled,
    InvalidSignature,
    CallerNotPayee,
];

/// Minter allowances, rescues and fees: `supply_and_fee_errors` raises each one through the generated
/// bindings (`MinterAllowanceTooLarge` cannot come from the SDK's `configure_minter`, whose `Amount`
/// stops at the supply cap); tests/governance.rs checks the SDK's calls report the others.
const SUPPLY_FEES: &[Selector] = selectors![
    MinterAllowanceTooLarge,
    MinterAllowanceExceeded,
    RescueOfOwnToken,
    SafeERC20FailedOperation,
    FeeAboveValue,
    FeeAccountNotSet,
    FeeTooLarge,
    PayoutFeeReserved,
];

/// Errors the contract raises from a public function, but whose input the SDK's typed API cannot express.
/// `below_the_sdk` raises each one with an `eth_call` through the generated bindings
/// (`client.contract()`) and checks the decoded value, so the claim stays verified.
const BELOW_THE_SDK: &[Selector] = selectors![
    // `renounceRole(role, callerConfirmation)` with a confirmation other than the caller: the SDK's
    // `renounce_role(role)` always confirms with the signer's own address.
    AccessControlBadConfirmation,
    // `setTier` with a limit above 2^96 - 1 base units: the SDK's `Tier` limits are `Amount`s, which cannot
    // exceed `MAX_BASE_UNITS` (2^96 - 1), so the SDK refuses such a limit before sending.
    TierLimitTooLarge,
    // `mint` with a kind other than 0 (card) or 1 (bank transfer): the SDK's `mint` takes a `MintKind`,
    // which has exactly those two values.
    InvalidMintKind,
];

/// Errors in the ABI (declared by the interfaces EmToken implements, or inherited from OpenZeppelin) that no
/// public function of the token's contracts can raise, or only with a contract of the caller's making.
const UNREACHABLE: &[Selector] = selectors![
    // ERC-6093's (IERC20Errors): EmToken's own `_update` checks the available balance (balance minus
    // held, never above the balance) and reverts with `InsufficientAvailableBalance`; nothing raises this.
    ERC20InsufficientBalance,
    // `_approve` refuses a zero owner, but its callers are `approve`, whose owner is `msg.sender`, and
    // `permit`, which first requires the owner's signature, never valid for the zero address
    // (`InvalidSignature`); `transferFrom` spends the allowance without approving.
    ERC20InvalidApprover,
    // OpenZeppelin Initializable: raised by `onlyInitializing` functions outside an initialiser; no
    // public function of EmToken has that modifier.
    NotInitializing,
    // OpenZeppelin Address: a delegate call to an address without code that succeeded; the upgrade path
    // refuses an implementation without code first (`ERC1967InvalidImplementation`).
    AddressEmptyCode,
    // `upgradeToAndCall` to a proposed contract whose `proxiableUUID()` answers another slot: none of
    // EmToken's contracts does (the module has no such function: `ERC1967InvalidImplementation`); only a
    // contract written for it would.
    UUPSUnsupportedProxiableUUID,
];

// ------------------------------------------------------------------------------------------ helpers

/// The errors a test saw, checked one by one.
#[derive(Default)]
struct Seen(BTreeSet<Selector>);

impl Seen {
    /// `result` must be the revert of `call` with exactly `expected` (variant and arguments).
    #[track_caller]
    fn check<T: Debug>(
        &mut self,
        result: emtoken_sdk::Result<T>,
        call: &str,
        expected: EmTokenError,
    ) {
        match result {
            Err(Error::Revert { call: got, error }) => {
                assert_eq!(got, call, "the revert names the call");
                assert_eq!(error, expected, "{call}: decoded error");
                self.0.insert(error.selector());
            }
            other => panic!("{call}: expected Revert({expected:?}), got {other:?}"),
        }
    }

    /// A call through the generated bindings must revert with exactly `expected`.
    #[track_caller]
    fn check_raw<T>(&mut self, result: Result<T, alloy::contract::Error>, expected: EmTokenError) {
        let Err(error) = result else {
            panic!("expected a revert with {expected:?}, the call succeeded")
        };
        let decoded = error
            .as_decoded_interface_error::<EmTokenError>()
            .unwrap_or_else(|| panic!("undecodable revert {error}"));
        assert_eq!(decoded, expected);
        self.0.insert(decoded.selector());
    }

    /// The test saw exactly the errors of `group`.
    #[track_caller]
    fn assert_exactly(&self, group: &[Selector]) {
        let group: BTreeSet<Selector> = group.iter().copied().collect();
        assert_eq!(
            names(&self.0),
            names(&group),
            "errors seen vs errors of the group"
        );
    }
}

fn names(selectors: &BTreeSet<Selector>) -> BTreeSet<&'static str> {
    selectors
        .iter()
        .map(|s| EmTokenError::name_by_selector(*s).expect("a selector of EmTokenErrors"))
        .collect()
}

fn zero() -> Amount {
    Amount::zero(2)
}

fn base(units: u128) -> U256 {
    U256::from(units)
}

fn random_id() -> B256 {
    OperationId::random().as_bytes()
}

async fn latest_timestamp(client: &EmTokenClient) -> u64 {
    client
        .provider()
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .expect("eth_getBlockByNumber")
        .expect("latest block")
        .header
        .timestamp
}

async fn anvil_rpc<P: alloy::rpc::json_rpc::RpcSend>(
    client: &EmTokenClient,
    method: &'static str,
    params: P,
) {
    client
        .provider()
        .raw_request::<_, serde_json::Value>(method.into(), params)
        .await
        .unwrap_or_else(|e| panic!("{method}: {e}"));
}

/// Moves the node's clock `secs` forward and mines a block there.
async fn advance(client: &EmTokenClient, secs: u64) {
    anvil_rpc(client, "evm_increaseTime", (secs,)).await;
    anvil_rpc(client, "evm_mine", ()).await;
}

// ------------------------------------------------------------------------------------------ tests

#[test]
fn every_error_is_covered() {
    let all: BTreeSet<Selector> = EmTokenError::SELECTORS.iter().copied().collect();
    assert_eq!(all.len(), EmTokenError::COUNT, "selectors are distinct");
    let triggered: BTreeSet<Selector> = [
        ACCESS_PAUSE_ERC20,
        COMPLIANCE_CORE,
        HOLDS,
        ORDERS,
        UPGRADES,
        AUTHORIZATIONS,
        SUPPLY_FEES,
    ]
    .concat()
    .into_iter()
    .collect();
    let below: BTreeSet<Selector> = BELOW_THE_SDK.iter().copied().collect();
    let unreachable: BTreeSet<Selector> = UNREACHABLE.iter().copied().collect();
    assert!(
        triggered.is_disjoint(&below)
            && triggered.is_disjoint(&unreachable)
            && below.is_disjoint(&unreachable),
        "an error is listed both as triggered and as out of reach"
    );
    let covered: BTreeSet<Selector> = triggered
        .iter()
        .chain(&below)
        .chain(&unreachable)
        .copied()
        .collect();
    let missing: BTreeSet<Selector> = all.difference(&covered).copied().collect();
    assert!(
        missing.is_empty(),
        "errors of the ABI no test triggers: {:?}",
        names(&missing)
    );
    assert_eq!(covered, all);
}

#[tokio::test]
async fn access_control_pause_and_erc20_errors() {
    let f = Fixture::new(ProfileName::Dev).await;
    let mut seen = Seen::default();
    let (alice, bob, carol) = (f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Carol));
    f.fund(Role::Alice, "100.00").await;

    // Roles.
    let refused = f.alice.pause().await;
    let expected = revert!(AccessControlUnauthorizedAccount {
        account: alice,
        neededRole: ContractRole::Pauser.id(),
    });
    let err = refused.as_ref().expect_err("alice is no pauser");
    assert_eq!(
        err.to_string(),
        format!("emtoken reverted pause: {expected:?}"),
        "Display names the call and the decoded error"
    );
    assert!(err.to_string().contains("AccessControlUnauthorizedAccount"));
    assert_eq!(err.revert(), Some(&expected));
    seen.check(refused, "pause", expected.clone());
    seen.check(
        f.alice.grant_role(ContractRole::Operator, bob).await,
        "grantRole",
        revert!(AccessControlUnauthorizedAccount {
            account: alice,
            neededRole: B256::ZERO,
        }),
    );

    // Pause.
    seen.check(
        f.pauser.unpause().await,
        "unpause",
        revert!(ExpectedPause {}),
    );
    f.pauser.pause().await.expect("pause");
    seen.check(f.pauser.pause().await, "pause", revert!(EnforcedPause {}));
    seen.check(
        f.alice.transfer(bob, amount("1.00")).await,
        "transfer",
        revert!(EnforcedPause {}),
    );
    f.pauser.unpause().await.expect("unpause");

    // ERC-20.
    seen.check(
        f.bob.transfer_from(alice, carol, amount("10.00")).await,
        "transferFrom",
        revert!(ERC20InsufficientAllowance {
            spender: bob,
            allowance: U256::ZERO,
            needed: base(1000),
        }),
    );
    f.alice.approve(bob, amount("5.00")).await.expect("approve");
    seen.check(
        f.bob.transfer_from(alice, carol, amount("10.00")).await,
        "transferFrom",
        revert!(ERC20InsufficientAllowance {
            spender: bob,
            allowance: base(500),
            needed: base(1000),
        }),
    );
    // A zero transferFrom from the zero address passes the allowance check (nothing to spend); the
    // transfer refuses the zero sender.
    seen.check(
        f.bob.transfer_from(Address::ZERO, carol, zero()).await,
        "transferFrom",
        revert!(ERC20InvalidSender {
            sender: Address::ZERO,
        }),
    );
    seen.check(
        f.alice.approve(Address::ZERO, amount("1.00")).await,
        "approve",
        revert!(ERC20InvalidSpender {
            spender: Address::ZERO,
        }),
    );
    seen.check(
        f.alice.transfer(Address::ZERO, amount("1.00")).await,
        "transfer",
        revert!(ERC20InvalidReceiver {
            receiver: Address::ZERO,
        }),
    );

    seen.assert_exactly(ACCESS_PAUSE_ERC20);
}

#[tokio::test]
async fn compliance_limits_operator_and_supply_errors() {
    let f = Fixture::new(ProfileName::Dev).await;
    let mut seen = Seen::default();
    let alice = f.addr(Role::Alice);
    let (bob, carol, dave) = (f.addr(Role::Bob), f.addr(Role::Carol), f.addr(Role::Dave));
    let (notary, suspense) = (f.addr(Role::Notary), f.addr(Role::Suspense));

    // Registration, KYC level, freezing.
    seen.check(
        f.compliance.register_wallet(alice, 1).await,
        "registerWallet",
        revert!(WalletAlreadyRegistered { wallet: alice }),
    );
    seen.check(
        f.compliance.register_wallet(Address::ZERO, 1).await,
        "registerWallet",
        revert!(ZeroAddress {
            what: "wallet".into(),
        }),
    );
    // The operator role is the default operator of every address: the zero address is refused by name.
    seen.check(
        f.operator
            .operator_transfer(
                OperationId::random(),
                Address::ZERO,
                f.addr(Role::Bob),
                amount("1.00"),
            )
            .await,
        "operatorTransfer",
        revert!(ZeroAddress {
            what: "from".into(),
        }),
    );
    seen.check(
        f.compliance.register_wallet(suspense, 1).await,
        "registerWallet",
        revert!(SuspenseAccountNotAllowed { account: suspense }),
    );
    seen.check(
        f.compliance.set_kyc_level(alice, 1).await,
        "setKycLevel",
        revert!(KycLevelUnchanged {
            wallet: alice,
            level: 1,
        }),
    );
    seen.check(
        f.compliance.set_kyc_level(notary, 1).await,
        "setKycLevel",
        revert!(WalletNotRegistered { wallet: notary }),
    );
    // Only levels whose tier the admin set (0-2 in the fixture) can be given.
    seen.check(
        f.compliance.register_wallet(notary, 3).await,
        "registerWallet",
        revert!(KycLevelWithoutTier { level: 3 }),
    );
    seen.check(
        f.compliance.set_kyc_level(alice, 255).await,
        "setKycLevel",
        revert!(KycLevelWithoutTier { level: 255 }),
    );
    seen.check(
        f.compliance.unfreeze(alice).await,
        "unfreeze",
        revert!(WalletNotFrozen { wallet: alice }),
    );
    f.compliance.freeze(bob).await.expect("freeze");
    seen.check(
        f.compliance.freeze(bob).await,
        "freeze",
        revert!(WalletFrozen { wallet: bob }),
    );
    f.fund(Role::Alice, "100.00").await;
    seen.check(
        f.alice.transfer(bob, amount("1.00")).await,
        "transfer",
        revert!(WalletFrozen { wallet: bob }),
    );
    f.compliance.unfreeze(bob).await.expect("unfreeze");
    seen.check(
        f.alice.transfer(notary, amount("1.00")).await,
        "transfer",
        revert!(WalletNotRegistered { wallet: notary }),
    );

    // Tier limits of dave (KYC 0: balance 250, single transfer 100, outflow 150 per 30 days).
    seen.check(
        f.operator
            .mint(dave, amount("250.01"), MintKind::Card, random_id())
            .await,
        "mint",
        revert!(BalanceLimitExceeded {
            wallet: dave,
            balance: base(25001),
            maxBalance: base(25000),
        }),
    );
    f.fund(Role::Dave, "250.00").await;
    seen.check(
        f.dave.transfer(bob, amount("100.01")).await,
        "transfer",
        revert!(TransferLimitExceeded {
            wallet: dave,
            value: base(10001),
            maxTransfer: base(10000),
        }),
    );
    f.dave
        .transfer(bob, amount("100.00"))
        .await
        .expect("transfer");
    seen.check(
        f.dave.transfer(bob, amount("60.00")).await,
        "transfer",
        revert!(OutflowLimitExceeded {
            wallet: dave,
            outflow: base(16000),
            maxOutflow30d: base(15000),
        }),
    );
    // 30 days later a new period opens: 60 pass, and the period counts from them.
    advance(&f.dave, 30 * 24 * 3600).await;
    f.dave
        .transfer(bob, amount("60.00"))
        .await
        .expect("transfer in the next period");
    f.fund(Role::Dave, "100.00").await;
    seen.check(
        f.dave.transfer(bob, amount("90.01")).await,
        "transfer",
        revert!(OutflowLimitExceeded {
            wallet: dave,
            outflow: base(15001),
            maxOutflow30d: base(15000),
        }),
    );

    // Available balance: alice has 100.00, 30.00 of it on hold.
    f.alice
        .hold(OperationId::random(), bob, notary, amount("30.00"), None)
        .await
        .expect("hold");
    seen.check(
        f.alice.transfer(bob, amount("80.00")).await,
        "transfer",
        revert!(InsufficientAvailableBalance {
            account: alice,
            available: base(7000),
            needed: base(8000),
        }),
    );
    seen.check(
        f.alice
            .order_payout(OperationId::random(), zero(), B256::ZERO)
            .await,
        "orderPayout",
        revert!(ZeroAmount {}),
    );

    // Operators (scopes: 0 transfer, 1 hold, 2 clearable, 3 fund, 4 payout).
    seen.check(
        f.bob
            .operator_transfer(OperationId::random(), alice, carol, amount("1.00"))
            .await,
        "operatorTransfer",
        revert!(NotOperatorFor {
            operator: bob,
            wallet: alice,
            scope: 0, // Transfer
        }),
    );
    seen.check(
        f.bob
            .order_payout_from(OperationId::random(), alice, amount("1.00"), B256::ZERO)
            .await,
        "orderPayoutFrom",
        revert!(NotOperatorFor {
            operator: bob,
            wallet: alice,
            scope: 4, // Payout
        }),
    );
    seen.check(
        f.alice.authorize_transfer_operator(alice).await,
        "authorizeTransferOperator",
        revert!(SelfOperator { operator: alice }),
    );
    seen.check(
        f.alice.authorize_fund_operator(Address::ZERO).await,
        "authorizeFundOperator",
        revert!(ZeroAddress {
            what: "operator".into(),
        }),
    );
    seen.check(
        f.alice.revoke_hold_operator(bob).await,
        "revokeHoldOperator",
        revert!(OperatorApprovalUnchanged {
            wallet: alice,
            operator: bob,
            scope: 1, // Hold
            approved: false,
        }),
    );
    f.alice
        .authorize_transfer_operator(bob)
        .await
        .expect("authorize");
    seen.check(
        f.alice.authorize_transfer_operator(bob).await,
        "authorizeTransferOperator",
        revert!(OperatorApprovalUnchanged {
            wallet: alice,
            operator: bob,
            scope: 0, // Transfer
            approved: true,
        }),
    );
    let op = OperationId::random();
    let transfer = f
        .bob
        .operator_transfer(op, alice, carol, amount("1.00"))
        .await
        .expect("operator transfer");
    seen.check(
        f.bob
            .operator_transfer(op, alice, carol, amount("1.00"))
            .await,
        "operatorTransfer",
        revert!(OperatorTransferExists {
            transferId: transfer.id,
        }),
    );

    // Supply cap: carol is unlimited, but the total supply is capped at 2^96 - 1 base units.
    let supply = f.alice.total_supply().await.expect("totalSupply");
    let max = Amount::from_base_units(base(MAX_BASE_UNITS), 2).expect("max");
    seen.check(
        f.operator
            .mint(carol, max, MintKind::BankTransfer, random_id())
            .await,
        "mint",
        revert!(SupplyCapExceeded {
            supply: supply.base_units() + base(MAX_BASE_UNITS),
            cap: base(MAX_BASE_UNITS),
        }),
    );

    // Mint references: never zero, and each mints once, whatever the kind.
    seen.check(
        f.operator
            .mint(carol, amount("1.00"), MintKind::Card, B256::ZERO)
            .await,
        "mint",
        revert!(ZeroPaymentReference {}),
    );
    let reference = random_id();
    f.operator
        .mint(carol, amount("1.00"), MintKind::Card, reference)
        .await
        .expect("mint");
    seen.check(
        f.operator
            .mint(carol, amount("1.00"), MintKind::BankTransfer, reference)
            .await,
        "mint",
        revert!(MintReferenceUsed {
            paymentReference: reference,
        }),
    );

    seen.assert_exactly(COMPLIANCE_CORE);
}

#[tokio::test]
async fn hold_errors() {
    let f = Fixture::new(ProfileName::Dev).await;
    let mut seen = Seen::default();
    let alice = f.addr(Role::Alice);
    let (bob, carol, notary) = (f.addr(Role::Bob), f.addr(Role::Carol), f.addr(Role::Notary));
    f.fund(Role::Alice, "1000.00").await;

    // Creation.
    let op = OperationId::random();
    let perpetual = f
        .alice
        .hold(op, bob, notary, amount("30.00"), None)
        .await
        .expect("hold")
        .id;
    seen.check(
        f.alice.hold(op, bob, notary, amount("30.00"), None).await,
        "hold",
        revert!(HoldExists { holdId: perpetual }),
    );
    seen.check(
        f.alice
            .hold(OperationId::random(), bob, notary, zero(), None)
            .await,
        "hold",
        revert!(ZeroAmount {}),
    );
    seen.check(
        f.alice
            .hold(
                OperationId::random(),
                Address::ZERO,
                notary,
                amount("1.00"),
                None,
            )
            .await,
        "hold",
        revert!(ZeroAddress { what: "to".into() }),
    );
    seen.check(
        f.alice
            .hold(
                OperationId::random(),
                bob,
                Address::ZERO,
                amount("1.00"),
                None,
            )
            .await,
        "hold",
        revert!(ZeroAddress {
            what: "notary".into(),
        }),
    );
    seen.check(
        f.alice
            .hold(OperationId::random(), bob, notary, amount("970.01"), None)
            .await,
        "hold",
        revert!(InsufficientAvailableBalance {
            account: alice,
            available: base(97000),
            needed: base(97001),
        }),
    );

    // Expirations given at creation.
    let too_far = 1u64 << 40; // beyond the stored 40 bits
    seen.check(
        f.alice
            .hold(
                OperationId::random(),
                bob,
                notary,
                amount("1.00"),
                Some(Duration::from_secs(too_far)),
            )
            .await,
        "hold",
        revert!(ExpirationTooLarge {
            timeToExpiration: U256::from(too_far),
        }),
    );
    seen.check(
        f.alice
            .hold_until(
                OperationId::random(),
                bob,
                notary,
                amount("1.00"),
                Some(too_far),
            )
            .await,
        "holdWithExpirationDate",
        revert!(ExpirationTooLarge {
            timeToExpiration: U256::from(too_far),
        }),
    );
    // The node evaluates the call in the next block, whose timestamp is pinned here.
    let next = latest_timestamp(&f.alice).await + 100;
    anvil_rpc(&f.alice, "evm_setNextBlockTimestamp", (next,)).await;
    seen.check(
        f.alice
            .hold_until(
                OperationId::random(),
                bob,
                notary,
                amount("1.00"),
                Some(next),
            )
            .await,
        "holdWithExpirationDate",
        revert!(ExpirationNotInFuture {
            expiration: U256::from(next),
            now_: U256::from(next),
        }),
    );

    // Who may do what with an open hold.
    let unknown = random_id();
    seen.check(
        f.notary.execute_hold(unknown, amount("1.00")).await,
        "executeHold",
        revert!(HoldNotFound { holdId: unknown }),
    );
    seen.check(
        f.bob.execute_hold(perpetual, amount("10.00")).await,
        "executeHold",
        revert!(HoldCallerNotNotary {
            holdId: perpetual,
            caller: bob,
        }),
    );
    seen.check(
        f.notary
            .execute_hold_and_keep_open(perpetual, amount("30.01"))
            .await,
        "executeHoldAndKeepOpen",
        revert!(HoldValueExceeded {
            holdId: perpetual,
            value: base(3001),
            remaining: base(3000),
        }),
    );
    seen.check(
        f.carol.release_hold(perpetual).await,
        "releaseHold",
        revert!(HoldReleaseNotAllowed {
            holdId: perpetual,
            caller: carol,
        }),
    );
    seen.check(
        f.carol
            .renew_hold(perpetual, Some(Duration::from_secs(60)))
            .await,
        "renewHold",
        revert!(HoldRenewalNotAllowed {
            holdId: perpetual,
            caller: carol,
        }),
    );

    // The payer may not shorten a hold: a perpetual one may not get a date, a dated one not an earlier one.
    let in_a_day = latest_timestamp(&f.alice).await + 24 * 3600;
    seen.check(
        f.alice.renew_hold_until(perpetual, Some(in_a_day)).await,
        "renewHoldWithExpirationDate",
        revert!(HoldExpirationShortened {
            holdId: perpetual,
            expiration: U256::ZERO,
            requested: U256::from(in_a_day),
        }),
    );
    let dated = f
        .alice
        .hold_until(
            OperationId::random(),
            bob,
            notary,
            amount("10.00"),
            Some(in_a_day),
        )
        .await
        .expect("dated hold")
        .id;
    seen.check(
        f.alice.renew_hold_until(dated, Some(in_a_day - 10)).await,
        "renewHoldWithExpirationDate",
        revert!(HoldExpirationShortened {
            holdId: dated,
            expiration: U256::from(in_a_day),
            requested: U256::from(in_a_day - 10),
        }),
    );

    // A closed hold.
    f.notary
        .execute_hold(perpetual, amount("30.00"))
        .await
        .expect("execute");
    seen.check(
        f.notary.release_hold(perpetual).await,
        "releaseHold",
        revert!(HoldNotOpen {
            holdId: perpetual,
            status: HoldStatus::Executed as u8,
        }),
    );

    // An expired hold can no longer be executed or renewed.
    let expiring = f
        .alice
        .hold(
            OperationId::random(),
            bob,
            notary,
            amount("10.00"),
            Some(Duration::from_secs(60)),
        )
        .await
        .expect("expiring hold")
        .id;
    let expiration = f
        .alice
        .retrieve_hold(expiring)
        .await
        .expect("hold")
        .expiration
        .expect("dated");
    advance(&f.alice, 61).await;
    seen.check(
        f.notary.execute_hold(expiring, amount("10.00")).await,
        "executeHold",
        revert!(HoldExpired {
            holdId: expiring,
            expiration: U256::from(expiration),
        }),
    );
    seen.check(
        f.alice
            .renew_hold(expiring, Some(Duration::from_secs(3600)))
            .await,
        "renewHold",
        revert!(HoldExpired {
            holdId: expiring,
            expiration: U256::from(expiration),
        }),
    );

    seen.assert_exactly(HOLDS);
}

#[tokio::test]
async fn order_payout_and_suspense_errors() {
    let f = Fixture::new(ProfileName::Dev).await;
    let mut seen = Seen::default();
    let (alice, bob, carol) = (f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Carol));
    let (notary, suspense) = (f.addr(Role::Notary), f.addr(Role::Suspense));
    f.fund(Role::Alice, "1000.00").await;
    let op = OperationId::random();
    let hash = B256::repeat_byte(0x1b);

    // Two-step transfers.
    let order = f
        .alice
        .order_transfer(op, bob, amount("10.00"))
        .await
        .expect("order")
        .id;
    seen.check(
        f.alice.order_transfer(op, bob, amount("10.00")).await,
        "orderTransfer",
        revert!(ClearableTransferExists { orderId: order }),
    );
    let unknown = random_id();
    seen.check(
        f.alice.cancel_transfer(unknown).await,
        "cancelTransfer",
        revert!(ClearableTransferNotFound { orderId: unknown }),
    );
    seen.check(
        f.carol.cancel_transfer(order).await,
        "cancelTransfer",
        revert!(ClearableCancelNotAllowed {
            orderId: order,
            caller: carol,
        }),
    );
    f.operator
        .process_clearable_transfer(order)
        .await
        .expect("process");
    seen.check(
        f.alice.cancel_transfer(order).await,
        "cancelTransfer",
        revert!(ClearableTransferWrongStatus {
            orderId: order,
            status: OrderStatus::InProcess as u8,
        }),
    );

    // Fund orders (their own namespace: the same operation id is free there).
    let fund = f
        .alice
        .order_fund(op, amount("10.00"), hash)
        .await
        .expect("order fund")
        .id;
    seen.check(
        f.alice.order_fund(op, amount("10.00"), hash).await,
        "orderFund",
        revert!(FundExists { orderId: fund }),
    );
    seen.check(
        f.operator.process_fund(unknown).await,
        "processFund",
        revert!(FundNotFound { orderId: unknown }),
    );
    seen.check(
        f.carol.cancel_fund(fund).await,
        "cancelFund",
        revert!(FundCancelNotAllowed {
            orderId: fund,
            caller: carol,
        }),
    );
    f.operator.process_fund(fund).await.expect("process fund");
    seen.check(
        f.alice.cancel_fund(fund).await,
        "cancelFund",
        revert!(FundWrongStatus {
            orderId: fund,
            status: OrderStatus::InProcess as u8,
        }),
    );

    // Payouts.
    let payout = f
        .alice
        .order_payout(op, amount("10.00"), hash)
        .await
        .expect("order payout")
        .id;
    seen.check(
        f.alice.order_payout(op, amount("10.00"), hash).await,
        "orderPayout",
        revert!(PayoutExists { orderId: payout }),
    );
    seen.check(
        f.operator.process_payout(unknown).await,
        "processPayout",
        revert!(PayoutNotFound { orderId: unknown }),
    );
    seen.check(
        f.carol.cancel_payout(payout).await,
        "cancelPayout",
        revert!(PayoutCancelNotAllowed {
            orderId: payout,
            caller: carol,
        }),
    );
    f.operator
        .process_payout(payout)
        .await
        .expect("process payout");
    seen.check(
        f.alice.cancel_payout(payout).await,
        "cancelPayout",
        revert!(PayoutWrongStatus {
            orderId: payout,
            status: PayoutStatus::InProcess as u8,
        }),
    );

    // The suspense account: a dedicated address, fixed while it holds payout funds.
    f.operator
        .put_funds_in_suspense(payout)
        .await
        .expect("suspense");
    seen.check(
        f.admin.set_suspense_account(notary).await,
        "setSuspenseAccount",
        revert!(SuspenseAccountInUse {
            account: suspense,
            value: base(1000),
        }),
    );
    seen.check(
        f.admin.set_suspense_account(alice).await,
        "setSuspenseAccount",
        revert!(SuspenseAccountNotAllowed { account: alice }),
    );
    seen.check(
        f.admin.set_suspense_account(Address::ZERO).await,
        "setSuspenseAccount",
        revert!(ZeroAddress {
            what: "suspenseAccount".into(),
        }),
    );
    f.operator.execute_payout(payout).await.expect("execute");
    seen.check(
        f.operator.execute_payout(payout).await,
        "executePayout",
        revert!(PayoutWrongStatus {
            orderId: payout,
            status: PayoutStatus::Executed as u8,
        }),
    );

    seen.assert_exactly(ORDERS);
}

/// The errors of [`BELOW_THE_SDK`], raised through the generated bindings with an `eth_call`.
#[tokio::test]
async fn below_the_sdk_errors() {
    let f = Fixture::new(ProfileName::Dev).await;
    let mut seen = Seen::default();
    let (admin, operator) = (f.addr(Role::Admin), f.addr(Role::Operator));
    let pauser = f.addr(Role::Pauser);

    seen.check_raw(
        f.admin
            .contract()
            .renounceRole(ContractRole::Pauser.id(), pauser)
            .from(admin)
            .call()
            .await,
        revert!(AccessControlBadConfirmation {}),
    );
    let above = base(MAX_BASE_UNITS) + U256::from(1);
    seen.check_raw(
        f.admin
            .contract()
            .setTier(3, above, U256::ZERO, U256::ZERO)
            .from(admin)
            .call()
            .await,
        revert!(TierLimitTooLarge { value: above }),
    );
    seen.check_raw(
        f.operator
            .contract()
            .mint(f.addr(Role::Alice), base(100), 2, B256::ZERO)
            .from(operator)
            .call()
            .await,
        revert!(InvalidMintKind { kind: 2 }),
    );

    seen.assert_exactly(BELOW_THE_SDK);
}

#[tokio::test]
async fn upgrade_and_initialization_errors() {
    let f = Fixture::new(ProfileName::Dev).await;
    let mut seen = Seen::default();
    let (admin, upgrader) = (f.addr(Role::Admin), f.addr(Role::Upgrader));
    let token = f.admin.contract();
    let provider = f.admin.provider().clone();
    let orders = f.deployment.orders_module;
    // Transactions from anvil's unlocked dev accounts (the SDK has no upgrade calls to sign them with).
    async fn mined<N: alloy::network::Network>(
        sent: Result<alloy::providers::PendingTransactionBuilder<N>, alloy::contract::Error>,
    ) -> N::ReceiptResponse {
        sent.expect("send").get_receipt().await.expect("receipt")
    }

    // Proposals and their execution.
    let nobody = f.addr(Role::Dave);
    seen.check_raw(
        token.proposeUpgrade(nobody).from(admin).call().await,
        revert!(ImplementationWithoutCode {
            implementation: nobody,
        }),
    );
    seen.check_raw(
        token.cancelUpgrade().from(admin).call().await,
        revert!(UpgradeNotProposed {
            implementation: Address::ZERO,
            proposed: Address::ZERO,
        }),
    );
    seen.check_raw(
        token
            .upgradeToAndCall(orders, Bytes::new())
            .from(upgrader)
            .call()
            .await,
        revert!(UpgradeNotProposed {
            implementation: orders,
            proposed: Address::ZERO,
        }),
    );
    // Code that is no UUPS implementation (the orders module) can be proposed, never executed.
    mined(token.proposeUpgrade(orders).from(admin).send().await).await;
    seen.check_raw(
        token
            .upgradeToAndCall(orders, Bytes::new())
            .from(upgrader)
            .call()
            .await,
        revert!(ERC1967InvalidImplementation {
            implementation: orders,
        }),
    );
    // A real implementation: not with value and no call, not with a call it refuses without a reason,
    // and never by the key that proposed it, even holding the upgrader role too.
    let next = EmTokenImplementation::deploy_builder(
        provider.clone(),
        orders,
        f.deployment.authorizations_module,
    )
    .from(admin)
    .send()
    .await;
    let next = alloy::network::ReceiptResponse::contract_address(&mined(next).await)
        .expect("implementation deployed");
    mined(token.proposeUpgrade(next).from(admin).send().await).await;
    seen.check_raw(
        token
            .upgradeToAndCall(next, Bytes::new())
            .value(U256::from(1))
            .from(upgrader)
            .call()
            .await,
        revert!(ERC1967NonPayable {}),
    );
    seen.check_raw(
        token
            .upgradeToAndCall(next, Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef]))
            .from(upgrader)
            .call()
            .await,
        revert!(FailedCall {}),
    );
    mined(
        token
            .grantRole(ContractRole::Upgrader.id(), admin)
            .from(upgrader)
            .send()
            .await,
    )
    .await;
    seen.check_raw(
        token
            .upgradeToAndCall(next, Bytes::new())
            .from(admin)
            .call()
            .await,
        revert!(UpgradeNeedsSecondKey { account: admin }),
    );

    // Initialisation: once, in the proxy's creation; the UUPS slot query only on the implementation.
    let initialize = |upgrader| EmToken::initializeCall {
        name_: "E".into(),
        symbol_: "E".into(),
        decimals_: 2,
        roles: EmToken::Roles {
            admin,
            operator: admin,
            compliance: admin,
            pauser: admin,
            upgrader,
            minterAdmin: admin,
        },
        suspense: f.addr(Role::Suspense),
    };
    let again = initialize(upgrader);
    seen.check_raw(
        token
            .initialize(
                again.name_,
                again.symbol_,
                again.decimals_,
                again.roles,
                again.suspense,
            )
            .from(admin)
            .call()
            .await,
        revert!(InvalidInitialization {}),
    );
    seen.check_raw(
        token.proxiableUUID().call().await,
        revert!(UUPSUnauthorizedCallContext {}),
    );
    let implementation = f.deployment.implementation;
    seen.check_raw(
        EmTokenProxy::deploy_builder(provider.clone(), implementation, Bytes::new())
            .from(admin)
            .call()
            .await,
        revert!(ERC1967ProxyUninitialized {}),
    );
    seen.check_raw(
        EmTokenProxy::deploy_builder(
            provider,
            implementation,
            initialize(admin).abi_encode().into(),
        )
        .from(admin)
        .call()
        .await,
        revert!(RolesMustDiffer {
            first: "admin".into(),
            second: "upgrader".into(),
        }),
    );

    seen.assert_exactly(UPGRADES);
}

#[tokio::test]
async fn signed_authorization_errors() {
    let f = Fixture::new(ProfileName::Dev).await;
    let mut seen = Seen::default();
    let (alice, bob, carol) = (f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Carol));
    let token = f.admin.contract();
    let value = base(100);
    let no_signature = Bytes::new();
    // `eth_call`s through the bindings run on the latest block, at its timestamp.
    let now_ = U256::from(latest_timestamp(&f.alice).await);

    seen.check_raw(
        token
            .permit_0(alice, bob, value, U256::from(1), no_signature.clone())
            .from(bob)
            .call()
            .await,
        revert!(PermitExpired {
            deadline: U256::from(1),
            timestamp: now_,
        }),
    );
    let transfer = |valid_after: U256, valid_before: U256, nonce: B256| {
        token.transferWithAuthorization_0(
            alice,
            bob,
            value,
            valid_after,
            valid_before,
            nonce,
            Bytes::new(),
        )
    };
    let later = now_ + U256::from(1000);
    seen.check_raw(
        transfer(later, later + U256::from(1000), random_id())
            .from(bob)
            .call()
            .await,
        revert!(AuthorizationNotYetValid {
            validAfter: later,
            timestamp: now_,
        }),
    );
    seen.check_raw(
        transfer(U256::ZERO, now_, random_id())
            .from(bob)
            .call()
            .await,
        revert!(AuthorizationExpired {
            validBefore: now_,
            timestamp: now_,
        }),
    );
    seen.check_raw(
        transfer(U256::ZERO, later, random_id())
            .from(bob)
            .call()
            .await,
        revert!(InvalidSignature { signer: alice }),
    );
    seen.check_raw(
        token
            .receiveWithAuthorization_0(
                alice,
                bob,
                value,
                U256::ZERO,
                later,
                random_id(),
                no_signature.clone(),
            )
            .from(carol)
            .call()
            .await,
        revert!(CallerNotPayee {
            caller: carol,
            payee: bob,
        }),
    );

    // Alice signs the cancellation of a nonce (EIP-712); anyone submits it; the nonce is then spent.
    let nonce = random_id();
    let domain = token
        .DOMAIN_SEPARATOR()
        .call()
        .await
        .expect("DOMAIN_SEPARATOR");
    let typehash = keccak256("CancelAuthorization(address authorizer,bytes32 nonce)");
    let digest = keccak256(
        [
            &[0x19, 0x01][..],
            domain.as_slice(),
            keccak256((typehash, alice, nonce).abi_encode()).as_slice(),
        ]
        .concat(),
    );
    let signature = alloy::signers::SignerSync::sign_hash_sync(
        &f.node.signer(Role::Alice).expect("alice's key"),
        &digest,
    )
    .expect("sign");
    let signature = Bytes::from(signature.as_bytes().to_vec());
    token
        .cancelAuthorization_0(alice, nonce, signature.clone())
        .from(bob)
        .send()
        .await
        .expect("send")
        .get_receipt()
        .await
        .expect("the cancellation is mined");
    seen.check_raw(
        token
            .cancelAuthorization_0(alice, nonce, signature)
            .from(bob)
            .call()
            .await,
        revert!(AuthorizationUsedOrCanceled {
            authorizer: alice,
            nonce,
        }),
    );

    seen.assert_exactly(AUTHORIZATIONS);
}

#[tokio::test]
async fn supply_and_fee_errors() {
    let f = Fixture::new(ProfileName::Dev).await;
    let mut seen = Seen::default();
    let (admin, operator) = (f.addr(Role::Admin), f.addr(Role::Operator));
    let (alice, bob, dave) = (f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Dave));
    let token = f.admin.contract();
    // Transactions from anvil's unlocked dev accounts (the SDK has no calls for these).
    let send = |tx: alloy::rpc::types::TransactionRequest| async {
        let receipt = f
            .admin
            .provider()
            .send_transaction(tx)
            .await
            .expect("send")
            .get_receipt()
            .await
            .expect("receipt");
        assert!(receipt.status(), "{receipt:?}");
    };

    // Fees: never above the value, and only once the admin named the fee account.
    seen.check_raw(
        token
            .mintWithFee(alice, base(100), base(101), 0, random_id())
            .from(operator)
            .call()
            .await,
        revert!(FeeAboveValue {
            fee: base(101),
            value: base(100),
        }),
    );
    seen.check_raw(
        token
            .mintWithFee(alice, base(100), base(1), 0, random_id())
            .from(operator)
            .call()
            .await,
        revert!(FeeAccountNotSet {}),
    );
    // A payout's reserved fee: at most 88 bits, and such a payout stays out of suspense.
    let too_large = U256::from(1u8) << 88;
    seen.check_raw(
        token
            .orderPayoutFromWithFee(random_id(), alice, base(1), too_large, B256::ZERO)
            .from(operator)
            .call()
            .await,
        revert!(FeeTooLarge { fee: too_large }),
    );
    f.admin
        .set_fee_account(f.addr(Role::Carol))
        .await
        .expect("fee account");
    f.operator
        .mint(alice, amount("1.00"), MintKind::Card, random_id())
        .await
        .expect("mint");
    let reserved = f
        .operator
        .order_payout_from_with_fee(
            OperationId::random(),
            alice,
            amount("0.50"),
            amount("0.01"),
            B256::ZERO,
        )
        .await
        .expect("payout with a reserved fee");
    f.operator
        .process_payout(reserved.id)
        .await
        .expect("process");
    seen.check_raw(
        token
            .putFundsInSuspenseInPayout(reserved.id)
            .from(operator)
            .call()
            .await,
        revert!(PayoutFeeReserved {
            orderId: reserved.id
        }),
    );

    // Minter allowances (the admin's account is the minter admin on the devnet).
    let above = U256::from(MAX_BASE_UNITS) + U256::from(1);
    seen.check_raw(
        token
            .configureMinter(operator, above)
            .from(admin)
            .call()
            .await,
        revert!(MinterAllowanceTooLarge { allowance: above }),
    );
    send(
        token
            .configureMinter(operator, base(1))
            .from(admin)
            .into_transaction_request(),
    )
    .await;
    seen.check_raw(
        token
            .mint(alice, base(2), 0, random_id())
            .from(operator)
            .call()
            .await,
        revert!(MinterAllowanceExceeded {
            minter: operator,
            allowance: base(1),
            value: base(2),
        }),
    );

    // Rescues: never the token itself; a "token" without code fails the safe transfer.
    send(
        token
            .grantRole(keccak256("RESCUER_ROLE"), admin)
            .from(admin)
            .into_transaction_request(),
    )
    .await;
    seen.check_raw(
        token
            .rescueERC20(f.deployment.address, bob, base(1))
            .from(admin)
            .call()
            .await,
        revert!(RescueOfOwnToken {}),
    );
    seen.check_raw(
        token
            .rescueERC20(dave, bob, base(1))
            .from(admin)
            .call()
            .await,
        revert!(SafeERC20FailedOperation { token: dave }),
    );

    seen.assert_exactly(SUPPLY_FEES);
}
