// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";

import {EmTokenDeployment} from "../../script/EmTokenDeployment.sol";
import {EmToken} from "../../src/EmToken.sol";
import {IEmToken} from "../../src/interfaces/IEmToken.sol";
import {IEmTokenCore, IEmTokenCoreTypes} from "../../src/interfaces/IEmTokenCore.sol";

/// @notice Shared fixture of the EmToken tests: a token with 2 decimals, the roles on their own addresses,
/// tiers set for KYC levels 0-2 (level 2 without limits) and no other level, and four registered users
/// (alice, bob at level 1; carol at level 2; dave at level 0). Nobody holds tokens until a test mints them.
abstract contract EmTokenTest is Test {
    IEmToken internal token;

    address internal admin = makeAddr("admin");
    address internal operator = makeAddr("operator");
    address internal compliance = makeAddr("compliance");
    address internal pauser = makeAddr("pauser");
    address internal upgrader = makeAddr("upgrader");
    address internal minterAdmin = makeAddr("minterAdmin");
    address internal notary = makeAddr("notary");
    address internal suspense = makeAddr("suspense");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal dave = makeAddr("dave");
    /// @dev Never registered.
    address internal stranger = makeAddr("stranger");

    // Tier limits in cents.
    uint256 internal constant L0_MAX_BALANCE = 250_000; // 2,500.00
    uint256 internal constant L0_MAX_TRANSFER = 100_000; // 1,000.00
    uint256 internal constant L0_MAX_OUTFLOW = 150_000; // 1,500.00 per 30 days
    uint256 internal constant L1_MAX_BALANCE = 5_000_000; // 50,000.00
    uint256 internal constant L1_MAX_TRANSFER = 1_000_000; // 10,000.00
    uint256 internal constant L1_MAX_OUTFLOW = 2_000_000; // 20,000.00 per 30 days
    // Level 2: set without limits (all zeros), the admin's explicit choice. Levels 3-255: never set.

    /// @dev Makes the payment references of {_fund} unique.
    uint256 private _fundNonce;

    function setUp() public virtual {
        vm.warp(1_750_000_000);
        token = EmTokenDeployment.deploy(
            "EmToken Euro",
            "EURe",
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
        // The operator may mint up to the supply cap (Supply.t.sol tests allowances themselves).
        vm.prank(minterAdmin);
        token.configureMinter(operator, type(uint96).max);
        vm.startPrank(admin);
        token.setTier(0, L0_MAX_BALANCE, L0_MAX_TRANSFER, L0_MAX_OUTFLOW);
        token.setTier(1, L1_MAX_BALANCE, L1_MAX_TRANSFER, L1_MAX_OUTFLOW);
        token.setTier(2, 0, 0, 0);
        vm.stopPrank();
        vm.startPrank(compliance);
        token.registerWallet(alice, 1);
        token.registerWallet(bob, 1);
        token.registerWallet(carol, 2);
        token.registerWallet(dave, 0);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ helpers

    /// @dev Mints `value` cents to `to` as a card cash-in, against a payment reference of its own.
    function _fund(address to, uint256 value) internal {
        vm.prank(operator);
        token.mint(to, value, 0, keccak256(abi.encode("card", to, value, ++_fundNonce)));
    }

    function _register(address wallet, uint8 level) internal {
        vm.prank(compliance);
        token.registerWallet(wallet, level);
    }

    function _freeze(address wallet) internal {
        vm.prank(compliance);
        token.freeze(wallet);
    }

    function _pause() internal {
        vm.prank(pauser);
        token.pause();
    }

    function _opId(string memory label) internal pure returns (bytes32) {
        return keccak256(bytes(label));
    }

    /// @dev Expects the next call to revert with AccessControl's missing-role error.
    function _expectAccessDenied(address account, bytes32 role) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, account, role
            )
        );
    }

    /// @dev Expects the next call to revert with InsufficientAvailableBalance(account, available, needed).
    function _expectInsufficient(address account, uint256 available, uint256 needed) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.InsufficientAvailableBalance.selector, account, available, needed
            )
        );
    }

    /// @dev Starts recording logs, for {_recordedEventData}.
    function _startLogs() internal {
        vm.recordLogs();
    }

    /// @dev `moved`, `locked`, `status` of the one order lifecycle event with `topic0` whose data is
    /// exactly `value, moved, locked, status` (…InProcess, …Executed, …Cancelled, Payout steps with an
    /// indexed third party). Statuses are ABI-encoded as uint8 whatever the feature's enum.
    function _stepOf(bytes32 topic0) internal returns (uint256, uint256, uint8) {
        (, uint256 moved, uint256 locked, uint8 status) =
            abi.decode(_recordedEventData(topic0), (uint256, uint256, uint256, uint8));
        return (moved, locked, status);
    }

    /// @dev The data of the one event with `topic0` the token emitted since `vm.recordLogs()`, as an
    /// indexer sees it.
    function _recordedEventData(bytes32 topic0) internal returns (bytes memory data) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(token) && logs[i].topics[0] == topic0) {
                data = logs[i].data;
                ++found;
            }
        }
        assertEq(found, 1, "one such event");
    }

    /// @dev The trailing `moved`, `locked`, `status` of an order lifecycle event.
    function _assertStep(
        uint256 moved,
        uint256 locked,
        uint8 status,
        uint256 expectedMoved,
        uint256 expectedLocked,
        uint8 expectedStatus
    ) internal pure {
        assertEq(moved, expectedMoved, "moved");
        assertEq(locked, expectedLocked, "locked");
        assertEq(status, expectedStatus, "status");
    }

    /// @dev balanceOf - balanceOnHold == availableBalanceOf, for `account`.
    function _assertBalances(address account, uint256 balance, uint256 held) internal view {
        assertEq(token.balanceOf(account), balance, "balanceOf");
        assertEq(token.balanceOnHold(account), held, "balanceOnHold");
        assertEq(token.availableBalanceOf(account), balance - held, "availableBalanceOf");
    }
}
