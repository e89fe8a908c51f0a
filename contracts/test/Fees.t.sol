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
