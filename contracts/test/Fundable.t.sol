// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {ICompliance} from "../src/interfaces/ICompliance.sol";
import {IEmTokenCore, IEmTokenCoreTypes} from "../src/interfaces/IEmTokenCore.sol";
import {IFundable} from "../src/interfaces/IFundable.sol";
import {EmTokenTest} from "./utils/EmTokenTest.sol";

/// @notice Cash-in (EIP-2019 shape) and direct mints: unit tests of every function, the state machine,
/// compliance and the supply cap at mint time, and fuzzing of mint and fund-order paths.
contract FundableTest is EmTokenTest {
    bytes32 internal constant OP = keccak256("fund-1");
    bytes32 internal constant INSTRUCTIONS = keccak256("SEPA EUR, ref 42");
    bytes32 internal constant REF = keccak256("card-payment-7");
    uint256 internal constant MAX_SUPPLY = type(uint96).max;

    bytes32 internal operatorRole;

    function setUp() public override {
        super.setUp();
        operatorRole = token.OPERATOR_ROLE();
    }

    // ------------------------------------------------------------ helpers

    function _orderFund(address wallet, bytes32 opId, uint256 value) internal returns (bytes32 id) {
        vm.prank(wallet);
        id = token.orderFund(opId, value, INSTRUCTIONS);
    }

    function _process(bytes32 id) internal {
        vm.prank(operator);
        token.processFund(id);
    }

    function _execute(bytes32 id) internal {
        vm.prank(operator);
        token.executeFund(id);
    }

    function _reject(bytes32 id) internal {
        vm.prank(operator);
        token.rejectFund(id, "no");
    }

    function _cancel(address caller, bytes32 id) internal {
        vm.prank(caller);
        token.cancelFund(id);
    }

    function _assertFund(
        bytes32 id,
        address orderer,
        address wallet,
        uint256 value,
        IFundable.FundStatus status
    ) internal view {
        IFundable.FundData memory d = token.retrieveFundData(id);
        assertEq(d.orderer, orderer, "orderer");
        assertEq(d.walletToFund, wallet, "walletToFund");
        assertEq(d.value, value, "value");
        assertEq(uint8(d.status), uint8(status), "status");
    }

    function _status(bytes32 id) internal view returns (IFundable.FundStatus) {
        return token.retrieveFundData(id).status;
    }

    function _expectWrongStatus(bytes32 id, IFundable.FundStatus status) internal {
        vm.expectRevert(abi.encodeWithSelector(IFundable.FundWrongStatus.selector, id, status));
    }

    function _expectNotFound(bytes32 id) internal {
        vm.expectRevert(abi.encodeWithSelector(IFundable.FundNotFound.selector, id));
    }

    function _expectPaused() internal {
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
    }

    /// @dev A closed fund order accepts no step: cancel (by its wallet), process, execute, reject.
    function _assertClosed(bytes32 id, IFundable.FundStatus status) internal {
        IFundable.FundData memory d = token.retrieveFundData(id);
        uint256 balance = token.balanceOf(d.walletToFund);
        uint256 supply = token.totalSupply();

        _expectWrongStatus(id, status);
        _cancel(d.walletToFund, id);
        _expectWrongStatus(id, status);
        _process(id);
        _expectWrongStatus(id, status);
        _execute(id);
        _expectWrongStatus(id, status);
        _reject(id);

        assertEq(uint8(_status(id)), uint8(status), "status unchanged");
        assertEq(token.balanceOf(d.walletToFund), balance, "balance unchanged");
        assertEq(token.totalSupply(), supply, "supply unchanged");
    }

    function _assertLogCount(uint256 n) internal {
        assertEq(vm.getRecordedLogs().length, n, "events emitted");
    }

    // ------------------------------------------------------------ orderFund

    function test_orderFund() public {
        bytes32 expectedId = keccak256(abi.encode(alice, OP));
        vm.expectEmit(address(token));
        emit IFundable.FundOrdered(
            expectedId, alice, alice, OP, 50_000, INSTRUCTIONS, 0, 0, IFundable.FundStatus.Ordered
        );
        _startLogs();
        vm.prank(alice);
        bytes32 id = token.orderFund(OP, 50_000, INSTRUCTIONS);
        _assertLogCount(1);

        assertEq(id, expectedId, "id");
        assertEq(id, token.fundIdOf(alice, OP), "fundIdOf");
        _assertFund(id, alice, alice, 50_000, IFundable.FundStatus.Ordered);
        _assertBalances(alice, 0, 0);
        assertEq(token.totalSupply(), 0, "nothing minted");
        assertEq(token.totalSupplyOnHold(), 0, "nothing held");
    }

    function test_orderFund_balanceLimitNotCheckedAtOrder() public {
        // Documented choice: the balance limit applies when the money is minted.
        bytes32 id = _orderFund(dave, OP, L0_MAX_BALANCE + 1);
        _assertFund(id, dave, dave, L0_MAX_BALANCE + 1, IFundable.FundStatus.Ordered);
    }

    function test_orderFund_maxSupply() public {
        bytes32 id = _orderFund(carol, OP, MAX_SUPPLY);
        _assertFund(id, carol, carol, MAX_SUPPLY, IFundable.FundStatus.Ordered);
    }

    function test_RevertWhen_orderFund_ZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAmount.selector));
        vm.prank(alice);
        token.orderFund(OP, 0, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFund_AboveSupplyCap() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.SupplyCapExceeded.selector, MAX_SUPPLY + 1, MAX_SUPPLY
            )
        );
        vm.prank(carol);
        token.orderFund(OP, MAX_SUPPLY + 1, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFund_NotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger));
        vm.prank(stranger);
        token.orderFund(OP, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFund_Frozen() public {
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        vm.prank(alice);
        token.orderFund(OP, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFund_Exists() public {
        bytes32 id = _orderFund(alice, OP, 1000);
        vm.expectRevert(abi.encodeWithSelector(IFundable.FundExists.selector, id));
        vm.prank(alice);
        token.orderFund(OP, 2000, bytes32(0));
    }

    function test_RevertWhen_orderFund_ExistsAfterClosed() public {
        bytes32 id = _orderFund(alice, OP, 1000);
        _execute(id);
        vm.expectRevert(abi.encodeWithSelector(IFundable.FundExists.selector, id));
        vm.prank(alice);
        token.orderFund(OP, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFund_Paused() public {
        _pause();
        _expectPaused();
        vm.prank(alice);
        token.orderFund(OP, 1000, INSTRUCTIONS);
    }

    // ------------------------------------------------------------ orderFundFrom

    function test_orderFundFrom_byOperatorRole() public {
        bytes32 expectedId = keccak256(abi.encode(operator, OP));
        vm.expectEmit(address(token));
        emit IFundable.FundOrdered(
            expectedId,
            alice,
            operator,
            OP,
            70_000,
            INSTRUCTIONS,
            0,
            0,
            IFundable.FundStatus.Ordered
        );
        vm.prank(operator);
        bytes32 id = token.orderFundFrom(OP, alice, 70_000, INSTRUCTIONS);
        assertEq(id, expectedId, "id");
        assertEq(id, token.fundIdOf(operator, OP), "fundIdOf");
        _assertFund(id, operator, alice, 70_000, IFundable.FundStatus.Ordered);
        _execute(id);
        _assertBalances(alice, 70_000, 0);
        _assertBalances(operator, 0, 0);
    }

    function test_orderFundFrom_byAuthorizedOperator() public {
        vm.prank(alice);
        token.authorizeFundOperator(bob);
        bytes32 expectedId = keccak256(abi.encode(bob, OP));
        vm.expectEmit(address(token));
        emit IFundable.FundOrdered(
            expectedId, alice, bob, OP, 10_000, INSTRUCTIONS, 0, 0, IFundable.FundStatus.Ordered
        );
        vm.prank(bob);
        bytes32 id = token.orderFundFrom(OP, alice, 10_000, INSTRUCTIONS);
        _assertFund(id, bob, alice, 10_000, IFundable.FundStatus.Ordered);
    }

    function test_RevertWhen_orderFundFrom_NotOperator() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.NotOperatorFor.selector,
                bob,
                alice,
                IEmTokenCoreTypes.OperatorScope.Fund
            )
        );
        vm.prank(bob);
        token.orderFundFrom(OP, alice, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFundFrom_OtherScopeOnly() public {
        vm.startPrank(alice);
        token.authorizeTransferOperator(bob);
        token.authorizeClearableTransferOperator(bob);
        token.authorizePayoutOperator(bob);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.NotOperatorFor.selector,
                bob,
                alice,
                IEmTokenCoreTypes.OperatorScope.Fund
            )
        );
        vm.prank(bob);
        token.orderFundFrom(OP, alice, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFundFrom_Revoked() public {
        vm.startPrank(alice);
        token.authorizeFundOperator(bob);
        token.revokeFundOperator(bob);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.NotOperatorFor.selector,
                bob,
                alice,
                IEmTokenCoreTypes.OperatorScope.Fund
            )
        );
        vm.prank(bob);
        token.orderFundFrom(OP, alice, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFundFrom_ZeroAddress() public {
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "walletToFund")
        );
        vm.prank(operator);
        token.orderFundFrom(OP, address(0), 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFundFrom_ZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAmount.selector));
        vm.prank(operator);
        token.orderFundFrom(OP, alice, 0, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFundFrom_NotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger));
        vm.prank(operator);
        token.orderFundFrom(OP, stranger, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFundFrom_SuspenseAccount() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, suspense));
        vm.prank(operator);
        token.orderFundFrom(OP, suspense, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFundFrom_Frozen() public {
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        vm.prank(operator);
        token.orderFundFrom(OP, alice, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFundFrom_Exists() public {
        vm.prank(operator);
        bytes32 id = token.orderFundFrom(OP, alice, 1000, INSTRUCTIONS);
        vm.expectRevert(abi.encodeWithSelector(IFundable.FundExists.selector, id));
        vm.prank(operator);
        token.orderFundFrom(OP, bob, 1000, INSTRUCTIONS);
    }

    function test_RevertWhen_orderFundFrom_Paused() public {
        _pause();
        _expectPaused();
        vm.prank(operator);
        token.orderFundFrom(OP, alice, 1000, INSTRUCTIONS);
    }

    // ------------------------------------------------------------ cancelFund

    function test_cancelFund_byWallet() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        vm.expectEmit(address(token));
        emit IFundable.FundCancelled(id, alice, 50_000, 0, 0, IFundable.FundStatus.Cancelled);
        _startLogs();
        _cancel(alice, id);
        _assertLogCount(1);
        _assertFund(id, alice, alice, 50_000, IFundable.FundStatus.Cancelled);
        _assertBalances(alice, 0, 0);
        assertEq(token.totalSupply(), 0, "nothing minted");
    }

    function test_cancelFund_byOrderer() public {
        vm.prank(alice);
        token.authorizeFundOperator(bob);
        vm.prank(bob);
        bytes32 id = token.orderFundFrom(OP, alice, 50_000, INSTRUCTIONS);
        vm.expectEmit(address(token));
        emit IFundable.FundCancelled(id, alice, 50_000, 0, 0, IFundable.FundStatus.Cancelled);
        _cancel(bob, id);
        _assertFund(id, bob, alice, 50_000, IFundable.FundStatus.Cancelled);
    }

    function test_cancelFund_byWalletOfOperatorOrder() public {
        vm.prank(operator);
        bytes32 id = token.orderFundFrom(OP, alice, 50_000, INSTRUCTIONS);
        vm.expectEmit(address(token));
        emit IFundable.FundCancelled(id, alice, 50_000, 0, 0, IFundable.FundStatus.Cancelled);
        _cancel(alice, id);
        _assertFund(id, operator, alice, 50_000, IFundable.FundStatus.Cancelled);
    }

    function test_RevertWhen_cancelFund_ByOther() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        vm.expectRevert(abi.encodeWithSelector(IFundable.FundCancelNotAllowed.selector, id, bob));
        _cancel(bob, id);
        vm.expectRevert(
            abi.encodeWithSelector(IFundable.FundCancelNotAllowed.selector, id, operator)
        );
        _cancel(operator, id);
    }

    function test_RevertWhen_cancelFund_NotFound() public {
        bytes32 id = token.fundIdOf(alice, OP);
        _expectNotFound(id);
        _cancel(alice, id);
    }

    function test_RevertWhen_cancelFund_InProcess() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _process(id);
        _expectWrongStatus(id, IFundable.FundStatus.InProcess);
        _cancel(alice, id);
    }

    function test_RevertWhen_cancelFund_Paused() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _pause();
        _expectPaused();
        _cancel(alice, id);
    }

    // ------------------------------------------------------------ processFund

    function test_processFund() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        vm.expectEmit(address(token));
        emit IFundable.FundInProcess(id, alice, 50_000, 0, 0, IFundable.FundStatus.InProcess);
        _startLogs();
        _process(id);
        _assertLogCount(1);
        _assertFund(id, alice, alice, 50_000, IFundable.FundStatus.InProcess);
        assertEq(token.totalSupply(), 0, "nothing minted");
    }

    function test_RevertWhen_processFund_NotOperator() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _expectAccessDenied(alice, operatorRole);
        vm.prank(alice);
        token.processFund(id);
        _expectAccessDenied(admin, operatorRole);
        vm.prank(admin);
        token.processFund(id);
    }

    function test_RevertWhen_processFund_NotFound() public {
        bytes32 id = token.fundIdOf(alice, OP);
        _expectNotFound(id);
        _process(id);
    }

    function test_RevertWhen_processFund_InProcess() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _process(id);
        _expectWrongStatus(id, IFundable.FundStatus.InProcess);
        _process(id);
    }

    function test_RevertWhen_processFund_Paused() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _pause();
        _expectPaused();
        _process(id);
    }

    // ------------------------------------------------------------ executeFund

    function test_executeFund_fromOrdered() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(0), alice, 50_000);
        vm.expectEmit(address(token));
        emit IFundable.FundExecuted(id, alice, 50_000, 50_000, 0, IFundable.FundStatus.Executed);
        _startLogs();
        _execute(id);
        _assertLogCount(2); // Transfer + FundExecuted, no twin Minted
        _assertFund(id, alice, alice, 50_000, IFundable.FundStatus.Executed);
        _assertBalances(alice, 50_000, 0);
        assertEq(token.totalSupply(), 50_000, "totalSupply");
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
    }

    function test_executeFund_fromInProcess() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _process(id);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(0), alice, 50_000);
        vm.expectEmit(address(token));
        emit IFundable.FundExecuted(id, alice, 50_000, 50_000, 0, IFundable.FundStatus.Executed);
        _execute(id);
        _assertFund(id, alice, alice, 50_000, IFundable.FundStatus.Executed);
        _assertBalances(alice, 50_000, 0);
        assertEq(token.totalSupply(), 50_000, "totalSupply");
    }

    function test_executeFund_upToMaxBalance() public {
        _fund(dave, 200_000);
        bytes32 id = _orderFund(dave, OP, 50_000);
        _execute(id);
        _assertBalances(dave, L0_MAX_BALANCE, 0);
    }

    function test_executeFund_keepsExistingHolds() public {
        _fund(alice, 30_000);
        vm.prank(alice);
        token.hold(_opId("h"), bob, notary, 20_000, 0);
        bytes32 id = _orderFund(alice, OP, 50_000);
        _execute(id);
        _assertBalances(alice, 80_000, 20_000);
    }

    function test_RevertWhen_executeFund_NotOperator() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _expectAccessDenied(alice, operatorRole);
        vm.prank(alice);
        token.executeFund(id);
        _expectAccessDenied(compliance, operatorRole);
        vm.prank(compliance);
        token.executeFund(id);
    }

    function test_RevertWhen_executeFund_NotFound() public {
        bytes32 id = token.fundIdOf(alice, OP);
        _expectNotFound(id);
        _execute(id);
    }

    function test_RevertWhen_executeFund_Paused() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _pause();
        _expectPaused();
        _execute(id);
    }

    function test_RevertWhen_executeFund_AtMaxBalance() public {
        _fund(dave, L0_MAX_BALANCE);
        bytes32 id = _orderFund(dave, OP, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.BalanceLimitExceeded.selector, dave, L0_MAX_BALANCE + 1, L0_MAX_BALANCE
            )
        );
        _execute(id);
        assertEq(uint8(_status(id)), uint8(IFundable.FundStatus.Ordered), "still ordered");
        _assertBalances(dave, L0_MAX_BALANCE, 0);
    }

    function test_RevertWhen_executeFund_WalletFrozenMeanwhile() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _process(id);
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        _execute(id);
        assertEq(uint8(_status(id)), uint8(IFundable.FundStatus.InProcess), "still in process");
        vm.prank(compliance);
        token.unfreeze(alice);
        _execute(id);
        _assertBalances(alice, 50_000, 0);
    }

    function test_RevertWhen_executeFund_AboveSupplyCap() public {
        bytes32 id = _orderFund(carol, OP, MAX_SUPPLY);
        _fund(bob, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.SupplyCapExceeded.selector, MAX_SUPPLY + 1, MAX_SUPPLY
            )
        );
        _execute(id);
        assertEq(token.totalSupply(), 1, "totalSupply");
    }

    function test_executeFund_exactlyMaxSupply() public {
        bytes32 id = _orderFund(carol, OP, MAX_SUPPLY);
        _execute(id);
        assertEq(token.totalSupply(), MAX_SUPPLY, "totalSupply");
        _assertBalances(carol, MAX_SUPPLY, 0);
    }

    // ------------------------------------------------------------ rejectFund

    function test_rejectFund_fromOrdered() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        vm.expectEmit(address(token));
        emit IFundable.FundRejected(
            id, alice, 50_000, "money not received", 0, 0, IFundable.FundStatus.Rejected
        );
        _startLogs();
        vm.prank(operator);
        token.rejectFund(id, "money not received");
        _assertLogCount(1);
        _assertFund(id, alice, alice, 50_000, IFundable.FundStatus.Rejected);
        _assertBalances(alice, 0, 0);
        assertEq(token.totalSupply(), 0, "nothing minted");
    }

    function test_rejectFund_fromInProcess() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _process(id);
        vm.expectEmit(address(token));
        emit IFundable.FundRejected(id, alice, 50_000, "", 0, 0, IFundable.FundStatus.Rejected);
        vm.prank(operator);
        token.rejectFund(id, "");
        _assertFund(id, alice, alice, 50_000, IFundable.FundStatus.Rejected);
        assertEq(token.totalSupply(), 0, "nothing minted");
    }

    function test_rejectFund_walletFrozen() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _freeze(alice);
        _reject(id);
        _assertFund(id, alice, alice, 50_000, IFundable.FundStatus.Rejected);
    }

    function test_RevertWhen_rejectFund_NotOperator() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _expectAccessDenied(alice, operatorRole);
        vm.prank(alice);
        token.rejectFund(id, "no");
    }

    function test_RevertWhen_rejectFund_NotFound() public {
        bytes32 id = token.fundIdOf(alice, OP);
        _expectNotFound(id);
        _reject(id);
    }

    function test_RevertWhen_rejectFund_Paused() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _pause();
        _expectPaused();
        _reject(id);
    }

    // ------------------------------------------------------------ mint

    function test_mint_card() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(0), alice, 12_345);
        vm.expectEmit(address(token));
        emit IFundable.Minted(alice, 12_345, IFundable.MintKind.Card, REF);
        _startLogs();
        assertFalse(token.isMintReferenceUsed(REF), "fresh reference");
        vm.prank(operator);
        token.mint(alice, 12_345, 0, REF);
        _assertLogCount(2);
        assertTrue(token.isMintReferenceUsed(REF), "reference used");
        _assertBalances(alice, 12_345, 0);
        assertEq(token.totalSupply(), 12_345, "totalSupply");
        assertEq(token.totalSupplyOnHold(), 0, "totalSupplyOnHold");
    }

    function test_mint_bankTransfer() public {
        bytes32 ref = keccak256("SEPA-E2E-0001");
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(0), bob, 99_900);
        vm.expectEmit(address(token));
        emit IFundable.Minted(bob, 99_900, IFundable.MintKind.BankTransfer, ref);
        vm.prank(operator);
        token.mint(bob, 99_900, 1, ref);
        _assertBalances(bob, 99_900, 0);
        assertEq(token.totalSupply(), 99_900, "totalSupply");
    }

    function test_RevertWhen_mint_ZeroPaymentReference() public {
        vm.expectRevert(abi.encodeWithSelector(IFundable.ZeroPaymentReference.selector));
        vm.prank(operator);
        token.mint(alice, 1, 0, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IFundable.ZeroPaymentReference.selector));
        vm.prank(operator);
        token.mint(alice, 1, 1, bytes32(0));
        assertEq(token.totalSupply(), 0, "nothing minted");
        assertFalse(token.isMintReferenceUsed(bytes32(0)), "zero never used");
    }

    function test_RevertWhen_mint_MintReferenceUsed() public {
        vm.prank(operator);
        token.mint(alice, 1000, 0, REF);
        _startLogs();
        vm.expectRevert(abi.encodeWithSelector(IFundable.MintReferenceUsed.selector, REF));
        vm.prank(operator);
        token.mint(alice, 1000, 0, REF);
        _assertLogCount(0);
        _assertBalances(alice, 1000, 0);
        assertEq(token.totalSupply(), 1000, "minted once");
    }

    /// @dev One namespace for every kind and every wallet: a card reference cannot be replayed as a
    /// bank transfer, nor to another wallet.
    function test_RevertWhen_mint_MintReferenceUsedByOtherKindOrWallet() public {
        vm.prank(operator);
        token.mint(alice, 1000, 0, REF);
        vm.expectRevert(abi.encodeWithSelector(IFundable.MintReferenceUsed.selector, REF));
        vm.prank(operator);
        token.mint(alice, 1000, 1, REF);
        vm.expectRevert(abi.encodeWithSelector(IFundable.MintReferenceUsed.selector, REF));
        vm.prank(operator);
        token.mint(bob, 500, 0, REF);
        vm.expectRevert(abi.encodeWithSelector(IFundable.MintReferenceUsed.selector, REF));
        vm.prank(operator);
        token.mint(carol, 7, 1, REF);
        _assertBalances(alice, 1000, 0);
        _assertBalances(bob, 0, 0);
        _assertBalances(carol, 0, 0);
        assertEq(token.totalSupply(), 1000, "minted once");
    }

    /// @dev A refused mint does not use its reference: the cash-in can be minted once the cause is gone.
    function test_mint_refusedMintLeavesReferenceUnused() public {
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        vm.prank(operator);
        token.mint(alice, 1000, 0, REF);
        assertFalse(token.isMintReferenceUsed(REF), "unused");
        vm.prank(compliance);
        token.unfreeze(alice);
        vm.prank(operator);
        token.mint(alice, 1000, 0, REF);
        assertTrue(token.isMintReferenceUsed(REF), "used");
        _assertBalances(alice, 1000, 0);
    }

    /// @dev A reference is a mint's own: fund orders (executed by id) neither use nor need one.
    function test_executeFund_usesNoMintReference() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _execute(id);
        assertFalse(token.isMintReferenceUsed(id), "order id is no mint reference");
        vm.prank(operator);
        token.mint(alice, 1000, 1, REF);
        _assertBalances(alice, 51_000, 0);
    }

    function test_mint_upToMaxBalance() public {
        vm.prank(operator);
        token.mint(dave, L0_MAX_BALANCE, 1, REF);
        _assertBalances(dave, L0_MAX_BALANCE, 0);
    }

    function test_mint_exactlyMaxSupply() public {
        vm.prank(operator);
        token.mint(carol, MAX_SUPPLY, 1, REF);
        assertEq(token.totalSupply(), MAX_SUPPLY, "totalSupply");
        _assertBalances(carol, MAX_SUPPLY, 0);
    }

    function test_mint_notRecordedAsOutflow() public {
        vm.prank(operator);
        token.mint(dave, L0_MAX_BALANCE, 0, REF);
        (uint256 outflow, uint256 start) = token.outflowOf(dave);
        assertEq(outflow, 0, "outflow");
        assertEq(start, 0, "period");
    }

    function test_RevertWhen_mint_InvalidMintKind() public {
        vm.expectRevert(abi.encodeWithSelector(IFundable.InvalidMintKind.selector, uint8(2)));
        vm.prank(operator);
        token.mint(alice, 1000, 2, REF);
        vm.expectRevert(abi.encodeWithSelector(IFundable.InvalidMintKind.selector, uint8(255)));
        vm.prank(operator);
        token.mint(alice, 1000, 255, REF);
        assertEq(token.totalSupply(), 0, "nothing minted");
    }

    function test_RevertWhen_mint_ZeroAmount() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAmount.selector));
        vm.prank(operator);
        token.mint(alice, 0, 0, REF);
    }

    function test_RevertWhen_mint_ZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "to"));
        vm.prank(operator);
        token.mint(address(0), 1000, 0, REF);
    }

    function test_RevertWhen_mint_NotRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger));
        vm.prank(operator);
        token.mint(stranger, 1000, 0, REF);
    }

    function test_RevertWhen_mint_ToSuspenseAccount() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, suspense));
        vm.prank(operator);
        token.mint(suspense, 1000, 0, REF);
    }

    function test_RevertWhen_mint_Frozen() public {
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, alice));
        vm.prank(operator);
        token.mint(alice, 1000, 1, REF);
    }

    function test_RevertWhen_mint_AboveMaxBalance() public {
        _fund(dave, 200_000);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.BalanceLimitExceeded.selector, dave, 250_001, L0_MAX_BALANCE
            )
        );
        vm.prank(operator);
        token.mint(dave, 50_001, 0, REF);
    }

    function test_RevertWhen_mint_AboveSupplyCap() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.SupplyCapExceeded.selector, MAX_SUPPLY + 1, MAX_SUPPLY
            )
        );
        vm.prank(operator);
        token.mint(carol, MAX_SUPPLY + 1, 0, REF);
    }

    function test_RevertWhen_mint_AboveSupplyCapCumulative() public {
        vm.prank(operator);
        token.mint(carol, MAX_SUPPLY - 10, 0, REF);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.SupplyCapExceeded.selector, MAX_SUPPLY + 1, MAX_SUPPLY
            )
        );
        vm.prank(operator);
        token.mint(alice, 11, 0, keccak256("card-payment-8"));
        vm.prank(operator);
        token.mint(alice, 10, 0, keccak256("card-payment-8"));
        assertEq(token.totalSupply(), MAX_SUPPLY, "totalSupply");
    }

    function test_RevertWhen_mint_NotOperator() public {
        _expectAccessDenied(alice, operatorRole);
        vm.prank(alice);
        token.mint(alice, 1000, 0, REF);
        _expectAccessDenied(admin, operatorRole);
        vm.prank(admin);
        token.mint(alice, 1000, 0, REF);
        _expectAccessDenied(compliance, operatorRole);
        vm.prank(compliance);
        token.mint(alice, 1000, 0, REF);
    }

    function test_RevertWhen_mint_Paused() public {
        _pause();
        _expectPaused();
        vm.prank(operator);
        token.mint(alice, 1000, 0, REF);
    }

    // ------------------------------------------------------------ event fields: moved, locked, status

    function test_eventFields_ordered() public {
        _startLogs();
        bytes32 id = _orderFund(alice, OP, 50_000);
        (,, bytes32 instructions, uint256 moved, uint256 locked, IFundable.FundStatus status) = abi.decode(
            _recordedEventData(IFundable.FundOrdered.selector),
            (bytes32, uint256, bytes32, uint256, uint256, IFundable.FundStatus)
        );
        assertEq(instructions, INSTRUCTIONS, "instructionsHash before the three fields");
        _assertStep(moved, locked, uint8(status), 0, 0, uint8(IFundable.FundStatus.Ordered));
        assertEq(uint8(status), uint8(_status(id)), "status as stored");
    }

    function test_eventFields_inProcess() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _startLogs();
        _process(id);
        (uint256 moved, uint256 locked, uint8 status) = _stepOf(IFundable.FundInProcess.selector);
        _assertStep(moved, locked, status, 0, 0, uint8(IFundable.FundStatus.InProcess));
    }

    function test_eventFields_executed() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _process(id);
        uint256 supply = token.totalSupply();
        _startLogs();
        _execute(id);
        (uint256 moved, uint256 locked, uint8 status) = _stepOf(IFundable.FundExecuted.selector);
        _assertStep(moved, locked, status, 50_000, 0, uint8(IFundable.FundStatus.Executed));
        assertEq(token.totalSupply() - supply, moved, "moved is what was minted");
        assertEq(token.balanceOnHold(alice), locked, "a fund order locks nothing");
    }

    function test_eventFields_rejected() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _process(id);
        _startLogs();
        vm.prank(operator);
        token.rejectFund(id, "money not received");
        (, string memory reason, uint256 moved, uint256 locked, IFundable.FundStatus status) = abi.decode(
            _recordedEventData(IFundable.FundRejected.selector),
            (uint256, string, uint256, uint256, IFundable.FundStatus)
        );
        assertEq(reason, "money not received", "reason before the three fields");
        _assertStep(moved, locked, uint8(status), 0, 0, uint8(IFundable.FundStatus.Rejected));
    }

    function test_eventFields_cancelled() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _startLogs();
        _cancel(alice, id);
        (uint256 moved, uint256 locked, uint8 status) = _stepOf(IFundable.FundCancelled.selector);
        _assertStep(moved, locked, status, 0, 0, uint8(IFundable.FundStatus.Cancelled));
    }

    // ------------------------------------------------------------ operators

    function test_authorizeFundOperator() public {
        assertFalse(token.isFundOperatorFor(bob, alice), "before");
        vm.expectEmit(address(token));
        emit IEmTokenCoreTypes.OperatorAuthorized(alice, bob, IEmTokenCoreTypes.OperatorScope.Fund);
        vm.prank(alice);
        token.authorizeFundOperator(bob);
        assertTrue(token.isFundOperatorFor(bob, alice), "after");
        assertFalse(token.isFundOperatorFor(alice, bob), "not symmetric");
        assertFalse(token.isFundOperatorFor(bob, carol), "per wallet");
        assertFalse(token.isPayoutOperatorFor(bob, alice), "per scope: payout");
        assertFalse(token.isClearableTransferOperatorFor(bob, alice), "per scope: clearable");
        assertFalse(token.isTransferOperatorFor(bob, alice), "per scope: transfer");
    }

    function test_revokeFundOperator() public {
        vm.prank(alice);
        token.authorizeFundOperator(bob);
        vm.expectEmit(address(token));
        emit IEmTokenCoreTypes.OperatorRevoked(alice, bob, IEmTokenCoreTypes.OperatorScope.Fund);
        vm.prank(alice);
        token.revokeFundOperator(bob);
        assertFalse(token.isFundOperatorFor(bob, alice), "revoked");
    }

    function test_isFundOperatorFor_operatorRole() public view {
        assertTrue(token.isFundOperatorFor(operator, alice), "alice");
        assertTrue(token.isFundOperatorFor(operator, stranger), "stranger");
        assertFalse(token.isFundOperatorFor(admin, alice), "admin is not");
        assertFalse(token.isFundOperatorFor(pauser, alice), "pauser is not");
    }

    function test_RevertWhen_authorizeFundOperator_ZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "operator"));
        vm.prank(alice);
        token.authorizeFundOperator(address(0));
    }

    function test_RevertWhen_authorizeFundOperator_Self() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.SelfOperator.selector, alice));
        vm.prank(alice);
        token.authorizeFundOperator(alice);
    }

    function test_RevertWhen_authorizeFundOperator_Twice() public {
        vm.prank(alice);
        token.authorizeFundOperator(bob);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.OperatorApprovalUnchanged.selector,
                alice,
                bob,
                IEmTokenCoreTypes.OperatorScope.Fund,
                true
            )
        );
        vm.prank(alice);
        token.authorizeFundOperator(bob);
    }

    function test_RevertWhen_revokeFundOperator_NotAuthorized() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.OperatorApprovalUnchanged.selector,
                alice,
                bob,
                IEmTokenCoreTypes.OperatorScope.Fund,
                false
            )
        );
        vm.prank(alice);
        token.revokeFundOperator(bob);
    }

    function test_RevertWhen_revokeFundOperator_ZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "operator"));
        vm.prank(alice);
        token.revokeFundOperator(address(0));
    }

    // ------------------------------------------------------------ views

    function test_retrieveFundData_nonexistent() public view {
        _assertFund(
            token.fundIdOf(alice, OP), address(0), address(0), 0, IFundable.FundStatus.Nonexistent
        );
    }

    function test_fundIdOf() public view {
        assertEq(token.fundIdOf(alice, OP), keccak256(abi.encode(alice, OP)), "id");
        assertTrue(token.fundIdOf(alice, OP) != token.fundIdOf(bob, OP), "per orderer");
        assertTrue(token.fundIdOf(alice, OP) != token.fundIdOf(alice, _opId("x")), "per op");
    }

    // ------------------------------------------------------------ state machine

    function test_stateMachine_orderedToCancelledIsClosed() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _cancel(alice, id);
        _assertClosed(id, IFundable.FundStatus.Cancelled);
    }

    function test_stateMachine_orderedToExecutedIsClosed() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _execute(id);
        _assertClosed(id, IFundable.FundStatus.Executed);
        _assertBalances(alice, 50_000, 0);
    }

    function test_stateMachine_orderedToRejectedIsClosed() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _reject(id);
        _assertClosed(id, IFundable.FundStatus.Rejected);
    }

    function test_stateMachine_inProcessToExecutedIsClosed() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _process(id);
        _execute(id);
        _assertClosed(id, IFundable.FundStatus.Executed);
    }

    function test_stateMachine_inProcessToRejectedIsClosed() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _process(id);
        _reject(id);
        _assertClosed(id, IFundable.FundStatus.Rejected);
    }

    function test_stateMachine_inProcessAcceptsOnlyExecuteOrReject() public {
        bytes32 id = _orderFund(alice, OP, 50_000);
        _process(id);
        _expectWrongStatus(id, IFundable.FundStatus.InProcess);
        _cancel(alice, id);
        _expectWrongStatus(id, IFundable.FundStatus.InProcess);
        _process(id);
        assertEq(uint8(_status(id)), uint8(IFundable.FundStatus.InProcess), "in process");
    }

    // ------------------------------------------------------------ edges

    function test_idSquatting_impossible() public {
        bytes32 bobId = _orderFund(bob, OP, 10_000);
        bytes32 aliceId = _orderFund(alice, OP, 20_000);
        assertTrue(aliceId != bobId, "two records");
        _assertFund(bobId, bob, bob, 10_000, IFundable.FundStatus.Ordered);
        _assertFund(aliceId, alice, alice, 20_000, IFundable.FundStatus.Ordered);
        _execute(aliceId);
        _assertBalances(alice, 20_000, 0);
        _assertBalances(bob, 0, 0);
        _assertFund(bobId, bob, bob, 10_000, IFundable.FundStatus.Ordered);
    }

    function test_fundOrderLocksNothing() public {
        _fund(alice, 30_000);
        _orderFund(alice, OP, 50_000);
        _assertBalances(alice, 30_000, 0);
        vm.prank(alice);
        token.transfer(bob, 30_000);
        _assertBalances(alice, 0, 0);
    }

    // ------------------------------------------------------------ fuzz

    function _actor(uint256 seed) internal view returns (address) {
        address[4] memory actors = [alice, bob, carol, dave];
        return actors[seed % 4];
    }

    function _maxBalance(address wallet) internal view returns (uint256) {
        if (wallet == carol) return MAX_SUPPLY;
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

    function testFuzz_mint(uint256 whoSeed, uint256 pre, uint256 value, uint8 kind, bytes32 ref)
        public
    {
        address to = _actor(whoSeed);
        uint256 maxBalance = _maxBalance(to);
        pre = bound(pre, 0, maxBalance);
        if (pre != 0) _fund(to, pre);
        value = bound(value, 1, MAX_SUPPLY);

        if (kind > 1) {
            vm.expectRevert(abi.encodeWithSelector(IFundable.InvalidMintKind.selector, kind));
        } else if (ref == bytes32(0)) {
            vm.expectRevert(abi.encodeWithSelector(IFundable.ZeroPaymentReference.selector));
        } else if (pre + value > maxBalance) {
            if (to == carol) {
                vm.expectRevert(
                    abi.encodeWithSelector(
                        IEmTokenCoreTypes.SupplyCapExceeded.selector, pre + value, MAX_SUPPLY
                    )
                );
            } else {
                vm.expectRevert(
                    abi.encodeWithSelector(
                        ICompliance.BalanceLimitExceeded.selector, to, pre + value, maxBalance
                    )
                );
            }
        } else {
            vm.expectEmit(address(token));
            emit IERC20.Transfer(address(0), to, value);
            vm.expectEmit(address(token));
            emit IFundable.Minted(to, value, IFundable.MintKind(kind), ref);
        }
        vm.prank(operator);
        token.mint(to, value, kind, ref);

        bool minted = kind <= 1 && ref != bytes32(0) && pre + value <= maxBalance;
        _assertBalances(to, minted ? pre + value : pre, 0);
        assertEq(token.totalSupply(), minted ? pre + value : pre, "totalSupply");
        assertEq(token.isMintReferenceUsed(ref), minted, "reference used iff minted");
        _assertAccounting();
    }

    /// @dev Whatever the kinds, wallets and amounts, a reference mints once: the second mint is refused
    /// and changes nothing.
    function testFuzz_mint_referenceMintsOnce(
        bytes32 ref,
        uint256 firstSeed,
        uint256 secondSeed,
        uint256 first,
        uint256 second,
        bool firstKind,
        bool secondKind
    ) public {
        vm.assume(ref != bytes32(0));
        (address a, address b) = (_actor(firstSeed), _actor(secondSeed));
        first = bound(first, 1, _maxBalance(a) / 2);
        second = bound(second, 1, _maxBalance(b) / 2);
        vm.prank(operator);
        token.mint(a, first, firstKind ? 1 : 0, ref);
        assertTrue(token.isMintReferenceUsed(ref), "used");
        uint256 bBefore = token.balanceOf(b);
        vm.expectRevert(abi.encodeWithSelector(IFundable.MintReferenceUsed.selector, ref));
        vm.prank(operator);
        token.mint(b, second, secondKind ? 1 : 0, ref);
        assertEq(token.balanceOf(b), bBefore, "second mint moved nothing");
        assertEq(token.totalSupply(), first, "minted once");
        _assertAccounting();
    }

    function testFuzz_orderFundThenClose(
        uint256 whoSeed,
        uint256 pre,
        uint256 value,
        uint8 path,
        bool byOperator
    ) public {
        address wallet = _actor(whoSeed);
        uint256 maxBalance = _maxBalance(wallet);
        pre = bound(pre, 0, maxBalance - 1);
        if (pre != 0) _fund(wallet, pre);
        value = bound(value, 1, maxBalance - pre);
        address orderer = byOperator ? operator : wallet;

        vm.prank(orderer);
        bytes32 id = byOperator
            ? token.orderFundFrom(OP, wallet, value, INSTRUCTIONS)
            : token.orderFund(OP, value, INSTRUCTIONS);
        assertEq(id, token.fundIdOf(orderer, OP), "id");
        _assertFund(id, orderer, wallet, value, IFundable.FundStatus.Ordered);
        _assertBalances(wallet, pre, 0);
        _assertAccounting();

        path = uint8(bound(path, 0, 4));
        if (path >= 3) {
            _process(id);
            _assertAccounting();
        }
        if (path == 0) _cancel(orderer, id);
        else if (path == 1 || path == 3) _execute(id);
        else _reject(id);

        bool executed = path == 1 || path == 3;
        _assertBalances(wallet, executed ? pre + value : pre, 0);
        assertEq(token.totalSupply(), executed ? pre + value : pre, "totalSupply");
        _assertAccounting();
    }

    function testFuzz_executeFund_balanceLimit(uint256 pre, uint256 value) public {
        pre = bound(pre, 0, L0_MAX_BALANCE);
        value = bound(value, 1, 2 * L0_MAX_BALANCE);
        if (pre != 0) _fund(dave, pre);
        bytes32 id = _orderFund(dave, OP, value);
        bool over = pre + value > L0_MAX_BALANCE;
        if (over) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICompliance.BalanceLimitExceeded.selector, dave, pre + value, L0_MAX_BALANCE
                )
            );
        }
        _execute(id);
        _assertBalances(dave, over ? pre : pre + value, 0);
        assertEq(
            uint8(_status(id)),
            uint8(over ? IFundable.FundStatus.Ordered : IFundable.FundStatus.Executed),
            "status"
        );
        _assertAccounting();
    }
}
