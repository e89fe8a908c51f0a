// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EmTokenBase} from "../EmTokenBase.sol";
import {ICompliance} from "../interfaces/ICompliance.sol";

/// @title Compliance
/// @notice On-chain KYC of EmToken: registered wallets, KYC levels, tier limits per level, freezing.
/// @dev The 30-day outflow is a period per wallet that opens with its first outflow and lasts 30 days;
/// the first outflow at or after its end opens the next one. Outflows are recorded when money leaves the
/// wallet (transfer, operator transfer, transferFrom, hold execution, two-step execution), whatever the
/// tier, so a tier that becomes limited already knows the period's outflow. Commitments (holds, two-step
/// orders) are checked against the limits but recorded only when executed. Payouts are exempt from limits.
/// A wallet is only ever given a level whose tier the admin set ({registerWallet}, {setKycLevel} refuse any
/// other), so every registered wallet's limits are a choice of the admin; a tier is never removed.
abstract contract Compliance is EmTokenBase, ICompliance {
    // ------------------------------------------------------------ external

    /// @inheritdoc ICompliance
    function registerWallet(address wallet, uint8 level) external onlyRole(COMPLIANCE_ROLE) {
        if (wallet == address(0)) revert ZeroAddress("wallet");
        if (wallet == _suspense()) revert SuspenseAccountNotAllowed(wallet);
        Account storage a = _token().accounts[wallet];
        if (a.registered) revert WalletAlreadyRegistered(wallet);
        _requireTier(level);
        a.registered = true;
        a.kycLevel = level;
        emit WalletRegistered(wallet, level);
    }

    /// @inheritdoc ICompliance
    function setKycLevel(address wallet, uint8 level) external onlyRole(COMPLIANCE_ROLE) {
        Account storage a = _registered(wallet);
        uint8 previous = a.kycLevel;
        if (previous == level) revert KycLevelUnchanged(wallet, level);
        _requireTier(level);
        a.kycLevel = level;
        emit KycLevelChanged(wallet, previous, level);
    }

    /// @inheritdoc ICompliance
    function freeze(address wallet) external onlyRole(COMPLIANCE_ROLE) {
        Account storage a = _registered(wallet);
        if (a.frozen) revert WalletFrozen(wallet);
        a.frozen = true;
        emit Frozen(wallet, msg.sender);
    }

    /// @inheritdoc ICompliance
    function unfreeze(address wallet) external onlyRole(COMPLIANCE_ROLE) {
        Account storage a = _registered(wallet);
        if (!a.frozen) revert WalletNotFrozen(wallet);
        a.frozen = false;
        emit Unfrozen(wallet, msg.sender);
    }

    /// @inheritdoc ICompliance
    function setTier(uint8 level, uint256 maxBalance, uint256 maxTransfer, uint256 maxOutflow30d)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        _token().tiers[level] = Limits({
            maxTransfer: _limit(maxTransfer),
            maxOutflow30d: _limit(maxOutflow30d),
            maxBalance: _limit(maxBalance),
            set: true
        });
        emit TierSet(level, maxBalance, maxTransfer, maxOutflow30d);
    }

    /// @inheritdoc ICompliance
    function isRegistered(address wallet) external view returns (bool) {
        return _token().accounts[wallet].registered;
    }

    /// @inheritdoc ICompliance
    function isFrozen(address wallet) external view returns (bool) {
        return _token().accounts[wallet].frozen;
    }

    /// @inheritdoc ICompliance
    function kycLevelOf(address wallet) external view returns (uint8) {
        return _token().accounts[wallet].kycLevel;
    }

    /// @inheritdoc ICompliance
    function tierOf(uint8 level) external view returns (Tier memory) {
        Limits storage l = _token().tiers[level];
        return Tier({
            maxBalance: l.maxBalance, maxTransfer: l.maxTransfer, maxOutflow30d: l.maxOutflow30d
        });
    }

    /// @inheritdoc ICompliance
    function isTierSet(uint8 level) external view returns (bool) {
        return _token().tiers[level].set;
    }

    /// @inheritdoc ICompliance
    function outflowOf(address wallet)
        external
        view
        returns (uint256 outflow, uint256 periodStart)
    {
        Outflow storage o = _token().outflows[wallet];
        uint256 start = o.periodStart;
        if (start == 0 || block.timestamp >= start + OUTFLOW_PERIOD) return (0, 0);
        return (o.amount, start);
    }

    // ------------------------------------------------------------ internal

    function _requireTier(uint8 level) private view {
        if (!_token().tiers[level].set) revert KycLevelWithoutTier(level);
    }

    function _registered(address wallet) private view returns (Account storage a) {
        a = _token().accounts[wallet];
        if (!a.registered) revert WalletNotRegistered(wallet);
    }

    function _limit(uint256 value) private pure returns (uint80) {
        if (value > MAX_TIER_LIMIT) revert TierLimitTooLarge(value);
        return uint80(value);
    }
}
