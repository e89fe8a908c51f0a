// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {ICompliance} from "../src/interfaces/ICompliance.sol";
import {IEmTokenCoreTypes} from "../src/interfaces/IEmTokenCore.sol";
import {ISupply} from "../src/interfaces/ISupply.sol";
import {ReferenceToken} from "./gas/ReferenceToken.sol";
import {EmTokenTest} from "./utils/EmTokenTest.sol";

/// @notice Supply governance: minter allowances (set by the minter admin, used up by every mint and fund
/// execution), the rescue of other tokens, and the wipe of a frozen balance.
contract SupplyTest is EmTokenTest {
    address internal rescuer = makeAddr("rescuer");
    address internal wiper = makeAddr("wiper");

    function setUp() public override {
        super.setUp();
        vm.startPrank(admin);
        token.grantRole(token.RESCUER_ROLE(), rescuer);
        token.grantRole(token.WIPER_ROLE(), wiper);
        vm.stopPrank();
        vm.prank(minterAdmin);
        token.configureMinter(operator, 10_000);
    }

    // ================================================================ minter allowances

    function test_configureMinter_replacesTheAllowance() public {
        vm.expectEmit(true, true, true, true, address(token));
        emit ISupply.MinterConfigured(operator, 500, minterAdmin);
        vm.prank(minterAdmin);
        token.configureMinter(operator, 500);
        assertEq(token.minterAllowance(operator), 500);
    }

    function test_mint_usesTheAllowance() public {
        _fund(alice, 4000);
        assertEq(token.minterAllowance(operator), 6000);
        vm.expectRevert(
            abi.encodeWithSelector(ISupply.MinterAllowanceExceeded.selector, operator, 6000, 6001)
        );
        _fund(alice, 6001);
        _fund(alice, 6000);
        assertEq(token.minterAllowance(operator), 0);
        assertEq(token.balanceOf(alice), 10_000);
    }

    function test_executeFund_usesTheAllowance() public {
        vm.prank(alice);
        bytes32 id = token.orderFund(_opId("fund"), 10_001, bytes32(0));
        vm.expectRevert(
            abi.encodeWithSelector(
                ISupply.MinterAllowanceExceeded.selector, operator, 10_000, 10_001
            )
        );
        vm.prank(operator);
        token.executeFund(id);
        vm.prank(minterAdmin);
        token.configureMinter(operator, 10_001);
        vm.prank(operator);
        token.executeFund(id);
        assertEq(token.balanceOf(alice), 10_001);
        assertEq(token.minterAllowance(operator), 0);
    }

    /// @dev Both are needed: the operator role to mint at all, an allowance for how much.
    function test_mint_needsTheRoleAndAnAllowance() public {
        address second = makeAddr("secondOperator");
        bytes32 role = token.OPERATOR_ROLE();
        vm.prank(admin);
        token.grantRole(role, second);
        vm.expectRevert(
            abi.encodeWithSelector(ISupply.MinterAllowanceExceeded.selector, second, 0, 1)
        );
        vm.prank(second);
        token.mint(alice, 1, 0, _opId("r1"));

        vm.prank(minterAdmin);
        token.configureMinter(bob, 1000);
        _expectAccessDenied(bob, role);
        vm.prank(bob);
        token.mint(alice, 1, 0, _opId("r2"));
    }

    function test_RevertWhen_configureMinter_badInput() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "minter"));
        vm.prank(minterAdmin);
        token.configureMinter(address(0), 1);
        uint256 tooMuch = uint256(type(uint96).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(ISupply.MinterAllowanceTooLarge.selector, tooMuch));
        vm.prank(minterAdmin);
        token.configureMinter(operator, tooMuch);
    }

    // ================================================================ rescue

    function test_rescueERC20_sendsAnotherTokenBack() public {
        ReferenceToken other = new ReferenceToken(address(this), 1000);
        other.transfer(address(token), 700);
        vm.expectEmit(true, true, true, true, address(token));
        emit ISupply.TokensRescued(address(other), bob, 600, rescuer);
        vm.prank(rescuer);
        token.rescueERC20(address(other), bob, 600);
        assertEq(other.balanceOf(bob), 600);
        assertEq(other.balanceOf(address(token)), 100);
    }

    function test_RevertWhen_rescueERC20_ownTokenOrTooMuch() public {
        vm.expectRevert(ISupply.RescueOfOwnToken.selector);
        vm.prank(rescuer);
        token.rescueERC20(address(token), bob, 1);
        ReferenceToken other = new ReferenceToken(address(this), 1000);
        other.transfer(address(token), 10);
        vm.expectRevert();
        vm.prank(rescuer);
        token.rescueERC20(address(other), bob, 11);
    }

    // ================================================================ wipe

    function test_wipeFrozenBalance_burnsWithItsReason() public {
        _fund(alice, 5000);
        _freeze(alice);
        bytes32 order = keccak256("court order 2026/117");
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(alice, address(0), 3000);
        vm.expectEmit(true, true, true, true, address(token));
        emit ISupply.Wiped(alice, 3000, order, "seizure", wiper);
        vm.prank(wiper);
        token.wipeFrozenBalance(alice, 3000, order, "seizure");
        _assertBalances(alice, 2000, 0);
        assertEq(token.totalSupply(), 2000);
        assertTrue(token.isFrozen(alice));
    }

    function test_RevertWhen_wipeFrozenBalance_notFrozenHeldOrPaused() public {
        _fund(alice, 5000);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotFrozen.selector, alice));
        vm.prank(wiper);
        token.wipeFrozenBalance(alice, 1, "", "");

        vm.prank(alice);
        token.hold(_opId("h"), bob, notary, 4000, 0);
        _freeze(alice);
        _expectInsufficient(alice, 1000, 1001);
        vm.prank(wiper);
        token.wipeFrozenBalance(alice, 1001, "", "");
        vm.expectRevert(IEmTokenCoreTypes.ZeroAmount.selector);
        vm.prank(wiper);
        token.wipeFrozenBalance(alice, 0, "", "");

        _pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(wiper);
        token.wipeFrozenBalance(alice, 1000, "", "");
    }

    function test_RevertWhen_supplyFunctions_withoutTheirRole() public {
        _fund(alice, 10);
        _freeze(alice);
        bytes32 minterAdminRole = token.MINTER_ADMIN_ROLE();
        _expectAccessDenied(admin, minterAdminRole);
        vm.prank(admin);
        token.configureMinter(operator, 1);
        _expectAccessDenied(admin, token.RESCUER_ROLE());
        vm.prank(admin);
        token.rescueERC20(address(1), bob, 1);
        _expectAccessDenied(compliance, token.WIPER_ROLE());
        vm.prank(compliance);
        token.wipeFrozenBalance(alice, 1, "", "");
        assertTrue(
            IAccessControl(address(token)).hasRole(minterAdminRole, minterAdmin), "minter admin"
        );
    }
}
