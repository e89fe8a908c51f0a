// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IHoldable} from "../src/interfaces/IHoldable.sol";
import {EmTokenTest} from "./utils/EmTokenTest.sol";

contract SmokeTest is EmTokenTest {
    function test_smoke() public {
        _fund(alice, 10_000);
        vm.prank(alice);
        token.transfer(bob, 1000);
        vm.prank(alice);
        bytes32 id = token.hold(_opId("h1"), bob, notary, 2000, 3600);
        _assertBalances(alice, 9000, 2000);
        vm.prank(notary);
        token.executeHold(id, 500);
        _assertBalances(alice, 8500, 0);
        _assertBalances(bob, 1500, 0);
        assertEq(uint8(token.retrieveHoldData(id).status), uint8(IHoldable.HoldStatus.Executed));
        vm.prank(alice);
        bytes32 p = token.orderPayout(_opId("p1"), 1000, bytes32(0));
        vm.startPrank(operator);
        token.processPayout(p);
        token.putFundsInSuspenseInPayout(p);
        _assertBalances(suspense, 1000, 1000);
        token.executePayout(p);
        vm.stopPrank();
        _assertBalances(suspense, 0, 0);
        _assertBalances(alice, 7500, 0);
        assertEq(token.totalSupply(), 9000);
    }
}
