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
    /// @notice Length of an outflow period.
    uint256 public constant OUTFLOW_PERIOD = 30 days;

    /// @dev Stored so that a sender reads one slot (maxTransfer, maxOutflow30d) and a receiver another
    /// (maxBalance, and `set`: the admin set this tier, so wallets may be given the level).
    struct Limits {
        uint96 maxTransfer;
        uint96 maxOutflow30d;
        uint96 maxBalance;
        bool set;
    }

    mapping(uint8 level => Limits) private _tiers;

    // ------------------------------------------------------------ external

    /// @inheritdoc ICompliance
    function registerWallet(address wallet, uint8 level) external onlyRole(COMPLIANCE_ROLE) {
        if (wallet == address(0)) revert ZeroAddress("wallet");
        if (wallet == suspenseAccount()) revert SuspenseAccountNotAllowed(wallet);
        Account storage a = _accounts[wallet];
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
        _tiers[level] = Limits({
            maxTransfer: _limit(maxTransfer),
            maxOutflow30d: _limit(maxOutflow30d),
            maxBalance: _limit(maxBalance),
            set: true
        });
        emit TierSet(level, maxBalance, maxTransfer, maxOutflow30d);
    }

    /// @inheritdoc ICompliance
    function isRegistered(address wallet) external view returns (bool) {
        return _accounts[wallet].registered;
    }

    /// @inheritdoc ICompliance
    function isFrozen(address wallet) external view returns (bool) {
        return _accounts[wallet].frozen;
    }

    /// @inheritdoc ICompliance
    function kycLevelOf(address wallet) external view returns (uint8) {
        return _accounts[wallet].kycLevel;
    }

    /// @inheritdoc ICompliance
    function tierOf(uint8 level) external view returns (Tier memory) {
        Limits storage l = _tiers[level];
        return Tier({
            maxBalance: l.maxBalance, maxTransfer: l.maxTransfer, maxOutflow30d: l.maxOutflow30d
        });
    }

    /// @inheritdoc ICompliance
    function isTierSet(uint8 level) external view returns (bool) {
        return _tiers[level].set;
    }

    /// @inheritdoc ICompliance
    function outflowOf(address wallet)
        external
        view
        returns (uint256 outflow, uint256 periodStart)
    {
        Account storage a = _accounts[wallet];
        if (a.outflowPeriodStart == 0 || block.timestamp >= a.outflowPeriodStart + OUTFLOW_PERIOD) {
            return (0, 0);
        }
        return (a.outflow, a.outflowPeriodStart);
    }

    // ------------------------------------------------------------ internal

    function _recordOutflow(address from, Account memory sender, uint256 value) internal override {
        (uint256 outflow, bool newPeriod) = _checkedOutflow(from, sender, value);
        if (newPeriod) sender.outflowPeriodStart = uint40(block.timestamp);
        // Saturates: only an unlimited tier lets a period's outflow pass 2^96 - 1, and then nothing
        // reads more than "a lot" from it.
        sender.outflow = outflow > MAX_SUPPLY ? uint96(MAX_SUPPLY) : uint96(outflow);
        // `sender` is this account's slot as read at the start of the movement; nothing else wrote it since.
        _accounts[from] = sender;
    }

    function _checkOutflow(address from, Account memory sender, uint256 value)
        internal
        view
        override
    {
        _checkedOutflow(from, sender, value);
    }

    function _checkBalanceLimit(uint8 level, address to, uint256 newBalance)
        internal
        view
        override
    {
        uint256 maxBalance = _tiers[level].maxBalance;
        if (maxBalance != 0 && newBalance > maxBalance) {
            revert BalanceLimitExceeded(to, newBalance, maxBalance);
        }
    }

    /// @dev The sender's outflow in its current period after sending `value`, checked against its tier;
    /// `newPeriod` when that value opens a new period.
    function _checkedOutflow(address from, Account memory sender, uint256 value)
        private
        view
        returns (uint256 outflow, bool newPeriod)
    {
        Limits storage tier = _tiers[sender.kycLevel];
        uint256 maxTransfer = tier.maxTransfer;
        if (maxTransfer != 0 && value > maxTransfer) {
            revert TransferLimitExceeded(from, value, maxTransfer);
        }
        uint256 start = sender.outflowPeriodStart;
        // `start == 0` is the "no period yet" sentinel, not a balance comparison.
        // slither-disable-next-line incorrect-equality
        newPeriod = start == 0 || block.timestamp >= start + OUTFLOW_PERIOD;
        outflow = newPeriod ? value : sender.outflow + value;
        uint256 maxOutflow = tier.maxOutflow30d;
        if (maxOutflow != 0 && outflow > maxOutflow) {
            revert OutflowLimitExceeded(from, outflow, maxOutflow);
        }
    }

    function _requireTier(uint8 level) private view {
        if (!_tiers[level].set) revert KycLevelWithoutTier(level);
    }

    function _registered(address wallet) private view returns (Account storage a) {
        a = _accounts[wallet];
        if (!a.registered) revert WalletNotRegistered(wallet);
    }

    function _limit(uint256 value) private pure returns (uint96) {
        if (value > MAX_SUPPLY) revert TierLimitTooLarge(value);
        return uint96(value);
    }
}
