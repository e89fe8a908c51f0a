// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IFees} from "../interfaces/IFees.sol";
import {IHoldable} from "../interfaces/IHoldable.sol";
import {HoldsBase} from "./HoldsBase.sol";

/// @title Holdable
/// @notice Holds (EIP-1996 shape): a payer's funds are marked for a payee until the notary executes them
/// (they move) or they are released (they unlock). Holds mark funds; they never move them before execution.
/// @dev Choices where EIP-1996 and the spec are silent:
///  - a hold is expired from its expiration second on (`block.timestamp >= expiration`): it can no longer
///    be executed or renewed, and anyone may release it; 0 means perpetual;
///  - a release after expiration is ReleasedOnExpiration whoever calls it (the fact that decided it);
///  - executions and creations are checked like the transfer they are (registration, freeze, limits);
///    creation checks the payer's single-transfer and 30-day limits and the payee's balance limit as if the
///    money moved now, and execution checks them again when it really moves;
///  - renewals, like all hold functions, stop while the token is paused;
///  - a renewal may not produce an expiration in the past: the notary releases instead.
abstract contract Holdable is HoldsBase, IHoldable {
    // ------------------------------------------------------------ external

    /// @inheritdoc IHoldable
    function hold(
        bytes32 operationId,
        address to,
        address notary,
        uint256 value,
        uint256 timeToExpiration
    ) external returns (bytes32 holdId) {
        return _createHold(
            msg.sender, operationId, msg.sender, to, notary, value, _expirationIn(timeToExpiration)
        );
    }

    /// @inheritdoc IHoldable
    function holdWithExpirationDate(
        bytes32 operationId,
        address to,
        address notary,
        uint256 value,
        uint256 expiration
    ) external returns (bytes32 holdId) {
        return _createHold(
            msg.sender, operationId, msg.sender, to, notary, value, _expirationAt(expiration)
        );
    }

    /// @inheritdoc IHoldable
    function holdFrom(
        bytes32 operationId,
        address from,
        address to,
        address notary,
        uint256 value,
        uint256 timeToExpiration
    ) external returns (bytes32 holdId) {
        if (from == address(0)) revert ZeroAddress("from");
        _requireOperatorFor(from, OperatorScope.Hold);
        return _createHold(
            msg.sender, operationId, from, to, notary, value, _expirationIn(timeToExpiration)
        );
    }

    /// @inheritdoc IHoldable
    function holdFromWithExpirationDate(
        bytes32 operationId,
        address from,
        address to,
        address notary,
        uint256 value,
        uint256 expiration
    ) external returns (bytes32 holdId) {
        if (from == address(0)) revert ZeroAddress("from");
        _requireOperatorFor(from, OperatorScope.Hold);
        return
            _createHold(msg.sender, operationId, from, to, notary, value, _expirationAt(expiration));
    }

    /// @inheritdoc IHoldable
    function authorizeHoldOperator(address operator) external {
        _setOperator(operator, OperatorScope.Hold, true);
    }

    /// @inheritdoc IHoldable
    function revokeHoldOperator(address operator) external {
        _setOperator(operator, OperatorScope.Hold, false);
    }

    /// @inheritdoc IHoldable
    function isHoldOperatorFor(address operator, address from) external view returns (bool) {
        return _isOperatorFor(operator, from, OperatorScope.Hold);
    }

    /// @inheritdoc IHoldable
    function executeHold(bytes32 holdId, uint256 value) external {
        _executeHold(holdId, value, false);
    }

    /// @notice `executeHold` with a fee the payer pays from its available balance, by the hold's notary
    /// holding the operator role (see {IFees-executeHoldWithFee}).
    function executeHoldWithFee(bytes32 holdId, uint256 value, uint256 fee)
        external
        onlyRole(OPERATOR_ROLE)
    {
        address payer = _holdsStorage().holds[holdId].payer;
        _executeHold(holdId, value, false);
        _chargeFee(holdId, IFees.FeeKind.HoldExecution, payer, fee);
    }

    /// @inheritdoc IHoldable
    function executeHoldAndKeepOpen(bytes32 holdId, uint256 value) external {
        _executeHold(holdId, value, true);
    }

    /// @inheritdoc IHoldable
    function releaseHold(bytes32 holdId) external whenNotPaused {
        HoldRecord storage h = _openHold(holdId);
        HoldStatus status = _releaseStatus(h, holdId);

        uint256 remaining = h.value;
        address payer = h.payer;
        _unlock(payer, remaining);
        h.value = 0;
        h.status = status;
        emit HoldReleased(holdId, payer, h.payee, remaining, status);
    }

    /// @inheritdoc IHoldable
    function renewHold(bytes32 holdId, uint256 timeToExpiration) external {
        _renewHold(holdId, _expirationIn(timeToExpiration));
    }

    /// @inheritdoc IHoldable
    function renewHoldWithExpirationDate(bytes32 holdId, uint256 expiration) external {
        _renewHold(holdId, _expirationAt(expiration));
    }

    /// @inheritdoc IHoldable
    function retrieveHoldData(bytes32 holdId) external view returns (HoldData memory) {
        HoldRecord storage h = _holdsStorage().holds[holdId];
        return HoldData({
            issuer: h.issuer == address(0) ? h.payer : h.issuer,
            payer: h.payer,
            payee: h.payee,
            notary: h.notary,
            value: h.value,
            expiration: h.expiration,
            status: h.status
        });
    }

    /// @inheritdoc IHoldable
    function holdIdOf(address issuer, bytes32 operationId) external pure returns (bytes32) {
        return _recordId(issuer, operationId);
    }

    // ------------------------------------------------------------ internal

    function _executeHold(bytes32 holdId, uint256 value, bool keepOpen) private {
        HoldRecord storage h = _openHold(holdId);
        if (msg.sender != h.notary) revert HoldCallerNotNotary(holdId, msg.sender);
        if (_isExpired(h)) revert HoldExpired(holdId, h.expiration);
        if (value == 0) revert ZeroAmount();
        uint256 remaining = h.value;
        if (value > remaining) revert HoldValueExceeded(holdId, value, remaining);

        uint256 left = keepOpen ? remaining - value : 0;
        HoldStatus status = left == 0 ? HoldStatus.Executed : HoldStatus.ExecutedAndKeptOpen;
        address payer = h.payer;
        address payee = h.payee;
        _unlock(payer, remaining - left);
        h.value = uint96(left);
        h.status = status;
        _transfer(payer, payee, value);
        emit HoldExecuted(holdId, payer, payee, value, remaining - left - value, left, status);
    }

    function _renewHold(bytes32 holdId, uint256 expiration) private whenNotPaused {
        HoldRecord storage h = _openHold(holdId);
        uint256 previous = h.expiration;
        if (_isExpired(h)) revert HoldExpired(holdId, previous);
        if (msg.sender != h.notary) {
            // The issuer is stored only when it is not the payer (zero otherwise).
            address issuer = h.issuer;
            if (msg.sender != h.payer && (issuer == address(0) || msg.sender != issuer)) {
                revert HoldRenewalNotAllowed(holdId, msg.sender);
            }
            // The payer's guarantee to the payee: it may extend, never shorten.
            if (expiration != 0 && (previous == 0 || expiration < previous)) {
                revert HoldExpirationShortened(holdId, previous, expiration);
            }
        }
        h.expiration = uint40(expiration);
        emit HoldRenewed(holdId, h.payer, h.payee, previous, expiration, h.value, h.status);
    }

    /// @dev Who may release now, and the status the release gives: anyone once expired
    /// (ReleasedOnExpiration), else the notary or the payee.
    function _releaseStatus(HoldRecord storage h, bytes32 holdId)
        private
        view
        returns (HoldStatus)
    {
        if (_isExpired(h)) return HoldStatus.ReleasedOnExpiration;
        if (msg.sender == h.notary) return HoldStatus.ReleasedByNotary;
        if (msg.sender == h.payee) return HoldStatus.ReleasedByPayee;
        revert HoldReleaseNotAllowed(holdId, msg.sender);
    }

    /// @dev The hold, which must exist and be open (Ordered or ExecutedAndKeptOpen).
    function _openHold(bytes32 holdId) private view returns (HoldRecord storage h) {
        h = _holdsStorage().holds[holdId];
        HoldStatus status = h.status;
        if (status == HoldStatus.Nonexistent) revert HoldNotFound(holdId);
        if (status != HoldStatus.Ordered && status != HoldStatus.ExecutedAndKeptOpen) {
            revert HoldNotOpen(holdId, status);
        }
    }

    function _isExpired(HoldRecord storage h) private view returns (bool) {
        uint256 expiration = h.expiration;
        return expiration != 0 && block.timestamp >= expiration;
    }
}
