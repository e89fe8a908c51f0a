// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title ISupply
/// @notice Supply governance: who may create money and how much (minter allowances, FiatToken style), the
/// rescue of other tokens sent to the token's address by mistake, and the wipe of a frozen wallet's
/// balance by court order. Each has its own role.
interface ISupply {
    // ---------------------------------------------------------------- errors

    /// @notice A mint (direct, or the execution of a fund order) above what the minter may still create.
    error MinterAllowanceExceeded(address minter, uint256 allowance, uint256 value);
    /// @notice `rescueERC20` named the token itself: its balances are never the contract's.
    error RescueOfOwnToken();
    /// @notice An allowance above the supply cap.
    error MinterAllowanceTooLarge(uint256 allowance);

    // ---------------------------------------------------------------- events

    /// @notice The minter admin `by` set what `minter` may still mint.
    event MinterConfigured(address indexed minter, uint256 allowance, address indexed by);
    /// @notice The rescuer `by` sent `value` of `tokenContract`, held by the token's address, to `to`.
    event TokensRescued(
        address indexed tokenContract, address indexed to, uint256 value, address indexed by
    );
    /// @notice The wiper `by` burnt `value` of the frozen `wallet`'s balance, by the court order or
    /// decision `orderReference` (with its `reason`).
    event Wiped(
        address indexed wallet,
        uint256 value,
        bytes32 indexed orderReference,
        string reason,
        address by
    );

    // ---------------------------------------------------------------- functions

    /// @notice Sets what `minter` may still mint (minter admin role): every mint and fund-order execution
    /// by `minter` uses it up; 0 stops it minting. Not cumulative: the new value replaces the old.
    function configureMinter(address minter, uint256 allowance) external;

    /// @notice What `minter` may still mint.
    function minterAllowance(address minter) external view returns (uint256);

    /// @notice Sends `value` of another ERC-20, `tokenContract`, held by the token's address by mistake,
    /// to `to` (rescuer role).
    function rescueERC20(address tokenContract, address to, uint256 value) external;

    /// @notice Burns `value` of the frozen `wallet`'s available balance (wiper role): a court order or a
    /// regulator's decision, named by `orderReference` and `reason`. Holds and orders of the wallet are decided
    /// (released, rejected) first; the wallet stays frozen.
    function wipeFrozenBalance(
        address wallet,
        uint256 value,
        bytes32 orderReference,
        string calldata reason
    ) external;
}
