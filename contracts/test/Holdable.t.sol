// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Vm} from "forge-std/Vm.sol";

import {ICompliance} from "../src/interfaces/ICompliance.sol";
import {IEmTokenCore, IEmTokenCoreTypes} from "../src/interfaces/IEmTokenCore.sol";
import {IHoldable} from "../src/interfaces/IHoldable.sol";
import {EmTokenTest} from "./utils/EmTokenTest.sol";

/// @notice Helpers shared by the hold tests: alice (KYC 1) starts with {FUNDS}; erin is an extra
/// unlimited (KYC 2) wallet; the hold "variants" are the four ways of creating a hold.
abstract contract HoldableTestBase is EmTokenTest {
    address internal erin = makeAddr("erin");

    uint256 internal constant FUNDS = 100_000;
    uint256 internal constant VALUE = 30_000;
    uint256 internal constant TTL = 1 days;
    bytes32 internal constant OP = keccak256("hold-op-1");
    bytes32 internal constant UNKNOWN_ID = keccak256("no such hold");

    /// @dev hold, holdWithExpirationDate, holdFrom, holdFromWithExpirationDate.
    uint256 internal constant VARIANTS = 4;

    IHoldable.HoldStatus internal constant ORDERED = IHoldable.HoldStatus.Ordered;
    IHoldable.HoldStatus internal constant KEPT_OPEN = IHoldable.HoldStatus.ExecutedAndKeptOpen;
    IHoldable.HoldStatus internal constant EXECUTED = IHoldable.HoldStatus.Executed;
    IHoldable.HoldStatus internal constant BY_NOTARY = IHoldable.HoldStatus.ReleasedByNotary;
    IHoldable.HoldStatus internal constant BY_PAYEE = IHoldable.HoldStatus.ReleasedByPayee;
    IHoldable.HoldStatus internal constant ON_EXPIRATION =
    IHoldable.HoldStatus.ReleasedOnExpiration;

    function setUp() public virtual override {
        super.setUp();
        _register(erin, 2);
        _fund(alice, FUNDS);
    }

    // ------------------------------------------------------------ creation helpers

    /// @dev alice holds `value` for bob, notarised by `notary`, with operation id {OP}.
    function _hold(uint256 value, uint256 ttl) internal returns (bytes32 id) {
        vm.prank(alice);
        id = token.hold(OP, bob, notary, value, ttl);
    }

    /// @dev The default hold: {VALUE} from alice to bob, expiring in {TTL}.
    function _hold() internal returns (bytes32) {
        return _hold(VALUE, TTL);
    }

    /// @dev Creates a hold through variant `v`. The `From` variants are called by the operator role.
    /// `ttl` is relative; the date variants get `now + ttl` (0 stays perpetual).
    function _create(
        uint256 v,
        bytes32 op,
        address payer,
        address to,
        address notary_,
        uint256 value,
        uint256 ttl
    ) internal returns (bytes32) {
        uint256 date = ttl == 0 ? 0 : block.timestamp + ttl;
        if (v == 0) {
            vm.prank(payer);
            return token.hold(op, to, notary_, value, ttl);
        }
        if (v == 1) {
            vm.prank(payer);
            return token.holdWithExpirationDate(op, to, notary_, value, date);
        }
        vm.prank(operator);
        if (v == 2) return token.holdFrom(op, payer, to, notary_, value, ttl);
        return token.holdFromWithExpirationDate(op, payer, to, notary_, value, date);
    }

    /// @dev The issuer of a hold created through variant `v` for `payer`.
    function _issuer(uint256 v, address payer) internal view returns (address) {
        return v < 2 ? payer : operator;
    }

    // ------------------------------------------------------------ assertions

    function _assertHold(
        bytes32 id,
        address issuer,
        address payer,
        address payee,
        address notary_,
        uint256 value,
        uint256 expiration,
        IHoldable.HoldStatus status
    ) internal view {
        IHoldable.HoldData memory h = token.retrieveHoldData(id);
        assertEq(h.issuer, issuer, "issuer");
        assertEq(h.payer, payer, "payer");
        assertEq(h.payee, payee, "payee");
        assertEq(h.notary, notary_, "notary");
        assertEq(h.value, value, "value");
        assertEq(h.expiration, expiration, "expiration");
        assertEq(uint8(h.status), uint8(status), "status");
    }

    function _assertStatus(bytes32 id, IHoldable.HoldStatus status) internal view {
        assertEq(uint8(token.retrieveHoldData(id).status), uint8(status), "status");
    }

    function _assertValue(bytes32 id, uint256 value) internal view {
        assertEq(token.retrieveHoldData(id).value, value, "hold value");
    }

    /// @dev Invariants over every account the tests fund: held ≤ balance, Σ held == totalSupplyOnHold,
    /// Σ balances == totalSupply.
    function _assertInvariants() internal view {
        address[5] memory actors = [alice, bob, carol, dave, erin];
        uint256 held;
        uint256 balances;
        for (uint256 i; i < actors.length; ++i) {
            uint256 b = token.balanceOf(actors[i]);
            uint256 h = token.balanceOnHold(actors[i]);
            assertLe(h, b, "held <= balance");
            assertEq(token.availableBalanceOf(actors[i]), b - h, "available");
            held += h;
            balances += b;
        }
        assertEq(token.totalSupplyOnHold(), held, "sum held");
        assertEq(token.totalSupply(), balances, "sum balances");
    }

    // ------------------------------------------------------------ expectations

    function _expectCreated(
        bytes32 id,
        address payer,
        address payee,
        address issuer,
        address notary_,
        bytes32 op,
        uint256 value,
        uint256 expiration
    ) internal {
        vm.expectEmit(address(token));
        emit IHoldable.HoldCreated(
            id, payer, payee, issuer, notary_, op, value, expiration, IHoldable.HoldStatus.Ordered
        );
    }

    /// @dev The two events of an execution, in order: ERC-20 Transfer then HoldExecuted.
    function _expectExecuted(
        bytes32 id,
        address payer,
        address payee,
        uint256 executed,
        uint256 released,
        uint256 remaining,
        IHoldable.HoldStatus status
    ) internal {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(payer, payee, executed);
        vm.expectEmit(address(token));
        emit IHoldable.HoldExecuted(id, payer, payee, executed, released, remaining, status);
    }

    function _expectReleased(
        bytes32 id,
        address payer,
        address payee,
        uint256 released,
        IHoldable.HoldStatus status
    ) internal {
        vm.expectEmit(address(token));
        emit IHoldable.HoldReleased(id, payer, payee, released, status);
    }

    function _expectRenewed(
        bytes32 id,
        address payer,
        address payee,
        uint256 previous,
        uint256 expiration,
        uint256 remaining,
        IHoldable.HoldStatus status
    ) internal {
        vm.expectEmit(address(token));
        emit IHoldable.HoldRenewed(id, payer, payee, previous, expiration, remaining, status);
    }

    function _expectNotFound(bytes32 id) internal {
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldNotFound.selector, id));
    }

    function _expectNotOpen(bytes32 id, IHoldable.HoldStatus status) internal {
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldNotOpen.selector, id, status));
    }

    function _expectExpired(bytes32 id, uint256 expiration) internal {
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldExpired.selector, id, expiration));
    }

    function _expectNotNotary(bytes32 id, address caller) internal {
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldCallerNotNotary.selector, id, caller));
    }

    function _expectReleaseNotAllowed(bytes32 id, address caller) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IHoldable.HoldReleaseNotAllowed.selector, id, caller)
        );
    }

    function _expectRenewalNotAllowed(bytes32 id, address caller) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IHoldable.HoldRenewalNotAllowed.selector, id, caller)
        );
    }

    function _expectShortened(bytes32 id, uint256 expiration, uint256 requested) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                IHoldable.HoldExpirationShortened.selector, id, expiration, requested
            )
        );
    }

    function _expectPaused() internal {
        vm.expectRevert(Pausable.EnforcedPause.selector);
    }

    function _expectZeroAmount() internal {
        vm.expectRevert(IEmTokenCoreTypes.ZeroAmount.selector);
    }

    function _expectZeroAddress(string memory what) internal {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, what));
    }

    function _expectNotOperator(address caller, address wallet) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.NotOperatorFor.selector,
                caller,
                wallet,
                IEmTokenCoreTypes.OperatorScope.Hold
            )
        );
    }
}

// =====================================================================================================
// Creation: hold, holdWithExpirationDate, holdFrom, holdFromWithExpirationDate
// =====================================================================================================

contract HoldCreationTest is HoldableTestBase {
    function test_Hold_LocksFundsWithoutMovingThem() public {
        uint256 expiration = block.timestamp + TTL;
        bytes32 id = token.holdIdOf(alice, OP);
        assertEq(id, keccak256(abi.encode(alice, OP)), "holdId scheme");

        _expectCreated(id, alice, bob, alice, notary, OP, VALUE, expiration);
        vm.recordLogs();
        vm.prank(alice);
        bytes32 got = token.hold(OP, bob, notary, VALUE, TTL);

        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one event, no Transfer");
        assertEq(logs[0].topics[0], IHoldable.HoldCreated.selector, "HoldCreated only");
        assertEq(got, id, "returned id");
        _assertBalances(alice, FUNDS, VALUE);
        _assertBalances(bob, 0, 0);
        assertEq(token.totalSupplyOnHold(), VALUE, "totalSupplyOnHold");
        assertEq(token.totalSupply(), FUNDS, "totalSupply");
        _assertHold(id, alice, alice, bob, notary, VALUE, expiration, ORDERED);
    }

    function test_Hold_PerpetualWhenTimeToExpirationIsZero() public {
        bytes32 id = token.holdIdOf(alice, OP);
        _expectCreated(id, alice, bob, alice, notary, OP, VALUE, 0);
        _hold(VALUE, 0);
        _assertHold(id, alice, alice, bob, notary, VALUE, 0, ORDERED);
    }

    function test_HoldWithExpirationDate_StoresTheDate() public {
        uint256 expiration = block.timestamp + 7 days;
        bytes32 id = token.holdIdOf(alice, OP);
        _expectCreated(id, alice, bob, alice, notary, OP, VALUE, expiration);
        vm.prank(alice);
        bytes32 got = token.holdWithExpirationDate(OP, bob, notary, VALUE, expiration);
        assertEq(got, id, "returned id");
        _assertBalances(alice, FUNDS, VALUE);
        _assertBalances(bob, 0, 0);
        assertEq(token.totalSupplyOnHold(), VALUE, "totalSupplyOnHold");
        _assertHold(id, alice, alice, bob, notary, VALUE, expiration, ORDERED);
    }

    function test_HoldWithExpirationDate_PerpetualWhenZero() public {
        bytes32 id = token.holdIdOf(alice, OP);
        _expectCreated(id, alice, bob, alice, notary, OP, VALUE, 0);
        vm.prank(alice);
        token.holdWithExpirationDate(OP, bob, notary, VALUE, 0);
        _assertHold(id, alice, alice, bob, notary, VALUE, 0, ORDERED);
    }

    function test_HoldWithExpirationDate_OneSecondAhead() public {
        uint256 expiration = block.timestamp + 1;
        vm.prank(alice);
        bytes32 id = token.holdWithExpirationDate(OP, bob, notary, VALUE, expiration);
        _assertHold(id, alice, alice, bob, notary, VALUE, expiration, ORDERED);
    }

    function test_HoldFrom_ByApprovedHoldOperator_IssuerIsCaller() public {
        vm.prank(alice);
        token.authorizeHoldOperator(dave);
        uint256 expiration = block.timestamp + TTL;
        bytes32 id = token.holdIdOf(dave, OP);
        assertEq(id, keccak256(abi.encode(dave, OP)), "holdId of the issuer");

        _expectCreated(id, alice, bob, dave, notary, OP, VALUE, expiration);
        vm.prank(dave);
        bytes32 got = token.holdFrom(OP, alice, bob, notary, VALUE, TTL);

        assertEq(got, id, "returned id");
        assertTrue(id != token.holdIdOf(alice, OP), "not the payer's id");
        _assertHold(id, dave, alice, bob, notary, VALUE, expiration, ORDERED);
        _assertBalances(alice, FUNDS, VALUE);
        _assertBalances(dave, 0, 0);
        _assertBalances(bob, 0, 0);
        assertEq(token.totalSupplyOnHold(), VALUE, "totalSupplyOnHold");
    }

    function test_HoldFrom_ByOperatorRole_AsDefaultOperator() public {
        assertTrue(token.isHoldOperatorFor(operator, alice), "default operator");
        bytes32 id = token.holdIdOf(operator, OP);
        _expectCreated(id, alice, bob, operator, notary, OP, VALUE, block.timestamp + TTL);
        vm.prank(operator);
        token.holdFrom(OP, alice, bob, notary, VALUE, TTL);
        _assertHold(id, operator, alice, bob, notary, VALUE, block.timestamp + TTL, ORDERED);
        _assertBalances(alice, FUNDS, VALUE);
        _assertBalances(operator, 0, 0);
    }

    function test_HoldFrom_Perpetual() public {
        bytes32 id = token.holdIdOf(operator, OP);
        _expectCreated(id, alice, bob, operator, notary, OP, VALUE, 0);
        vm.prank(operator);
        token.holdFrom(OP, alice, bob, notary, VALUE, 0);
        _assertHold(id, operator, alice, bob, notary, VALUE, 0, ORDERED);
    }

    function test_HoldFromWithExpirationDate_ByApprovedHoldOperator() public {
        vm.prank(alice);
        token.authorizeHoldOperator(dave);
        uint256 expiration = block.timestamp + 3 days;
        bytes32 id = token.holdIdOf(dave, OP);
        _expectCreated(id, alice, bob, dave, notary, OP, VALUE, expiration);
        vm.prank(dave);
        bytes32 got = token.holdFromWithExpirationDate(OP, alice, bob, notary, VALUE, expiration);
        assertEq(got, id, "returned id");
        _assertHold(id, dave, alice, bob, notary, VALUE, expiration, ORDERED);
        _assertBalances(alice, FUNDS, VALUE);
        assertEq(token.totalSupplyOnHold(), VALUE, "totalSupplyOnHold");
    }

    function test_HoldFromWithExpirationDate_ByOperatorRole() public {
        uint256 expiration = block.timestamp + 3 days;
        bytes32 id = token.holdIdOf(operator, OP);
        _expectCreated(id, alice, bob, operator, notary, OP, VALUE, expiration);
        vm.prank(operator);
        token.holdFromWithExpirationDate(OP, alice, bob, notary, VALUE, expiration);
        _assertHold(id, operator, alice, bob, notary, VALUE, expiration, ORDERED);
    }

    function test_HoldFromWithExpirationDate_PerpetualWhenZero() public {
        bytes32 id = token.holdIdOf(operator, OP);
        _expectCreated(id, alice, bob, operator, notary, OP, VALUE, 0);
        vm.prank(operator);
        token.holdFromWithExpirationDate(OP, alice, bob, notary, VALUE, 0);
        _assertHold(id, operator, alice, bob, notary, VALUE, 0, ORDERED);
    }

    function test_Hold_SeveralHoldsAddUp() public {
        _hold(VALUE, TTL);
        vm.prank(alice);
        token.hold(_opId("second"), carol, notary, 20_000, 0);
        _create(2, _opId("third"), alice, dave, notary, 10_000, TTL);
        _assertBalances(alice, FUNDS, 60_000);
        assertEq(token.totalSupplyOnHold(), 60_000, "totalSupplyOnHold");
        _assertInvariants();
    }

    function test_Hold_WholeAvailableBalance() public {
        _hold(FUNDS, TTL);
        _assertBalances(alice, FUNDS, FUNDS);
        _expectInsufficient(alice, 0, 1);
        vm.prank(alice);
        token.hold(_opId("one more"), bob, notary, 1, TTL);
    }

    function test_Hold_NotaryIsAnyAddress() public {
        // A notary is not a role: an unregistered address, or the payee itself.
        vm.prank(alice);
        bytes32 a = token.hold(_opId("a"), bob, stranger, 1000, TTL);
        vm.prank(alice);
        bytes32 b = token.hold(_opId("b"), bob, bob, 2000, TTL);
        vm.prank(stranger);
        token.executeHold(a, 1000);
        vm.prank(bob);
        token.executeHold(b, 2000);
        _assertBalances(alice, FUNDS - 3000, 0);
        _assertBalances(bob, 3000, 0);
    }

    function test_Hold_LatestRepresentableExpiration() public {
        uint256 maxDate = type(uint40).max;
        vm.prank(alice);
        bytes32 a = token.hold(_opId("a"), bob, notary, 1, maxDate - block.timestamp);
        vm.prank(alice);
        bytes32 b = token.holdWithExpirationDate(_opId("b"), bob, notary, 1, maxDate);
        assertEq(token.retrieveHoldData(a).expiration, maxDate, "relative");
        assertEq(token.retrieveHoldData(b).expiration, maxDate, "absolute");
    }

    function test_Hold_DoesNotRecordOutflow() public {
        _hold();
        (uint256 outflow, uint256 start) = token.outflowOf(alice);
        assertEq(outflow, 0, "outflow");
        assertEq(start, 0, "period start");
    }

    // ------------------------------------------------------------ reverts, every variant

    function test_RevertWhen_Hold_ZeroAmount() public {
        for (uint256 v; v < VARIANTS; ++v) {
            _expectZeroAmount();
            _create(v, OP, alice, bob, notary, 0, TTL);
        }
    }

    function test_RevertWhen_Hold_ZeroPayee() public {
        for (uint256 v; v < VARIANTS; ++v) {
            _expectZeroAddress("to");
            _create(v, OP, alice, address(0), notary, VALUE, TTL);
        }
    }

    function test_RevertWhen_Hold_ZeroNotary() public {
        for (uint256 v; v < VARIANTS; ++v) {
            _expectZeroAddress("notary");
            _create(v, OP, alice, bob, address(0), VALUE, TTL);
        }
    }

    function test_RevertWhen_HoldFrom_ZeroPayer() public {
        // Variants 2 and 3 are holdFrom and holdFromWithExpirationDate, by the operator role.
        for (uint256 v = 2; v < VARIANTS; ++v) {
            _expectZeroAddress("from");
            _create(v, OP, address(0), bob, notary, VALUE, TTL);
        }
    }

    function test_RevertWhen_Hold_OperationIdReusedByTheSameIssuer() public {
        for (uint256 v; v < VARIANTS; ++v) {
            bytes32 op = bytes32(v + 1);
            _create(v, op, alice, bob, notary, 1000, TTL);
            bytes32 id = token.holdIdOf(_issuer(v, alice), op);
            vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldExists.selector, id));
            _create(v, op, alice, carol, notary, 2000, 0);
        }
        _assertBalances(alice, FUNDS, 4000);
    }

    function test_RevertWhen_Hold_OperationIdReusedAfterTheHoldClosed() public {
        bytes32 id = _hold();
        vm.prank(notary);
        token.releaseHold(id);
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldExists.selector, id));
        _hold();
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldExists.selector, id));
        vm.prank(alice);
        token.holdWithExpirationDate(OP, bob, notary, VALUE, 0);
    }

    function test_RevertWhen_Hold_ExceedsAvailableBalance() public {
        vm.prank(alice);
        token.hold(_opId("base"), bob, notary, 80_000, TTL);
        for (uint256 v; v < VARIANTS; ++v) {
            _expectInsufficient(alice, 20_000, 20_001);
            _create(v, OP, alice, bob, notary, 20_001, TTL);
        }
        _create(3, OP, alice, bob, notary, 20_000, TTL);
        _assertBalances(alice, FUNDS, FUNDS);
    }

    function test_RevertWhen_Hold_NoBalance() public {
        for (uint256 v; v < VARIANTS; ++v) {
            _expectInsufficient(bob, 0, 1);
            _create(v, OP, bob, alice, notary, 1, TTL);
        }
    }

    function test_RevertWhen_Hold_PayerNotRegistered() public {
        for (uint256 v; v < VARIANTS; ++v) {
            vm.expectRevert(
                abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger)
            );
            _create(v, OP, stranger, bob, notary, 1, TTL);
        }
    }

    function test_RevertWhen_Hold_PayeeNotRegistered() public {
        for (uint256 v; v < VARIANTS; ++v) {
            vm.expectRevert(
                abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger)
            );
            _create(v, OP, alice, stranger, notary, VALUE, TTL);
        }
    }

    function test_RevertWhen_Hold_PayerFrozen() public {
        _freeze(alice);
        for (uint256 v; v < VARIANTS; ++v) {
            vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
            _create(v, OP, alice, bob, notary, VALUE, TTL);
        }
    }

    function test_RevertWhen_Hold_PayeeFrozen() public {
        _freeze(bob);
        for (uint256 v; v < VARIANTS; ++v) {
            vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, bob));
            _create(v, OP, alice, bob, notary, VALUE, TTL);
        }
    }

    function test_RevertWhen_Hold_AboveTransferLimit() public {
        _fund(alice, L1_MAX_TRANSFER + 1 - FUNDS);
        for (uint256 v; v < VARIANTS; ++v) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICompliance.TransferLimitExceeded.selector,
                    alice,
                    L1_MAX_TRANSFER + 1,
                    L1_MAX_TRANSFER
                )
            );
            _create(v, OP, alice, bob, notary, L1_MAX_TRANSFER + 1, TTL);
        }
        _create(0, OP, alice, bob, notary, L1_MAX_TRANSFER, TTL);
    }

    function test_RevertWhen_Hold_AboveOutflowLimit() public {
        _fund(dave, L0_MAX_BALANCE);
        vm.prank(dave);
        token.transfer(carol, 100_000);
        uint256 left = L0_MAX_OUTFLOW - 100_000;
        for (uint256 v; v < VARIANTS; ++v) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICompliance.OutflowLimitExceeded.selector,
                    dave,
                    L0_MAX_OUTFLOW + 1,
                    L0_MAX_OUTFLOW
                )
            );
            _create(v, OP, dave, bob, notary, left + 1, TTL);
        }
        _create(1, OP, dave, bob, notary, left, TTL);
        _assertBalances(dave, L0_MAX_BALANCE - 100_000, left);
    }

    function test_RevertWhen_Hold_AbovePayeeBalanceLimit() public {
        _fund(dave, 200_000);
        uint256 room = L0_MAX_BALANCE - 200_000;
        for (uint256 v; v < VARIANTS; ++v) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICompliance.BalanceLimitExceeded.selector,
                    dave,
                    L0_MAX_BALANCE + 1,
                    L0_MAX_BALANCE
                )
            );
            _create(v, OP, alice, dave, notary, room + 1, TTL);
        }
        _create(2, OP, alice, dave, notary, room, TTL);
    }

    function test_RevertWhen_Hold_Paused() public {
        _pause();
        for (uint256 v; v < VARIANTS; ++v) {
            _expectPaused();
            _create(v, OP, alice, bob, notary, VALUE, TTL);
        }
    }

    function test_RevertWhen_Hold_TimeToExpirationOverflows() public {
        uint256 tooLong = uint256(type(uint40).max) - block.timestamp + 1;
        uint256[2] memory ttls = [tooLong, type(uint256).max];
        for (uint256 i; i < ttls.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IHoldable.ExpirationTooLarge.selector, ttls[i]));
            vm.prank(alice);
            token.hold(OP, bob, notary, VALUE, ttls[i]);
            vm.expectRevert(abi.encodeWithSelector(IHoldable.ExpirationTooLarge.selector, ttls[i]));
            vm.prank(operator);
            token.holdFrom(OP, alice, bob, notary, VALUE, ttls[i]);
        }
    }

    function test_RevertWhen_HoldWithExpirationDate_NotInFuture() public {
        uint256[2] memory dates = [block.timestamp, block.timestamp - 1];
        for (uint256 i; i < dates.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IHoldable.ExpirationNotInFuture.selector, dates[i], block.timestamp
                )
            );
            vm.prank(alice);
            token.holdWithExpirationDate(OP, bob, notary, VALUE, dates[i]);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IHoldable.ExpirationNotInFuture.selector, dates[i], block.timestamp
                )
            );
            vm.prank(operator);
            token.holdFromWithExpirationDate(OP, alice, bob, notary, VALUE, dates[i]);
        }
    }

    function test_RevertWhen_HoldWithExpirationDate_TooLarge() public {
        uint256 date = uint256(type(uint40).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IHoldable.ExpirationTooLarge.selector, date));
        vm.prank(alice);
        token.holdWithExpirationDate(OP, bob, notary, VALUE, date);
        vm.expectRevert(abi.encodeWithSelector(IHoldable.ExpirationTooLarge.selector, date));
        vm.prank(operator);
        token.holdFromWithExpirationDate(OP, alice, bob, notary, VALUE, date);
    }

    function test_RevertWhen_HoldFrom_CallerNotOperator() public {
        address[3] memory callers = [bob, stranger, notary];
        for (uint256 i; i < callers.length; ++i) {
            _expectNotOperator(callers[i], alice);
            vm.prank(callers[i]);
            token.holdFrom(OP, alice, bob, notary, VALUE, TTL);
            _expectNotOperator(callers[i], alice);
            vm.prank(callers[i]);
            token.holdFromWithExpirationDate(OP, alice, bob, notary, VALUE, block.timestamp + TTL);
        }
    }

    function test_RevertWhen_HoldFrom_ForOneselfWithoutApproval() public {
        _expectNotOperator(alice, alice);
        vm.prank(alice);
        token.holdFrom(OP, alice, bob, notary, VALUE, TTL);
    }

    function test_RevertWhen_HoldFrom_OnlyATransferOperator() public {
        vm.prank(alice);
        token.authorizeTransferOperator(dave);
        _expectNotOperator(dave, alice);
        vm.prank(dave);
        token.holdFrom(OP, alice, bob, notary, VALUE, TTL);
    }

    function test_RevertWhen_HoldFrom_ApprovedForAnotherWallet() public {
        vm.prank(carol);
        token.authorizeHoldOperator(dave);
        _expectNotOperator(dave, alice);
        vm.prank(dave);
        token.holdFrom(OP, alice, bob, notary, VALUE, TTL);
    }

    function test_RevertWhen_HoldFrom_RevokedOperator() public {
        vm.prank(alice);
        token.authorizeHoldOperator(dave);
        vm.prank(dave);
        token.holdFrom(_opId("before"), alice, bob, notary, VALUE, TTL);
        vm.prank(alice);
        token.revokeHoldOperator(dave);
        _expectNotOperator(dave, alice);
        vm.prank(dave);
        token.holdFrom(OP, alice, bob, notary, VALUE, TTL);
        _expectNotOperator(dave, alice);
        vm.prank(dave);
        token.holdFromWithExpirationDate(OP, alice, bob, notary, VALUE, block.timestamp + TTL);
        _assertBalances(alice, FUNDS, VALUE);
    }
}

// =====================================================================================================
// Hold operators: authorizeHoldOperator, revokeHoldOperator, isHoldOperatorFor
// =====================================================================================================

contract HoldOperatorTest is HoldableTestBase {
    function test_AuthorizeHoldOperator() public {
        assertFalse(token.isHoldOperatorFor(dave, alice), "before");
        vm.expectEmit(address(token));
        emit IEmTokenCoreTypes.OperatorAuthorized(alice, dave, IEmTokenCoreTypes.OperatorScope.Hold);
        vm.prank(alice);
        token.authorizeHoldOperator(dave);
        assertTrue(token.isHoldOperatorFor(dave, alice), "approved");
        assertFalse(token.isHoldOperatorFor(dave, carol), "per wallet");
        assertFalse(token.isHoldOperatorFor(alice, dave), "not symmetric");
        assertFalse(token.isTransferOperatorFor(dave, alice), "per scope");
    }

    function test_RevokeHoldOperator() public {
        vm.prank(alice);
        token.authorizeHoldOperator(dave);
        vm.prank(alice);
        token.authorizeTransferOperator(dave);
        vm.expectEmit(address(token));
        emit IEmTokenCoreTypes.OperatorRevoked(alice, dave, IEmTokenCoreTypes.OperatorScope.Hold);
        vm.prank(alice);
        token.revokeHoldOperator(dave);
        assertFalse(token.isHoldOperatorFor(dave, alice), "revoked");
        assertTrue(token.isTransferOperatorFor(dave, alice), "other scope kept");
    }

    function test_IsHoldOperatorFor_OperatorRoleForEveryWallet() public view {
        assertTrue(token.isHoldOperatorFor(operator, alice), "alice");
        assertTrue(token.isHoldOperatorFor(operator, stranger), "stranger");
        assertFalse(token.isHoldOperatorFor(stranger, alice), "stranger is not");
        assertFalse(token.isHoldOperatorFor(admin, alice), "admin is not");
    }

    function test_RevertWhen_AuthorizeHoldOperator_ZeroAddress() public {
        _expectZeroAddress("operator");
        vm.prank(alice);
        token.authorizeHoldOperator(address(0));
    }

    function test_RevertWhen_AuthorizeHoldOperator_Self() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.SelfOperator.selector, alice));
        vm.prank(alice);
        token.authorizeHoldOperator(alice);
    }

    function test_RevertWhen_AuthorizeHoldOperator_AlreadyApproved() public {
        vm.prank(alice);
        token.authorizeHoldOperator(dave);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.OperatorApprovalUnchanged.selector,
                alice,
                dave,
                IEmTokenCoreTypes.OperatorScope.Hold,
                true
            )
        );
        vm.prank(alice);
        token.authorizeHoldOperator(dave);
    }

    function test_RevertWhen_RevokeHoldOperator_ZeroAddress() public {
        _expectZeroAddress("operator");
        vm.prank(alice);
        token.revokeHoldOperator(address(0));
    }

    function test_RevertWhen_RevokeHoldOperator_Self() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.SelfOperator.selector, alice));
        vm.prank(alice);
        token.revokeHoldOperator(alice);
    }

    function test_RevertWhen_RevokeHoldOperator_NotApproved() public {
        // A transfer approval is not a hold approval.
        vm.prank(alice);
        token.authorizeTransferOperator(dave);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.OperatorApprovalUnchanged.selector,
                alice,
                dave,
                IEmTokenCoreTypes.OperatorScope.Hold,
                false
            )
        );
        vm.prank(alice);
        token.revokeHoldOperator(dave);
    }
}

// =====================================================================================================
// Execution: executeHold, executeHoldAndKeepOpen
// =====================================================================================================

contract HoldExecutionTest is HoldableTestBase {
    function test_ExecuteHold_Full() public {
        bytes32 id = _hold();
        uint256 expiration = block.timestamp + TTL;
        _expectExecuted(id, alice, bob, VALUE, 0, 0, EXECUTED);
        vm.recordLogs();
        vm.prank(notary);
        token.executeHold(id, VALUE);
        assertEq(vm.getRecordedLogs().length, 2, "Transfer + HoldExecuted only");
        _assertBalances(alice, FUNDS - VALUE, 0);
        _assertBalances(bob, VALUE, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        assertEq(token.totalSupply(), FUNDS, "totalSupply");
        _assertHold(id, alice, alice, bob, notary, 0, expiration, EXECUTED);
    }

    function test_ExecuteHold_PartialReleasesTheRest() public {
        bytes32 id = _hold();
        _expectExecuted(id, alice, bob, 10_000, VALUE - 10_000, 0, EXECUTED);
        vm.prank(notary);
        token.executeHold(id, 10_000);
        _assertBalances(alice, FUNDS - 10_000, 0);
        _assertBalances(bob, 10_000, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        _assertValue(id, 0);
        _assertStatus(id, EXECUTED);
    }

    function test_ExecuteHold_UnlocksOnlyItsOwnHold() public {
        bytes32 id = _hold();
        vm.prank(alice);
        token.hold(_opId("other"), carol, notary, 20_000, TTL);
        vm.prank(notary);
        token.executeHold(id, 5000);
        _assertBalances(alice, FUNDS - 5000, 20_000);
        _assertBalances(bob, 5000, 0);
        assertEq(token.totalSupplyOnHold(), 20_000, "totalSupplyOnHold");
    }

    function test_ExecuteHold_OneSecondBeforeExpiration() public {
        bytes32 id = _hold();
        vm.warp(block.timestamp + TTL - 1);
        _expectExecuted(id, alice, bob, VALUE, 0, 0, EXECUTED);
        vm.prank(notary);
        token.executeHold(id, VALUE);
        _assertBalances(bob, VALUE, 0);
    }

    function test_ExecuteHold_IssuedByHoldOperator_PaysFromPayer() public {
        vm.prank(alice);
        token.authorizeHoldOperator(dave);
        vm.prank(dave);
        bytes32 id = token.holdFrom(OP, alice, bob, notary, VALUE, TTL);
        _expectExecuted(id, alice, bob, VALUE, 0, 0, EXECUTED);
        vm.prank(notary);
        token.executeHold(id, VALUE);
        _assertBalances(alice, FUNDS - VALUE, 0);
        _assertBalances(bob, VALUE, 0);
        _assertBalances(dave, 0, 0);
        _assertHold(id, dave, alice, bob, notary, 0, block.timestamp + TTL, EXECUTED);
    }

    function test_ExecuteHold_RecordsOutflow() public {
        bytes32 id = _hold();
        vm.warp(block.timestamp + 1 hours);
        vm.prank(notary);
        token.executeHold(id, 10_000);
        (uint256 outflow, uint256 start) = token.outflowOf(alice);
        assertEq(outflow, 10_000, "outflow");
        assertEq(start, block.timestamp, "period start");
    }

    function test_ExecuteHold_AfterKeepOpenReleasesTheRest() public {
        bytes32 id = _hold();
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 10_000);
        _expectExecuted(id, alice, bob, 5000, VALUE - 15_000, 0, EXECUTED);
        vm.prank(notary);
        token.executeHold(id, 5000);
        _assertBalances(alice, FUNDS - 15_000, 0);
        _assertBalances(bob, 15_000, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        _assertValue(id, 0);
        _assertStatus(id, EXECUTED);
    }

    function test_RevertWhen_ExecuteHold_NotFound() public {
        _expectNotFound(UNKNOWN_ID);
        vm.prank(notary);
        token.executeHold(UNKNOWN_ID, 1);
    }

    function test_RevertWhen_ExecuteHold_CallerNotNotary() public {
        vm.prank(alice);
        token.authorizeHoldOperator(dave);
        vm.prank(dave);
        bytes32 id = token.holdFrom(OP, alice, bob, notary, VALUE, TTL);
        address[5] memory callers = [alice, bob, dave, operator, stranger];
        for (uint256 i; i < callers.length; ++i) {
            _expectNotNotary(id, callers[i]);
            vm.prank(callers[i]);
            token.executeHold(id, VALUE);
        }
        _assertBalances(alice, FUNDS, VALUE);
    }

    function test_RevertWhen_ExecuteHold_AtExpiration() public {
        bytes32 id = _hold();
        uint256 expiration = block.timestamp + TTL;
        vm.warp(expiration);
        _expectExpired(id, expiration);
        vm.prank(notary);
        token.executeHold(id, VALUE);
        vm.warp(expiration + 365 days);
        _expectExpired(id, expiration);
        vm.prank(notary);
        token.executeHold(id, 1);
        _assertBalances(alice, FUNDS, VALUE);
        _assertStatus(id, ORDERED);
    }

    function test_RevertWhen_ExecuteHold_ZeroValue() public {
        bytes32 id = _hold();
        _expectZeroAmount();
        vm.prank(notary);
        token.executeHold(id, 0);
    }

    function test_RevertWhen_ExecuteHold_ValueAboveHold() public {
        bytes32 id = _hold();
        vm.expectRevert(
            abi.encodeWithSelector(IHoldable.HoldValueExceeded.selector, id, VALUE + 1, VALUE)
        );
        vm.prank(notary);
        token.executeHold(id, VALUE + 1);
    }

    function test_RevertWhen_ExecuteHold_ValueAboveRemainingAfterKeepOpen() public {
        bytes32 id = _hold();
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 10_000);
        vm.expectRevert(
            abi.encodeWithSelector(IHoldable.HoldValueExceeded.selector, id, 20_001, 20_000)
        );
        vm.prank(notary);
        token.executeHold(id, 20_001);
    }

    function test_RevertWhen_ExecuteHold_PayeeFrozen_ReleaseStillWorks() public {
        bytes32 id = _hold();
        _freeze(bob);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, bob));
        vm.prank(notary);
        token.executeHold(id, VALUE);
        _expectReleased(id, alice, bob, VALUE, BY_NOTARY);
        vm.prank(notary);
        token.releaseHold(id);
        _assertBalances(alice, FUNDS, 0);
        _assertBalances(bob, 0, 0);
    }

    function test_RevertWhen_ExecuteHold_PayerFrozen_ReleaseStillWorks() public {
        bytes32 id = _hold();
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        vm.prank(notary);
        token.executeHold(id, VALUE);
        _expectReleased(id, alice, bob, VALUE, BY_PAYEE);
        vm.prank(bob);
        token.releaseHold(id);
        _assertBalances(alice, FUNDS, 0);
    }

    function test_RevertWhen_ExecuteHold_TransferLimitAtExecution() public {
        _fund(alice, 100_000);
        vm.prank(alice);
        bytes32 id = token.hold(OP, bob, notary, 150_000, TTL);
        vm.prank(compliance);
        token.setKycLevel(alice, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.TransferLimitExceeded.selector, alice, 150_000, L0_MAX_TRANSFER
            )
        );
        vm.prank(notary);
        token.executeHold(id, 150_000);
        _assertValue(id, 150_000);
        _assertStatus(id, ORDERED);
    }

    function test_RevertWhen_ExecuteHold_OutflowLimitAtExecution() public {
        _fund(alice, 2_500_000 - FUNDS);
        vm.prank(alice);
        bytes32 id = token.hold(OP, bob, notary, 1_000_000, TTL);
        vm.startPrank(alice);
        token.transfer(carol, 1_000_000);
        token.transfer(carol, 500_000);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.OutflowLimitExceeded.selector, alice, 2_500_000, L1_MAX_OUTFLOW
            )
        );
        vm.prank(notary);
        token.executeHold(id, 1_000_000);
        // What fits in the period still goes through.
        vm.prank(notary);
        token.executeHold(id, 500_000);
        _assertBalances(bob, 500_000, 0);
        _assertBalances(alice, 500_000, 0);
    }

    function test_RevertWhen_ExecuteHold_PayeeBalanceLimitAtExecution() public {
        _fund(alice, 100_000);
        vm.prank(alice);
        bytes32 id = token.hold(OP, dave, notary, 200_000, TTL);
        _fund(dave, 100_000);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.BalanceLimitExceeded.selector, dave, 300_000, L0_MAX_BALANCE
            )
        );
        vm.prank(notary);
        token.executeHold(id, 200_000);
    }

    function test_RevertWhen_ExecuteHold_Paused() public {
        bytes32 id = _hold();
        _pause();
        _expectPaused();
        vm.prank(notary);
        token.executeHold(id, VALUE);
    }

    // ------------------------------------------------------------ executeHoldAndKeepOpen

    function test_ExecuteHoldAndKeepOpen_Partial() public {
        bytes32 id = _hold();
        uint256 expiration = block.timestamp + TTL;
        _expectExecuted(id, alice, bob, 10_000, 0, VALUE - 10_000, KEPT_OPEN);
        vm.recordLogs();
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 10_000);
        assertEq(vm.getRecordedLogs().length, 2, "Transfer + HoldExecuted only");
        _assertBalances(alice, FUNDS - 10_000, VALUE - 10_000);
        _assertBalances(bob, 10_000, 0);
        assertEq(token.totalSupplyOnHold(), VALUE - 10_000, "totalSupplyOnHold");
        _assertHold(id, alice, alice, bob, notary, VALUE - 10_000, expiration, KEPT_OPEN);
    }

    function test_ExecuteHoldAndKeepOpen_RepeatedDownToZero() public {
        bytes32 id = _hold();
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 10_000);

        _expectExecuted(id, alice, bob, 15_000, 0, 5000, KEPT_OPEN);
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 15_000);
        _assertBalances(alice, FUNDS - 25_000, 5000);
        _assertBalances(bob, 25_000, 0);
        _assertStatus(id, KEPT_OPEN);

        _expectExecuted(id, alice, bob, 5000, 0, 0, EXECUTED);
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 5000);
        _assertBalances(alice, FUNDS - VALUE, 0);
        _assertBalances(bob, VALUE, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        _assertValue(id, 0);
        _assertStatus(id, EXECUTED);
    }

    function test_ExecuteHoldAndKeepOpen_WholeValueCloses() public {
        bytes32 id = _hold();
        _expectExecuted(id, alice, bob, VALUE, 0, 0, EXECUTED);
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, VALUE);
        _assertBalances(alice, FUNDS - VALUE, 0);
        _assertStatus(id, EXECUTED);
    }

    function test_RevertWhen_ExecuteHoldAndKeepOpen_NotFound() public {
        _expectNotFound(UNKNOWN_ID);
        vm.prank(notary);
        token.executeHoldAndKeepOpen(UNKNOWN_ID, 1);
    }

    function test_RevertWhen_ExecuteHoldAndKeepOpen_CallerNotNotary() public {
        bytes32 id = _hold();
        address[4] memory callers = [alice, bob, operator, stranger];
        for (uint256 i; i < callers.length; ++i) {
            _expectNotNotary(id, callers[i]);
            vm.prank(callers[i]);
            token.executeHoldAndKeepOpen(id, 1);
        }
    }

    function test_RevertWhen_ExecuteHoldAndKeepOpen_AtExpiration() public {
        bytes32 id = _hold();
        uint256 expiration = block.timestamp + TTL;
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 10_000);
        vm.warp(expiration - 1);
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 1);
        vm.warp(expiration);
        _expectExpired(id, expiration);
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 1);
        _expectExpired(id, expiration);
        vm.prank(notary);
        token.executeHold(id, 1);
    }

    function test_RevertWhen_ExecuteHoldAndKeepOpen_ZeroValue() public {
        bytes32 id = _hold();
        _expectZeroAmount();
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 0);
    }

    function test_RevertWhen_ExecuteHoldAndKeepOpen_ValueAboveRemaining() public {
        bytes32 id = _hold();
        vm.expectRevert(
            abi.encodeWithSelector(IHoldable.HoldValueExceeded.selector, id, VALUE + 1, VALUE)
        );
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, VALUE + 1);
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 10_000);
        vm.expectRevert(
            abi.encodeWithSelector(IHoldable.HoldValueExceeded.selector, id, 20_001, 20_000)
        );
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 20_001);
    }

    function test_RevertWhen_ExecuteHoldAndKeepOpen_PayeeFrozen() public {
        bytes32 id = _hold();
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 10_000);
        _freeze(bob);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, bob));
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 10_000);
        _expectReleased(id, alice, bob, 20_000, BY_NOTARY);
        vm.prank(notary);
        token.releaseHold(id);
        _assertBalances(alice, FUNDS - 10_000, 0);
    }

    function test_RevertWhen_ExecuteHoldAndKeepOpen_BalanceLimitAtExecution() public {
        _fund(alice, 100_000);
        vm.prank(alice);
        bytes32 id = token.hold(OP, dave, notary, 200_000, TTL);
        _fund(dave, 100_000);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.BalanceLimitExceeded.selector, dave, 250_001, L0_MAX_BALANCE
            )
        );
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 150_001);
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 150_000);
        _assertBalances(dave, L0_MAX_BALANCE, 0);
        _assertBalances(alice, 50_000, 50_000);
    }

    function test_RevertWhen_ExecuteHoldAndKeepOpen_Paused() public {
        bytes32 id = _hold();
        _pause();
        _expectPaused();
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 1);
    }
}

// =====================================================================================================
// Release: releaseHold
// =====================================================================================================

contract HoldReleaseTest is HoldableTestBase {
    function test_ReleaseHold_ByNotary() public {
        bytes32 id = _hold();
        _expectReleased(id, alice, bob, VALUE, BY_NOTARY);
        vm.recordLogs();
        vm.prank(notary);
        token.releaseHold(id);
        assertEq(vm.getRecordedLogs().length, 1, "HoldReleased only");
        _assertBalances(alice, FUNDS, 0);
        _assertBalances(bob, 0, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        _assertHold(id, alice, alice, bob, notary, 0, block.timestamp + TTL, BY_NOTARY);
    }

    function test_ReleaseHold_ByPayee() public {
        bytes32 id = _hold();
        _expectReleased(id, alice, bob, VALUE, BY_PAYEE);
        vm.prank(bob);
        token.releaseHold(id);
        _assertBalances(alice, FUNDS, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        _assertHold(id, alice, alice, bob, notary, 0, block.timestamp + TTL, BY_PAYEE);
    }

    function test_ReleaseHold_ByAnyoneAtExpiration() public {
        bytes32 id = _hold();
        uint256 expiration = block.timestamp + TTL;
        vm.warp(expiration);
        _expectReleased(id, alice, bob, VALUE, ON_EXPIRATION);
        vm.prank(stranger);
        token.releaseHold(id);
        _assertBalances(alice, FUNDS, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        _assertHold(id, alice, alice, bob, notary, 0, expiration, ON_EXPIRATION);
    }

    function test_ReleaseHold_ByPayerOnceExpired() public {
        bytes32 id = _hold();
        vm.warp(block.timestamp + TTL + 1);
        _expectReleased(id, alice, bob, VALUE, ON_EXPIRATION);
        vm.prank(alice);
        token.releaseHold(id);
        _assertBalances(alice, FUNDS, 0);
    }

    function test_ReleaseHold_ByNotaryOnceExpired_IsOnExpiration() public {
        bytes32 id = _hold();
        vm.warp(block.timestamp + TTL);
        _expectReleased(id, alice, bob, VALUE, ON_EXPIRATION);
        vm.prank(notary);
        token.releaseHold(id);
    }

    function test_ReleaseHold_KeptOpenReleasesTheRemainder() public {
        bytes32 id = _hold();
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 10_000);
        _expectReleased(id, alice, bob, VALUE - 10_000, BY_PAYEE);
        vm.prank(bob);
        token.releaseHold(id);
        _assertBalances(alice, FUNDS - 10_000, 0);
        _assertBalances(bob, 10_000, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        _assertValue(id, 0);
        _assertStatus(id, BY_PAYEE);
    }

    function test_ReleaseHold_KeptOpenOnExpiration() public {
        bytes32 id = _hold();
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 10_000);
        vm.warp(block.timestamp + TTL);
        _expectReleased(id, alice, bob, VALUE - 10_000, ON_EXPIRATION);
        vm.prank(stranger);
        token.releaseHold(id);
        _assertBalances(alice, FUNDS - 10_000, 0);
        _assertStatus(id, ON_EXPIRATION);
    }

    function test_ReleaseHold_OnlyUnlocksItsOwnHold() public {
        bytes32 id = _hold();
        vm.prank(alice);
        token.hold(_opId("other"), carol, notary, 20_000, 0);
        vm.prank(notary);
        token.releaseHold(id);
        _assertBalances(alice, FUNDS, 20_000);
        assertEq(token.totalSupplyOnHold(), 20_000, "totalSupplyOnHold");
    }

    function test_ReleaseHold_FrozenWalletsCanStillBeReleased() public {
        bytes32 id = _hold();
        _freeze(alice);
        _freeze(bob);
        _expectReleased(id, alice, bob, VALUE, BY_PAYEE);
        vm.prank(bob);
        token.releaseHold(id);
        _assertBalances(alice, FUNDS, 0);
    }

    function test_RevertWhen_ReleaseHold_NotFound() public {
        _expectNotFound(UNKNOWN_ID);
        vm.prank(notary);
        token.releaseHold(UNKNOWN_ID);
    }

    function test_RevertWhen_ReleaseHold_OthersBeforeExpiration() public {
        vm.prank(alice);
        token.authorizeHoldOperator(dave);
        vm.prank(dave);
        bytes32 id = token.holdFrom(OP, alice, bob, notary, VALUE, TTL);
        vm.warp(block.timestamp + TTL - 1);
        address[5] memory callers = [alice, dave, operator, carol, stranger];
        for (uint256 i; i < callers.length; ++i) {
            _expectReleaseNotAllowed(id, callers[i]);
            vm.prank(callers[i]);
            token.releaseHold(id);
        }
        _assertBalances(alice, FUNDS, VALUE);
        _assertStatus(id, ORDERED);
    }

    function test_RevertWhen_ReleaseHold_PerpetualByStrangerYearsLater() public {
        bytes32 id = _hold(VALUE, 0);
        vm.warp(block.timestamp + 100 * 365 days);
        _expectReleaseNotAllowed(id, stranger);
        vm.prank(stranger);
        token.releaseHold(id);
        _expectReleaseNotAllowed(id, alice);
        vm.prank(alice);
        token.releaseHold(id);
    }

    function test_RevertWhen_ReleaseHold_Paused() public {
        bytes32 id = _hold();
        _pause();
        _expectPaused();
        vm.prank(notary);
        token.releaseHold(id);
        vm.warp(block.timestamp + TTL);
        _expectPaused();
        vm.prank(stranger);
        token.releaseHold(id);
    }
}

// =====================================================================================================
// Renewal: renewHold, renewHoldWithExpirationDate
// =====================================================================================================

contract HoldRenewalTest is HoldableTestBase {
    /// @dev A hold the payer issued stores no issuer (zero): the zero address is not its issuer.
    function test_RevertWhen_Renew_ByTheZeroAddress() public {
        bytes32 id = _hold(VALUE, 1 days);
        _expectRenewalNotAllowed(id, address(0));
        vm.prank(address(0));
        token.renewHold(id, 2 days);
    }

    uint256 internal expiration0;

    function setUp() public override {
        super.setUp();
        expiration0 = block.timestamp + TTL;
    }

    /// @dev A hold of alice's funds for bob issued by dave, her approved hold operator.
    function _holdByDave(uint256 ttl) internal returns (bytes32 id) {
        vm.prank(alice);
        token.authorizeHoldOperator(dave);
        vm.prank(dave);
        id = token.holdFrom(OP, alice, bob, notary, VALUE, ttl);
    }

    function test_RenewHold_PayerExtends() public {
        bytes32 id = _hold();
        vm.warp(block.timestamp + 1 hours);
        uint256 next = block.timestamp + 2 days;
        _expectRenewed(id, alice, bob, expiration0, next, VALUE, ORDERED);
        vm.recordLogs();
        vm.prank(alice);
        token.renewHold(id, 2 days);
        assertEq(vm.getRecordedLogs().length, 1, "HoldRenewed only");
        _assertHold(id, alice, alice, bob, notary, VALUE, next, ORDERED);
        _assertBalances(alice, FUNDS, VALUE);
        _assertBalances(bob, 0, 0);
    }

    function test_RenewHold_PayerMakesPerpetual() public {
        bytes32 id = _hold();
        _expectRenewed(id, alice, bob, expiration0, 0, VALUE, ORDERED);
        vm.prank(alice);
        token.renewHold(id, 0);
        _assertHold(id, alice, alice, bob, notary, VALUE, 0, ORDERED);
        vm.warp(expiration0 + 365 days);
        vm.prank(notary);
        token.executeHold(id, VALUE);
        _assertBalances(bob, VALUE, 0);
    }

    function test_RenewHold_PayerKeepsPerpetual() public {
        bytes32 id = _hold(VALUE, 0);
        _expectRenewed(id, alice, bob, 0, 0, VALUE, ORDERED);
        vm.prank(alice);
        token.renewHold(id, 0);
    }

    function test_RenewHoldWithExpirationDate_PayerExtends() public {
        bytes32 id = _hold();
        uint256 next = expiration0 + 1;
        _expectRenewed(id, alice, bob, expiration0, next, VALUE, ORDERED);
        vm.prank(alice);
        token.renewHoldWithExpirationDate(id, next);
        _assertHold(id, alice, alice, bob, notary, VALUE, next, ORDERED);
    }

    function test_RenewHoldWithExpirationDate_PayerMakesPerpetual() public {
        bytes32 id = _hold();
        _expectRenewed(id, alice, bob, expiration0, 0, VALUE, ORDERED);
        vm.prank(alice);
        token.renewHoldWithExpirationDate(id, 0);
        _assertHold(id, alice, alice, bob, notary, VALUE, 0, ORDERED);
    }

    function test_RenewHold_IssuerExtendsAndMakesPerpetual() public {
        bytes32 id = _holdByDave(TTL);
        uint256 next = block.timestamp + 10 days;
        _expectRenewed(id, alice, bob, expiration0, next, VALUE, ORDERED);
        vm.prank(dave);
        token.renewHold(id, 10 days);
        _expectRenewed(id, alice, bob, next, 0, VALUE, ORDERED);
        vm.prank(dave);
        token.renewHoldWithExpirationDate(id, 0);
        _assertHold(id, dave, alice, bob, notary, VALUE, 0, ORDERED);
    }

    function test_RenewHold_IssuerStillMayRenewOnceRevoked() public {
        bytes32 id = _holdByDave(TTL);
        vm.prank(alice);
        token.revokeHoldOperator(dave);
        vm.prank(dave);
        token.renewHold(id, 2 days);
        assertEq(token.retrieveHoldData(id).expiration, block.timestamp + 2 days, "renewed");
    }

    function test_RenewHold_NotaryShortens() public {
        bytes32 id = _hold();
        uint256 next = block.timestamp + 1 hours;
        _expectRenewed(id, alice, bob, expiration0, next, VALUE, ORDERED);
        vm.prank(notary);
        token.renewHold(id, 1 hours);
        _assertHold(id, alice, alice, bob, notary, VALUE, next, ORDERED);
        // The new, earlier date governs.
        vm.warp(next);
        _expectExpired(id, next);
        vm.prank(notary);
        token.executeHold(id, VALUE);
        _expectReleased(id, alice, bob, VALUE, ON_EXPIRATION);
        vm.prank(stranger);
        token.releaseHold(id);
    }

    function test_RenewHoldWithExpirationDate_NotaryShortensToNextSecond() public {
        bytes32 id = _hold();
        uint256 next = block.timestamp + 1;
        _expectRenewed(id, alice, bob, expiration0, next, VALUE, ORDERED);
        vm.prank(notary);
        token.renewHoldWithExpirationDate(id, next);
        _assertHold(id, alice, alice, bob, notary, VALUE, next, ORDERED);
    }

    function test_RenewHold_NotaryMakesPerpetualFinite() public {
        bytes32 id = _hold(VALUE, 0);
        uint256 next = block.timestamp + 1 hours;
        _expectRenewed(id, alice, bob, 0, next, VALUE, ORDERED);
        vm.prank(notary);
        token.renewHold(id, 1 hours);
        _assertHold(id, alice, alice, bob, notary, VALUE, next, ORDERED);
    }

    function test_RenewHold_ExtendedHoldExecutableAfterTheOldDate() public {
        bytes32 id = _hold();
        vm.prank(alice);
        token.renewHold(id, 3 days);
        vm.warp(expiration0 + 1);
        vm.prank(notary);
        token.executeHold(id, VALUE);
        _assertBalances(bob, VALUE, 0);
        _assertBalances(alice, FUNDS - VALUE, 0);
    }

    function test_RenewHold_KeepsExecutedAndKeptOpenStatus() public {
        bytes32 id = _hold();
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 10_000);
        uint256 next = block.timestamp + 2 days;
        _expectRenewed(id, alice, bob, expiration0, next, VALUE - 10_000, KEPT_OPEN);
        vm.prank(alice);
        token.renewHold(id, 2 days);
        _assertHold(id, alice, alice, bob, notary, VALUE - 10_000, next, KEPT_OPEN);
        _expectRenewed(id, alice, bob, next, next - 1, VALUE - 10_000, KEPT_OPEN);
        vm.prank(notary);
        token.renewHoldWithExpirationDate(id, next - 1);
        _assertStatus(id, KEPT_OPEN);
        _assertBalances(alice, FUNDS - 10_000, VALUE - 10_000);
    }

    function test_RevertWhen_RenewHold_PayerShortens() public {
        bytes32 id = _hold();
        uint256 requested = block.timestamp + TTL - 1;
        _expectShortened(id, expiration0, requested);
        vm.prank(alice);
        token.renewHold(id, TTL - 1);
        _expectShortened(id, expiration0, requested);
        vm.prank(alice);
        token.renewHoldWithExpirationDate(id, requested);
        _expectShortened(id, expiration0, block.timestamp + 1);
        vm.prank(alice);
        token.renewHoldWithExpirationDate(id, block.timestamp + 1);
        _assertHold(id, alice, alice, bob, notary, VALUE, expiration0, ORDERED);
    }

    function test_RevertWhen_RenewHold_PayerShortensLaterInTime() public {
        // Half-way through, renewing for less than the time left brings the date forward.
        bytes32 id = _hold();
        vm.warp(block.timestamp + 12 hours);
        _expectShortened(id, expiration0, block.timestamp + 12 hours - 1);
        vm.prank(alice);
        token.renewHold(id, 12 hours - 1);
    }

    function test_RevertWhen_RenewHold_PayerMakesPerpetualFinite() public {
        bytes32 id = _hold(VALUE, 0);
        uint256 requested = block.timestamp + 365 days;
        _expectShortened(id, 0, requested);
        vm.prank(alice);
        token.renewHold(id, 365 days);
        _expectShortened(id, 0, requested);
        vm.prank(alice);
        token.renewHoldWithExpirationDate(id, requested);
        _assertHold(id, alice, alice, bob, notary, VALUE, 0, ORDERED);
    }

    function test_RevertWhen_RenewHold_IssuerShortens() public {
        bytes32 id = _holdByDave(TTL);
        _expectShortened(id, expiration0, block.timestamp + 1 hours);
        vm.prank(dave);
        token.renewHold(id, 1 hours);
        _expectShortened(id, expiration0, block.timestamp + 1 hours);
        vm.prank(dave);
        token.renewHoldWithExpirationDate(id, block.timestamp + 1 hours);
    }

    function test_RevertWhen_RenewHold_IssuerMakesPerpetualFinite() public {
        bytes32 id = _holdByDave(0);
        _expectShortened(id, 0, block.timestamp + 1 days);
        vm.prank(dave);
        token.renewHold(id, 1 days);
    }

    function test_RevertWhen_RenewHold_PayeeStrangerOrOperatorRole() public {
        bytes32 id = _hold();
        address[4] memory callers = [bob, stranger, operator, carol];
        for (uint256 i; i < callers.length; ++i) {
            _expectRenewalNotAllowed(id, callers[i]);
            vm.prank(callers[i]);
            token.renewHold(id, 10 days);
            _expectRenewalNotAllowed(id, callers[i]);
            vm.prank(callers[i]);
            token.renewHoldWithExpirationDate(id, 0);
        }
        _assertHold(id, alice, alice, bob, notary, VALUE, expiration0, ORDERED);
    }

    function test_RevertWhen_RenewHold_Expired() public {
        bytes32 id = _hold();
        vm.warp(expiration0);
        address[2] memory callers = [notary, alice];
        for (uint256 i; i < callers.length; ++i) {
            _expectExpired(id, expiration0);
            vm.prank(callers[i]);
            token.renewHold(id, 10 days);
            _expectExpired(id, expiration0);
            vm.prank(callers[i]);
            token.renewHoldWithExpirationDate(id, 0);
        }
    }

    function test_RevertWhen_RenewHold_NotFound() public {
        _expectNotFound(UNKNOWN_ID);
        vm.prank(notary);
        token.renewHold(UNKNOWN_ID, TTL);
        _expectNotFound(UNKNOWN_ID);
        vm.prank(notary);
        token.renewHoldWithExpirationDate(UNKNOWN_ID, 0);
    }

    function test_RevertWhen_RenewHold_Paused() public {
        bytes32 id = _hold();
        _pause();
        _expectPaused();
        vm.prank(alice);
        token.renewHold(id, 2 days);
        _expectPaused();
        vm.prank(notary);
        token.renewHoldWithExpirationDate(id, 0);
    }

    function test_RevertWhen_RenewHold_TimeToExpirationOverflows() public {
        bytes32 id = _hold();
        uint256 tooLong = uint256(type(uint40).max) - block.timestamp + 1;
        vm.expectRevert(abi.encodeWithSelector(IHoldable.ExpirationTooLarge.selector, tooLong));
        vm.prank(notary);
        token.renewHold(id, tooLong);
        // The last representable second is fine.
        vm.prank(alice);
        token.renewHold(id, tooLong - 1);
        assertEq(token.retrieveHoldData(id).expiration, type(uint40).max, "max date");
    }

    function test_RevertWhen_RenewHoldWithExpirationDate_NotInFuture() public {
        bytes32 id = _hold();
        vm.expectRevert(
            abi.encodeWithSelector(
                IHoldable.ExpirationNotInFuture.selector, block.timestamp, block.timestamp
            )
        );
        vm.prank(notary);
        token.renewHoldWithExpirationDate(id, block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(IHoldable.ExpirationNotInFuture.selector, 1, block.timestamp)
        );
        vm.prank(notary);
        token.renewHoldWithExpirationDate(id, 1);
    }

    function test_RevertWhen_RenewHoldWithExpirationDate_TooLarge() public {
        bytes32 id = _hold();
        uint256 date = uint256(type(uint40).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IHoldable.ExpirationTooLarge.selector, date));
        vm.prank(alice);
        token.renewHoldWithExpirationDate(id, date);
    }
}

// =====================================================================================================
// Views: retrieveHoldData, holdIdOf
// =====================================================================================================

contract HoldViewTest is HoldableTestBase {
    function test_RetrieveHoldData_NonexistentIsEmpty() public view {
        _assertHold(
            UNKNOWN_ID,
            address(0),
            address(0),
            address(0),
            address(0),
            0,
            0,
            IHoldable.HoldStatus.Nonexistent
        );
    }

    function test_HoldIdOf_IsKeccakOfIssuerAndOperationId() public view {
        assertEq(token.holdIdOf(alice, OP), keccak256(abi.encode(alice, OP)));
        assertEq(
            token.holdIdOf(address(0), bytes32(0)), keccak256(abi.encode(address(0), bytes32(0)))
        );
        assertTrue(token.holdIdOf(alice, OP) != token.holdIdOf(bob, OP), "per issuer");
    }
}

// =====================================================================================================
// State machine: every allowed transition, every closed status × every action
// =====================================================================================================

contract HoldStateMachineTest is HoldableTestBase {
    /// @dev A hold driven to the closed `status`; `viaKeepOpen` reaches Executed through keep-open
    /// executions.
    function _closed(IHoldable.HoldStatus status, bool viaKeepOpen) internal returns (bytes32 id) {
        id = _hold();
        if (status == EXECUTED) {
            vm.prank(notary);
            if (viaKeepOpen) token.executeHoldAndKeepOpen(id, VALUE);
            else token.executeHold(id, VALUE - 1);
        } else if (status == BY_NOTARY) {
            vm.prank(notary);
            token.releaseHold(id);
        } else if (status == BY_PAYEE) {
            vm.prank(bob);
            token.releaseHold(id);
        } else {
            vm.warp(block.timestamp + TTL);
            vm.prank(stranger);
            token.releaseHold(id);
        }
        _assertStatus(id, status);
    }

    /// @dev Every action on a closed hold reverts HoldNotOpen, whoever calls, and changes nothing.
    function _assertClosed(bytes32 id, IHoldable.HoldStatus status) internal {
        uint256 balance = token.balanceOf(alice);
        uint256 payee = token.balanceOf(bob);
        address[3] memory callers = [notary, alice, bob];
        for (uint256 i; i < callers.length; ++i) {
            _expectNotOpen(id, status);
            vm.prank(callers[i]);
            token.executeHold(id, 1);
            _expectNotOpen(id, status);
            vm.prank(callers[i]);
            token.executeHoldAndKeepOpen(id, 1);
            _expectNotOpen(id, status);
            vm.prank(callers[i]);
            token.releaseHold(id);
            _expectNotOpen(id, status);
            vm.prank(callers[i]);
            token.renewHold(id, 10 days);
            _expectNotOpen(id, status);
            vm.prank(callers[i]);
            token.renewHoldWithExpirationDate(id, 0);
        }
        // Even a stranger once the original date has passed.
        vm.warp(block.timestamp + 2 * TTL);
        _expectNotOpen(id, status);
        vm.prank(stranger);
        token.releaseHold(id);
        _assertStatus(id, status);
        _assertValue(id, 0);
        _assertBalances(alice, balance, 0);
        _assertBalances(bob, payee, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
    }

    // ------------------------------------------------------------ allowed transitions

    function test_Transition_OrderedToExecuted() public {
        bytes32 id = _hold();
        vm.prank(notary);
        token.executeHold(id, VALUE);
        _assertStatus(id, EXECUTED);
    }

    function test_Transition_OrderedToExecutedAndKeptOpen() public {
        bytes32 id = _hold();
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 1);
        _assertStatus(id, KEPT_OPEN);
        _assertValue(id, VALUE - 1);
    }

    function test_Transition_KeptOpenToKeptOpen() public {
        bytes32 id = _hold();
        vm.startPrank(notary);
        token.executeHoldAndKeepOpen(id, 1);
        token.executeHoldAndKeepOpen(id, 2);
        vm.stopPrank();
        _assertStatus(id, KEPT_OPEN);
        _assertValue(id, VALUE - 3);
    }

    function test_Transition_KeptOpenToExecuted_ByKeepOpenDownToZero() public {
        bytes32 id = _hold();
        vm.startPrank(notary);
        token.executeHoldAndKeepOpen(id, 1);
        token.executeHoldAndKeepOpen(id, VALUE - 1);
        vm.stopPrank();
        _assertStatus(id, EXECUTED);
        _assertBalances(bob, VALUE, 0);
    }

    function test_Transition_KeptOpenToExecuted_ByExecuteHold() public {
        bytes32 id = _hold();
        vm.startPrank(notary);
        token.executeHoldAndKeepOpen(id, 1);
        token.executeHold(id, 1);
        vm.stopPrank();
        _assertStatus(id, EXECUTED);
        _assertBalances(alice, FUNDS - 2, 0);
    }

    function test_Transition_OrderedToReleased() public {
        bytes32 a = _create(0, _opId("a"), alice, bob, notary, 1000, TTL);
        bytes32 b = _create(0, _opId("b"), alice, bob, notary, 1000, TTL);
        bytes32 c = _create(0, _opId("c"), alice, bob, notary, 1000, TTL);
        vm.prank(notary);
        token.releaseHold(a);
        vm.prank(bob);
        token.releaseHold(b);
        vm.warp(block.timestamp + TTL);
        vm.prank(stranger);
        token.releaseHold(c);
        _assertStatus(a, BY_NOTARY);
        _assertStatus(b, BY_PAYEE);
        _assertStatus(c, ON_EXPIRATION);
        _assertBalances(alice, FUNDS, 0);
    }

    function test_Transition_KeptOpenToReleased() public {
        bytes32 a = _create(0, _opId("a"), alice, bob, notary, 1000, TTL);
        bytes32 b = _create(0, _opId("b"), alice, bob, notary, 1000, TTL);
        bytes32 c = _create(0, _opId("c"), alice, bob, notary, 1000, TTL);
        vm.startPrank(notary);
        token.executeHoldAndKeepOpen(a, 100);
        token.executeHoldAndKeepOpen(b, 100);
        token.executeHoldAndKeepOpen(c, 100);
        token.releaseHold(a);
        vm.stopPrank();
        vm.prank(bob);
        token.releaseHold(b);
        vm.warp(block.timestamp + TTL);
        vm.prank(stranger);
        token.releaseHold(c);
        _assertStatus(a, BY_NOTARY);
        _assertStatus(b, BY_PAYEE);
        _assertStatus(c, ON_EXPIRATION);
        _assertBalances(alice, FUNDS - 300, 0);
        _assertBalances(bob, 300, 0);
    }

    function test_Transition_RenewalKeepsTheStatus() public {
        bytes32 id = _hold();
        vm.prank(notary);
        token.renewHold(id, 2 days);
        _assertStatus(id, ORDERED);
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 1);
        vm.prank(alice);
        token.renewHold(id, 0);
        _assertStatus(id, KEPT_OPEN);
    }

    // ------------------------------------------------------------ forbidden transitions

    function test_RevertWhen_ActingOnExecutedHold() public {
        _assertClosed(_closed(EXECUTED, false), EXECUTED);
    }

    function test_RevertWhen_ActingOnHoldExecutedByKeepOpen() public {
        _assertClosed(_closed(EXECUTED, true), EXECUTED);
    }

    function test_RevertWhen_ActingOnHoldReleasedByNotary() public {
        _assertClosed(_closed(BY_NOTARY, false), BY_NOTARY);
    }

    function test_RevertWhen_ActingOnHoldReleasedByPayee() public {
        _assertClosed(_closed(BY_PAYEE, false), BY_PAYEE);
    }

    function test_RevertWhen_ActingOnHoldReleasedOnExpiration() public {
        _assertClosed(_closed(ON_EXPIRATION, false), ON_EXPIRATION);
    }
}

// =====================================================================================================
// Edges: id squatting, funds never moved before execution, held funds frozen in place, system holds,
// pause, perpetual holds
// =====================================================================================================

contract HoldEdgeTest is HoldableTestBase {
    function test_SameOperationIdFromTwoIssuersGivesTwoHolds() public {
        _fund(carol, FUNDS);
        vm.prank(alice);
        bytes32 a = token.hold(OP, bob, notary, 1000, TTL);
        vm.prank(carol);
        bytes32 c = token.hold(OP, dave, stranger, 2000, 0);
        assertEq(a, keccak256(abi.encode(alice, OP)), "alice's id");
        assertEq(c, keccak256(abi.encode(carol, OP)), "carol's id");
        assertTrue(a != c, "distinct");
        _assertHold(a, alice, alice, bob, notary, 1000, block.timestamp + TTL, ORDERED);
        _assertHold(c, carol, carol, dave, stranger, 2000, 0, ORDERED);
        vm.prank(notary);
        token.executeHold(a, 1000);
        _assertStatus(c, ORDERED);
        _assertBalances(carol, FUNDS, 2000);
    }

    function test_FrontRunningAnOperationIdCannotBlockItsOwner() public {
        _fund(bob, 1000);
        // bob sees alice's pending hold and uses her operation id first, even naming her as payee.
        vm.prank(bob);
        bytes32 squat = token.hold(OP, alice, bob, 1, TTL);
        bytes32 id = _hold();
        assertTrue(squat != id, "distinct ids");
        _assertHold(id, alice, alice, bob, notary, VALUE, block.timestamp + TTL, ORDERED);
        _assertHold(squat, bob, bob, alice, bob, 1, block.timestamp + TTL, ORDERED);
        // And an operator reusing the id for alice's funds gets its own record too.
        vm.prank(operator);
        bytes32 byOperator = token.holdFrom(OP, alice, bob, notary, 1, TTL);
        assertEq(byOperator, token.holdIdOf(operator, OP), "operator's id");
        _assertBalances(alice, FUNDS, VALUE + 1);
    }

    function test_RevertWhen_OperatorReusesOperationIdForAnotherPayer() public {
        _fund(carol, FUNDS);
        vm.prank(operator);
        bytes32 id = token.holdFrom(OP, alice, bob, notary, 1000, TTL);
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldExists.selector, id));
        vm.prank(operator);
        token.holdFromWithExpirationDate(OP, carol, bob, notary, 1000, 0);
        _assertBalances(carol, FUNDS, 0);
    }

    function test_HeldFundsCannotLeaveTheWallet() public {
        vm.prank(alice);
        token.hold(OP, bob, notary, VALUE, TTL);
        uint256 available = FUNDS - VALUE;

        _expectInsufficient(alice, available, available + 1);
        vm.prank(alice);
        token.transfer(carol, available + 1);

        vm.prank(alice);
        token.approve(dave, FUNDS);
        _expectInsufficient(alice, available, available + 1);
        vm.prank(dave);
        token.transferFrom(alice, carol, available + 1);

        _expectInsufficient(alice, available, available + 1);
        vm.prank(operator);
        token.operatorTransfer(_opId("t"), alice, carol, available + 1);

        _expectInsufficient(alice, available, available + 1);
        vm.prank(alice);
        token.orderTransfer(_opId("o"), carol, available + 1);

        _expectInsufficient(alice, available, available + 1);
        vm.prank(alice);
        token.orderPayout(_opId("p"), available + 1, bytes32(0));

        // Exactly the available part can leave.
        vm.prank(alice);
        token.transfer(carol, available);
        _assertBalances(alice, VALUE, VALUE);
        _expectInsufficient(alice, 0, 1);
        vm.prank(alice);
        token.transfer(carol, 1);
        _assertInvariants();
    }

    function test_ReleasedFundsCanLeaveAgain() public {
        bytes32 id = _hold(FUNDS, TTL);
        _expectInsufficient(alice, 0, 1);
        vm.prank(alice);
        token.transfer(carol, 1);
        vm.prank(bob);
        token.releaseHold(id);
        vm.prank(alice);
        token.transfer(carol, FUNDS);
        _assertBalances(alice, 0, 0);
        _assertBalances(carol, FUNDS, 0);
    }

    function test_HoldsNeverMoveFundsBeforeExecution() public {
        bytes32 id = _hold(VALUE, 0);
        vm.prank(notary);
        token.renewHold(id, 30 days);
        vm.warp(block.timestamp + 29 days);
        // Create, renew, wait: nothing moved.
        _assertBalances(alice, FUNDS, VALUE);
        _assertBalances(bob, 0, 0);
        assertEq(token.totalSupply(), FUNDS, "totalSupply");
        vm.prank(notary);
        token.executeHold(id, VALUE);
        _assertBalances(alice, FUNDS - VALUE, 0);
        _assertBalances(bob, VALUE, 0);
    }

    function test_SystemHoldsAreNotReachableThroughHoldFunctions() public {
        vm.prank(alice);
        bytes32 orderId = token.orderTransfer(OP, bob, 10_000);
        vm.prank(alice);
        bytes32 payoutId = token.orderPayout(OP, 5000, bytes32(0));
        _assertBalances(alice, FUNDS, 15_000);
        bytes32[2] memory ids = [orderId, payoutId];
        for (uint256 i; i < ids.length; ++i) {
            _expectNotFound(ids[i]);
            vm.prank(operator);
            token.releaseHold(ids[i]);
            _expectNotFound(ids[i]);
            vm.prank(operator);
            token.executeHold(ids[i], 1);
            _expectNotFound(ids[i]);
            vm.prank(operator);
            token.executeHoldAndKeepOpen(ids[i], 1);
            _expectNotFound(ids[i]);
            vm.prank(alice);
            token.renewHold(ids[i], 0);
        }
        // Same operation id, own namespace: a real hold with the same key unlocks only itself.
        bytes32 id = _hold();
        assertEq(id, orderId, "same key, other namespace");
        vm.prank(notary);
        token.releaseHold(id);
        _assertBalances(alice, FUNDS, 15_000);
        assertEq(token.totalSupplyOnHold(), 15_000, "system holds kept");
    }

    function test_ExpirationBoundary() public {
        bytes32 id = _hold();
        uint256 expiration = block.timestamp + TTL;
        vm.warp(expiration - 1);
        _expectReleaseNotAllowed(id, stranger);
        vm.prank(stranger);
        token.releaseHold(id);
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 1);
        vm.warp(expiration);
        _expectExpired(id, expiration);
        vm.prank(notary);
        token.executeHold(id, 1);
        _expectReleased(id, alice, bob, VALUE - 1, ON_EXPIRATION);
        vm.prank(stranger);
        token.releaseHold(id);
        _assertBalances(alice, FUNDS - 1, 0);
    }

    function test_PerpetualHoldNeverExpires() public {
        bytes32 id = _hold(VALUE, 0);
        vm.warp(block.timestamp + 200 * 365 days);
        _expectReleaseNotAllowed(id, stranger);
        vm.prank(stranger);
        token.releaseHold(id);
        vm.prank(alice);
        token.renewHold(id, 0);
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 1000);
        vm.warp(block.timestamp + 200 * 365 days);
        vm.prank(notary);
        token.executeHold(id, 1000);
        _assertBalances(bob, 2000, 0);
        _assertBalances(alice, FUNDS - 2000, 0);
        _assertStatus(id, EXECUTED);
    }

    function test_PauseBlocksEveryHoldActionUntilUnpaused() public {
        bytes32 id = _hold();
        _pause();
        for (uint256 v; v < VARIANTS; ++v) {
            _expectPaused();
            _create(v, _opId("new"), alice, bob, notary, 1, TTL);
        }
        _expectPaused();
        vm.prank(notary);
        token.executeHold(id, 1);
        _expectPaused();
        vm.prank(notary);
        token.executeHoldAndKeepOpen(id, 1);
        _expectPaused();
        vm.prank(notary);
        token.releaseHold(id);
        _expectPaused();
        vm.prank(bob);
        token.releaseHold(id);
        _expectPaused();
        vm.prank(alice);
        token.renewHold(id, 2 days);
        _expectPaused();
        vm.prank(notary);
        token.renewHoldWithExpirationDate(id, 0);
        _assertHold(id, alice, alice, bob, notary, VALUE, block.timestamp + TTL, ORDERED);

        vm.prank(pauser);
        token.unpause();
        vm.startPrank(notary);
        token.renewHold(id, 2 days);
        token.executeHoldAndKeepOpen(id, 1);
        token.releaseHold(id);
        vm.stopPrank();
        _create(3, _opId("new"), alice, bob, notary, 1, TTL);
        _assertBalances(alice, FUNDS - 1, 1);
    }
}

// =====================================================================================================
// Fuzz
// =====================================================================================================

contract HoldFuzzTest is HoldableTestBase {
    /// @dev One of the parties of a hold (notary, payer, payee, issuer dave, operator role, another
    /// wallet) or, one time in seven, an arbitrary address: random addresses alone would almost never
    /// hit the notary or the payee.
    function _actor(uint256 who, address random) internal view returns (address) {
        address[6] memory parties = [notary, alice, bob, dave, operator, carol];
        who %= 7;
        return who < parties.length ? parties[who] : random;
    }

    function testFuzz_HoldAndExecute(
        uint256 balance,
        uint256 value,
        uint256 executed,
        bool keepOpen
    ) public {
        balance = bound(balance, 1, token.MAX_SUPPLY() - FUNDS);
        value = bound(value, 1, balance);
        executed = bound(executed, 1, value);
        _fund(carol, balance);

        vm.prank(carol);
        bytes32 id = token.hold(OP, erin, notary, value, 0);
        _assertBalances(carol, balance, value);
        _assertBalances(erin, 0, 0);
        assertEq(token.totalSupplyOnHold(), value, "held after hold");
        _assertInvariants();

        uint256 left = keepOpen ? value - executed : 0;
        _expectExecuted(
            id,
            carol,
            erin,
            executed,
            value - executed - left,
            left,
            left == 0 ? EXECUTED : KEPT_OPEN
        );
        vm.prank(notary);
        if (keepOpen) token.executeHoldAndKeepOpen(id, executed);
        else token.executeHold(id, executed);

        _assertBalances(carol, balance - executed, left);
        _assertBalances(erin, executed, 0);
        assertEq(token.totalSupplyOnHold(), left, "held after execution");
        _assertValue(id, left);
        _assertInvariants();
    }

    function testFuzz_ExecuteAuthorisation(
        uint256 who,
        address random,
        uint256 elapsed,
        uint256 value
    ) public {
        address caller = _actor(who, random);
        bytes32 id = _hold();
        uint256 expiration = block.timestamp + TTL;
        elapsed = bound(elapsed, 0, 2 * TTL);
        value = bound(value, 0, VALUE + 1);
        vm.warp(block.timestamp + elapsed);

        bool ok;
        if (caller != notary) {
            _expectNotNotary(id, caller);
        } else if (elapsed >= TTL) {
            _expectExpired(id, expiration);
        } else if (value == 0) {
            _expectZeroAmount();
        } else if (value > VALUE) {
            vm.expectRevert(
                abi.encodeWithSelector(IHoldable.HoldValueExceeded.selector, id, value, VALUE)
            );
        } else {
            ok = true;
        }
        vm.prank(caller);
        token.executeHold(id, value);

        if (ok) {
            _assertBalances(alice, FUNDS - value, 0);
            _assertBalances(bob, value, 0);
            _assertStatus(id, EXECUTED);
        } else {
            _assertBalances(alice, FUNDS, VALUE);
            _assertStatus(id, ORDERED);
        }
        _assertInvariants();
    }

    function testFuzz_ReleaseAuthorisation(
        uint256 who,
        address random,
        uint256 elapsed,
        uint256 executed,
        bool perpetual
    ) public {
        address caller = _actor(who, random);
        bytes32 id = _hold(VALUE, perpetual ? 0 : TTL);
        executed = bound(executed, 0, VALUE - 1);
        if (executed != 0) {
            vm.prank(notary);
            token.executeHoldAndKeepOpen(id, executed);
        }
        elapsed = bound(elapsed, 0, 2 * TTL);
        vm.warp(block.timestamp + elapsed);
        uint256 remaining = VALUE - executed;

        IHoldable.HoldStatus status;
        if (!perpetual && elapsed >= TTL) status = ON_EXPIRATION;
        else if (caller == notary) status = BY_NOTARY;
        else if (caller == bob) status = BY_PAYEE;

        if (status == IHoldable.HoldStatus.Nonexistent) {
            _expectReleaseNotAllowed(id, caller);
        } else {
            _expectReleased(id, alice, bob, remaining, status);
        }
        vm.prank(caller);
        token.releaseHold(id);

        if (status == IHoldable.HoldStatus.Nonexistent) {
            _assertBalances(alice, FUNDS - executed, remaining);
            _assertStatus(id, executed == 0 ? ORDERED : KEPT_OPEN);
        } else {
            _assertBalances(alice, FUNDS - executed, 0);
            _assertStatus(id, status);
            _assertValue(id, 0);
        }
        _assertBalances(bob, executed, 0);
        _assertInvariants();
    }

    function testFuzz_RenewAuthorisation(
        uint256 who,
        address random,
        uint256 ttl,
        uint256 elapsed,
        uint256 newTtl,
        bool byOperator
    ) public {
        ttl = bound(ttl, 0, 30 days);
        newTtl = bound(newTtl, 0, 60 days);
        address caller = _actor(who, random);
        address issuer = alice;
        bytes32 id;
        if (byOperator) {
            vm.prank(alice);
            token.authorizeHoldOperator(dave);
            issuer = dave;
            vm.prank(dave);
            id = token.holdFrom(OP, alice, bob, notary, VALUE, ttl);
        } else {
            id = _hold(VALUE, ttl);
        }
        uint256 previous = ttl == 0 ? 0 : block.timestamp + ttl;
        // Stay before expiration.
        elapsed = bound(elapsed, 0, ttl == 0 ? 365 days : ttl - 1);
        vm.warp(block.timestamp + elapsed);
        uint256 requested = newTtl == 0 ? 0 : block.timestamp + newTtl;

        bool ok;
        if (caller == notary) {
            ok = true;
        } else if (caller != alice && caller != issuer) {
            _expectRenewalNotAllowed(id, caller);
        } else if (requested != 0 && (previous == 0 || requested < previous)) {
            _expectShortened(id, previous, requested);
        } else {
            ok = true;
        }
        if (ok) _expectRenewed(id, alice, bob, previous, requested, VALUE, ORDERED);
        vm.prank(caller);
        token.renewHold(id, newTtl);

        _assertHold(id, issuer, alice, bob, notary, VALUE, ok ? requested : previous, ORDERED);
        _assertBalances(alice, FUNDS, VALUE);
    }

    function testFuzz_KeepOpenSequence(
        uint256 value,
        uint256 first,
        uint256 second,
        uint256 third,
        uint8 ending
    ) public {
        value = bound(value, 1, FUNDS);
        bytes32 id = _hold(value, TTL);
        uint256[3] memory steps = [first, second, third];
        uint256 remaining = value;
        uint256 paid;
        for (uint256 i; i < steps.length && remaining != 0; ++i) {
            uint256 step = bound(steps[i], 1, remaining);
            remaining -= step;
            paid += step;
            _expectExecuted(
                id, alice, bob, step, 0, remaining, remaining == 0 ? EXECUTED : KEPT_OPEN
            );
            vm.prank(notary);
            token.executeHoldAndKeepOpen(id, step);
            _assertBalances(alice, FUNDS - paid, remaining);
            _assertBalances(bob, paid, 0);
            _assertValue(id, remaining);
            _assertStatus(id, remaining == 0 ? EXECUTED : KEPT_OPEN);
            _assertInvariants();
        }
        if (remaining == 0) return;

        ending %= 3;
        if (ending == 0) {
            // Final partial execution: the rest goes back to alice.
            _expectExecuted(id, alice, bob, 1, remaining - 1, 0, EXECUTED);
            vm.prank(notary);
            token.executeHold(id, 1);
            paid += 1;
            _assertStatus(id, EXECUTED);
        } else if (ending == 1) {
            _expectReleased(id, alice, bob, remaining, BY_PAYEE);
            vm.prank(bob);
            token.releaseHold(id);
            _assertStatus(id, BY_PAYEE);
        } else {
            vm.warp(block.timestamp + TTL);
            _expectReleased(id, alice, bob, remaining, ON_EXPIRATION);
            vm.prank(stranger);
            token.releaseHold(id);
            _assertStatus(id, ON_EXPIRATION);
        }
        _assertBalances(alice, FUNDS - paid, 0);
        _assertBalances(bob, paid, 0);
        _assertValue(id, 0);
        _assertInvariants();
    }

    function testFuzz_HoldsNeverExceedAvailableBalance(uint256 first, uint256 second) public {
        first = bound(first, 1, FUNDS);
        second = bound(second, 1, 2 * FUNDS);
        _hold(first, TTL);
        bool fits = second <= FUNDS - first;
        if (!fits) _expectInsufficient(alice, FUNDS - first, second);
        vm.prank(alice);
        token.hold(_opId("second"), carol, notary, second, 0);
        _assertBalances(alice, FUNDS, fits ? first + second : first);
        _assertInvariants();
    }

    function testFuzz_HeldFundsCannotBeTransferred(uint256 held, uint256 amount) public {
        held = bound(held, 1, FUNDS);
        amount = bound(amount, 1, FUNDS);
        _hold(held, 0);
        bool fits = amount <= FUNDS - held;
        if (!fits) _expectInsufficient(alice, FUNDS - held, amount);
        vm.prank(alice);
        token.transfer(carol, amount);
        _assertBalances(alice, fits ? FUNDS - amount : FUNDS, held);
        _assertInvariants();
    }

    function testFuzz_ExpirationBoundary(uint256 ttl, uint256 elapsed) public {
        ttl = bound(ttl, 1, 3650 days);
        elapsed = bound(elapsed, 0, 2 * ttl);
        bytes32 id = _hold(VALUE, ttl);
        uint256 expiration = block.timestamp + ttl;
        vm.warp(block.timestamp + elapsed);
        if (elapsed < ttl) {
            _expectReleaseNotAllowed(id, stranger);
            vm.prank(stranger);
            token.releaseHold(id);
            vm.prank(notary);
            token.executeHold(id, VALUE);
            _assertBalances(bob, VALUE, 0);
        } else {
            _expectExpired(id, expiration);
            vm.prank(notary);
            token.executeHold(id, VALUE);
            vm.prank(stranger);
            token.releaseHold(id);
            _assertStatus(id, ON_EXPIRATION);
            _assertBalances(alice, FUNDS, 0);
        }
    }

    function testFuzz_HoldIdOf(address issuer, bytes32 operationId) public view {
        assertEq(token.holdIdOf(issuer, operationId), keccak256(abi.encode(issuer, operationId)));
    }

    function testFuzz_SameOperationIdTwoIssuers(bytes32 operationId, uint256 value) public {
        value = bound(value, 1, FUNDS);
        _fund(carol, FUNDS);
        vm.prank(alice);
        bytes32 a = token.hold(operationId, bob, notary, value, TTL);
        vm.prank(carol);
        bytes32 c = token.hold(operationId, bob, notary, value, TTL);
        assertTrue(a != c, "distinct");
        assertEq(a, token.holdIdOf(alice, operationId), "alice");
        assertEq(c, token.holdIdOf(carol, operationId), "carol");
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldExists.selector, a));
        vm.prank(alice);
        token.hold(operationId, carol, notary, 1, 0);
        _assertBalances(alice, FUNDS, value);
        _assertBalances(carol, FUNDS, value);
        _assertInvariants();
    }
}
