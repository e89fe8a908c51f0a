// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {IClearable} from "../src/interfaces/IClearable.sol";
import {ICompliance} from "../src/interfaces/ICompliance.sol";
import {IEmTokenCore, IEmTokenCoreTypes} from "../src/interfaces/IEmTokenCore.sol";
import {IHoldable} from "../src/interfaces/IHoldable.sol";
import {EmTokenTest} from "./utils/EmTokenTest.sol";

/// @notice Two-step transfers (EIP-2018 shape): unit tests of every function, the state machine, the
/// system hold, compliance at commit and execution, and fuzzing of the order/execute paths.
contract ClearableTest is EmTokenTest {
    uint256 internal constant ALICE_FUNDS = 100_000;
    bytes32 internal constant OP = keccak256("order-1");

    bytes32 internal operatorRole;

    function setUp() public override {
        super.setUp();
        operatorRole = token.OPERATOR_ROLE();
        _fund(alice, ALICE_FUNDS);
    }

    // ------------------------------------------------------------ helpers

    function _order(address payer, bytes32 opId, address to, uint256 value)
        internal
        returns (bytes32 id)
    {
        vm.prank(payer);
        id = token.orderTransfer(opId, to, value);
    }

    function _process(bytes32 id) internal {
        vm.prank(operator);
        token.processClearableTransfer(id);
    }

    function _execute(bytes32 id) internal {
        vm.prank(operator);
        token.executeClearableTransfer(id);
    }

    function _reject(bytes32 id) internal {
        vm.prank(operator);
        token.rejectClearableTransfer(id, "no");
    }

    function _cancel(address caller, bytes32 id) internal {
        vm.prank(caller);
        token.cancelTransfer(id);
    }

    function _assertOrder(
        bytes32 id,
        address orderer,
        address from,
        address to,
        uint256 value,
        IClearable.ClearableStatus status
    ) internal view {
        IClearable.ClearableTransferData memory d = token.retrieveClearableTransferData(id);
        assertEq(d.orderer, orderer, "orderer");
        assertEq(d.from, from, "from");
        assertEq(d.to, to, "to");
        assertEq(d.value, value, "value");
        assertEq(uint8(d.status), uint8(status), "status");
    }

    function _status(bytes32 id) internal view returns (IClearable.ClearableStatus) {
        return token.retrieveClearableTransferData(id).status;
    }

    function _expectWrongStatus(bytes32 id, IClearable.ClearableStatus status) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IClearable.ClearableTransferWrongStatus.selector, id, status)
        );
    }

    function _expectNotFound(bytes32 id) internal {
        vm.expectRevert(abi.encodeWithSelector(IClearable.ClearableTransferNotFound.selector, id));
    }

    function _expectPaused() internal {
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
    }

    /// @dev A closed transfer accepts no step: cancel (by its payer), process, execute, reject.
    function _assertClosed(bytes32 id, IClearable.ClearableStatus status) internal {
        IClearable.ClearableTransferData memory d = token.retrieveClearableTransferData(id);
        uint256 fromBalance = token.balanceOf(d.from);
        uint256 fromHeld = token.balanceOnHold(d.from);
        uint256 toBalance = token.balanceOf(d.to);

        _expectWrongStatus(id, status);
        vm.prank(d.from);
        token.cancelTransfer(id);
        _expectWrongStatus(id, status);
        vm.prank(operator);
        token.processClearableTransfer(id);
        _expectWrongStatus(id, status);
        vm.prank(operator);
        token.executeClearableTransfer(id);
        _expectWrongStatus(id, status);
        vm.prank(operator);
        token.rejectClearableTransfer(id, "again");

        assertEq(uint8(_status(id)), uint8(status), "status unchanged");
        _assertBalances(d.from, fromBalance, fromHeld);
        assertEq(token.balanceOf(d.to), toBalance, "payee unchanged");
    }

    function _assertLogCount(uint256 n) internal {
        assertEq(vm.getRecordedLogs().length, n, "events emitted");
    }

    // ------------------------------------------------------------ orderTransfer

    function test_orderTransfer() public {
        bytes32 expectedId = keccak256(abi.encode(alice, OP));
        vm.expectEmit(address(token));
        emit IClearable.ClearableTransferOrdered(
            expectedId, alice, bob, alice, OP, 30_000, 0, 30_000, IClearable.ClearableStatus.Ordered
        );
        _startLogs();
        vm.prank(alice);
        bytes32 id = token.orderTransfer(OP, bob, 30_000);
        _assertLogCount(1); // no Transfer: nothing moves

        assertEq(id, expectedId, "id");
        assertEq(id, token.clearableTransferIdOf(alice, OP), "clearableTransferIdOf");
        _assertOrder(id, alice, alice, bob, 30_000, IClearable.ClearableStatus.Ordered);
        _assertBalances(alice, ALICE_FUNDS, 30_000);
        _assertBalances(bob, 0, 0);
        assertEq(token.totalSupply(), ALICE_FUNDS, "totalSupply");
        assertEq(token.totalSupplyOnHold(), 30_000, "totalSupplyOnHold");
        (uint256 outflow,) = token.outflowOf(alice);
        assertEq(outflow, 0, "commitment is not outflow");
    }

    function test_orderTransfer_wholeAvailableBalance() public {
        bytes32 id = _order(alice, OP, bob, ALICE_FUNDS);
        _assertBalances(alice, ALICE_FUNDS, ALICE_FUNDS);
        _assertOrder(id, alice, alice, bob, ALICE_FUNDS, IClearable.ClearableStatus.Ordered);
    }

    function test_orderTransfer_severalOrdersAddUp() public {
        _order(alice, _opId("a"), bob, 30_000);
        _order(alice, _opId("b"), carol, 50_000);
        _assertBalances(alice, ALICE_FUNDS, 80_000);
        assertEq(token.totalSupplyOnHold(), 80_000, "totalSupplyOnHold");
        _expectInsufficient(alice, 20_000, 20_001);
        vm.prank(alice);
        token.orderTransfer(_opId("c"), dave, 20_001);
    }

    function test_RevertWhen_orderTransfer_ZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAmount.selector));
        vm.prank(alice);
        token.orderTransfer(OP, bob, 0);
    }

    function test_RevertWhen_orderTransfer_ZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "to"));
        vm.prank(alice);
        token.orderTransfer(OP, address(0), 1000);
    }

    function test_RevertWhen_orderTransfer_Exists() public {
        bytes32 id = _order(alice, OP, bob, 1000);
        vm.expectRevert(abi.encodeWithSelector(IClearable.ClearableTransferExists.selector, id));
        vm.prank(alice);
        token.orderTransfer(OP, carol, 2000);
        _assertBalances(alice, ALICE_FUNDS, 1000);
    }

    function test_RevertWhen_orderTransfer_ExistsAfterClosed() public {
        bytes32 id = _order(alice, OP, bob, 1000);
        _cancel(alice, id);
        vm.expectRevert(abi.encodeWithSelector(IClearable.ClearableTransferExists.selector, id));
        vm.prank(alice);
        token.orderTransfer(OP, bob, 1000);
    }

    function test_RevertWhen_orderTransfer_InsufficientAvailableBalance() public {
        _expectInsufficient(alice, ALICE_FUNDS, ALICE_FUNDS + 1);
        vm.prank(alice);
        token.orderTransfer(OP, bob, ALICE_FUNDS + 1);
    }

    function test_RevertWhen_orderTransfer_AmountHeldByHold() public {
        vm.prank(alice);
        token.hold(_opId("h"), bob, notary, 60_000, 0);
        _expectInsufficient(alice, 40_000, 50_000);
        vm.prank(alice);
        token.orderTransfer(OP, bob, 50_000);
    }

    function test_RevertWhen_orderTransfer_PayerNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger));
        vm.prank(stranger);
        token.orderTransfer(OP, bob, 1000);
    }

    function test_RevertWhen_orderTransfer_PayeeNotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger));
        vm.prank(alice);
        token.orderTransfer(OP, stranger, 1000);
    }

    function test_RevertWhen_orderTransfer_PayeeIsSuspenseAccount() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, suspense));
        vm.prank(alice);
        token.orderTransfer(OP, suspense, 1000);
    }

    function test_RevertWhen_orderTransfer_PayerFrozen() public {
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        vm.prank(alice);
        token.orderTransfer(OP, bob, 1000);
    }

    function test_RevertWhen_orderTransfer_PayeeFrozen() public {
        _freeze(bob);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, bob));
        vm.prank(alice);
        token.orderTransfer(OP, bob, 1000);
    }

    function test_RevertWhen_orderTransfer_AboveMaxTransfer() public {
        _fund(alice, 1_400_000);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.TransferLimitExceeded.selector,
                alice,
                L1_MAX_TRANSFER + 1,
                L1_MAX_TRANSFER
            )
        );
        vm.prank(alice);
        token.orderTransfer(OP, carol, L1_MAX_TRANSFER + 1);
        // At the limit it passes.
        _order(alice, OP, carol, L1_MAX_TRANSFER);
        _assertBalances(alice, 1_500_000, L1_MAX_TRANSFER);
    }

    function test_RevertWhen_orderTransfer_AbovePayeeMaxBalance() public {
        _fund(alice, 200_000);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.BalanceLimitExceeded.selector, dave, L0_MAX_BALANCE + 1, L0_MAX_BALANCE
            )
        );
        vm.prank(alice);
        token.orderTransfer(OP, dave, L0_MAX_BALANCE + 1);
    }

    function test_RevertWhen_orderTransfer_PayeeBalanceCounts() public {
        _fund(dave, 200_000);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.BalanceLimitExceeded.selector, dave, 250_001, L0_MAX_BALANCE
            )
        );
        vm.prank(alice);
        token.orderTransfer(OP, dave, 50_001);
        _order(alice, OP, dave, 50_000);
    }

    function test_RevertWhen_orderTransfer_AboveMaxOutflow() public {
        _fund(alice, 2_900_000); // 3,000,000 in all
        vm.startPrank(alice);
        token.transfer(carol, L1_MAX_TRANSFER);
        token.transfer(carol, L1_MAX_TRANSFER);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.OutflowLimitExceeded.selector, alice, L1_MAX_OUTFLOW + 1, L1_MAX_OUTFLOW
            )
        );
        vm.prank(alice);
        token.orderTransfer(OP, carol, 1);
    }

    function test_RevertWhen_orderTransfer_Paused() public {
        _pause();
        _expectPaused();
        vm.prank(alice);
        token.orderTransfer(OP, bob, 1000);
    }

    // ------------------------------------------------------------ orderTransferFrom

    function test_orderTransferFrom_byOperatorRole() public {
        bytes32 expectedId = keccak256(abi.encode(operator, OP));
        vm.expectEmit(address(token));
        emit IClearable.ClearableTransferOrdered(
            expectedId,
            alice,
            bob,
            operator,
            OP,
            40_000,
            0,
            40_000,
            IClearable.ClearableStatus.Ordered
        );
        vm.prank(operator);
        bytes32 id = token.orderTransferFrom(OP, alice, bob, 40_000);

        assertEq(id, expectedId, "id");
        assertEq(id, token.clearableTransferIdOf(operator, OP), "clearableTransferIdOf");
        _assertOrder(id, operator, alice, bob, 40_000, IClearable.ClearableStatus.Ordered);
        _assertBalances(alice, ALICE_FUNDS, 40_000);
        _assertBalances(operator, 0, 0);
        assertEq(token.totalSupplyOnHold(), 40_000, "totalSupplyOnHold");
    }

    function test_orderTransferFrom_byAuthorizedOperator() public {
        vm.prank(alice);
        token.authorizeClearableTransferOperator(bob);
        bytes32 expectedId = keccak256(abi.encode(bob, OP));
        vm.expectEmit(address(token));
        emit IClearable.ClearableTransferOrdered(
            expectedId, alice, carol, bob, OP, 10_000, 0, 10_000, IClearable.ClearableStatus.Ordered
        );
        vm.prank(bob);
        bytes32 id = token.orderTransferFrom(OP, alice, carol, 10_000);
        assertEq(id, expectedId, "id");
        _assertOrder(id, bob, alice, carol, 10_000, IClearable.ClearableStatus.Ordered);
        _assertBalances(alice, ALICE_FUNDS, 10_000);
        _assertBalances(bob, 0, 0);
    }

    function test_RevertWhen_orderTransferFrom_NotOperator() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.NotOperatorFor.selector,
                bob,
                alice,
                IEmTokenCoreTypes.OperatorScope.Clearable
            )
        );
        vm.prank(bob);
        token.orderTransferFrom(OP, alice, bob, 1000);
    }

    function test_RevertWhen_orderTransferFrom_OtherScopeOnly() public {
        vm.startPrank(alice);
        token.authorizeTransferOperator(bob);
        token.authorizeHoldOperator(bob);
        token.authorizePayoutOperator(bob);
        token.authorizeFundOperator(bob);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.NotOperatorFor.selector,
                bob,
                alice,
                IEmTokenCoreTypes.OperatorScope.Clearable
            )
        );
        vm.prank(bob);
        token.orderTransferFrom(OP, alice, bob, 1000);
    }

    function test_RevertWhen_orderTransferFrom_Revoked() public {
        vm.startPrank(alice);
        token.authorizeClearableTransferOperator(bob);
        token.revokeClearableTransferOperator(bob);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.NotOperatorFor.selector,
                bob,
                alice,
                IEmTokenCoreTypes.OperatorScope.Clearable
            )
        );
        vm.prank(bob);
        token.orderTransferFrom(OP, alice, carol, 1000);
    }

    function test_RevertWhen_orderTransferFrom_ZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAmount.selector));
        vm.prank(operator);
        token.orderTransferFrom(OP, alice, bob, 0);
    }

    function test_RevertWhen_orderTransferFrom_ZeroAddressTo() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "to"));
        vm.prank(operator);
        token.orderTransferFrom(OP, alice, address(0), 1000);
    }

    function test_RevertWhen_orderTransferFrom_ZeroAddressFrom() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "from"));
        vm.prank(operator);
        token.orderTransferFrom(OP, address(0), bob, 1000);
    }

    function test_RevertWhen_orderTransferFrom_Exists() public {
        vm.prank(operator);
        bytes32 id = token.orderTransferFrom(OP, alice, bob, 1000);
        vm.expectRevert(abi.encodeWithSelector(IClearable.ClearableTransferExists.selector, id));
        vm.prank(operator);
        token.orderTransferFrom(OP, carol, bob, 1000);
    }

    function test_RevertWhen_orderTransferFrom_InsufficientAvailableBalance() public {
        _expectInsufficient(bob, 0, 1);
        vm.prank(operator);
        token.orderTransferFrom(OP, bob, alice, 1);
    }

    function test_RevertWhen_orderTransferFrom_PayerFrozen() public {
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        vm.prank(operator);
        token.orderTransferFrom(OP, alice, bob, 1000);
    }

    function test_RevertWhen_orderTransferFrom_PayerTierLimit() public {
        // The payer's tier applies, not the orderer's.
        _fund(dave, L0_MAX_TRANSFER + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.TransferLimitExceeded.selector,
                dave,
                L0_MAX_TRANSFER + 1,
                L0_MAX_TRANSFER
            )
        );
        vm.prank(operator);
        token.orderTransferFrom(OP, dave, carol, L0_MAX_TRANSFER + 1);
    }

    function test_RevertWhen_orderTransferFrom_Paused() public {
        _pause();
        _expectPaused();
        vm.prank(operator);
        token.orderTransferFrom(OP, alice, bob, 1000);
    }

    // ------------------------------------------------------------ cancelTransfer

    function test_cancelTransfer_byPayer() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        vm.expectEmit(address(token));
        emit IClearable.ClearableTransferCancelled(
            id, alice, bob, 30_000, 0, 0, IClearable.ClearableStatus.Cancelled
        );
        _startLogs();
        _cancel(alice, id);
        _assertLogCount(1);
        _assertOrder(id, alice, alice, bob, 30_000, IClearable.ClearableStatus.Cancelled);
        _assertBalances(alice, ALICE_FUNDS, 0);
        _assertBalances(bob, 0, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
    }

    function test_cancelTransfer_byOrderer() public {
        vm.prank(alice);
        token.authorizeClearableTransferOperator(bob);
        vm.prank(bob);
        bytes32 id = token.orderTransferFrom(OP, alice, carol, 30_000);
        vm.expectEmit(address(token));
        emit IClearable.ClearableTransferCancelled(
            id, alice, carol, 30_000, 0, 0, IClearable.ClearableStatus.Cancelled
        );
        _cancel(bob, id);
        _assertOrder(id, bob, alice, carol, 30_000, IClearable.ClearableStatus.Cancelled);
        _assertBalances(alice, ALICE_FUNDS, 0);
    }

    function test_cancelTransfer_byPayerOfOperatorOrder() public {
        vm.prank(operator);
        bytes32 id = token.orderTransferFrom(OP, alice, bob, 30_000);
        vm.expectEmit(address(token));
        emit IClearable.ClearableTransferCancelled(
            id, alice, bob, 30_000, 0, 0, IClearable.ClearableStatus.Cancelled
        );
        _cancel(alice, id);
        _assertBalances(alice, ALICE_FUNDS, 0);
    }

    function test_RevertWhen_cancelTransfer_ByPayee() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        vm.expectRevert(
            abi.encodeWithSelector(IClearable.ClearableCancelNotAllowed.selector, id, bob)
        );
        _cancel(bob, id);
    }

    function test_RevertWhen_cancelTransfer_ByOperatorRoleNotOrderer() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        vm.expectRevert(
            abi.encodeWithSelector(IClearable.ClearableCancelNotAllowed.selector, id, operator)
        );
        _cancel(operator, id);
    }

    function test_RevertWhen_cancelTransfer_NotFound() public {
        bytes32 id = token.clearableTransferIdOf(alice, OP);
        _expectNotFound(id);
        _cancel(alice, id);
    }

    function test_RevertWhen_cancelTransfer_InProcess() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _process(id);
        _expectWrongStatus(id, IClearable.ClearableStatus.InProcess);
        _cancel(alice, id);
        _assertBalances(alice, ALICE_FUNDS, 30_000);
    }

    function test_RevertWhen_cancelTransfer_Paused() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _pause();
        _expectPaused();
        _cancel(alice, id);
    }

    // ------------------------------------------------------------ processClearableTransfer

    function test_processClearableTransfer() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        vm.expectEmit(address(token));
        emit IClearable.ClearableTransferInProcess(
            id, alice, bob, 30_000, 0, 30_000, IClearable.ClearableStatus.InProcess
        );
        _startLogs();
        _process(id);
        _assertLogCount(1);
        _assertOrder(id, alice, alice, bob, 30_000, IClearable.ClearableStatus.InProcess);
        _assertBalances(alice, ALICE_FUNDS, 30_000);
        assertEq(token.totalSupplyOnHold(), 30_000, "totalSupplyOnHold");
    }

    function test_RevertWhen_processClearableTransfer_NotOperator() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _expectAccessDenied(alice, operatorRole);
        vm.prank(alice);
        token.processClearableTransfer(id);
        _expectAccessDenied(admin, operatorRole);
        vm.prank(admin);
        token.processClearableTransfer(id);
    }

    function test_RevertWhen_processClearableTransfer_NotFound() public {
        bytes32 id = token.clearableTransferIdOf(alice, OP);
        _expectNotFound(id);
        _process(id);
    }

    function test_RevertWhen_processClearableTransfer_InProcess() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _process(id);
        _expectWrongStatus(id, IClearable.ClearableStatus.InProcess);
        _process(id);
    }

    function test_RevertWhen_processClearableTransfer_Paused() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _pause();
        _expectPaused();
        _process(id);
    }

    // ------------------------------------------------------------ executeClearableTransfer

    function test_executeClearableTransfer_fromOrdered() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, bob, 30_000);
        vm.expectEmit(address(token));
        emit IClearable.ClearableTransferExecuted(
            id, alice, bob, 30_000, 30_000, 0, IClearable.ClearableStatus.Executed
        );
        _startLogs();
        _execute(id);
        _assertLogCount(2);

        _assertOrder(id, alice, alice, bob, 30_000, IClearable.ClearableStatus.Executed);
        _assertBalances(alice, 70_000, 0);
        _assertBalances(bob, 30_000, 0);
        assertEq(token.totalSupply(), ALICE_FUNDS, "totalSupply");
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
        (uint256 outflow, uint256 start) = token.outflowOf(alice);
        assertEq(outflow, 30_000, "outflow recorded");
        assertEq(start, block.timestamp, "period start");
    }

    function test_executeClearableTransfer_fromInProcess() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _process(id);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, bob, 30_000);
        vm.expectEmit(address(token));
        emit IClearable.ClearableTransferExecuted(
            id, alice, bob, 30_000, 30_000, 0, IClearable.ClearableStatus.Executed
        );
        _execute(id);
        _assertOrder(id, alice, alice, bob, 30_000, IClearable.ClearableStatus.Executed);
        _assertBalances(alice, 70_000, 0);
        _assertBalances(bob, 30_000, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
    }

    function test_executeClearableTransfer_operatorOrder() public {
        vm.prank(operator);
        bytes32 id = token.orderTransferFrom(OP, alice, carol, ALICE_FUNDS);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, carol, ALICE_FUNDS);
        vm.expectEmit(address(token));
        emit IClearable.ClearableTransferExecuted(
            id, alice, carol, ALICE_FUNDS, ALICE_FUNDS, 0, IClearable.ClearableStatus.Executed
        );
        _execute(id);
        _assertBalances(alice, 0, 0);
        _assertBalances(carol, ALICE_FUNDS, 0);
        _assertBalances(operator, 0, 0);
    }

    function test_RevertWhen_executeClearableTransfer_NotOperator() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _expectAccessDenied(bob, operatorRole);
        vm.prank(bob);
        token.executeClearableTransfer(id);
        _expectAccessDenied(alice, operatorRole);
        vm.prank(alice);
        token.executeClearableTransfer(id);
    }

    function test_RevertWhen_executeClearableTransfer_NotFound() public {
        bytes32 id = token.clearableTransferIdOf(alice, OP);
        _expectNotFound(id);
        _execute(id);
    }

    function test_RevertWhen_executeClearableTransfer_Paused() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _process(id);
        _pause();
        _expectPaused();
        _execute(id);
    }

    function test_RevertWhen_executeClearableTransfer_PayerFrozen() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        _execute(id);
        assertEq(uint8(_status(id)), uint8(IClearable.ClearableStatus.Ordered), "still ordered");
        _assertBalances(alice, ALICE_FUNDS, 30_000);
    }

    function test_RevertWhen_executeClearableTransfer_PayeeFrozen() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _freeze(bob);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, bob));
        _execute(id);
        _assertBalances(alice, ALICE_FUNDS, 30_000);
        // Unfrozen, it goes through.
        vm.prank(compliance);
        token.unfreeze(bob);
        _execute(id);
        _assertBalances(bob, 30_000, 0);
    }

    function test_RevertWhen_executeClearableTransfer_PayeeBalanceLimitReachedMeanwhile() public {
        bytes32 id = _order(alice, OP, dave, 100_000);
        _fund(dave, 200_000);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.BalanceLimitExceeded.selector, dave, 300_000, L0_MAX_BALANCE
            )
        );
        _execute(id);
        _assertBalances(alice, ALICE_FUNDS, 100_000);
        _assertBalances(dave, 200_000, 0);
    }

    function test_RevertWhen_executeClearableTransfer_TierLoweredMeanwhile() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        vm.prank(admin);
        token.setTier(1, L1_MAX_BALANCE, 20_000, L1_MAX_OUTFLOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.TransferLimitExceeded.selector, alice, 30_000, 20_000
            )
        );
        _execute(id);
    }

    function test_RevertWhen_executeClearableTransfer_OutflowUsedMeanwhile() public {
        _fund(alice, 2_900_000); // 3,000,000
        bytes32 id = _order(alice, OP, carol, L1_MAX_TRANSFER);
        vm.startPrank(alice);
        token.transfer(carol, L1_MAX_TRANSFER);
        token.transfer(carol, L1_MAX_TRANSFER);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.OutflowLimitExceeded.selector,
                alice,
                L1_MAX_OUTFLOW + L1_MAX_TRANSFER,
                L1_MAX_OUTFLOW
            )
        );
        _execute(id);
        _assertBalances(alice, L1_MAX_TRANSFER, L1_MAX_TRANSFER);
        // The operator's way out: reject.
        _reject(id);
        _assertBalances(alice, L1_MAX_TRANSFER, 0);
    }

    // ------------------------------------------------------------ rejectClearableTransfer

    function test_rejectClearableTransfer_fromOrdered() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        vm.expectEmit(address(token));
        emit IClearable.ClearableTransferRejected(
            id, alice, bob, 30_000, "KYC review", 0, 0, IClearable.ClearableStatus.Rejected
        );
        _startLogs();
        vm.prank(operator);
        token.rejectClearableTransfer(id, "KYC review");
        _assertLogCount(1);
        _assertOrder(id, alice, alice, bob, 30_000, IClearable.ClearableStatus.Rejected);
        _assertBalances(alice, ALICE_FUNDS, 0);
        _assertBalances(bob, 0, 0);
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
    }

    function test_rejectClearableTransfer_fromInProcess() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _process(id);
        vm.expectEmit(address(token));
        emit IClearable.ClearableTransferRejected(
            id, alice, bob, 30_000, "", 0, 0, IClearable.ClearableStatus.Rejected
        );
        vm.prank(operator);
        token.rejectClearableTransfer(id, "");
        _assertOrder(id, alice, alice, bob, 30_000, IClearable.ClearableStatus.Rejected);
        _assertBalances(alice, ALICE_FUNDS, 0);
    }

    function test_rejectClearableTransfer_payeeFrozen() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _freeze(bob);
        _reject(id);
        _assertBalances(alice, ALICE_FUNDS, 0);
    }

    function test_RevertWhen_rejectClearableTransfer_NotOperator() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _expectAccessDenied(alice, operatorRole);
        vm.prank(alice);
        token.rejectClearableTransfer(id, "no");
    }

    function test_RevertWhen_rejectClearableTransfer_NotFound() public {
        bytes32 id = token.clearableTransferIdOf(alice, OP);
        _expectNotFound(id);
        _reject(id);
    }

    function test_RevertWhen_rejectClearableTransfer_Paused() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _pause();
        _expectPaused();
        _reject(id);
    }

    // ------------------------------------------------------------ event fields: moved, locked, status

    function test_eventFields_ordered() public {
        _startLogs();
        bytes32 id = _order(alice, OP, bob, 30_000);
        (,,, uint256 moved, uint256 locked, IClearable.ClearableStatus status) = abi.decode(
            _recordedEventData(IClearable.ClearableTransferOrdered.selector),
            (address, bytes32, uint256, uint256, uint256, IClearable.ClearableStatus)
        );
        _assertStep(
            moved, locked, uint8(status), 0, 30_000, uint8(IClearable.ClearableStatus.Ordered)
        );
        assertEq(locked, token.balanceOnHold(alice), "locked is what the payer has on hold");
        assertEq(uint8(status), uint8(_status(id)), "status as stored");
    }

    function test_eventFields_inProcess() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _startLogs();
        _process(id);
        (uint256 moved, uint256 locked, uint8 status) =
            _stepOf(IClearable.ClearableTransferInProcess.selector);
        _assertStep(moved, locked, status, 0, 30_000, uint8(IClearable.ClearableStatus.InProcess));
        assertEq(locked, token.balanceOnHold(alice), "still locked on the payer");
    }

    function test_eventFields_executed() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _process(id);
        _startLogs();
        _execute(id);
        (uint256 moved, uint256 locked, uint8 status) =
            _stepOf(IClearable.ClearableTransferExecuted.selector);
        _assertStep(moved, locked, status, 30_000, 0, uint8(IClearable.ClearableStatus.Executed));
        assertEq(ALICE_FUNDS - token.balanceOf(alice), moved, "moved out of the payer");
        assertEq(token.balanceOf(bob), moved, "moved to the payee");
        assertEq(token.balanceOnHold(alice), locked, "nothing stays locked");
    }

    function test_eventFields_rejected() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _process(id);
        _startLogs();
        vm.prank(operator);
        token.rejectClearableTransfer(id, "KYC review");
        (
            ,
            string memory reason,
            uint256 moved,
            uint256 locked,
            IClearable.ClearableStatus status
        ) = abi.decode(
            _recordedEventData(IClearable.ClearableTransferRejected.selector),
            (uint256, string, uint256, uint256, IClearable.ClearableStatus)
        );
        assertEq(reason, "KYC review", "reason before the three fields");
        _assertStep(moved, locked, uint8(status), 0, 0, uint8(IClearable.ClearableStatus.Rejected));
        _assertBalances(alice, ALICE_FUNDS, 0);
    }

    function test_eventFields_cancelled() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _startLogs();
        _cancel(alice, id);
        (uint256 moved, uint256 locked, uint8 status) =
            _stepOf(IClearable.ClearableTransferCancelled.selector);
        _assertStep(moved, locked, status, 0, 0, uint8(IClearable.ClearableStatus.Cancelled));
        _assertBalances(alice, ALICE_FUNDS, 0);
    }

    // ------------------------------------------------------------ operators

    function test_authorizeClearableTransferOperator() public {
        assertFalse(token.isClearableTransferOperatorFor(bob, alice), "before");
        vm.expectEmit(address(token));
        emit IEmTokenCoreTypes.OperatorAuthorized(
            alice, bob, IEmTokenCoreTypes.OperatorScope.Clearable
        );
        vm.prank(alice);
        token.authorizeClearableTransferOperator(bob);
        assertTrue(token.isClearableTransferOperatorFor(bob, alice), "after");
        assertFalse(token.isClearableTransferOperatorFor(alice, bob), "not symmetric");
        assertFalse(token.isClearableTransferOperatorFor(bob, carol), "per wallet");
        assertFalse(token.isTransferOperatorFor(bob, alice), "per scope: transfer");
        assertFalse(token.isHoldOperatorFor(bob, alice), "per scope: hold");
        assertFalse(token.isPayoutOperatorFor(bob, alice), "per scope: payout");
        assertFalse(token.isFundOperatorFor(bob, alice), "per scope: fund");
    }

    function test_revokeClearableTransferOperator() public {
        vm.prank(alice);
        token.authorizeClearableTransferOperator(bob);
        vm.expectEmit(address(token));
        emit IEmTokenCoreTypes.OperatorRevoked(
            alice, bob, IEmTokenCoreTypes.OperatorScope.Clearable
        );
        vm.prank(alice);
        token.revokeClearableTransferOperator(bob);
        assertFalse(token.isClearableTransferOperatorFor(bob, alice), "revoked");
    }

    function test_isClearableTransferOperatorFor_operatorRole() public view {
        assertTrue(token.isClearableTransferOperatorFor(operator, alice), "alice");
        assertTrue(token.isClearableTransferOperatorFor(operator, stranger), "stranger");
        assertFalse(token.isClearableTransferOperatorFor(admin, alice), "admin is not");
        assertFalse(token.isClearableTransferOperatorFor(compliance, alice), "compliance");
    }

    function test_RevertWhen_authorizeClearableTransferOperator_ZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "operator"));
        vm.prank(alice);
        token.authorizeClearableTransferOperator(address(0));
    }

    function test_RevertWhen_authorizeClearableTransferOperator_Self() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.SelfOperator.selector, alice));
        vm.prank(alice);
        token.authorizeClearableTransferOperator(alice);
    }

    function test_RevertWhen_authorizeClearableTransferOperator_Twice() public {
        vm.prank(alice);
        token.authorizeClearableTransferOperator(bob);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.OperatorApprovalUnchanged.selector,
                alice,
                bob,
                IEmTokenCoreTypes.OperatorScope.Clearable,
                true
            )
        );
        vm.prank(alice);
        token.authorizeClearableTransferOperator(bob);
    }

    function test_RevertWhen_revokeClearableTransferOperator_NotAuthorized() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.OperatorApprovalUnchanged.selector,
                alice,
                bob,
                IEmTokenCoreTypes.OperatorScope.Clearable,
                false
            )
        );
        vm.prank(alice);
        token.revokeClearableTransferOperator(bob);
    }

    function test_RevertWhen_revokeClearableTransferOperator_ZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "operator"));
        vm.prank(alice);
        token.revokeClearableTransferOperator(address(0));
    }

    // ------------------------------------------------------------ views

    function test_retrieveClearableTransferData_nonexistent() public view {
        _assertOrder(
            token.clearableTransferIdOf(alice, OP),
            address(0),
            address(0),
            address(0),
            0,
            IClearable.ClearableStatus.Nonexistent
        );
    }

    function test_clearableTransferIdOf() public view {
        assertEq(token.clearableTransferIdOf(alice, OP), keccak256(abi.encode(alice, OP)), "id");
        assertTrue(
            token.clearableTransferIdOf(alice, OP) != token.clearableTransferIdOf(bob, OP),
            "per orderer"
        );
        assertTrue(
            token.clearableTransferIdOf(alice, OP)
                != token.clearableTransferIdOf(alice, _opId("x")),
            "per operation"
        );
    }

    // ------------------------------------------------------------ state machine

    function test_stateMachine_orderedToCancelledIsClosed() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _cancel(alice, id);
        _assertClosed(id, IClearable.ClearableStatus.Cancelled);
    }

    function test_stateMachine_orderedToExecutedIsClosed() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _execute(id);
        _assertClosed(id, IClearable.ClearableStatus.Executed);
    }

    function test_stateMachine_orderedToRejectedIsClosed() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _reject(id);
        _assertClosed(id, IClearable.ClearableStatus.Rejected);
    }

    function test_stateMachine_inProcessToExecutedIsClosed() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _process(id);
        _execute(id);
        _assertClosed(id, IClearable.ClearableStatus.Executed);
    }

    function test_stateMachine_inProcessToRejectedIsClosed() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _process(id);
        _reject(id);
        _assertClosed(id, IClearable.ClearableStatus.Rejected);
    }

    function test_stateMachine_inProcessAcceptsOnlyExecuteOrReject() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        _process(id);
        _expectWrongStatus(id, IClearable.ClearableStatus.InProcess);
        _cancel(alice, id);
        _expectWrongStatus(id, IClearable.ClearableStatus.InProcess);
        _process(id);
        assertEq(uint8(_status(id)), uint8(IClearable.ClearableStatus.InProcess), "in process");
        _assertBalances(alice, ALICE_FUNDS, 30_000);
    }

    // ------------------------------------------------------------ edges

    function test_systemHold_notReachableThroughHoldFunctions() public {
        bytes32 id = _order(alice, OP, bob, 30_000);
        assertEq(token.balanceOnHold(alice), 30_000, "counts in balanceOnHold");

        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldNotFound.selector, id));
        vm.prank(operator);
        token.executeHold(id, 30_000);
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldNotFound.selector, id));
        vm.prank(operator);
        token.executeHoldAndKeepOpen(id, 1);
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldNotFound.selector, id));
        vm.prank(alice);
        token.releaseHold(id);
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldNotFound.selector, id));
        vm.prank(bob);
        token.releaseHold(id);
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldNotFound.selector, id));
        vm.prank(operator);
        token.releaseHold(id);
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldNotFound.selector, id));
        vm.prank(alice);
        token.renewHold(id, 3600);
        vm.expectRevert(abi.encodeWithSelector(IHoldable.HoldNotFound.selector, id));
        vm.prank(operator);
        token.renewHoldWithExpirationDate(id, block.timestamp + 3600);
        assertEq(
            uint8(token.retrieveHoldData(id).status),
            uint8(IHoldable.HoldStatus.Nonexistent),
            "no hold record"
        );

        _assertBalances(alice, ALICE_FUNDS, 30_000);
        assertEq(uint8(_status(id)), uint8(IClearable.ClearableStatus.Ordered), "untouched");
    }

    function test_systemHold_blocksSpendingLockedFunds() public {
        _order(alice, OP, bob, 30_000);
        _expectInsufficient(alice, 70_000, 70_001);
        vm.prank(alice);
        token.transfer(carol, 70_001);
        vm.prank(alice);
        token.approve(carol, ALICE_FUNDS);
        _expectInsufficient(alice, 70_000, ALICE_FUNDS);
        vm.prank(carol);
        token.transferFrom(alice, carol, ALICE_FUNDS);
        _expectInsufficient(alice, 70_000, 70_001);
        vm.prank(operator);
        token.operatorTransfer(_opId("t"), alice, carol, 70_001);
        // The free part still moves.
        vm.prank(alice);
        token.transfer(carol, 70_000);
        _assertBalances(alice, 30_000, 30_000);
    }

    function test_systemHold_holdWithSameIdIsSeparate() public {
        // Same issuer and operation id in two namespaces: same key, separate records.
        bytes32 orderId = _order(alice, OP, bob, 30_000);
        vm.prank(alice);
        bytes32 holdId = token.hold(OP, bob, notary, 20_000, 0);
        assertEq(holdId, orderId, "same derived key");
        _assertBalances(alice, ALICE_FUNDS, 50_000);

        vm.prank(notary);
        token.releaseHold(holdId);
        _assertBalances(alice, ALICE_FUNDS, 30_000);
        assertEq(uint8(_status(orderId)), uint8(IClearable.ClearableStatus.Ordered), "order open");

        _execute(orderId);
        _assertBalances(alice, 70_000, 0);
        _assertBalances(bob, 30_000, 0);
    }

    function test_idSquatting_impossible() public {
        _fund(bob, 50_000);
        // bob front-runs alice's operation id: his record, not hers.
        bytes32 bobId = _order(bob, OP, carol, 10_000);
        bytes32 aliceId = _order(alice, OP, carol, 20_000);
        assertTrue(aliceId != bobId, "two records");
        _assertOrder(bobId, bob, bob, carol, 10_000, IClearable.ClearableStatus.Ordered);
        _assertOrder(aliceId, alice, alice, carol, 20_000, IClearable.ClearableStatus.Ordered);

        // A transfer operator's id is its own too.
        vm.prank(operator);
        bytes32 opIdRecord = token.orderTransferFrom(OP, alice, carol, 5000);
        assertTrue(opIdRecord != aliceId && opIdRecord != bobId, "operator's record");
        _assertBalances(alice, ALICE_FUNDS, 25_000);

        _execute(aliceId);
        _assertBalances(carol, 20_000, 0);
        _assertOrder(bobId, bob, bob, carol, 10_000, IClearable.ClearableStatus.Ordered);
    }

    function test_orderCountsAgainstLaterCommitments() public {
        _order(alice, OP, bob, 60_000);
        _expectInsufficient(alice, 40_000, 50_000);
        vm.prank(alice);
        token.hold(_opId("h"), bob, notary, 50_000, 0);
        _expectInsufficient(alice, 40_000, 50_000);
        vm.prank(alice);
        token.orderPayout(_opId("p"), 50_000, bytes32(0));
    }

    // ------------------------------------------------------------ fuzz

    function _actor(uint256 seed) internal view returns (address) {
        address[4] memory actors = [alice, bob, carol, dave];
        return actors[seed % 4];
    }

    /// @dev The largest amount `wallet`'s tier lets it send in one go (carol: unlimited, kept sane).
    function _maxSend(address wallet) internal view returns (uint256) {
        if (wallet == carol) return 1e12;
        if (wallet == dave) return L0_MAX_TRANSFER;
        return L1_MAX_TRANSFER;
    }

    function _maxBalance(address wallet) internal view returns (uint256) {
        if (wallet == carol) return 1e12;
        if (wallet == dave) return L0_MAX_BALANCE;
        return L1_MAX_BALANCE;
    }

    function _assertAccounting() internal view {
        address[6] memory accounts = [alice, bob, carol, dave, suspense, operator];
        uint256 balances;
        uint256 held;
        for (uint256 i; i < accounts.length; ++i) {
            uint256 b = token.balanceOf(accounts[i]);
            uint256 h = token.balanceOnHold(accounts[i]);
            assertLe(h, b, "held <= balance");
            assertEq(token.availableBalanceOf(accounts[i]), b - h, "available");
            balances += b;
            held += h;
        }
        assertEq(balances, token.totalSupply(), "sum of balances == totalSupply");
        assertEq(held, token.totalSupplyOnHold(), "sum of holds == totalSupplyOnHold");
    }

    function testFuzz_orderThenCloseTransfer(
        uint256 payerSeed,
        uint256 payeeSeed,
        uint256 extra,
        uint256 value,
        uint8 path
    ) public {
        payerSeed = bound(payerSeed, 0, 3);
        address payer = _actor(payerSeed);
        address payee = _actor(payerSeed + 1 + bound(payeeSeed, 0, 2));
        uint256 payeeStart = token.balanceOf(payee);
        uint256 payerStart = token.balanceOf(payer);
        // Fund the payer within its balance limit.
        extra = bound(extra, 0, _maxBalance(payer) - payerStart);
        if (extra != 0) _fund(payer, extra);
        payerStart += extra;
        vm.assume(payerStart != 0);
        uint256 cap = payerStart;
        if (_maxSend(payer) < cap) cap = _maxSend(payer);
        if (_maxBalance(payee) - payeeStart < cap) cap = _maxBalance(payee) - payeeStart;
        vm.assume(cap != 0);
        value = bound(value, 1, cap);
        uint256 supply = token.totalSupply();

        bytes32 id = _order(payer, OP, payee, value);
        _assertBalances(payer, payerStart, value);
        _assertAccounting();

        path = uint8(bound(path, 0, 4));
        if (path >= 3) {
            _process(id);
            _assertBalances(payer, payerStart, value);
            _assertAccounting();
        }
        if (path == 0) _cancel(payer, id);
        else if (path == 1 || path == 3) _execute(id);
        else _reject(id);

        bool executed = path == 1 || path == 3;
        _assertBalances(payer, executed ? payerStart - value : payerStart, 0);
        _assertBalances(payee, executed ? payeeStart + value : payeeStart, 0);
        assertEq(token.totalSupply(), supply, "supply unchanged");
        assertEq(token.totalSupplyOnHold(), 0, "nothing held");
        _assertAccounting();
    }

    function testFuzz_orderTransfer_availableBalance(uint256 balance, uint256 held, uint256 value)
        public
    {
        balance = bound(balance, 1, 1e15);
        held = bound(held, 0, balance);
        value = bound(value, 1, 2e15);
        _fund(carol, balance);
        // The other wallets have a balance cap: pay an unlimited one.
        address erin = makeAddr("erin");
        _register(erin, 2);
        if (held != 0) {
            vm.prank(carol);
            token.hold(_opId("h"), erin, notary, held, 0);
        }
        uint256 available = balance - held;
        if (value > available) _expectInsufficient(carol, available, value);
        vm.prank(carol);
        token.orderTransfer(OP, erin, value);
        _assertBalances(carol, balance, value > available ? held : held + value);
        _assertAccounting();
    }

    function testFuzz_orderTransfer_commitLimits(uint256 value) public {
        value = bound(value, 1, L1_MAX_BALANCE);
        _fund(alice, L1_MAX_BALANCE - ALICE_FUNDS);
        if (value > L1_MAX_TRANSFER) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICompliance.TransferLimitExceeded.selector, alice, value, L1_MAX_TRANSFER
                )
            );
        } else if (value > L0_MAX_BALANCE) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICompliance.BalanceLimitExceeded.selector, dave, value, L0_MAX_BALANCE
                )
            );
        }
        vm.prank(alice);
        token.orderTransfer(OP, dave, value);
        uint256 held = value > L0_MAX_BALANCE ? 0 : value;
        _assertBalances(alice, L1_MAX_BALANCE, held);
        _assertAccounting();
    }
}
