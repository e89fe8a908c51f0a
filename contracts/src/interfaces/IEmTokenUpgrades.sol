// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IEmTokenUpgrades
/// @notice How EmToken is upgraded: behind an ERC-1967 proxy (UUPS), by two keys. The admin role proposes
/// an implementation; the upgrader role, from another address, executes it with `upgradeToAndCall`. Either
/// role may withdraw a proposal. No single key upgrades the token.
interface IEmTokenUpgrades {
    // ---------------------------------------------------------------- errors

    /// @notice `upgradeToAndCall` named an implementation that is not the proposed one.
    error UpgradeNotProposed(address implementation, address proposed);
    /// @notice The proposer of an upgrade tried to execute it: a second key must.
    error UpgradeNeedsSecondKey(address account);
    /// @notice A proposed implementation has no code.
    error ImplementationWithoutCode(address implementation);
    /// @notice Two roles that must be held by different keys were given the same address.
    error RolesMustDiffer(string first, string second);

    // ---------------------------------------------------------------- events

    /// @notice The admin `proposer` proposed `implementation`; the upgrader may now execute it.
    event UpgradeProposed(address indexed implementation, address indexed proposer);
    /// @notice The proposal of `implementation` was withdrawn by `by`.
    event UpgradeCancelled(address indexed implementation, address indexed by);

    // ---------------------------------------------------------------- functions

    /// @notice Proposes `implementation` as the token's next implementation (admin role). Replaces any
    /// earlier proposal.
    function proposeUpgrade(address implementation) external;

    /// @notice Withdraws the pending proposal (admin or upgrader role).
    function cancelUpgrade() external;

    /// @notice The proposed implementation and who proposed it (zero addresses when none).
    function pendingUpgrade() external view returns (address implementation, address proposer);

    /// @notice The implementation the proxy runs (ERC-1967 slot).
    function implementation() external view returns (address);

    /// @notice The module this implementation delegates the order functions to (two-step transfers, fund
    /// and payout orders, mints).
    function ordersModule() external view returns (address);

    /// @notice The module this implementation delegates signed authorizations to (EIP-2612, EIP-3009,
    /// holds a payer signed).
    function authorizationsModule() external view returns (address);

    /// @notice The implementation's version (1 for the first upgradeable release).
    function version() external pure returns (uint256);
}
