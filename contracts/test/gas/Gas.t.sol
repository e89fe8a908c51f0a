// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EmTokenTest} from "../utils/EmTokenTest.sol";
import {ReferenceToken} from "./ReferenceToken.sol";

/// @notice One test per measured operation, for `forge snapshot` (contracts/.gas-snapshot). setUp
/// prepares the state so that each test body is the one call being measured, on cold storage. Steady
/// state: the payer already has another open hold and order, as on a live platform.
/// Whole-transaction figures (with the 21,000 base and calldata) come from `scripts/gas`.
contract GasTest is EmTokenTest {
    ReferenceToken internal ref;
    address internal newHolder = makeAddr("newHolder");
    bytes32 internal holdFull;
    bytes32 internal holdPartial;
    bytes32 internal holdKeepOpen;
    bytes32 internal holdRelease;
    bytes32 internal holdRenew;
    bytes32 internal order;
    bytes32 internal payout;

    function setUp() public override {
        super.setUp();
        ref = new ReferenceToken(alice, 1_000_000);
        vm.prank(alice);
        ref.transfer(bob, 1);
        _register(newHolder, 1);
        _fund(alice, 1_000_000);
        _fund(bob, 1);
        vm.startPrank(alice);
        // alice has paid before, with both tokens: her outflow record exists (steady state).
        token.transfer(bob, 1);
        token.hold(_opId("background"), bob, notary, 1, 0);
        holdFull = token.hold(_opId("full"), bob, notary, 1000, 3600);
        holdPartial = token.hold(_opId("partial"), bob, notary, 1000, 3600);
        holdKeepOpen = token.hold(_opId("keepOpen"), bob, notary, 1000, 3600);
        holdRelease = token.hold(_opId("release"), bob, notary, 1000, 3600);
        holdRenew = token.hold(_opId("renew"), bob, notary, 1000, 3600);
        order = token.orderTransfer(_opId("order"), bob, 1000);
        payout = token.orderPayout(_opId("payout"), 1000, keccak256("iban"));
        vm.stopPrank();
        vm.prank(operator);
        token.processPayout(payout);
    }

    function test_gas_referenceTransferToExistingHolder() public {
        vm.prank(alice);
        ref.transfer(bob, 100);
    }

    function test_gas_referenceTransferToNewHolder() public {
        vm.prank(alice);
        ref.transfer(newHolder, 100);
    }

    function test_gas_transferToExistingHolder() public {
        vm.prank(alice);
        token.transfer(bob, 100);
    }

    function test_gas_transferToNewHolder() public {
        vm.prank(alice);
        token.transfer(newHolder, 100);
    }

    function test_gas_hold() public {
        vm.prank(alice);
        token.hold(_opId("measured"), bob, notary, 1000, 3600);
    }

    function test_gas_executeHoldFull() public {
        vm.prank(notary);
        token.executeHold(holdFull, 1000);
    }

    function test_gas_executeHoldPartial() public {
        vm.prank(notary);
        token.executeHold(holdPartial, 400);
    }

    function test_gas_executeHoldAndKeepOpen() public {
        vm.prank(notary);
        token.executeHoldAndKeepOpen(holdKeepOpen, 400);
    }

    function test_gas_releaseHold() public {
        vm.prank(notary);
        token.releaseHold(holdRelease);
    }

    function test_gas_renewHold() public {
        vm.prank(alice);
        token.renewHold(holdRenew, 7200);
    }

    function test_gas_orderTransfer() public {
        vm.prank(alice);
        token.orderTransfer(_opId("measured"), bob, 1000);
    }

    function test_gas_executeClearableTransfer() public {
        vm.prank(operator);
        token.executeClearableTransfer(order);
    }

    function test_gas_mint() public {
        vm.prank(operator);
        token.mint(bob, 1000, 0, keccak256("card-measured"));
    }

    function test_gas_orderPayout() public {
        vm.prank(alice);
        token.orderPayout(_opId("measured"), 1000, keccak256("iban"));
    }

    function test_gas_executePayout() public {
        vm.prank(operator);
        token.executePayout(payout);
    }
}
