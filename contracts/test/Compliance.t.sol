// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ICompliance} from "../src/interfaces/ICompliance.sol";
import {IEmTokenCore, IEmTokenCoreTypes} from "../src/interfaces/IEmTokenCore.sol";
import {EmTokenTest} from "./utils/EmTokenTest.sol";

/// @notice Compliance of EmToken: registration, KYC levels, freezing, tier limits at their boundaries, the
/// 30-day outflow period, and the compliance checks of every path that moves money.
contract ComplianceTest is EmTokenTest {
    /// @dev The three ways a holder's tokens leave its wallet outside holds and orders.
    enum Path {
        Transfer,
        TransferFrom,
        OperatorTransfer
    }

    uint256 internal constant PERIOD = 30 days;
    uint256 internal constant CAP = type(uint96).max;

    /// @dev Unregistered spender of transferFrom (a spender is not a party of the movement).
    address internal spender = makeAddr("spender");
    /// @dev Registered at level 2 (unlimited): receives anything.
    address internal sink = makeAddr("sink");

    uint256 private _opNonce;

    function setUp() public override {
        super.setUp();
        _register(sink, 2);
    }

    // ================================================================ helpers

    function _send(address from, address to, uint256 value) internal {
        vm.prank(from);
        token.transfer(to, value);
    }

    /// @dev Approves what the path needs (the spender's allowance); call before vm.expectRevert.
    function _prepare(Path path, address from, uint256 value) internal {
        if (path == Path.TransferFrom) {
            vm.prank(from);
            token.approve(spender, value);
        }
    }

    /// @dev Moves `value` from `from` to `to` along `path` (the operator role acts for operator transfers).
    function _move(Path path, address from, address to, uint256 value) internal {
        if (path == Path.Transfer) {
            vm.prank(from);
            token.transfer(to, value);
        } else if (path == Path.TransferFrom) {
            vm.prank(spender);
            token.transferFrom(from, to, value);
        } else {
            vm.prank(operator);
            token.operatorTransfer(bytes32(++_opNonce), from, to, value);
        }
    }

    function _moveOk(Path path, address from, address to, uint256 value) internal {
        _prepare(path, from, value);
        _move(path, from, to, value);
    }

    function _moveReverts(Path path, address from, address to, uint256 value, bytes memory err)
        internal
    {
        _prepare(path, from, value);
        vm.expectRevert(err);
        _move(path, from, to, value);
    }

    function _assertOutflow(address wallet, uint256 outflow, uint256 periodStart) internal view {
        (uint256 o, uint256 s) = token.outflowOf(wallet);
        assertEq(o, outflow, "outflow");
        assertEq(s, periodStart, "periodStart");
    }

    function _notRegistered(address w) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, w);
    }

    function _frozen(address w) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ICompliance.WalletFrozen.selector, w);
    }

    function _balanceLimit(address w, uint256 balance, uint256 max)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(ICompliance.BalanceLimitExceeded.selector, w, balance, max);
    }

    function _transferLimit(address w, uint256 value, uint256 max)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(ICompliance.TransferLimitExceeded.selector, w, value, max);
    }

    function _outflowLimit(address w, uint256 outflow, uint256 max)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(ICompliance.OutflowLimitExceeded.selector, w, outflow, max);
    }

    function _tier(uint8 level) internal view returns (uint256, uint256, uint256) {
        ICompliance.Tier memory t = token.tierOf(level);
        return (t.maxBalance, t.maxTransfer, t.maxOutflow30d);
    }

    function _nonCompliance() internal view returns (address[4] memory) {
        return [admin, operator, pauser, alice];
    }

    // ================================================================ registerWallet

    function test_registerWallet() public {
        vm.prank(admin);
        token.setTier(3, 300, 200, 100);
        assertFalse(token.isRegistered(stranger));
        vm.expectEmit(true, true, true, true, address(token));
        emit ICompliance.WalletRegistered(stranger, 3);
        vm.prank(compliance);
        token.registerWallet(stranger, 3);
        assertTrue(token.isRegistered(stranger));
        assertEq(token.kycLevelOf(stranger), 3);
        assertFalse(token.isFrozen(stranger));
        _assertOutflow(stranger, 0, 0);
    }

    function test_registerWallet_thenReceivesAndSends() public {
        _register(stranger, 1);
        _fund(stranger, 1000);
        _send(stranger, bob, 400);
        assertEq(token.balanceOf(stranger), 600);
        assertEq(token.balanceOf(bob), 400);
    }

    function test_RevertWhen_registerWallet_levelWithoutTier() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.KycLevelWithoutTier.selector, 7));
        vm.prank(compliance);
        token.registerWallet(stranger, 7);
        assertFalse(token.isRegistered(stranger));
        // Nothing can then be minted to it either.
        vm.expectRevert(_notRegistered(stranger));
        _fund(stranger, 1000);
    }

    function test_RevertWhen_registerWallet_level255WithoutTier() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.KycLevelWithoutTier.selector, 255));
        vm.prank(compliance);
        token.registerWallet(stranger, 255);
        assertFalse(token.isRegistered(stranger));
        assertEq(token.kycLevelOf(stranger), 0);
    }

    /// @dev Unlimited exists only as the admin's explicit choice: a tier set with all limits 0.
    function test_registerWallet_tierSetWithoutLimitsIsUnlimited() public {
        vm.prank(admin);
        token.setTier(7, 0, 0, 0);
        _register(stranger, 7);
        _fund(stranger, L1_MAX_BALANCE * 10);
        _send(stranger, sink, L1_MAX_OUTFLOW * 3);
        assertEq(token.balanceOf(sink), L1_MAX_OUTFLOW * 3);
    }

    /// @dev A wallet can be registered exactly at the levels whose tier was set (0-2 in the fixture).
    function testFuzz_registerWallet_onlyLevelsWithTier(uint8 level, bool setFirst) public {
        if (setFirst) {
            vm.prank(admin);
            token.setTier(level, 1000, 100, 500);
        }
        bool allowed = setFirst || level <= 2;
        assertEq(token.isTierSet(level), allowed, "isTierSet");
        if (!allowed) {
            vm.expectRevert(abi.encodeWithSelector(ICompliance.KycLevelWithoutTier.selector, level));
        }
        vm.prank(compliance);
        token.registerWallet(stranger, level);
        assertEq(token.isRegistered(stranger), allowed, "registered");
        assertEq(token.kycLevelOf(stranger), allowed ? level : 0, "level");
    }

    function test_RevertWhen_registerWallet_zeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "wallet"));
        vm.prank(compliance);
        token.registerWallet(address(0), 1);
    }

    function test_RevertWhen_registerWallet_alreadyRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletAlreadyRegistered.selector, alice));
        vm.prank(compliance);
        token.registerWallet(alice, 2);
        assertEq(token.kycLevelOf(alice), 1);
    }

    function test_RevertWhen_registerWallet_alreadyRegisteredAndFrozen() public {
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletAlreadyRegistered.selector, alice));
        vm.prank(compliance);
        token.registerWallet(alice, 1);
        assertTrue(token.isFrozen(alice));
    }

    function test_RevertWhen_registerWallet_suspenseAccount() public {
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenCoreTypes.SuspenseAccountNotAllowed.selector, suspense)
        );
        vm.prank(compliance);
        token.registerWallet(suspense, 1);
        assertFalse(token.isRegistered(suspense));
        // Once it is no longer the suspense account, it is an ordinary address.
        vm.prank(admin);
        token.setSuspenseAccount(stranger);
        _register(suspense, 1);
        assertTrue(token.isRegistered(suspense));
    }

    function test_RevertWhen_registerWallet_notCompliance() public {
        address[4] memory callers = _nonCompliance();
        for (uint256 i; i < callers.length; ++i) {
            _expectAccessDenied(callers[i], token.COMPLIANCE_ROLE());
            vm.prank(callers[i]);
            token.registerWallet(stranger, 1);
        }
        assertFalse(token.isRegistered(stranger));
    }

    // ================================================================ setKycLevel

    function test_setKycLevel() public {
        vm.expectEmit(true, true, true, true, address(token));
        emit ICompliance.KycLevelChanged(alice, 1, 2);
        vm.prank(compliance);
        token.setKycLevel(alice, 2);
        assertEq(token.kycLevelOf(alice), 2);
        assertTrue(token.isRegistered(alice));
    }

    function test_setKycLevel_frozenWallet() public {
        _freeze(alice);
        vm.expectEmit(true, true, true, true, address(token));
        emit ICompliance.KycLevelChanged(alice, 1, 0);
        vm.prank(compliance);
        token.setKycLevel(alice, 0);
        assertEq(token.kycLevelOf(alice), 0);
        assertTrue(token.isFrozen(alice));
    }

    function test_RevertWhen_setKycLevel_unregistered() public {
        vm.expectRevert(_notRegistered(stranger));
        vm.prank(compliance);
        token.setKycLevel(stranger, 1);
    }

    function test_RevertWhen_setKycLevel_zeroAddress() public {
        vm.expectRevert(_notRegistered(address(0)));
        vm.prank(compliance);
        token.setKycLevel(address(0), 1);
    }

    function test_RevertWhen_setKycLevel_levelWithoutTier() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.KycLevelWithoutTier.selector, 3));
        vm.prank(compliance);
        token.setKycLevel(alice, 3);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.KycLevelWithoutTier.selector, 255));
        vm.prank(compliance);
        token.setKycLevel(alice, 255);
        assertEq(token.kycLevelOf(alice), 1);
        // Once the admin sets the tier, the level can be given.
        vm.prank(admin);
        token.setTier(3, 0, 0, 0);
        vm.prank(compliance);
        token.setKycLevel(alice, 3);
        assertEq(token.kycLevelOf(alice), 3);
    }

    /// @dev A level without a tier cannot be given even to a frozen wallet (it would apply on unfreeze).
    function test_RevertWhen_setKycLevel_frozenWalletLevelWithoutTier() public {
        _freeze(alice);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.KycLevelWithoutTier.selector, 9));
        vm.prank(compliance);
        token.setKycLevel(alice, 9);
        assertEq(token.kycLevelOf(alice), 1);
    }

    function test_RevertWhen_setKycLevel_unchanged() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.KycLevelUnchanged.selector, alice, 1));
        vm.prank(compliance);
        token.setKycLevel(alice, 1);
    }

    function test_RevertWhen_setKycLevel_notCompliance() public {
        address[4] memory callers = _nonCompliance();
        for (uint256 i; i < callers.length; ++i) {
            _expectAccessDenied(callers[i], token.COMPLIANCE_ROLE());
            vm.prank(callers[i]);
            token.setKycLevel(alice, 2);
        }
        assertEq(token.kycLevelOf(alice), 1);
    }

    // ================================================================ freeze / unfreeze

    function test_freeze() public {
        _fund(alice, 1000);
        vm.expectEmit(true, true, true, true, address(token));
        emit ICompliance.Frozen(alice, compliance);
        vm.prank(compliance);
        token.freeze(alice);
        assertTrue(token.isFrozen(alice));
        assertTrue(token.isRegistered(alice));
        assertEq(token.kycLevelOf(alice), 1);
        _assertBalances(alice, 1000, 0);
    }

    function test_RevertWhen_freeze_unregistered() public {
        vm.expectRevert(_notRegistered(stranger));
        vm.prank(compliance);
        token.freeze(stranger);
    }

    function test_RevertWhen_freeze_alreadyFrozen() public {
        _freeze(alice);
        vm.expectRevert(_frozen(alice));
        vm.prank(compliance);
        token.freeze(alice);
    }

    function test_RevertWhen_freeze_notCompliance() public {
        address[4] memory callers = _nonCompliance();
        for (uint256 i; i < callers.length; ++i) {
            _expectAccessDenied(callers[i], token.COMPLIANCE_ROLE());
            vm.prank(callers[i]);
            token.freeze(bob);
        }
        assertFalse(token.isFrozen(bob));
    }

    function test_unfreeze() public {
        _fund(alice, 1000);
        _freeze(alice);
        vm.expectEmit(true, true, true, true, address(token));
        emit ICompliance.Unfrozen(alice, compliance);
        vm.prank(compliance);
        token.unfreeze(alice);
        assertFalse(token.isFrozen(alice));
        _send(alice, bob, 1000);
        assertEq(token.balanceOf(bob), 1000);
    }

    function test_RevertWhen_unfreeze_unregistered() public {
        vm.expectRevert(_notRegistered(stranger));
        vm.prank(compliance);
        token.unfreeze(stranger);
    }

    function test_RevertWhen_unfreeze_notFrozen() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotFrozen.selector, alice));
        vm.prank(compliance);
        token.unfreeze(alice);
    }

    function test_RevertWhen_unfreeze_notCompliance() public {
        _freeze(bob);
        address[4] memory callers = _nonCompliance();
        for (uint256 i; i < callers.length; ++i) {
            _expectAccessDenied(callers[i], token.COMPLIANCE_ROLE());
            vm.prank(callers[i]);
            token.unfreeze(bob);
        }
        assertTrue(token.isFrozen(bob));
    }

    // ================================================================ setTier / tierOf

    function test_tierOf_fixture() public view {
        (uint256 b, uint256 t, uint256 o) = _tier(0);
        assertEq(b, L0_MAX_BALANCE);
        assertEq(t, L0_MAX_TRANSFER);
        assertEq(o, L0_MAX_OUTFLOW);
        (b, t, o) = _tier(1);
        assertEq(b, L1_MAX_BALANCE);
        assertEq(t, L1_MAX_TRANSFER);
        assertEq(o, L1_MAX_OUTFLOW);
        (b, t, o) = _tier(2);
        assertEq(b + t + o, 0);
        (b, t, o) = _tier(255);
        assertEq(b + t + o, 0);
    }

    function test_isTierSet_fixture() public view {
        assertTrue(token.isTierSet(0));
        assertTrue(token.isTierSet(1));
        // Set without limits: unlimited by the admin's choice, and a level wallets may be given.
        assertTrue(token.isTierSet(2));
        assertFalse(token.isTierSet(3));
        assertFalse(token.isTierSet(255));
    }

    function test_setTier() public {
        assertFalse(token.isTierSet(5));
        vm.expectEmit(true, true, true, true, address(token));
        emit ICompliance.TierSet(5, 300, 200, 100);
        vm.prank(admin);
        token.setTier(5, 300, 200, 100);
        assertTrue(token.isTierSet(5));
        (uint256 b, uint256 t, uint256 o) = _tier(5);
        assertEq(b, 300);
        assertEq(t, 200);
        assertEq(o, 100);
    }

    function test_setTier_overwritesAndResets() public {
        vm.expectEmit(true, true, true, true, address(token));
        emit ICompliance.TierSet(1, 0, 0, 0);
        vm.prank(admin);
        token.setTier(1, 0, 0, 0);
        (uint256 b, uint256 t, uint256 o) = _tier(1);
        assertEq(b + t + o, 0);
        // Reset to no limits, the tier stays set.
        assertTrue(token.isTierSet(1));
    }

    /// @dev The flag shares the maxBalance slot: every limit still reads back as set, at the cap too.
    function testFuzz_setTier_setsFlagAndKeepsLimits(
        uint8 level,
        uint80 maxBalance,
        uint80 maxTransfer,
        uint80 maxOutflow
    ) public {
        vm.prank(admin);
        token.setTier(level, maxBalance, maxTransfer, maxOutflow);
        assertTrue(token.isTierSet(level), "isTierSet");
        (uint256 b, uint256 t, uint256 o) = _tier(level);
        assertEq(b, maxBalance, "maxBalance");
        assertEq(t, maxTransfer, "maxTransfer");
        assertEq(o, maxOutflow, "maxOutflow30d");
    }

    function test_setTier_atLimitCap() public {
        uint256 top = token.MAX_TIER_LIMIT();
        assertEq(top, 2 ** 80 - 1);
        vm.expectEmit(true, true, true, true, address(token));
        emit ICompliance.TierSet(3, top, top, top);
        vm.prank(admin);
        token.setTier(3, top, top, top);
        (uint256 b, uint256 t, uint256 o) = _tier(3);
        assertEq(b, top);
        assertEq(t, top);
        assertEq(o, top);
    }

    function test_RevertWhen_setTier_maxBalanceTooLarge() public {
        uint256 above = uint256(type(uint80).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(ICompliance.TierLimitTooLarge.selector, above));
        vm.prank(admin);
        token.setTier(3, above, 1, 1);
    }

    function test_RevertWhen_setTier_maxTransferTooLarge() public {
        uint256 above = uint256(type(uint80).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(ICompliance.TierLimitTooLarge.selector, above));
        vm.prank(admin);
        token.setTier(3, 1, above, 1);
    }

    function test_RevertWhen_setTier_maxOutflowTooLarge() public {
        uint256 huge = type(uint256).max;
        vm.expectRevert(abi.encodeWithSelector(ICompliance.TierLimitTooLarge.selector, huge));
        vm.prank(admin);
        token.setTier(3, 1, 1, huge);
    }

    function test_RevertWhen_setTier_notAdmin() public {
        address[4] memory callers = [compliance, operator, pauser, alice];
        for (uint256 i; i < callers.length; ++i) {
            _expectAccessDenied(callers[i], token.DEFAULT_ADMIN_ROLE());
            vm.prank(callers[i]);
            token.setTier(1, 1, 1, 1);
            _expectAccessDenied(callers[i], token.DEFAULT_ADMIN_ROLE());
            vm.prank(callers[i]);
            token.setTier(3, 1, 1, 1);
        }
        (uint256 b,,) = _tier(1);
        assertEq(b, L1_MAX_BALANCE);
        assertFalse(token.isTierSet(3));
    }

    // ================================================================ views

    function test_views_fixture() public view {
        assertTrue(token.isRegistered(alice));
        assertTrue(token.isRegistered(bob));
        assertTrue(token.isRegistered(carol));
        assertTrue(token.isRegistered(dave));
        assertFalse(token.isRegistered(stranger));
        assertFalse(token.isRegistered(operator));
        assertFalse(token.isRegistered(suspense));
        assertEq(token.kycLevelOf(alice), 1);
        assertEq(token.kycLevelOf(bob), 1);
        assertEq(token.kycLevelOf(carol), 2);
        assertEq(token.kycLevelOf(dave), 0);
        assertEq(token.kycLevelOf(stranger), 0);
        assertFalse(token.isFrozen(alice));
        assertFalse(token.isFrozen(stranger));
        _assertOutflow(alice, 0, 0);
        _assertOutflow(stranger, 0, 0);
    }

    function test_outflowOf_countsSenderOnly() public {
        _fund(alice, 10_000);
        _assertOutflow(alice, 0, 0); // minting is no outflow
        _send(alice, bob, 3000);
        _assertOutflow(alice, 3000, block.timestamp);
        _assertOutflow(bob, 0, 0); // receiving is no outflow
        vm.warp(block.timestamp + 1 days);
        _send(alice, bob, 2000);
        _assertOutflow(alice, 5000, block.timestamp - 1 days);
    }

    // ================================================================ maxBalance

    function test_maxBalance_receiveToExactly() public {
        _fund(alice, L1_MAX_BALANCE - 1000);
        _fund(bob, 1000);
        _send(bob, alice, 1000);
        assertEq(token.balanceOf(alice), L1_MAX_BALANCE);
    }

    function test_RevertWhen_maxBalance_exceededByOne() public {
        _fund(alice, L1_MAX_BALANCE - 1000);
        _fund(bob, 1001);
        vm.expectRevert(_balanceLimit(alice, L1_MAX_BALANCE + 1, L1_MAX_BALANCE));
        _send(bob, alice, 1001);
        _send(bob, alice, 1000);
        vm.expectRevert(_balanceLimit(alice, L1_MAX_BALANCE + 1, L1_MAX_BALANCE));
        _send(bob, alice, 1);
    }

    function test_maxBalance_level0Boundary() public {
        _fund(carol, L0_MAX_BALANCE + 1);
        for (uint256 i; i < 2; ++i) {
            _send(carol, dave, L0_MAX_TRANSFER);
        }
        _send(carol, dave, L0_MAX_BALANCE - 2 * L0_MAX_TRANSFER);
        assertEq(token.balanceOf(dave), L0_MAX_BALANCE);
        vm.expectRevert(_balanceLimit(dave, L0_MAX_BALANCE + 1, L0_MAX_BALANCE));
        _send(carol, dave, 1);
    }

    function test_mint_toExactlyMaxBalance() public {
        _fund(dave, L0_MAX_BALANCE);
        assertEq(token.balanceOf(dave), L0_MAX_BALANCE);
    }

    function test_RevertWhen_mint_aboveMaxBalance() public {
        vm.expectRevert(_balanceLimit(dave, L0_MAX_BALANCE + 1, L0_MAX_BALANCE));
        _fund(dave, L0_MAX_BALANCE + 1);
        _fund(dave, 200_000);
        vm.expectRevert(_balanceLimit(dave, L0_MAX_BALANCE + 1, L0_MAX_BALANCE));
        _fund(dave, 50_001);
        _fund(dave, 50_000);
        assertEq(token.balanceOf(dave), L0_MAX_BALANCE);
    }

    function test_mint_ignoresSenderLimits() public {
        // A mint is no transfer of the receiver's: above maxTransfer and maxOutflow30d of level 0.
        _fund(dave, L0_MAX_BALANCE);
        _assertOutflow(dave, 0, 0);
    }

    // ================================================================ maxTransfer

    function test_maxTransfer_equalPasses() public {
        _fund(dave, L0_MAX_TRANSFER);
        _send(dave, carol, L0_MAX_TRANSFER);
        assertEq(token.balanceOf(carol), L0_MAX_TRANSFER);
        _fund(alice, L1_MAX_TRANSFER);
        _send(alice, carol, L1_MAX_TRANSFER);
        assertEq(token.balanceOf(carol), L0_MAX_TRANSFER + L1_MAX_TRANSFER);
    }

    function test_RevertWhen_maxTransfer_exceededByOne() public {
        _fund(dave, L0_MAX_TRANSFER + 1);
        vm.expectRevert(_transferLimit(dave, L0_MAX_TRANSFER + 1, L0_MAX_TRANSFER));
        _send(dave, carol, L0_MAX_TRANSFER + 1);
        _fund(alice, L1_MAX_TRANSFER + 1);
        vm.expectRevert(_transferLimit(alice, L1_MAX_TRANSFER + 1, L1_MAX_TRANSFER));
        _send(alice, carol, L1_MAX_TRANSFER + 1);
        _assertOutflow(dave, 0, 0);
        _assertOutflow(alice, 0, 0);
    }

    // ================================================================ maxOutflow30d

    function test_maxOutflow_cumulativeEqualPasses() public {
        _fund(dave, L0_MAX_BALANCE);
        uint256 start = block.timestamp;
        _send(dave, carol, L0_MAX_TRANSFER);
        vm.warp(start + 10 days);
        _send(dave, carol, L0_MAX_OUTFLOW - L0_MAX_TRANSFER);
        _assertOutflow(dave, L0_MAX_OUTFLOW, start);
        assertEq(token.balanceOf(carol), L0_MAX_OUTFLOW);
    }

    function test_RevertWhen_maxOutflow_exceededByOne() public {
        _fund(dave, L0_MAX_BALANCE);
        uint256 start = block.timestamp;
        _send(dave, carol, L0_MAX_TRANSFER);
        vm.expectRevert(_outflowLimit(dave, L0_MAX_OUTFLOW + 1, L0_MAX_OUTFLOW));
        _send(dave, carol, L0_MAX_OUTFLOW - L0_MAX_TRANSFER + 1);
        _send(dave, carol, L0_MAX_OUTFLOW - L0_MAX_TRANSFER);
        vm.expectRevert(_outflowLimit(dave, L0_MAX_OUTFLOW + 1, L0_MAX_OUTFLOW));
        _send(dave, carol, 1);
        _assertOutflow(dave, L0_MAX_OUTFLOW, start);
    }

    function test_RevertWhen_maxOutflow_level1() public {
        _fund(alice, L1_MAX_BALANCE);
        _send(alice, carol, L1_MAX_TRANSFER);
        _send(alice, carol, L1_MAX_TRANSFER);
        vm.expectRevert(_outflowLimit(alice, L1_MAX_OUTFLOW + 1, L1_MAX_OUTFLOW));
        _send(alice, carol, 1);
    }

    // ================================================================ the 30-day period

    function test_outflowPeriod_startsAtFirstOutflow() public {
        _fund(dave, L0_MAX_BALANCE);
        vm.warp(block.timestamp + 5 days);
        uint256 start = block.timestamp;
        _send(dave, carol, 1000);
        _assertOutflow(dave, 1000, start);
        assertEq(token.OUTFLOW_PERIOD(), PERIOD);
    }

    function test_outflowPeriod_lastSecondIsSamePeriod() public {
        _fund(dave, L0_MAX_BALANCE);
        uint256 start = block.timestamp;
        _send(dave, carol, L0_MAX_TRANSFER);
        vm.warp(start + 20 days);
        _send(dave, carol, L0_MAX_OUTFLOW - L0_MAX_TRANSFER);
        vm.warp(start + PERIOD - 1);
        _assertOutflow(dave, L0_MAX_OUTFLOW, start);
        vm.expectRevert(_outflowLimit(dave, L0_MAX_OUTFLOW + 1, L0_MAX_OUTFLOW));
        _send(dave, carol, 1);
    }

    function test_outflowPeriod_newPeriodAtExactlyThirtyDays() public {
        _fund(dave, L0_MAX_BALANCE);
        uint256 start = block.timestamp;
        _send(dave, carol, L0_MAX_TRANSFER);
        vm.warp(start + 20 days);
        _send(dave, carol, L0_MAX_OUTFLOW - L0_MAX_TRANSFER);
        vm.warp(start + PERIOD);
        _assertOutflow(dave, 0, 0); // the period is over
        _fund(dave, L0_MAX_OUTFLOW);
        // The outflow of day 20 does not carry over: periods are fixed, not a sliding window.
        _send(dave, carol, L0_MAX_TRANSFER);
        _assertOutflow(dave, L0_MAX_TRANSFER, start + PERIOD);
        _send(dave, carol, L0_MAX_OUTFLOW - L0_MAX_TRANSFER);
        _assertOutflow(dave, L0_MAX_OUTFLOW, start + PERIOD);
        vm.expectRevert(_outflowLimit(dave, L0_MAX_OUTFLOW + 1, L0_MAX_OUTFLOW));
        _send(dave, carol, 1);
    }

    function test_outflowPeriod_nextPeriodOpensWithNextOutflow() public {
        _fund(dave, L0_MAX_BALANCE);
        uint256 start = block.timestamp;
        _send(dave, carol, 1000);
        vm.warp(start + PERIOD + 7 days);
        _assertOutflow(dave, 0, 0);
        _send(dave, carol, 2000);
        _assertOutflow(dave, 2000, start + PERIOD + 7 days);
        vm.warp(start + 2 * PERIOD + 7 days - 1);
        _assertOutflow(dave, 2000, start + PERIOD + 7 days);
        vm.warp(start + 2 * PERIOD + 7 days);
        _assertOutflow(dave, 0, 0);
    }

    function test_outflowPeriod_failedTransferRecordsNothing() public {
        _fund(dave, L0_MAX_BALANCE);
        vm.expectRevert(_transferLimit(dave, L0_MAX_TRANSFER + 1, L0_MAX_TRANSFER));
        _send(dave, carol, L0_MAX_TRANSFER + 1);
        _assertOutflow(dave, 0, 0);
    }

    function test_outflow_saturatesAtCapOnUnlimitedTier() public {
        _fund(carol, CAP);
        _send(carol, sink, CAP);
        _send(sink, carol, CAP);
        _send(carol, sink, CAP);
        _assertOutflow(carol, CAP, block.timestamp);
        // A tier that becomes limited knows the saturated outflow.
        vm.prank(compliance);
        token.setKycLevel(carol, 1);
        _send(sink, carol, 10);
        vm.expectRevert(_outflowLimit(carol, CAP + 1, L1_MAX_OUTFLOW));
        _send(carol, sink, 1);
    }

    // ================================================================ 0 = no limit of this kind (in a set tier)

    function test_zeroLimit_maxBalanceUnlimited() public {
        vm.prank(admin);
        token.setTier(0, 0, L0_MAX_TRANSFER, L0_MAX_OUTFLOW);
        _fund(dave, L0_MAX_BALANCE * 100);
        _fund(carol, L0_MAX_TRANSFER);
        _send(carol, dave, L0_MAX_TRANSFER);
        assertEq(token.balanceOf(dave), L0_MAX_BALANCE * 100 + L0_MAX_TRANSFER);
        // The other limits still apply.
        vm.expectRevert(_transferLimit(dave, L0_MAX_TRANSFER + 1, L0_MAX_TRANSFER));
        _send(dave, carol, L0_MAX_TRANSFER + 1);
    }

    function test_zeroLimit_maxTransferUnlimited() public {
        vm.prank(admin);
        token.setTier(0, L0_MAX_BALANCE, 0, L0_MAX_OUTFLOW);
        _fund(dave, L0_MAX_BALANCE);
        _send(dave, carol, L0_MAX_OUTFLOW);
        assertEq(token.balanceOf(carol), L0_MAX_OUTFLOW);
        vm.expectRevert(_outflowLimit(dave, L0_MAX_OUTFLOW + 1, L0_MAX_OUTFLOW));
        _send(dave, carol, 1);
    }

    function test_zeroLimit_maxOutflowUnlimited() public {
        vm.prank(admin);
        token.setTier(0, L0_MAX_BALANCE, L0_MAX_TRANSFER, 0);
        _fund(dave, L0_MAX_BALANCE);
        _send(dave, carol, L0_MAX_TRANSFER);
        _send(dave, carol, L0_MAX_TRANSFER);
        _fund(dave, 2 * L0_MAX_TRANSFER);
        _send(dave, carol, L0_MAX_TRANSFER);
        _send(dave, carol, L0_MAX_TRANSFER);
        _assertOutflow(dave, 4 * L0_MAX_TRANSFER, block.timestamp);
        _fund(dave, 2 * L0_MAX_TRANSFER);
        vm.expectRevert(_transferLimit(dave, L0_MAX_TRANSFER + 1, L0_MAX_TRANSFER));
        _send(dave, carol, L0_MAX_TRANSFER + 1);
    }

    function test_zeroLimit_level2FullyUnlimited() public {
        _fund(carol, L1_MAX_BALANCE * 1000);
        _send(carol, sink, L1_MAX_OUTFLOW * 100);
        _send(carol, sink, L1_MAX_OUTFLOW * 100);
        _assertOutflow(carol, L1_MAX_OUTFLOW * 200, block.timestamp);
    }

    // ================================================================ level and tier changes

    function test_setKycLevel_raisesLimitsAtOnce() public {
        _fund(dave, L0_MAX_BALANCE);
        vm.expectRevert(_transferLimit(dave, L0_MAX_TRANSFER + 1, L0_MAX_TRANSFER));
        _send(dave, carol, L0_MAX_TRANSFER + 1);
        vm.expectRevert(_balanceLimit(dave, L0_MAX_BALANCE + 1, L0_MAX_BALANCE));
        _fund(dave, 1);
        vm.prank(compliance);
        token.setKycLevel(dave, 1);
        _send(dave, carol, L0_MAX_TRANSFER + 1);
        _fund(dave, L1_MAX_BALANCE - token.balanceOf(dave));
        assertEq(token.balanceOf(dave), L1_MAX_BALANCE);
    }

    function test_setKycLevel_lowersLimitsAtOnce() public {
        _fund(alice, 4 * L0_MAX_BALANCE);
        _fund(bob, 1000);
        vm.prank(compliance);
        token.setKycLevel(alice, 0);
        // Above the new maxBalance: it can no longer receive, but can still send within its limits.
        vm.expectRevert(_balanceLimit(alice, 4 * L0_MAX_BALANCE + 1, L0_MAX_BALANCE));
        _send(bob, alice, 1);
        vm.expectRevert(_transferLimit(alice, L0_MAX_TRANSFER + 1, L0_MAX_TRANSFER));
        _send(alice, carol, L0_MAX_TRANSFER + 1);
        _send(alice, carol, L0_MAX_TRANSFER);
    }

    function test_setKycLevel_keepsPeriodOutflow() public {
        _fund(carol, 3 * L1_MAX_TRANSFER);
        uint256 start = block.timestamp;
        _send(carol, sink, 3 * L1_MAX_TRANSFER); // recorded although level 2 is unlimited
        _assertOutflow(carol, 3 * L1_MAX_TRANSFER, start);
        vm.prank(compliance);
        token.setKycLevel(carol, 1);
        _send(sink, carol, 1000);
        vm.expectRevert(_outflowLimit(carol, 3 * L1_MAX_TRANSFER + 1, L1_MAX_OUTFLOW));
        _send(carol, sink, 1);
        vm.warp(start + PERIOD);
        _send(carol, sink, 1000);
        _assertOutflow(carol, 1000, start + PERIOD);
    }

    function test_setTier_appliesToEveryWalletOfLevel() public {
        _fund(alice, 10_000);
        _fund(bob, 10_000);
        _fund(dave, 10_000);
        vm.prank(admin);
        token.setTier(1, 20_000, 500, 800);
        vm.expectRevert(_transferLimit(alice, 501, 500));
        _send(alice, carol, 501);
        vm.expectRevert(_transferLimit(bob, 501, 500));
        _send(bob, carol, 501);
        _send(alice, carol, 500);
        _send(bob, carol, 500);
        vm.expectRevert(_outflowLimit(alice, 801, 800));
        _send(alice, carol, 301);
        vm.expectRevert(_outflowLimit(bob, 801, 800));
        _send(bob, carol, 301);
        _fund(carol, 30_000);
        _send(carol, alice, 10_500);
        vm.expectRevert(_balanceLimit(bob, 20_001, 20_000));
        _send(carol, bob, 10_501);
        // Level 0 is untouched.
        _send(dave, carol, 10_000);
    }

    // ================================================================ frozen and unregistered parties

    function _frozenSender(Path path) internal {
        _fund(alice, 1000);
        _freeze(alice);
        _moveReverts(path, alice, bob, 100, _frozen(alice));
        _moveReverts(path, alice, bob, 0, _frozen(alice));
        _assertBalances(alice, 1000, 0);
    }

    function _frozenReceiver(Path path) internal {
        _fund(alice, 1000);
        _freeze(bob);
        _moveReverts(path, alice, bob, 100, _frozen(bob));
        _moveReverts(path, alice, bob, 0, _frozen(bob));
        vm.prank(compliance);
        token.unfreeze(bob);
        _moveOk(path, alice, bob, 100);
        assertEq(token.balanceOf(bob), 100);
    }

    function _unregisteredSender(Path path) internal {
        // No legitimate path gives an unregistered wallet tokens: write its balance directly.
        deal(address(token), stranger, 1000, true);
        _moveReverts(path, stranger, bob, 100, _notRegistered(stranger));
        _moveReverts(path, stranger, bob, 0, _notRegistered(stranger));
        assertEq(token.balanceOf(stranger), 1000);
    }

    function _unregisteredReceiver(Path path) internal {
        _fund(alice, 1000);
        _moveReverts(path, alice, stranger, 100, _notRegistered(stranger));
        _moveReverts(path, alice, stranger, 0, _notRegistered(stranger));
        _moveReverts(path, alice, suspense, 100, _notRegistered(suspense));
        _register(stranger, 0);
        _moveOk(path, alice, stranger, 100);
        assertEq(token.balanceOf(stranger), 100);
    }

    function test_RevertWhen_transfer_frozenSender() public {
        _frozenSender(Path.Transfer);
    }

    function test_RevertWhen_transferFrom_frozenSender() public {
        _frozenSender(Path.TransferFrom);
    }

    function test_RevertWhen_operatorTransfer_frozenSender() public {
        _frozenSender(Path.OperatorTransfer);
    }

    function test_RevertWhen_transfer_frozenReceiver() public {
        _frozenReceiver(Path.Transfer);
    }

    function test_RevertWhen_transferFrom_frozenReceiver() public {
        _frozenReceiver(Path.TransferFrom);
    }

    function test_RevertWhen_operatorTransfer_frozenReceiver() public {
        _frozenReceiver(Path.OperatorTransfer);
    }

    function test_RevertWhen_transfer_unregisteredSender() public {
        _unregisteredSender(Path.Transfer);
    }

    function test_RevertWhen_transferFrom_unregisteredSender() public {
        _unregisteredSender(Path.TransferFrom);
    }

    function test_RevertWhen_operatorTransfer_unregisteredSender() public {
        _unregisteredSender(Path.OperatorTransfer);
    }

    function test_RevertWhen_transfer_unregisteredReceiver() public {
        _unregisteredReceiver(Path.Transfer);
    }

    function test_RevertWhen_transferFrom_unregisteredReceiver() public {
        _unregisteredReceiver(Path.TransferFrom);
    }

    function test_RevertWhen_operatorTransfer_unregisteredReceiver() public {
        _unregisteredReceiver(Path.OperatorTransfer);
    }

    function test_RevertWhen_mint_toUnregistered() public {
        vm.expectRevert(_notRegistered(stranger));
        _fund(stranger, 1000);
        vm.expectRevert(_notRegistered(suspense));
        _fund(suspense, 1000);
        assertEq(token.totalSupply(), 0);
    }

    function test_RevertWhen_mint_toFrozen() public {
        _freeze(alice);
        vm.expectRevert(_frozen(alice));
        _fund(alice, 1000);
        assertEq(token.totalSupply(), 0);
    }

    // ================================================================ limits on every path

    /// @dev Each limit at its boundary along `path`: maxTransfer, maxOutflow30d (dave), maxBalance (bob).
    function _limitsOnPath(Path path) internal {
        _fund(dave, L0_MAX_BALANCE);
        _moveReverts(
            path,
            dave,
            carol,
            L0_MAX_TRANSFER + 1,
            _transferLimit(dave, L0_MAX_TRANSFER + 1, L0_MAX_TRANSFER)
        );
        _moveOk(path, dave, carol, L0_MAX_TRANSFER);
        _moveReverts(
            path,
            dave,
            carol,
            L0_MAX_OUTFLOW - L0_MAX_TRANSFER + 1,
            _outflowLimit(dave, L0_MAX_OUTFLOW + 1, L0_MAX_OUTFLOW)
        );
        _moveOk(path, dave, carol, L0_MAX_OUTFLOW - L0_MAX_TRANSFER);
        _assertOutflow(dave, L0_MAX_OUTFLOW, block.timestamp);

        _fund(bob, L1_MAX_BALANCE - 10);
        _fund(alice, 100);
        _moveReverts(path, alice, bob, 11, _balanceLimit(bob, L1_MAX_BALANCE + 1, L1_MAX_BALANCE));
        _moveOk(path, alice, bob, 10);
        assertEq(token.balanceOf(bob), L1_MAX_BALANCE);
        assertEq(token.balanceOf(carol), L0_MAX_OUTFLOW);
    }

    function test_limits_transfer() public {
        _limitsOnPath(Path.Transfer);
    }

    function test_limits_transferFrom() public {
        _limitsOnPath(Path.TransferFrom);
    }

    function test_limits_operatorTransfer() public {
        _limitsOnPath(Path.OperatorTransfer);
    }

    function test_operatorTransfer_byApprovedOperatorChargesWalletOutflow() public {
        _fund(dave, L0_MAX_BALANCE);
        vm.prank(dave);
        token.authorizeTransferOperator(bob);
        vm.prank(bob);
        token.operatorTransfer(_opId("a"), dave, carol, L0_MAX_TRANSFER);
        _assertOutflow(dave, L0_MAX_TRANSFER, block.timestamp);
        _assertOutflow(bob, 0, 0);
    }

    function test_transferFrom_chargesOwnerNotSpender() public {
        _fund(alice, 10_000);
        vm.prank(alice);
        token.approve(bob, 10_000);
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(alice, carol, 4000);
        vm.prank(bob);
        token.transferFrom(alice, carol, 4000);
        _assertOutflow(alice, 4000, block.timestamp);
        _assertOutflow(bob, 0, 0);
    }

    // ================================================================ fuzz

    function _users() internal view returns (address[4] memory) {
        return [alice, bob, carol, dave];
    }

    function testFuzz_mint_vsMaxBalance(uint256 who, uint256 initial, uint256 amount) public {
        address to = _users()[who % 4];
        (uint256 maxBalance,,) = _tier(token.kycLevelOf(to));
        uint256 range = maxBalance == 0 ? 1e15 : maxBalance;
        initial = bound(initial, 0, range);
        amount = bound(amount, 1, 2 * range);
        if (initial != 0) _fund(to, initial);
        if (maxBalance != 0 && initial + amount > maxBalance) {
            vm.expectRevert(_balanceLimit(to, initial + amount, maxBalance));
            _fund(to, amount);
            assertEq(token.balanceOf(to), initial);
        } else {
            vm.expectEmit(true, true, true, true, address(token));
            emit IERC20.Transfer(address(0), to, amount);
            _fund(to, amount);
            assertEq(token.balanceOf(to), initial + amount);
        }
        assertEq(token.totalSupply(), token.balanceOf(to));
        _assertOutflow(to, 0, 0);
    }

    /// @dev Model of one sender in {testFuzz_outflowSequence}.
    struct Sender {
        address wallet;
        uint256 balance;
        uint256 maxTransfer;
        uint256 maxOutflow;
        uint256 start;
        uint256 outflow;
    }

    /// @dev A sequence of outflows of one sender, some days apart, checked against a model of the period.
    function testFuzz_outflowSequence(
        uint256 who,
        uint256[5] memory amounts,
        uint256[5] memory gaps
    ) public {
        address[3] memory senders = [alice, dave, carol];
        Sender memory s;
        s.wallet = senders[who % 3];
        uint256 maxBalance;
        (maxBalance, s.maxTransfer, s.maxOutflow) = _tier(token.kycLevelOf(s.wallet));
        s.balance = maxBalance == 0 ? 10 * L1_MAX_TRANSFER : maxBalance;
        _fund(s.wallet, s.balance);
        uint256 top = s.maxTransfer == 0 ? 3 * L1_MAX_TRANSFER : s.maxTransfer + s.maxTransfer / 4;
        uint256 sent;
        for (uint256 i; i < 5; ++i) {
            vm.warp(block.timestamp + bound(gaps[i], 0, 20 days));
            uint256 amount = bound(amounts[i], 1, top);
            if (_outflowStep(s, amount)) sent += amount;
            if (s.start == 0 || block.timestamp >= s.start + PERIOD) {
                _assertOutflow(s.wallet, 0, 0);
            } else {
                _assertOutflow(s.wallet, s.outflow, s.start);
            }
            assertEq(token.balanceOf(s.wallet), s.balance);
            assertEq(token.balanceOf(sink), sent);
        }
    }

    /// @dev Sends `amount` from the modelled sender to the sink, expecting the model's outcome.
    function _outflowStep(Sender memory s, uint256 amount) internal returns (bool ok) {
        bool newPeriod = s.start == 0 || block.timestamp >= s.start + PERIOD;
        uint256 next = newPeriod ? amount : s.outflow + amount;
        bytes memory err;
        if (amount > s.balance) {
            err = abi.encodeWithSelector(
                IEmTokenCoreTypes.InsufficientAvailableBalance.selector, s.wallet, s.balance, amount
            );
        } else if (s.maxTransfer != 0 && amount > s.maxTransfer) {
            err = _transferLimit(s.wallet, amount, s.maxTransfer);
        } else if (s.maxOutflow != 0 && next > s.maxOutflow) {
            err = _outflowLimit(s.wallet, next, s.maxOutflow);
        }
        if (err.length != 0) {
            vm.expectRevert(err);
            _send(s.wallet, sink, amount);
            return false;
        }
        _send(s.wallet, sink, amount);
        s.balance -= amount;
        s.outflow = next;
        if (newPeriod) s.start = block.timestamp;
        return true;
    }

    // ------------------------------------------------------------ self-payments and zero transfers

    function test_selfTransfer_atMaxBalance_passesAndRecordsNoOutflow() public {
        _fund(dave, L0_MAX_BALANCE);
        vm.prank(dave);
        assertTrue(token.transfer(dave, 1));
        assertEq(token.balanceOf(dave), L0_MAX_BALANCE);
        (uint256 outflow, uint256 start) = token.outflowOf(dave);
        assertEq(outflow, 0);
        assertEq(start, 0);
    }

    function test_selfTransfer_aboveMaxTransfer_passes() public {
        _fund(dave, L0_MAX_BALANCE);
        vm.prank(dave);
        assertTrue(token.transfer(dave, L0_MAX_TRANSFER + 1));
        assertEq(token.balanceOf(dave), L0_MAX_BALANCE);
    }

    function test_zeroTransfer_doesNotOpenAnOutflowPeriod() public {
        vm.prank(stranger);
        assertTrue(token.transferFrom(alice, bob, 0));
        (uint256 outflow, uint256 start) = token.outflowOf(alice);
        assertEq(outflow, 0);
        assertEq(start, 0);
        // The first real outflow opens the period now.
        _fund(alice, 1000);
        vm.warp(block.timestamp + 1 days);
        vm.prank(alice);
        token.transfer(bob, 10);
        (outflow, start) = token.outflowOf(alice);
        assertEq(outflow, 10);
        assertEq(start, block.timestamp);
    }

    function test_holdToSelf_atMaxBalance_passes() public {
        _fund(dave, L0_MAX_BALANCE);
        vm.prank(dave);
        bytes32 id = token.hold(_opId("self"), dave, notary, L0_MAX_BALANCE, 0);
        vm.prank(notary);
        token.executeHold(id, L0_MAX_BALANCE);
        _assertBalances(dave, L0_MAX_BALANCE, 0);
    }
}
