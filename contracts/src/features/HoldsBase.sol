// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EmTokenBase} from "../EmTokenBase.sol";
import {IHoldable} from "../interfaces/IHoldable.sol";

/// @title HoldsBase
/// @notice The storage of holds and how one is created, shared by {Holdable} (in the implementation) and
/// {Authorizable} (a hold the payer signed, in the authorizations module).
/// @dev Storage: three slots per hold, a fourth only when the issuer is not the payer (holdFrom).
abstract contract HoldsBase is EmTokenBase {
    struct HoldRecord {
        address payer;
        uint40 expiration;
        IHoldable.HoldStatus status;
        address payee;
        uint96 value;
        address notary;
        address issuer; // zero when the issuer is the payer
    }

    /// @custom:storage-location erc7201:emtoken.holds
    struct HoldsStorage {
        mapping(bytes32 holdId => HoldRecord) holds;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("emtoken.holds")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant HOLDS_STORAGE =
        0x4cb45e8103f9d57cdc00725373d23554036024f578a34fac538ca757d3044700;

    /// @dev Creates a hold issued by `issuer` (who names it: the hold id is `issuer`'s record of
    /// `operationId`) on `payer`'s funds: checked as the transfer it commits to, then locked.
    function _createHold(
        address issuer,
        bytes32 operationId,
        address payer,
        address payee,
        address notary,
        uint256 value,
        uint256 expiration
    ) internal whenNotPaused returns (bytes32 holdId) {
        if (value == 0) revert ZeroAmount();
        if (payee == address(0)) revert ZeroAddress("to");
        if (notary == address(0)) revert ZeroAddress("notary");
        holdId = _recordId(issuer, operationId);
        HoldRecord storage h = _holdsStorage().holds[holdId];
        if (h.status != IHoldable.HoldStatus.Nonexistent) revert IHoldable.HoldExists(holdId);
        _checkCommitment(payer, payee, value);
        _lock(payer, value);

        h.payer = payer;
        h.expiration = uint40(expiration);
        h.status = IHoldable.HoldStatus.Ordered;
        h.payee = payee;
        h.value = uint96(value);
        h.notary = notary;
        if (issuer != payer) h.issuer = issuer;
        emit IHoldable.HoldCreated(
            holdId,
            payer,
            payee,
            issuer,
            notary,
            operationId,
            value,
            expiration,
            IHoldable.HoldStatus.Ordered
        );
    }

    /// @dev Expiration `timeToExpiration` seconds from now; 0 stays 0 (perpetual).
    function _expirationIn(uint256 timeToExpiration) internal view returns (uint256) {
        if (timeToExpiration == 0) return 0;
        if (timeToExpiration > type(uint40).max - block.timestamp) {
            revert IHoldable.ExpirationTooLarge(timeToExpiration);
        }
        return block.timestamp + timeToExpiration;
    }

    /// @dev An absolute expiration: 0 (perpetual) or a future second that fits the stored 40 bits.
    function _expirationAt(uint256 expiration) internal view returns (uint256) {
        if (expiration == 0) return 0;
        if (expiration <= block.timestamp) {
            revert IHoldable.ExpirationNotInFuture(expiration, block.timestamp);
        }
        if (expiration > type(uint40).max) revert IHoldable.ExpirationTooLarge(expiration);
        return expiration;
    }

    function _holdsStorage() internal pure returns (HoldsStorage storage $) {
        assembly ("memory-safe") {
            $.slot := HOLDS_STORAGE
        }
    }
}
