// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title ICompliance
/// @notice On-chain KYC: registered wallets, KYC levels with tier limits, freezing.
/// @dev A wallet can only be given a KYC level whose tier the admin set ({setTier}); a level nobody
/// configured cannot be given to any wallet. Within a tier the admin set, a limit of 0 means "no limit of
/// this kind": unlimited exists only as the admin's explicit choice. Limits are checked when money moves
/// (transfer, operator transfer, hold execution, two-step execution, mint) and when it is committed (hold
/// creation, orderTransfer, orderPayout).
interface ICompliance {
    /// @notice The limits of one KYC level, in base units. 0 = no limit of this kind (in a tier the admin
    /// set; see {isTierSet}).
    struct Tier {
        uint96 maxBalance;
        uint96 maxTransfer;
        uint96 maxOutflow30d;
    }

    // ---------------------------------------------------------------- errors

    /// @notice `wallet` is not registered, so it cannot send, receive, hold or be paid.
    error WalletNotRegistered(address wallet);
    /// @notice `wallet` is registered already.
    error WalletAlreadyRegistered(address wallet);
    /// @notice `wallet` is frozen.
    error WalletFrozen(address wallet);
    /// @notice `wallet` is not frozen (unfreeze of an active wallet).
    error WalletNotFrozen(address wallet);
    /// @notice `wallet` already has KYC level `level`.
    error KycLevelUnchanged(address wallet, uint8 level);
    /// @notice Receiving would take `wallet`'s balance to `balance`, above its tier's `maxBalance`.
    error BalanceLimitExceeded(address wallet, uint256 balance, uint256 maxBalance);
    /// @notice `value` is above the single-transfer limit `maxTransfer` of `wallet`'s tier.
    error TransferLimitExceeded(address wallet, uint256 value, uint256 maxTransfer);
    /// @notice The 30-day outflow of `wallet` would reach `outflow`, above its tier's `maxOutflow30d`.
    error OutflowLimitExceeded(address wallet, uint256 outflow, uint256 maxOutflow30d);
    /// @notice A tier limit above 2^80 - 1 base units (`MAX_TIER_LIMIT`; 0 is unlimited).
    error TierLimitTooLarge(uint256 value);
    /// @notice KYC `level` has no tier: the admin never set its limits ({setTier}), so no wallet may be
    /// registered at it or moved to it.
    error KycLevelWithoutTier(uint8 level);

    // ---------------------------------------------------------------- events

    /// @notice Compliance registered `wallet` at KYC `level`.
    event WalletRegistered(address indexed wallet, uint8 level);
    /// @notice Compliance moved `wallet` from KYC level `previousLevel` to `level`.
    event KycLevelChanged(address indexed wallet, uint8 previousLevel, uint8 level);
    /// @notice Compliance froze `wallet`.
    event Frozen(address indexed wallet, address indexed by);
    /// @notice Compliance unfroze `wallet`.
    event Unfrozen(address indexed wallet, address indexed by);
    /// @notice The admin set the limits of KYC `level`.
    event TierSet(
        uint8 indexed level, uint256 maxBalance, uint256 maxTransfer, uint256 maxOutflow30d
    );

    // ---------------------------------------------------------------- functions

    /// @notice Compliance only: registers `wallet` at KYC `level` (never the suspense account); `level`
    /// must have a tier ({KycLevelWithoutTier} otherwise). Emits {WalletRegistered}.
    function registerWallet(address wallet, uint8 level) external;

    /// @notice Compliance only: changes a registered wallet's KYC level to `level`, which must have a tier
    /// ({KycLevelWithoutTier} otherwise). Emits {KycLevelChanged}.
    function setKycLevel(address wallet, uint8 level) external;

    /// @notice Compliance only: freezes a registered wallet (it can no longer send, receive, hold or be
    /// paid; its open holds stay as they are). Emits {Frozen}.
    function freeze(address wallet) external;

    /// @notice Compliance only: unfreezes a frozen wallet. Emits {Unfrozen}.
    function unfreeze(address wallet) external;

    /// @notice Admin only: sets the limits of KYC `level` (0 = no limit of this kind) and so makes the
    /// level one that wallets may be given ({isTierSet}); a tier can be changed, never removed. Emits
    /// {TierSet}.
    function setTier(uint8 level, uint256 maxBalance, uint256 maxTransfer, uint256 maxOutflow30d)
        external;

    /// @notice Whether `wallet` is registered.
    function isRegistered(address wallet) external view returns (bool);

    /// @notice Whether `wallet` is frozen.
    function isFrozen(address wallet) external view returns (bool);

    /// @notice The KYC level of `wallet` (0 for unregistered wallets).
    function kycLevelOf(address wallet) external view returns (uint8);

    /// @notice The limits of KYC `level` (all 0 for a level whose tier was never set: see {isTierSet}).
    function tierOf(uint8 level) external view returns (Tier memory);

    /// @notice Whether the admin set the tier of KYC `level`, i.e. whether wallets may be given it.
    function isTierSet(uint8 level) external view returns (bool);

    /// @notice What `wallet` has sent in its current 30-day period, and when that period started (0 when
    /// it has sent nothing yet or the period is over).
    function outflowOf(address wallet) external view returns (uint256 outflow, uint256 periodStart);
}
