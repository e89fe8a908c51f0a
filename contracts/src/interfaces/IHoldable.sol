// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IHoldable
/// @notice Holds in the shape of EIP-1996: a payer's funds are marked (not moved) for a payee, and a notary
/// executes (moves them) or releases (unlocks) them.
/// @dev `holdId = keccak256(abi.encode(issuer, operationId))` where the issuer is the caller that created
/// the hold: nobody can squat another issuer's id. The locks of two-step transfers and payouts are not holds
/// and cannot be reached through these functions.
interface IHoldable {
    /// @notice Lifecycle of a hold.
    enum HoldStatus {
        Nonexistent,
        Ordered,
        ExecutedAndKeptOpen,
        Executed,
        ReleasedByNotary,
        ReleasedByPayee,
        ReleasedOnExpiration
    }

    /// @notice A hold as stored: `value` is what is still locked.
    struct HoldData {
        address issuer;
        address payer;
        address payee;
        address notary;
        uint256 value;
        uint256 expiration;
        HoldStatus status;
    }

    // ---------------------------------------------------------------- errors

    /// @notice The issuer already has a hold with this operation id.
    error HoldExists(bytes32 holdId);
    /// @notice No hold has this id.
    error HoldNotFound(bytes32 holdId);
    /// @notice The hold is closed (executed or released): `status`.
    error HoldNotOpen(bytes32 holdId, HoldStatus status);
    /// @notice The hold expired at `expiration` (a hold is expired from its expiration second on).
    error HoldExpired(bytes32 holdId, uint256 expiration);
    /// @notice `caller` is not the notary of the hold.
    error HoldCallerNotNotary(bytes32 holdId, address caller);
    /// @notice `caller` may not release the hold now: only its notary or payee, or anyone once expired.
    error HoldReleaseNotAllowed(bytes32 holdId, address caller);
    /// @notice `caller` may not renew the hold: only its payer, issuer or notary.
    error HoldRenewalNotAllowed(bytes32 holdId, address caller);
    /// @notice The payer or issuer tried to bring the expiration forward from `expiration` to `requested`
    /// (only the notary may shorten a hold).
    error HoldExpirationShortened(bytes32 holdId, uint256 expiration, uint256 requested);
    /// @notice Executing `value` is more than the `remaining` amount of the hold.
    error HoldValueExceeded(bytes32 holdId, uint256 value, uint256 remaining);
    /// @notice An absolute expiration that is not in the future (`expiration` ≤ `now`).
    error ExpirationNotInFuture(uint256 expiration, uint256 now_);
    /// @notice A relative expiration so large that the date overflows.
    error ExpirationTooLarge(uint256 timeToExpiration);

    // ---------------------------------------------------------------- events

    /// @notice A hold was created: `value` of `payer` is locked until it is executed to `payee`, released,
    /// or expires at `expiration` (0 = perpetual); `status` is its status (always Ordered).
    event HoldCreated(
        bytes32 indexed holdId,
        address indexed payer,
        address indexed payee,
        address issuer,
        address notary,
        bytes32 operationId,
        uint256 value,
        uint256 expiration,
        HoldStatus status
    );
    /// @notice The notary moved `executedValue` from payer to payee; `releasedValue` was unlocked back to the
    /// payer; `remaining` stays locked; new `status` (Executed or ExecutedAndKeptOpen).
    event HoldExecuted(
        bytes32 indexed holdId,
        address indexed payer,
        address indexed payee,
        uint256 executedValue,
        uint256 releasedValue,
        uint256 remaining,
        HoldStatus status
    );
    /// @notice `releasedValue` was unlocked back to the payer and the hold closed with `status`.
    event HoldReleased(
        bytes32 indexed holdId,
        address indexed payer,
        address indexed payee,
        uint256 releasedValue,
        HoldStatus status
    );
    /// @notice The hold's expiration moved from `previousExpiration` to `expiration` (0 = perpetual);
    /// `remaining` is still locked; its status is unchanged (`status`).
    event HoldRenewed(
        bytes32 indexed holdId,
        address indexed payer,
        address indexed payee,
        uint256 previousExpiration,
        uint256 expiration,
        uint256 remaining,
        HoldStatus status
    );

    // ---------------------------------------------------------------- functions

    /// @notice Locks `value` of the caller's available balance for `to`, to be executed or released by
    /// `notary`, expiring `timeToExpiration` seconds from now (0 = perpetual). Compliance and limits are
    /// checked now, as if the transfer happened. Emits {HoldCreated}.
    function hold(
        bytes32 operationId,
        address to,
        address notary,
        uint256 value,
        uint256 timeToExpiration
    ) external returns (bytes32 holdId);

    /// @notice As {hold}, with an absolute expiration date (0 = perpetual; otherwise in the future).
    function holdWithExpirationDate(
        bytes32 operationId,
        address to,
        address notary,
        uint256 value,
        uint256 expiration
    ) external returns (bytes32 holdId);

    /// @notice As {hold}, for `from`, by its hold operator or the operator role (the caller is the issuer).
    function holdFrom(
        bytes32 operationId,
        address from,
        address to,
        address notary,
        uint256 value,
        uint256 timeToExpiration
    ) external returns (bytes32 holdId);

    /// @notice As {holdFrom}, with an absolute expiration date.
    function holdFromWithExpirationDate(
        bytes32 operationId,
        address from,
        address to,
        address notary,
        uint256 value,
        uint256 expiration
    ) external returns (bytes32 holdId);

    /// @notice The caller approves `operator` to create holds on its funds.
    function authorizeHoldOperator(address operator) external;

    /// @notice The caller withdraws `operator`'s hold approval.
    function revokeHoldOperator(address operator) external;

    /// @notice True when `operator` may create holds for `from` (approved, or holder of the operator role).
    function isHoldOperatorFor(address operator, address from) external view returns (bool);

    /// @notice Notary only, before expiration: moves `value` (≤ remaining) from payer to payee and releases
    /// the rest. Status Executed. Emits `Transfer` and {HoldExecuted}.
    function executeHold(bytes32 holdId, uint256 value) external;

    /// @notice Notary only, before expiration: moves `value` (≤ remaining); the hold stays open with the rest
    /// (ExecutedAndKeptOpen), or closes as Executed when nothing remains. Emits `Transfer` and {HoldExecuted}.
    function executeHoldAndKeepOpen(bytes32 holdId, uint256 value) external;

    /// @notice Unlocks what remains: the notary or the payee at any time, anyone once expired. Status
    /// ReleasedOnExpiration once expired, else ReleasedByNotary or ReleasedByPayee. Emits {HoldReleased}.
    function releaseHold(bytes32 holdId) external;

    /// @notice Sets the expiration to `timeToExpiration` seconds from now (0 = perpetual). Open, unexpired
    /// holds only. The payer and the issuer may only extend it or make it perpetual; the notary may set any
    /// future date. Emits {HoldRenewed}.
    function renewHold(bytes32 holdId, uint256 timeToExpiration) external;

    /// @notice As {renewHold}, with an absolute date (0 = perpetual; otherwise in the future).
    function renewHoldWithExpirationDate(bytes32 holdId, uint256 expiration) external;

    /// @notice The stored hold; `value` is what remains locked.
    function retrieveHoldData(bytes32 holdId) external view returns (HoldData memory);

    /// @notice The id a hold created by `issuer` with `operationId` has.
    function holdIdOf(address issuer, bytes32 operationId) external pure returns (bytes32);
}
