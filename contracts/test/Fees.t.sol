// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {EmTokenDeployment} from "../script/EmTokenDeployment.sol";
import {EmToken} from "../src/EmToken.sol";
import {ICompliance} from "../src/interfaces/ICompliance.sol";
import {IEmToken} from "../src/interfaces/IEmToken.sol";
import {IEmTokenCoreTypes} from "../src/interfaces/IEmTokenCore.sol";
import {IFees} from "../src/interfaces/IFees.sol";
import {IFundable} from "../src/interfaces/IFundable.sol";
import {IHoldable} from "../src/interfaces/IHoldable.sol";
import {IPayoutable} from "../src/interfaces/IPayoutable.sol";
import {EmTokenTest} from "./utils/EmTokenTest.sol";

/// @notice Fees in the same transaction as the operation they belong to: who pays, where it goes, the
/// event naming the operation, and that the fee moves under every rule of a transfer — or nothing moves.
contract FeesTest is EmTokenTest {
    address internal fees = makeAddr("fees");
    bytes32 internal constant HASH = keccak256("instructions");

    function setUp() public override {
        super.setUp();
        _register(fees, 2);
        vm.expectEmit(true, true, true, true, address(token));
        emit IFees.FeeAccountChanged(address(0), fees);
        vm.prank(admin);
        token.setFeeAccount(fees);
        _fund(alice, 100_000);
    }

    function test_RevertWhen_setFeeAccount_notRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger));
        vm.prank(admin);
        token.setFeeAccount(stranger);
        assertEq(token.feeAccount(), fees);
    }

    // ================================================================ operator transfers

    function test_operatorTransferWithFee() public {
        bytes32 id = token.holdIdOf(operator, _opId("p2p")); // same key scheme as the transfer id
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(alice, bob, 10_000);
        vm.expectEmit(true, true, true, true, address(token));
        emit IEmTokenCoreTypes.OperatorTransferExecuted(
            id, alice, bob, operator, _opId("p2p"), 10_000
        );
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(alice, fees, 150);
        vm.expectEmit(true, true, true, true, address(token));
        emit IFees.FeeCharged(id, IFees.FeeKind.OperatorTransfer, alice, fees, 150);
        vm.prank(operator);
        assertEq(token.operatorTransferWithFee(_opId("p2p"), alice, bob, 10_000, 150), id);
        _assertBalances(alice, 89_850, 0);
        assertEq(token.balanceOf(bob), 10_000);
        assertEq(token.balanceOf(fees), 150);
        // The fee is an outflow of the payer like the transfer.
        (uint256 outflow,) = token.outflowOf(alice);
        assertEq(outflow, 10_150);
    }

    function test_operatorTransferWithFee_zeroFeeChargesNothing() public {
        vm.recordLogs();
        vm.prank(operator);
        token.operatorTransferWithFee(_opId("free"), alice, bob, 1000, 0);
        assertEq(vm.getRecordedLogs().length, 2, "Transfer and OperatorTransferExecuted only");
        assertEq(token.balanceOf(fees), 0);
    }

    /// @dev A fee the payer cannot pay stops the whole operation: nothing moves.
    function test_RevertWhen_operatorTransferWithFee_feeNotAvailable() public {
        _expectInsufficient(alice, 1000, 1001);
        vm.prank(operator);
        token.operatorTransferWithFee(_opId("short"), alice, bob, 99_000, 1001);
        assertEq(token.balanceOf(alice), 100_000);
        assertEq(token.balanceOf(bob), 0);
        assertFalse(_transferDone(_opId("short")));
    }

    function test_RevertWhen_operatorTransferWithFee_feeAccountRefused() public {
        _freeze(fees);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, fees));
        vm.prank(operator);
        token.operatorTransferWithFee(_opId("frozen fees"), alice, bob, 1000, 10);
        assertEq(token.balanceOf(bob), 0);
    }

    function test_RevertWhen_operatorTransferWithFee_notTheOperatorRole() public {
        // A wallet's own transfer operator may move its money, but not charge fees.
        vm.prank(alice);
        token.authorizeTransferOperator(carol);
        _expectAccessDenied(carol, token.OPERATOR_ROLE());
        vm.prank(carol);
        token.operatorTransferWithFee(_opId("x"), alice, bob, 1000, 10);
    }

    function test_RevertWhen_fee_feeAccountNotSet() public {
        IFees fresh = IFees(address(_freshToken()));
        vm.expectRevert(IFees.FeeAccountNotSet.selector);
        vm.prank(operator);
        fresh.mintWithFee(alice, 1000, 10, 0, _opId("ref"));
    }

    // ================================================================ holds

    function test_executeHoldWithFee_byTheOperatorAsNotary() public {
        vm.prank(alice);
        bytes32 holdId = token.hold(_opId("h"), bob, operator, 20_000, 0);
        vm.expectEmit(true, true, true, true, address(token));
        emit IFees.FeeCharged(holdId, IFees.FeeKind.HoldExecution, alice, fees, 200);
        vm.prank(operator);
        token.executeHoldWithFee(holdId, 20_000, 200);
        _assertBalances(alice, 79_800, 0);
        assertEq(token.balanceOf(bob), 20_000);
        assertEq(token.balanceOf(fees), 200);
        assertEq(uint8(token.retrieveHoldData(holdId).status), uint8(IHoldable.HoldStatus.Executed));
    }

    function test_RevertWhen_executeHoldWithFee_notNotaryOrNotOperator() public {
        vm.prank(alice);
        bytes32 byNotary = token.hold(_opId("n"), bob, notary, 1000, 0);
        _expectAccessDenied(notary, token.OPERATOR_ROLE());
        vm.prank(notary);
        token.executeHoldWithFee(byNotary, 1000, 10);
        vm.expectRevert(
            abi.encodeWithSelector(IHoldable.HoldCallerNotNotary.selector, byNotary, operator)
        );
        vm.prank(operator);
        token.executeHoldWithFee(byNotary, 1000, 10);
    }

    // ================================================================ mints

    function test_mintWithFee_thePayeePaysFromTheCashIn() public {
        bytes32 ref = _opId("card 1");
        uint256 allowanceBefore = token.minterAllowance(operator);
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(address(0), bob, 5000);
        vm.expectEmit(true, true, true, true, address(token));
        emit IFundable.Minted(bob, 5000, IFundable.MintKind.Card, ref);
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(bob, fees, 75);
        vm.expectEmit(true, true, true, true, address(token));
        emit IFees.FeeCharged(ref, IFees.FeeKind.Mint, bob, fees, 75);
        vm.prank(operator);
        token.mintWithFee(bob, 5000, 75, 0, ref);
        assertEq(token.balanceOf(bob), 4925);
        assertEq(token.balanceOf(fees), 75);
        assertEq(token.minterAllowance(operator), allowanceBefore - 5000);
        assertTrue(token.isMintReferenceUsed(ref));
    }

    function test_RevertWhen_mintWithFee_feeAboveValue() public {
        vm.expectRevert(abi.encodeWithSelector(IFees.FeeAboveValue.selector, 101, 100));
        vm.prank(operator);
        token.mintWithFee(bob, 100, 101, 0, _opId("r"));
    }

    // ================================================================ payouts

    function test_executePayoutWithFee() public {
        vm.prank(alice);
        bytes32 id = token.orderPayout(_opId("cash out"), 30_000, bytes32(0));
        vm.startPrank(operator);
        token.processPayout(id);
        vm.expectEmit(true, true, true, true, address(token));
        emit IFees.FeeCharged(id, IFees.FeeKind.Payout, alice, fees, 300);
        token.executePayoutWithFee(id, 300);
        vm.stopPrank();
        _assertBalances(alice, 69_700, 0);
        assertEq(token.balanceOf(fees), 300);
        assertEq(token.totalSupply(), 70_000);
        assertEq(
            uint8(token.retrievePayoutData(id).status), uint8(IPayoutable.PayoutStatus.Executed)
        );
    }

    /// @dev A fee reserved when ordering: locked with the value, so the wallet cannot spend it, then burnt
    /// value and charged fee in the execution.
    function test_orderPayoutFromWithFee_reservesThenCharges() public {
        bytes32 id = token.payoutIdOf(operator, _opId("reserved"));
        _startLogs();
        vm.prank(operator);
        assertEq(token.orderPayoutFromWithFee(_opId("reserved"), alice, 30_000, 250, HASH), id);
        (,,, uint256 moved, uint256 locked,) = abi.decode(
            _recordedEventData(IPayoutable.PayoutOrdered.selector),
            (bytes32, uint256, bytes32, uint256, uint256, uint8)
        );
        assertEq(moved, 0);
        assertEq(locked, 30_250, "the events' locked counts the fee");
        _assertBalances(alice, 100_000, 30_250);
        assertEq(token.payoutFeeOf(id), 250);
        // The reserved fee is not available.
        _expectInsufficient(alice, 69_750, 69_751);
        vm.prank(alice);
        token.transfer(bob, 69_751);

        vm.startPrank(operator);
        token.processPayout(id);
        _startLogs();
        vm.expectEmit(true, true, true, true, address(token));
        emit IFees.FeeCharged(id, IFees.FeeKind.Payout, alice, fees, 250);
        token.executePayout(id);
        vm.stopPrank();
        (, locked,) = _stepOf(IPayoutable.PayoutExecuted.selector);
        assertEq(
            uint8(token.retrievePayoutData(id).status), uint8(IPayoutable.PayoutStatus.Executed)
        );
        assertEq(locked, 0);
        _assertBalances(alice, 69_750, 0);
        assertEq(token.balanceOf(fees), 250);
        assertEq(token.totalSupply(), 70_000, "only the value is burnt");
        assertEq(token.payoutFeeOf(id), 0);
    }

    /// @dev A reserved fee is a system move like the payout: a wallet at its outflow limit still pays it.
    function test_orderPayoutFromWithFee_chargedOutsideTheLimits() public {
        _fund(bob, L1_MAX_OUTFLOW + 1100);
        vm.prank(operator);
        bytes32 id = token.orderPayoutFromWithFee(_opId("limits"), bob, 1000, 100, HASH);
        vm.startPrank(bob);
        token.transfer(alice, L1_MAX_TRANSFER);
        token.transfer(alice, L1_MAX_TRANSFER); // the whole 30-day outflow
        vm.stopPrank();
        vm.startPrank(operator);
        token.processPayout(id);
        token.executePayout(id);
        vm.stopPrank();
        assertEq(token.balanceOf(fees), 100);
        assertEq(token.balanceOf(bob), 0);
    }

    function test_orderPayoutFromWithFee_rejectAndCancelUnlockBoth() public {
        vm.startPrank(operator);
        bytes32 rejected = token.orderPayoutFromWithFee(_opId("rejected"), alice, 1000, 10, HASH);
        bytes32 cancelled = token.orderPayoutFromWithFee(_opId("cancelled"), alice, 2000, 20, HASH);
        _assertBalances(alice, 100_000, 3030);
        _startLogs();
        token.rejectPayout(rejected, "bank refused");
        (,,, uint256 locked,) = abi.decode(
            _recordedEventData(IPayoutable.PayoutRejected.selector),
            (uint256, string, uint256, uint256, uint8)
        );
        assertEq(locked, 0);
        vm.stopPrank();
        _assertBalances(alice, 100_000, 2020);
        vm.prank(alice);
        token.cancelPayout(cancelled);
        _assertBalances(alice, 100_000, 0);
        assertEq(token.balanceOf(fees), 0);
        assertEq(token.payoutFeeOf(rejected), 0);
        assertEq(token.payoutFeeOf(cancelled), 20, "kept as recorded; nothing is locked");
    }

    function test_RevertWhen_orderPayoutFromWithFee_feeNotAvailable() public {
        _expectInsufficient(alice, 100_000, 100_001);
        vm.prank(operator);
        token.orderPayoutFromWithFee(_opId("short"), alice, 100_000, 1, HASH);
    }

    function test_RevertWhen_orderPayoutFromWithFee_feeTooLarge() public {
        uint256 fee = uint256(type(uint88).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IFees.FeeTooLarge.selector, fee));
        vm.prank(operator);
        token.orderPayoutFromWithFee(_opId("large"), alice, 1, fee, HASH);
    }

    function test_RevertWhen_orderPayoutFromWithFee_feeAccountNotSet() public {
        IEmToken fresh = _freshToken();
        vm.prank(operator);
        fresh.mint(alice, 1000, 0, _opId("ref"));
        vm.expectRevert(IFees.FeeAccountNotSet.selector);
        vm.prank(operator);
        fresh.orderPayoutFromWithFee(_opId("no account"), alice, 100, 1, HASH);
        vm.prank(operator);
        fresh.orderPayoutFromWithFee(_opId("no fee"), alice, 100, 0, HASH); // no fee, no account needed
    }

    function test_RevertWhen_putFundsInSuspense_feeReserved() public {
        vm.startPrank(operator);
        bytes32 id = token.orderPayoutFromWithFee(_opId("suspense"), alice, 1000, 10, HASH);
        token.processPayout(id);
        vm.expectRevert(abi.encodeWithSelector(IFees.PayoutFeeReserved.selector, id));
        token.putFundsInSuspenseInPayout(id);
        vm.stopPrank();
    }

    // ================================================================ fund orders

    function test_executeFundWithFee_theWalletPaysFromTheMintedValue() public {
        vm.startPrank(operator);
        bytes32 id = token.orderFundFrom(_opId("top-up"), bob, 5000, HASH);
        vm.expectEmit(true, true, true, true, address(token));
        emit IFundable.FundExecuted(id, bob, 5000, 5000, 0, IFundable.FundStatus.Executed);
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(bob, fees, 40);
        vm.expectEmit(true, true, true, true, address(token));
        emit IFees.FeeCharged(id, IFees.FeeKind.Fund, bob, fees, 40);
        token.executeFundWithFee(id, 40);
        vm.stopPrank();
        assertEq(token.balanceOf(bob), 4960);
        assertEq(token.balanceOf(fees), 40);
    }

    function test_RevertWhen_executeFundWithFee_feeAboveValue() public {
        vm.startPrank(operator);
        bytes32 id = token.orderFundFrom(_opId("top-up"), bob, 5000, HASH);
        vm.expectRevert(abi.encodeWithSelector(IFees.FeeAboveValue.selector, 5001, 5000));
        token.executeFundWithFee(id, 5001);
        vm.stopPrank();
        assertEq(uint8(token.retrieveFundData(id).status), uint8(IFundable.FundStatus.Ordered));
    }

    // ================================================================ helpers

    /// @dev Another token, with alice registered and the operator allowed to mint, but no fee account.
    function _freshToken() internal returns (IEmToken fresh) {
        fresh = EmTokenDeployment.deploy(
            "Fresh",
            "FRS",
            2,
            EmToken.Roles({
                admin: admin,
                operator: operator,
                compliance: compliance,
                pauser: pauser,
                upgrader: upgrader,
                minterAdmin: minterAdmin
            }),
            suspense
        );
        vm.prank(admin);
        fresh.setTier(1, 0, 0, 0);
        vm.prank(compliance);
        fresh.registerWallet(alice, 1);
        vm.prank(minterAdmin);
        fresh.configureMinter(operator, 1000);
    }

    function _transferDone(bytes32 operationId) internal returns (bool) {
        // Reusing the operation id succeeds only if the first attempt left nothing behind.
        vm.prank(operator);
        try token.operatorTransfer(operationId, alice, bob, 1) {
            return false;
        } catch {
            return true;
        }
    }
}
