// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {ICompliance} from "../src/interfaces/ICompliance.sol";
import {IEmTokenCore, IEmTokenCoreTypes} from "../src/interfaces/IEmTokenCore.sol";
import {IHoldable} from "../src/interfaces/IHoldable.sol";
import {IPayoutable} from "../src/interfaces/IPayoutable.sol";
import {EmTokenTest} from "./utils/EmTokenTest.sol";

/// @notice Cash-out (EIP-2021 shape, whole lifecycle): unit tests of every function, the state machine, the
/// suspense account, tier-limit exemption, burns next to holds, and fuzzing of the payout paths.
contract PayoutableTest is EmTokenTest {
    uint256 internal constant ALICE_FUNDS = 100_000;
    bytes32 internal constant OP = keccak256("payout-1");
    bytes32 internal constant INSTRUCTIONS = keccak256("IBAN hash");

    bytes32 internal operatorRole;

    function setUp() public override {
        super.setUp();
        operatorRole = token.OPERATOR_ROLE();
        _fund(alice, ALICE_FUNDS);
    }

    // ------------------------------------------------------------ helpers

    function _orderPayout(address wallet, bytes32 opId, uint256 value)
        internal
        returns (bytes32 id)
    {
        vm.prank(wallet);
        id = token.orderPayout(opId, value, INSTRUCTIONS);
    }

    function _process(bytes32 id) internal {
        vm.prank(operator);
        token.processPayout(id);
    }

    function _suspend(bytes32 id) internal {
        vm.prank(operator);
        token.putFundsInSuspenseInPayout(id);
    }

    function _execute(bytes32 id) internal {
        vm.prank(operator);
        token.executePayout(id);
    }

    function _reject(bytes32 id) internal {
        vm.prank(operator);
        token.rejectPayout(id, "no");
    }

    function _cancel(address caller, bytes32 id) internal {
        vm.prank(caller);
        token.cancelPayout(id);
    }

    /// @dev An alice payout of `value` taken to FundsInSuspense.
    function _inSuspense(uint256 value) internal returns (bytes32 id) {
        id = _orderPayout(alice, OP, value);
        _process(id);
        _suspend(id);
    }

    function _assertPayout(
        bytes32 id,
        address orderer,
        address wallet,
        uint256 value,
        IPayoutable.PayoutStatus status
    ) internal view {
        IPayoutable.PayoutData memory d = token.retrievePayoutData(id);
        assertEq(d.orderer, orderer, "orderer");
        assertEq(d.wallet, wallet, "wallet");
        assertEq(d.value, value, "value");
        assertEq(uint8(d.status), uint8(status), "status");
    }

    function _status(bytes32 id) internal view returns (IPayoutable.PayoutStatus) {
        return token.retrievePayoutData(id).status;
    }

    function _expectWrongStatus(bytes32 id, IPayoutable.PayoutStatus status) internal {
        vm.expectRevert(abi.encodeWithSelector(IPayoutable.PayoutWrongStatus.selector, id, status));
    }

    function _expectNotFound(bytes32 id) internal {
        vm.expectRevert(abi.encodeWithSelector(IPayoutable.PayoutNotFound.selector, id));
    }

    function _expectPaused() internal {
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
    }

    /// @dev A closed payout accepts no step.
    function _assertClosed(bytes32 id, IPayoutable.PayoutStatus status) internal {
        address wallet = token.retrievePayoutData(id).wallet;
        uint256 balance = token.balanceOf(wallet);
        uint256 held = token.balanceOnHold(wallet);
        uint256 supply = token.totalSupply();

        _expectWrongStatus(id, status);
        _cancel(wallet, id);
        _expectWrongStatus(id, status);
        _process(id);
        _expectWrongStatus(id, status);
        _suspend(id);
        _expectWrongStatus(id, status);
        _execute(id);
        _expectWrongStatus(id, status);
        _reject(id);

        assertEq(uint8(_status(id)), uint8(status), "status unchanged");
        _assertBalances(wallet, balance, held);
        _assertBalances(suspense, 0, 0);
        assertEq(token.totalSupply(), supply, "supply unchanged");
    }

    function _assertLogCount(uint256 n) internal {
        assertEq(vm.getRecordedLogs().length, n, "events emitted");
    }

    // ------------------------------------------------------------ orderPayout

    function test_orderPayout() public {
        bytes32 expectedId = keccak256(abi.encode(alice, OP));
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutOrdered(
            expectedId,
            alice,
            alice,
            OP,
            30_000,
            INSTRUCTIONS,
            0,
            30_000,
            IPayoutable.PayoutStatus.Ordered
        );
        _startLogs();
        vm.prank(alice);
        bytes32 id = token.orderPayout(OP, 30_000, INSTRUCTIONS);
        _assertLogCount(1);

        assertEq(id, expectedId, "id");
        assertEq(id, token.payoutIdOf(alice, OP), "payoutIdOf");
        _assertPayout(id, alice, alice, 30_000, IPayoutable.PayoutStatus.Ordered);
        _assertBalances(alice, ALICE_FUNDS, 30_000);
        _assertBalances(suspense, 0, 0);
        assertEq(token.totalSupply(), ALICE_FUNDS, "totalSupply");
        assertEq(token.totalSupplyOnHold(), 30_000, "totalSupplyOnHold");
    }

    function test_orderPayout_wholeBalance() public {
        bytes32 id = _orderPayout(alice, OP, ALICE_FUNDS);
        _assertBalances(alice, ALICE_FUNDS, ALICE_FUNDS);
        _assertPayout(id, alice, alice, ALICE_FUNDS, IPayoutable.PayoutStatus.Ordered);
    }

    function test_RevertWhen_orderPayout_ZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAmount.selector));
        vm.prank(alice);
        token.orderPayout(OP, 0, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayout_Exists() public {
        bytes32 id = _orderPayout(alice, OP, 1000);
        vm.expectRevert(abi.encodeWithSelector(IPayoutable.PayoutExists.selector, id));
        vm.prank(alice);
        token.orderPayout(OP, 2000, INSTRUCTIONS);
        _assertBalances(alice, ALICE_FUNDS, 1000);
    }

    function test_RevertWhen_orderPayout_ExistsAfterClosed() public {
        bytes32 id = _orderPayout(alice, OP, 1000);
        _cancel(alice, id);
        vm.expectRevert(abi.encodeWithSelector(IPayoutable.PayoutExists.selector, id));
        vm.prank(alice);
        token.orderPayout(OP, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayout_InsufficientAvailableBalance() public {
        _expectInsufficient(alice, ALICE_FUNDS, ALICE_FUNDS + 1);
        vm.prank(alice);
        token.orderPayout(OP, ALICE_FUNDS + 1, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayout_NotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger));
        vm.prank(stranger);
        token.orderPayout(OP, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayout_Frozen() public {
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        vm.prank(alice);
        token.orderPayout(OP, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayout_Paused() public {
        _pause();
        _expectPaused();
        vm.prank(alice);
        token.orderPayout(OP, 1000, INSTRUCTIONS);
    }

    // ------------------------------------------------------------ orderPayoutFrom

    function test_orderPayoutFrom_byOperatorRole() public {
        bytes32 expectedId = keccak256(abi.encode(operator, OP));
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutOrdered(
            expectedId,
            alice,
            operator,
            OP,
            40_000,
            INSTRUCTIONS,
            0,
            40_000,
            IPayoutable.PayoutStatus.Ordered
        );
        vm.prank(operator);
        bytes32 id = token.orderPayoutFrom(OP, alice, 40_000, INSTRUCTIONS);
        assertEq(id, expectedId, "id");
        assertEq(id, token.payoutIdOf(operator, OP), "payoutIdOf");
        _assertPayout(id, operator, alice, 40_000, IPayoutable.PayoutStatus.Ordered);
        _assertBalances(alice, ALICE_FUNDS, 40_000);
        _assertBalances(operator, 0, 0);
    }

    function test_orderPayoutFrom_byAuthorizedOperator() public {
        vm.prank(alice);
        token.authorizePayoutOperator(bob);
        bytes32 expectedId = keccak256(abi.encode(bob, OP));
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutOrdered(
            expectedId,
            alice,
            bob,
            OP,
            10_000,
            INSTRUCTIONS,
            0,
            10_000,
            IPayoutable.PayoutStatus.Ordered
        );
        vm.prank(bob);
        bytes32 id = token.orderPayoutFrom(OP, alice, 10_000, INSTRUCTIONS);
        _assertPayout(id, bob, alice, 10_000, IPayoutable.PayoutStatus.Ordered);
        _assertBalances(alice, ALICE_FUNDS, 10_000);
    }

    function test_RevertWhen_orderPayoutFrom_NotOperator() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.NotOperatorFor.selector,
                bob,
                alice,
                IEmTokenCoreTypes.OperatorScope.Payout
            )
        );
        vm.prank(bob);
        token.orderPayoutFrom(OP, alice, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayoutFrom_OtherScopeOnly() public {
        vm.startPrank(alice);
        token.authorizeTransferOperator(bob);
        token.authorizeHoldOperator(bob);
        token.authorizeClearableTransferOperator(bob);
        token.authorizeFundOperator(bob);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.NotOperatorFor.selector,
                bob,
                alice,
                IEmTokenCoreTypes.OperatorScope.Payout
            )
        );
        vm.prank(bob);
        token.orderPayoutFrom(OP, alice, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayoutFrom_Revoked() public {
        vm.startPrank(alice);
        token.authorizePayoutOperator(bob);
        token.revokePayoutOperator(bob);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.NotOperatorFor.selector,
                bob,
                alice,
                IEmTokenCoreTypes.OperatorScope.Payout
            )
        );
        vm.prank(bob);
        token.orderPayoutFrom(OP, alice, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayoutFrom_ZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "wallet"));
        vm.prank(operator);
        token.orderPayoutFrom(OP, address(0), 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayoutFrom_ZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAmount.selector));
        vm.prank(operator);
        token.orderPayoutFrom(OP, alice, 0, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayoutFrom_Exists() public {
        vm.prank(operator);
        bytes32 id = token.orderPayoutFrom(OP, alice, 1000, INSTRUCTIONS);
        vm.expectRevert(abi.encodeWithSelector(IPayoutable.PayoutExists.selector, id));
        vm.prank(operator);
        token.orderPayoutFrom(OP, alice, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayoutFrom_InsufficientAvailableBalance() public {
        _expectInsufficient(bob, 0, 1);
        vm.prank(operator);
        token.orderPayoutFrom(OP, bob, 1, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayoutFrom_NotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger));
        vm.prank(operator);
        token.orderPayoutFrom(OP, stranger, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayoutFrom_Frozen() public {
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        vm.prank(operator);
        token.orderPayoutFrom(OP, alice, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderPayoutFrom_Paused() public {
        _pause();
        _expectPaused();
        vm.prank(operator);
        token.orderPayoutFrom(OP, alice, 1000, INSTRUCTIONS);
    }

    // ------------------------------------------------------------ cancelPayout

    function test_cancelPayout_byWallet() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutCancelled(
            id, alice, 30_000, 0, 0, IPayoutable.PayoutStatus.Cancelled
        );
        _startLogs();
        _cancel(alice, id);
        _assertLogCount(1);
        _assertPayout(id, alice, alice, 30_000, IPayoutable.PayoutStatus.Cancelled);
        _assertBalances(alice, ALICE_FUNDS, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        assertEq(token.totalSupply(), ALICE_FUNDS, "totalSupply");
    }

    function test_cancelPayout_byOrderer() public {
        vm.prank(alice);
        token.authorizePayoutOperator(bob);
        vm.prank(bob);
        bytes32 id = token.orderPayoutFrom(OP, alice, 30_000, INSTRUCTIONS);
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutCancelled(
            id, alice, 30_000, 0, 0, IPayoutable.PayoutStatus.Cancelled
        );
        _cancel(bob, id);
        _assertPayout(id, bob, alice, 30_000, IPayoutable.PayoutStatus.Cancelled);
        _assertBalances(alice, ALICE_FUNDS, 0);
    }

    function test_cancelPayout_byWalletOfOperatorOrder() public {
        vm.prank(operator);
        bytes32 id = token.orderPayoutFrom(OP, alice, 30_000, INSTRUCTIONS);
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutCancelled(
            id, alice, 30_000, 0, 0, IPayoutable.PayoutStatus.Cancelled
        );
        _cancel(alice, id);
        _assertBalances(alice, ALICE_FUNDS, 0);
    }

    function test_RevertWhen_cancelPayout_ByOther() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        vm.expectRevert(
            abi.encodeWithSelector(IPayoutable.PayoutCancelNotAllowed.selector, id, bob)
        );
        _cancel(bob, id);
        vm.expectRevert(
            abi.encodeWithSelector(IPayoutable.PayoutCancelNotAllowed.selector, id, operator)
        );
        _cancel(operator, id);
        _assertBalances(alice, ALICE_FUNDS, 30_000);
    }

    function test_RevertWhen_cancelPayout_NotFound() public {
        bytes32 id = token.payoutIdOf(alice, OP);
        _expectNotFound(id);
        _cancel(alice, id);
    }

    function test_RevertWhen_cancelPayout_InProcess() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.InProcess);
        _cancel(alice, id);
    }

    function test_RevertWhen_cancelPayout_FundsInSuspense() public {
        bytes32 id = _inSuspense(30_000);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.FundsInSuspense);
        _cancel(alice, id);
    }

    function test_RevertWhen_cancelPayout_Paused() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _pause();
        _expectPaused();
        _cancel(alice, id);
    }

    // ------------------------------------------------------------ processPayout

    function test_processPayout() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutInProcess(
            id, alice, 30_000, 0, 30_000, IPayoutable.PayoutStatus.InProcess
        );
        _startLogs();
        _process(id);
        _assertLogCount(1);
        _assertPayout(id, alice, alice, 30_000, IPayoutable.PayoutStatus.InProcess);
        _assertBalances(alice, ALICE_FUNDS, 30_000);
        _assertBalances(suspense, 0, 0);
    }

    function test_RevertWhen_processPayout_NotOperator() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _expectAccessDenied(alice, operatorRole);
        vm.prank(alice);
        token.processPayout(id);
        _expectAccessDenied(suspense, operatorRole);
        vm.prank(suspense);
        token.processPayout(id);
    }

    function test_RevertWhen_processPayout_NotFound() public {
        bytes32 id = token.payoutIdOf(alice, OP);
        _expectNotFound(id);
        _process(id);
    }

    function test_RevertWhen_processPayout_InProcess() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.InProcess);
        _process(id);
    }

    function test_RevertWhen_processPayout_FundsInSuspense() public {
        bytes32 id = _inSuspense(30_000);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.FundsInSuspense);
        _process(id);
    }

    function test_RevertWhen_processPayout_Paused() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _pause();
        _expectPaused();
        _process(id);
    }

    // ------------------------------------------------------------ putFundsInSuspenseInPayout

    function test_putFundsInSuspenseInPayout() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, suspense, 30_000);
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutFundsInSuspense(
            id, alice, suspense, 30_000, 30_000, 30_000, IPayoutable.PayoutStatus.FundsInSuspense
        );
        _startLogs();
        _suspend(id);
        _assertLogCount(2);

        _assertPayout(id, alice, alice, 30_000, IPayoutable.PayoutStatus.FundsInSuspense);
        _assertBalances(alice, 70_000, 0);
        _assertBalances(suspense, 30_000, 30_000);
        assertEq(token.totalSupply(), ALICE_FUNDS, "totalSupply");
        assertEq(token.totalSupplyOnHold(), 30_000, "totalSupplyOnHold");
        (uint256 outflow,) = token.outflowOf(alice);
        assertEq(outflow, 0, "payouts are not outflow");
    }

    function test_RevertWhen_putFundsInSuspenseInPayout_NotOperator() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _expectAccessDenied(alice, operatorRole);
        vm.prank(alice);
        token.putFundsInSuspenseInPayout(id);
        _expectAccessDenied(suspense, operatorRole);
        vm.prank(suspense);
        token.putFundsInSuspenseInPayout(id);
    }

    function test_RevertWhen_putFundsInSuspenseInPayout_NotFound() public {
        bytes32 id = token.payoutIdOf(alice, OP);
        _expectNotFound(id);
        _suspend(id);
    }

    function test_RevertWhen_putFundsInSuspenseInPayout_Ordered() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.Ordered);
        _suspend(id);
        _assertBalances(alice, ALICE_FUNDS, 30_000);
    }

    function test_RevertWhen_putFundsInSuspenseInPayout_Twice() public {
        bytes32 id = _inSuspense(30_000);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.FundsInSuspense);
        _suspend(id);
        _assertBalances(suspense, 30_000, 30_000);
    }

    function test_RevertWhen_putFundsInSuspenseInPayout_WalletFrozen() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        _suspend(id);
        _assertBalances(alice, ALICE_FUNDS, 30_000);
        assertEq(uint8(_status(id)), uint8(IPayoutable.PayoutStatus.InProcess), "in process");
    }

    function test_RevertWhen_putFundsInSuspenseInPayout_Paused() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _pause();
        _expectPaused();
        _suspend(id);
    }

    // ------------------------------------------------------------ executePayout

    function test_executePayout_fromInProcessBurnsFromWallet() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, address(0), 30_000);
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutExecuted(
            id, alice, alice, 30_000, 30_000, 0, IPayoutable.PayoutStatus.Executed
        );
        _startLogs();
        _execute(id);
        _assertLogCount(2);

        _assertPayout(id, alice, alice, 30_000, IPayoutable.PayoutStatus.Executed);
        _assertBalances(alice, 70_000, 0);
        _assertBalances(suspense, 0, 0);
        assertEq(token.totalSupply(), 70_000, "totalSupply");
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        (uint256 outflow,) = token.outflowOf(alice);
        assertEq(outflow, 0, "payouts are not outflow");
    }

    function test_executePayout_fromFundsInSuspenseBurnsFromSuspense() public {
        bytes32 id = _inSuspense(30_000);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(suspense, address(0), 30_000);
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutExecuted(
            id, alice, suspense, 30_000, 30_000, 0, IPayoutable.PayoutStatus.Executed
        );
        _startLogs();
        _execute(id);
        _assertLogCount(2);

        _assertPayout(id, alice, alice, 30_000, IPayoutable.PayoutStatus.Executed);
        _assertBalances(alice, 70_000, 0);
        _assertBalances(suspense, 0, 0);
        assertEq(token.totalSupply(), 70_000, "totalSupply");
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
    }

    function test_executePayout_fromSuspenseWithWalletFrozen() public {
        // The funds already left the wallet: burning them from suspense does not touch it.
        bytes32 id = _inSuspense(30_000);
        _freeze(alice);
        _execute(id);
        _assertBalances(alice, 70_000, 0);
        _assertBalances(suspense, 0, 0);
        assertEq(token.totalSupply(), 70_000, "totalSupply");
    }

    function test_RevertWhen_executePayout_NotOperator() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _expectAccessDenied(alice, operatorRole);
        vm.prank(alice);
        token.executePayout(id);
        _expectAccessDenied(admin, operatorRole);
        vm.prank(admin);
        token.executePayout(id);
    }

    function test_RevertWhen_executePayout_NotFound() public {
        bytes32 id = token.payoutIdOf(alice, OP);
        _expectNotFound(id);
        _execute(id);
    }

    function test_RevertWhen_executePayout_Ordered() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.Ordered);
        _execute(id);
        _assertBalances(alice, ALICE_FUNDS, 30_000);
    }

    function test_RevertWhen_executePayout_WalletFrozen() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        _execute(id);
        _assertBalances(alice, ALICE_FUNDS, 30_000);
    }

    function test_RevertWhen_executePayout_PausedInProcess() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _pause();
        _expectPaused();
        _execute(id);
    }

    function test_RevertWhen_executePayout_PausedInSuspense() public {
        bytes32 id = _inSuspense(30_000);
        _pause();
        _expectPaused();
        _execute(id);
    }

    // ------------------------------------------------------------ rejectPayout

    function test_rejectPayout_fromOrderedUnlocks() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutRejected(
            id, alice, address(0), 30_000, "bad IBAN", 0, 0, IPayoutable.PayoutStatus.Rejected
        );
        _startLogs();
        vm.prank(operator);
        token.rejectPayout(id, "bad IBAN");
        _assertLogCount(1); // no Transfer: nothing moved
        _assertPayout(id, alice, alice, 30_000, IPayoutable.PayoutStatus.Rejected);
        _assertBalances(alice, ALICE_FUNDS, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        assertEq(token.totalSupply(), ALICE_FUNDS, "totalSupply");
    }

    function test_rejectPayout_fromInProcessUnlocks() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutRejected(
            id, alice, address(0), 30_000, "", 0, 0, IPayoutable.PayoutStatus.Rejected
        );
        vm.prank(operator);
        token.rejectPayout(id, "");
        _assertPayout(id, alice, alice, 30_000, IPayoutable.PayoutStatus.Rejected);
        _assertBalances(alice, ALICE_FUNDS, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
    }

    function test_rejectPayout_fromFundsInSuspenseRefunds() public {
        bytes32 id = _inSuspense(30_000);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(suspense, alice, 30_000);
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutRejected(
            id,
            alice,
            suspense,
            30_000,
            "bank returned it",
            30_000,
            0,
            IPayoutable.PayoutStatus.Rejected
        );
        _startLogs();
        vm.prank(operator);
        token.rejectPayout(id, "bank returned it");
        _assertLogCount(2);
        _assertPayout(id, alice, alice, 30_000, IPayoutable.PayoutStatus.Rejected);
        _assertBalances(alice, ALICE_FUNDS, 0);
        _assertBalances(suspense, 0, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        assertEq(token.totalSupply(), ALICE_FUNDS, "totalSupply");
    }

    function test_rejectPayout_fromInProcessWithWalletFrozen() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _freeze(alice);
        _reject(id);
        _assertBalances(alice, ALICE_FUNDS, 0);
    }

    function test_RevertWhen_rejectPayout_RefundToFrozenWallet() public {
        bytes32 id = _inSuspense(30_000);
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        _reject(id);
        _assertBalances(suspense, 30_000, 30_000);
        _assertBalances(alice, 70_000, 0);
        assertEq(
            uint8(_status(id)), uint8(IPayoutable.PayoutStatus.FundsInSuspense), "still suspended"
        );

        vm.prank(compliance);
        token.unfreeze(alice);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(suspense, alice, 30_000);
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutRejected(
            id, alice, suspense, 30_000, "no", 30_000, 0, IPayoutable.PayoutStatus.Rejected
        );
        _reject(id);
        _assertBalances(alice, ALICE_FUNDS, 0);
        _assertBalances(suspense, 0, 0);
    }

    function test_rejectPayout_refundExemptFromBalanceLimit() public {
        // Payouts are exempt from tier limits: a refund is the wallet's own money coming back.
        _fund(dave, L0_MAX_BALANCE);
        bytes32 id = _orderPayout(dave, OP, 100_000);
        _process(id);
        _suspend(id);
        vm.prank(alice);
        token.transfer(dave, 100_000);
        _assertBalances(dave, L0_MAX_BALANCE, 0);
        _reject(id);
        _assertBalances(dave, L0_MAX_BALANCE + 100_000, 0);
    }

    function test_RevertWhen_rejectPayout_NotOperator() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _expectAccessDenied(alice, operatorRole);
        vm.prank(alice);
        token.rejectPayout(id, "no");
    }

    function test_RevertWhen_rejectPayout_NotFound() public {
        bytes32 id = token.payoutIdOf(alice, OP);
        _expectNotFound(id);
        _reject(id);
    }

    function test_RevertWhen_rejectPayout_PausedOrdered() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _pause();
        _expectPaused();
        _reject(id);
    }

    function test_RevertWhen_rejectPayout_PausedInProcess() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _pause();
        _expectPaused();
        _reject(id);
    }

    function test_RevertWhen_rejectPayout_PausedInSuspense() public {
        bytes32 id = _inSuspense(30_000);
        _pause();
        _expectPaused();
        _reject(id);
    }

    // ------------------------------------------------------------ event fields: moved, locked, status

    /// @dev (reason, moved, locked, status) of the one recorded {PayoutRejected}.
    function _rejectedStep() internal returns (string memory, uint256, uint256, uint8) {
        (, string memory reason, uint256 moved, uint256 locked, IPayoutable.PayoutStatus status) = abi.decode(
            _recordedEventData(IPayoutable.PayoutRejected.selector),
            (uint256, string, uint256, uint256, IPayoutable.PayoutStatus)
        );
        return (reason, moved, locked, uint8(status));
    }

    function test_eventFields_ordered() public {
        _startLogs();
        bytes32 id = _orderPayout(alice, OP, 30_000);
        (,, bytes32 instructions, uint256 moved, uint256 locked, IPayoutable.PayoutStatus status) = abi.decode(
            _recordedEventData(IPayoutable.PayoutOrdered.selector),
            (bytes32, uint256, bytes32, uint256, uint256, IPayoutable.PayoutStatus)
        );
        assertEq(instructions, INSTRUCTIONS, "instructionsHash before the three fields");
        _assertStep(
            moved, locked, uint8(status), 0, 30_000, uint8(IPayoutable.PayoutStatus.Ordered)
        );
        assertEq(locked, token.balanceOnHold(alice), "locked on the wallet");
        assertEq(uint8(status), uint8(_status(id)), "status as stored");
    }

    function test_eventFields_inProcess() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _startLogs();
        _process(id);
        (uint256 moved, uint256 locked, uint8 status) =
            _stepOf(IPayoutable.PayoutInProcess.selector);
        _assertStep(moved, locked, status, 0, 30_000, uint8(IPayoutable.PayoutStatus.InProcess));
        assertEq(locked, token.balanceOnHold(alice), "still locked on the wallet");
    }

    function test_eventFields_fundsInSuspense() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _startLogs();
        _suspend(id);
        (uint256 moved, uint256 locked, uint8 status) =
            _stepOf(IPayoutable.PayoutFundsInSuspense.selector);
        _assertStep(
            moved, locked, status, 30_000, 30_000, uint8(IPayoutable.PayoutStatus.FundsInSuspense)
        );
        assertEq(token.balanceOf(suspense), moved, "moved to the suspense account");
        assertEq(token.balanceOnHold(suspense), locked, "locked on the suspense account");
        _assertBalances(alice, ALICE_FUNDS - moved, 0);
    }

    function test_eventFields_executed_fromSuspense() public {
        bytes32 id = _inSuspense(30_000);
        uint256 supply = token.totalSupply();
        _startLogs();
        _execute(id);
        (uint256 moved, uint256 locked, uint8 status) = _stepOf(IPayoutable.PayoutExecuted.selector);
        _assertStep(moved, locked, status, 30_000, 0, uint8(IPayoutable.PayoutStatus.Executed));
        assertEq(supply - token.totalSupply(), moved, "moved is what was burnt");
        _assertBalances(suspense, 0, locked);
    }

    function test_eventFields_executed_fromInProcess() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _startLogs();
        _execute(id);
        (uint256 moved, uint256 locked, uint8 status) = _stepOf(IPayoutable.PayoutExecuted.selector);
        _assertStep(moved, locked, status, 30_000, 0, uint8(IPayoutable.PayoutStatus.Executed));
        _assertBalances(alice, ALICE_FUNDS - moved, locked);
    }

    function test_eventFields_rejected_fromSuspense() public {
        bytes32 id = _inSuspense(30_000);
        _startLogs();
        vm.prank(operator);
        token.rejectPayout(id, "bank returned it");
        (string memory reason, uint256 moved, uint256 locked, uint8 status) = _rejectedStep();
        assertEq(reason, "bank returned it", "reason before the three fields");
        _assertStep(moved, locked, status, 30_000, 0, uint8(IPayoutable.PayoutStatus.Rejected));
        _assertBalances(alice, ALICE_FUNDS, 0);
        _assertBalances(suspense, 0, 0);
    }

    function test_eventFields_rejected_fromInProcess() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _startLogs();
        _reject(id);
        (string memory reason, uint256 moved, uint256 locked, uint8 status) = _rejectedStep();
        assertEq(reason, "no", "reason");
        _assertStep(moved, locked, status, 0, 0, uint8(IPayoutable.PayoutStatus.Rejected));
        _assertBalances(alice, ALICE_FUNDS, 0);
    }

    function test_eventFields_cancelled() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _startLogs();
        _cancel(alice, id);
        (uint256 moved, uint256 locked, uint8 status) =
            _stepOf(IPayoutable.PayoutCancelled.selector);
        _assertStep(moved, locked, status, 0, 0, uint8(IPayoutable.PayoutStatus.Cancelled));
        _assertBalances(alice, ALICE_FUNDS, 0);
    }

    // ------------------------------------------------------------ operators

    function test_authorizePayoutOperator() public {
        assertFalse(token.isPayoutOperatorFor(bob, alice), "before");
        vm.expectEmit(address(token));
        emit IEmTokenCoreTypes.OperatorAuthorized(
            alice, bob, IEmTokenCoreTypes.OperatorScope.Payout
        );
        vm.prank(alice);
        token.authorizePayoutOperator(bob);
        assertTrue(token.isPayoutOperatorFor(bob, alice), "after");
        assertFalse(token.isPayoutOperatorFor(alice, bob), "not symmetric");
        assertFalse(token.isPayoutOperatorFor(bob, carol), "per wallet");
        assertFalse(token.isFundOperatorFor(bob, alice), "per scope: fund");
        assertFalse(token.isTransferOperatorFor(bob, alice), "per scope: transfer");
    }

    function test_revokePayoutOperator() public {
        vm.prank(alice);
        token.authorizePayoutOperator(bob);
        vm.expectEmit(address(token));
        emit IEmTokenCoreTypes.OperatorRevoked(alice, bob, IEmTokenCoreTypes.OperatorScope.Payout);
        vm.prank(alice);
        token.revokePayoutOperator(bob);
        assertFalse(token.isPayoutOperatorFor(bob, alice), "revoked");
    }

    function test_isPayoutOperatorFor_operatorRole() public view {
        assertTrue(token.isPayoutOperatorFor(operator, alice), "alice");
        assertTrue(token.isPayoutOperatorFor(operator, stranger), "stranger");
        assertFalse(token.isPayoutOperatorFor(admin, alice), "admin is not");
        assertFalse(token.isPayoutOperatorFor(suspense, alice), "suspense is not");
    }

    function test_RevertWhen_authorizePayoutOperator_ZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "operator"));
        vm.prank(alice);
        token.authorizePayoutOperator(address(0));
    }

    function test_RevertWhen_authorizePayoutOperator_Self() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.SelfOperator.selector, alice));
        vm.prank(alice);
        token.authorizePayoutOperator(alice);
    }

    function test_RevertWhen_authorizePayoutOperator_Twice() public {
        vm.prank(alice);
        token.authorizePayoutOperator(bob);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.OperatorApprovalUnchanged.selector,
                alice,
                bob,
                IEmTokenCoreTypes.OperatorScope.Payout,
                true
            )
        );
        vm.prank(alice);
        token.authorizePayoutOperator(bob);
    }

    function test_RevertWhen_revokePayoutOperator_NotAuthorized() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.OperatorApprovalUnchanged.selector,
                alice,
                bob,
                IEmTokenCoreTypes.OperatorScope.Payout,
                false
            )
        );
        vm.prank(alice);
        token.revokePayoutOperator(bob);
    }

    function test_RevertWhen_revokePayoutOperator_ZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "operator"));
        vm.prank(alice);
        token.revokePayoutOperator(address(0));
    }

    // ------------------------------------------------------------ views

    function test_retrievePayoutData_nonexistent() public view {
        _assertPayout(
            token.payoutIdOf(alice, OP),
            address(0),
            address(0),
            0,
            IPayoutable.PayoutStatus.Nonexistent
        );
    }

    function test_payoutIdOf() public view {
        assertEq(token.payoutIdOf(alice, OP), keccak256(abi.encode(alice, OP)), "id");
        assertTrue(token.payoutIdOf(alice, OP) != token.payoutIdOf(bob, OP), "per orderer");
        assertTrue(token.payoutIdOf(alice, OP) != token.payoutIdOf(alice, _opId("x")), "per op");
    }

    // ------------------------------------------------------------ state machine

    function test_stateMachine_orderedToCancelledIsClosed() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _cancel(alice, id);
        _assertClosed(id, IPayoutable.PayoutStatus.Cancelled);
    }

    function test_stateMachine_orderedToRejectedIsClosed() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _reject(id);
        _assertClosed(id, IPayoutable.PayoutStatus.Rejected);
    }

    function test_stateMachine_inProcessToExecutedIsClosed() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _execute(id);
        _assertClosed(id, IPayoutable.PayoutStatus.Executed);
    }

    function test_stateMachine_inProcessToRejectedIsClosed() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _reject(id);
        _assertClosed(id, IPayoutable.PayoutStatus.Rejected);
    }

    function test_stateMachine_suspenseToExecutedIsClosed() public {
        bytes32 id = _inSuspense(30_000);
        _execute(id);
        _assertClosed(id, IPayoutable.PayoutStatus.Executed);
    }

    function test_stateMachine_suspenseToRejectedIsClosed() public {
        bytes32 id = _inSuspense(30_000);
        _reject(id);
        _assertClosed(id, IPayoutable.PayoutStatus.Rejected);
    }

    function test_stateMachine_orderedCannotSkipProcess() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.Ordered);
        _suspend(id);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.Ordered);
        _execute(id);
        assertEq(uint8(_status(id)), uint8(IPayoutable.PayoutStatus.Ordered), "ordered");
        _assertBalances(alice, ALICE_FUNDS, 30_000);
    }

    function test_stateMachine_inProcessCannotGoBack() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.InProcess);
        _cancel(alice, id);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.InProcess);
        _process(id);
        assertEq(uint8(_status(id)), uint8(IPayoutable.PayoutStatus.InProcess), "in process");
    }

    function test_stateMachine_suspenseAcceptsOnlyExecuteOrReject() public {
        bytes32 id = _inSuspense(30_000);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.FundsInSuspense);
        _cancel(alice, id);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.FundsInSuspense);
        _process(id);
        _expectWrongStatus(id, IPayoutable.PayoutStatus.FundsInSuspense);
        _suspend(id);
        _assertBalances(suspense, 30_000, 30_000);
        _assertBalances(alice, 70_000, 0);
    }

    // ------------------------------------------------------------ edges: limits and holds

    function test_payout_exemptFromMaxTransfer() public {
        _fund(alice, 1_400_000); // 1,500,000
        uint256 value = L1_MAX_TRANSFER + 200_000;
        bytes32 id = _orderPayout(alice, OP, value);
        _process(id);
        _suspend(id);
        _execute(id);
        _assertBalances(alice, 1_500_000 - value, 0);
        assertEq(token.totalSupply(), 1_500_000 - value, "totalSupply");
        (uint256 outflow, uint256 start) = token.outflowOf(alice);
        assertEq(outflow, 0, "outflow");
        assertEq(start, 0, "period");
    }

    function test_payout_exemptFromMaxOutflow() public {
        _fund(dave, L0_MAX_BALANCE);
        // dave already used his 30-day outflow up to the limit.
        vm.startPrank(dave);
        token.transfer(carol, L0_MAX_TRANSFER);
        token.transfer(carol, L0_MAX_OUTFLOW - L0_MAX_TRANSFER);
        vm.stopPrank();
        uint256 left = L0_MAX_BALANCE - L0_MAX_OUTFLOW;
        bytes32 id = _orderPayout(dave, OP, left);
        _process(id);
        _execute(id);
        _assertBalances(dave, 0, 0);
        (uint256 outflow,) = token.outflowOf(dave);
        assertEq(outflow, L0_MAX_OUTFLOW, "payout not counted");
    }

    function test_payout_burnNeverTouchesHeldFunds() public {
        vm.prank(alice);
        bytes32 holdId = token.hold(_opId("h"), bob, notary, 60_000, 0);
        _expectInsufficient(alice, 40_000, 40_001);
        vm.prank(alice);
        token.orderPayout(OP, 40_001, INSTRUCTIONS);

        bytes32 id = _orderPayout(alice, OP, 40_000);
        _assertBalances(alice, ALICE_FUNDS, ALICE_FUNDS);
        _process(id);
        _execute(id);
        _assertBalances(alice, 60_000, 60_000);
        assertEq(token.totalSupply(), 60_000, "totalSupply");
        assertEq(token.totalSupplyOnHold(), 60_000, "totalSupplyOnHold");
        IHoldable.HoldData memory h = token.retrieveHoldData(holdId);
        assertEq(h.value, 60_000, "hold intact");
        assertEq(uint8(h.status), uint8(IHoldable.HoldStatus.Ordered), "hold open");

        vm.prank(notary);
        token.executeHold(holdId, 60_000);
        _assertBalances(alice, 0, 0);
        _assertBalances(bob, 60_000, 0);
    }

    function test_payout_burnFromWalletNextToHoldViaSuspense() public {
        vm.prank(alice);
        token.hold(_opId("h"), bob, notary, 60_000, 0);
        bytes32 id = _inSuspense(40_000);
        _assertBalances(alice, 60_000, 60_000);
        _assertBalances(suspense, 40_000, 40_000);
        _execute(id);
        _assertBalances(alice, 60_000, 60_000);
        _assertBalances(suspense, 0, 0);
        assertEq(token.totalSupplyOnHold(), 60_000, "totalSupplyOnHold");
    }

    function test_payoutLock_notReachableThroughHoldFunctions() public {
        bytes32 id = _orderPayout(alice, OP, 30_000);
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldNotFound.selector, id));
        vm.prank(operator);
        token.executeHold(id, 30_000);
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldNotFound.selector, id));
        vm.prank(alice);
        token.releaseHold(id);
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldNotFound.selector, id));
        vm.prank(alice);
        token.renewHold(id, 3600);
        _assertBalances(alice, ALICE_FUNDS, 30_000);
    }

    function test_payoutLock_blocksSpending() public {
        _orderPayout(alice, OP, 30_000);
        _expectInsufficient(alice, 70_000, 70_001);
        vm.prank(alice);
        token.transfer(bob, 70_001);
        _expectInsufficient(alice, 70_000, 70_001);
        vm.prank(operator);
        token.operatorTransfer(_opId("t"), alice, bob, 70_001);
    }

    function test_idSquatting_impossible() public {
        _fund(bob, 50_000);
        bytes32 bobId = _orderPayout(bob, OP, 10_000);
        bytes32 aliceId = _orderPayout(alice, OP, 20_000);
        assertTrue(aliceId != bobId, "two records");
        _assertPayout(bobId, bob, bob, 10_000, IPayoutable.PayoutStatus.Ordered);
        _assertPayout(aliceId, alice, alice, 20_000, IPayoutable.PayoutStatus.Ordered);
        _process(aliceId);
        _execute(aliceId);
        _assertBalances(alice, 80_000, 0);
        _assertBalances(bob, 50_000, 10_000);
    }

    // ------------------------------------------------------------ edges: suspense account

    function test_suspense_keyCannotMoveFunds_unregistered() public {
        _inSuspense(30_000);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, suspense));
        vm.prank(suspense);
        token.transfer(bob, 30_000);
        _assertBalances(suspense, 30_000, 30_000);
    }

    function test_suspense_cannotBeRegistered_soItsKeyCannotMoveFunds() public {
        // The suspense account is never a registered wallet, and funds in suspense are locked on it.
        _inSuspense(30_000);
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenCoreTypes.SuspenseAccountNotAllowed.selector, suspense)
        );
        vm.prank(compliance);
        token.registerWallet(suspense, 2);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, suspense));
        vm.prank(suspense);
        token.transfer(bob, 1);
        vm.prank(suspense);
        token.approve(bob, 30_000);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, suspense));
        vm.prank(bob);
        token.transferFrom(suspense, bob, 30_000);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, suspense));
        vm.prank(operator);
        token.operatorTransfer(_opId("t"), suspense, bob, 30_000);
        _assertBalances(suspense, 30_000, 30_000);
    }

    function test_suspense_severalPayouts() public {
        _fund(bob, 50_000);
        bytes32 a = _inSuspense(30_000);
        bytes32 b = _orderPayout(bob, OP, 20_000);
        _process(b);
        _suspend(b);
        _assertBalances(suspense, 50_000, 50_000);
        _execute(a);
        _assertBalances(suspense, 20_000, 20_000);
        _reject(b);
        _assertBalances(suspense, 0, 0);
        _assertBalances(alice, 70_000, 0);
        _assertBalances(bob, 50_000, 0);
        assertEq(token.totalSupply(), 120_000, "totalSupply");
    }

    function test_RevertWhen_setSuspenseAccount_InUse() public {
        address newSuspense = makeAddr("newSuspense");
        bytes32 id = _inSuspense(30_000);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.SuspenseAccountInUse.selector, suspense, uint256(30_000)
            )
        );
        vm.prank(admin);
        token.setSuspenseAccount(newSuspense);
        assertEq(token.suspenseAccount(), suspense, "unchanged");

        _execute(id);
        vm.expectEmit(address(token));
        emit IEmTokenCoreTypes.SuspenseAccountChanged(suspense, newSuspense);
        vm.prank(admin);
        token.setSuspenseAccount(newSuspense);
        assertEq(token.suspenseAccount(), newSuspense, "changed");
    }

    function test_setSuspenseAccount_afterRefund() public {
        address newSuspense = makeAddr("newSuspense");
        bytes32 id = _inSuspense(30_000);
        _reject(id);
        vm.expectEmit(address(token));
        emit IEmTokenCoreTypes.SuspenseAccountChanged(suspense, newSuspense);
        vm.prank(admin);
        token.setSuspenseAccount(newSuspense);
        assertEq(token.suspenseAccount(), newSuspense, "changed");
    }

    function test_setSuspenseAccount_openPayoutsNotInSuspenseDoNotBlock() public {
        address newSuspense = makeAddr("newSuspense");
        bytes32 id = _orderPayout(alice, OP, 30_000);
        _process(id);
        vm.prank(admin);
        token.setSuspenseAccount(newSuspense);
        // The payout now goes through the new account.
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, newSuspense, 30_000);
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutFundsInSuspense(
            id, alice, newSuspense, 30_000, 30_000, 30_000, IPayoutable.PayoutStatus.FundsInSuspense
        );
        _suspend(id);
        _assertBalances(newSuspense, 30_000, 30_000);
        _assertBalances(suspense, 0, 0);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(newSuspense, address(0), 30_000);
        vm.expectEmit(address(token));
        emit IPayoutable.PayoutExecuted(
            id, alice, newSuspense, 30_000, 30_000, 0, IPayoutable.PayoutStatus.Executed
        );
        _execute(id);
        _assertBalances(newSuspense, 0, 0);
    }

    function test_RevertWhen_setSuspenseAccount_NotAdmin() public {
        _expectAccessDenied(operator, token.DEFAULT_ADMIN_ROLE());
        vm.prank(operator);
        token.setSuspenseAccount(bob);
    }

    function test_RevertWhen_setSuspenseAccount_ZeroAddress() public {
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "suspenseAccount")
        );
        vm.prank(admin);
        token.setSuspenseAccount(address(0));
    }

    // ------------------------------------------------------------ fuzz

    function _actor(uint256 seed) internal view returns (address) {
        address[4] memory actors = [alice, bob, carol, dave];
        return actors[seed % 4];
    }

    function _maxBalance(address wallet) internal view returns (uint256) {
        if (wallet == carol) return 1e15;
        if (wallet == dave) return L0_MAX_BALANCE;
        return L1_MAX_BALANCE;
    }

    function _assertAccounting() internal view {
        address[5] memory accounts = [alice, bob, carol, dave, suspense];
        uint256 balances;
        uint256 held;
        for (uint256 i; i < accounts.length; ++i) {
            uint256 b = token.balanceOf(accounts[i]);
            uint256 h = token.balanceOnHold(accounts[i]);
            assertLe(h, b, "held <= balance");
            balances += b;
            held += h;
        }
        assertEq(balances, token.totalSupply(), "sum of balances == totalSupply");
        assertEq(held, token.totalSupplyOnHold(), "sum of holds == totalSupplyOnHold");
    }

    /// @dev path: 0 cancel, 1 reject (Ordered), 2 process+execute, 3 process+reject,
    /// 4 process+suspense+execute, 5 process+suspense+reject.
    function testFuzz_payoutLifecycle(
        uint256 whoSeed,
        uint256 extra,
        uint256 value,
        uint8 path,
        bool byOperator
    ) public {
        address wallet = _actor(whoSeed);
        uint256 start = token.balanceOf(wallet);
        extra = bound(extra, 0, _maxBalance(wallet) - start);
        if (extra != 0) _fund(wallet, extra);
        start += extra;
        if (start == 0) {
            _fund(wallet, 1);
            start = 1;
        }
        value = bound(value, 1, start);
        uint256 supply = token.totalSupply();
        address orderer = byOperator ? operator : wallet;

        vm.prank(orderer);
        bytes32 id = byOperator
            ? token.orderPayoutFrom(OP, wallet, value, INSTRUCTIONS)
            : token.orderPayout(OP, value, INSTRUCTIONS);
        _assertBalances(wallet, start, value);
        _assertAccounting();

        path = uint8(bound(path, 0, 5));
        if (path >= 2) {
            _process(id);
            _assertBalances(wallet, start, value);
            _assertAccounting();
        }
        if (path >= 4) {
            _suspend(id);
            _assertBalances(wallet, start - value, 0);
            _assertBalances(suspense, value, value);
            _assertAccounting();
        }
        if (path == 0) _cancel(orderer, id);
        else if (path == 2 || path == 4) _execute(id);
        else _reject(id);

        bool burnt = path == 2 || path == 4;
        _assertBalances(wallet, burnt ? start - value : start, 0);
        _assertBalances(suspense, 0, 0);
        assertEq(token.totalSupply(), burnt ? supply - value : supply, "totalSupply");
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        _assertAccounting();
    }

    function testFuzz_orderPayout_availableBalance(uint256 held, uint256 value) public {
        held = bound(held, 0, ALICE_FUNDS);
        value = bound(value, 1, 2 * ALICE_FUNDS);
        if (held != 0) {
            vm.prank(alice);
            token.hold(_opId("h"), bob, notary, held, 0);
        }
        uint256 available = ALICE_FUNDS - held;
        bool fits = value <= available;
        if (!fits) _expectInsufficient(alice, available, value);
        vm.prank(alice);
        bytes32 id = token.orderPayout(OP, value, INSTRUCTIONS);
        _assertBalances(alice, ALICE_FUNDS, fits ? held + value : held);
        _assertAccounting();
        if (fits) {
            _process(id);
            _execute(id);
            _assertBalances(alice, ALICE_FUNDS - value, held);
            assertEq(token.totalSupply(), ALICE_FUNDS - value, "totalSupply");
            _assertAccounting();
        }
    }

    function testFuzz_payout_exemptFromTierLimits(uint256 value, bool viaSuspense) public {
        // dave (level 0): any payout up to his balance, far above maxTransfer and maxOutflow30d.
        _fund(dave, L0_MAX_BALANCE);
        value = bound(value, 1, L0_MAX_BALANCE);
        bytes32 id = _orderPayout(dave, OP, value);
        _process(id);
        if (viaSuspense) _suspend(id);
        _execute(id);
        _assertBalances(dave, L0_MAX_BALANCE - value, 0);
        (uint256 outflow,) = token.outflowOf(dave);
        assertEq(outflow, 0, "outflow");
        _assertAccounting();
    }
}
