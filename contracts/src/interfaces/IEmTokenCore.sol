// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IEmTokenCoreTypes
/// @notice The operator scopes, errors and events of the EmToken core (split from {IEmTokenCore} so that
/// every piece of the token shares them without implementing the functions).
interface IEmTokenCoreTypes {
    /// @notice Scopes of the per-wallet operator approvals.
    enum OperatorScope {
        Transfer,
        Hold,
        Clearable,
        Fund,
        Payout
    }

    // ---------------------------------------------------------------- errors

    /// @notice A zero amount where a positive one is required.
    error ZeroAmount();
    /// @notice The zero address where an account is required; `what` names the parameter.
    error ZeroAddress(string what);
    /// @notice `account` has `available` free (balance minus held), less than the `needed` amount.
    error InsufficientAvailableBalance(address account, uint256 available, uint256 needed);
    /// @notice A mint would take the total supply to `supply`, above `cap` (2^96 - 1 base units).
    error SupplyCapExceeded(uint256 supply, uint256 cap);
    /// @notice `operator` is neither an approved `scope` operator of `wallet` nor holder of the operator role.
    error NotOperatorFor(address operator, address wallet, OperatorScope scope);
    /// @notice `operator` cannot approve itself for its own wallet.
    error SelfOperator(address operator);
    /// @notice `operator` is already approved (or not approved, when revoking) for `wallet` in `scope`.
    error OperatorApprovalUnchanged(
        address wallet, address operator, OperatorScope scope, bool approved
    );
    /// @notice The operation id was already used by this issuer for an operator transfer: `transferId`.
    error OperatorTransferExists(bytes32 transferId);
    /// @notice `account` cannot be both the suspense account (system funds only) and a registered wallet.
    error SuspenseAccountNotAllowed(address account);
    /// @notice The suspense account cannot change while it holds `value` of payouts in suspense.
    error SuspenseAccountInUse(address account, uint256 value);

    // ---------------------------------------------------------------- events

    /// @notice `wallet` approved `operator` for `scope`.
    event OperatorAuthorized(
        address indexed wallet, address indexed operator, OperatorScope indexed scope
    );
    /// @notice `wallet` revoked `operator` for `scope`.
    event OperatorRevoked(
        address indexed wallet, address indexed operator, OperatorScope indexed scope
    );
    /// @notice `operator` moved `value` from `from` to `to` for `from`; `transferId` =
    /// keccak256(abi.encode(operator, operationId)). Emitted beside the ERC-20 `Transfer`.
    event OperatorTransferExecuted(
        bytes32 indexed transferId,
        address indexed from,
        address indexed to,
        address operator,
        bytes32 operationId,
        uint256 value
    );
    /// @notice The admin moved the suspense account of payouts.
    event SuspenseAccountChanged(address indexed previousAccount, address indexed newAccount);
}

/// @title IEmTokenCore
/// @notice Balances, roles and operator transfers of EmToken: what every feature shares.
/// @dev `balanceOf` is the gross ERC-20 balance; `balanceOnHold` is the part of it locked by open holds and
/// open orders; only the rest (`availableBalanceOf`) can leave an account.
interface IEmTokenCore is IEmTokenCoreTypes {
    // ---------------------------------------------------------------- functions

    /// @notice The part of `account`'s balance locked by open holds and orders.
    function balanceOnHold(address account) external view returns (uint256);

    /// @notice `balanceOf(account) - balanceOnHold(account)`: what `account` can move or commit.
    function availableBalanceOf(address account) external view returns (uint256);

    /// @notice Σ balanceOnHold over every account.
    function totalSupplyOnHold() external view returns (uint256);

    /// @notice The account payouts' funds move to before they are burnt or refunded.
    function suspenseAccount() external view returns (address);

    /// @notice Admin only: moves the suspense account, which must be a dedicated address (not a registered
    /// wallet). Reverts while the current one holds payout funds.
    /// Emits {SuspenseAccountChanged}.
    function setSuspenseAccount(address account) external;

    /// @notice Transfer `value` from `from` to `to` as `from`'s transfer operator or as the operator role.
    /// Same compliance checks as `transfer`. Emits `Transfer` and {OperatorTransferExecuted}.
    /// @return transferId keccak256(abi.encode(msg.sender, operationId)), unique per issuer.
    function operatorTransfer(bytes32 operationId, address from, address to, uint256 value)
        external
        returns (bytes32 transferId);

    /// @notice The caller approves `operator` to make operator transfers from its wallet.
    function authorizeTransferOperator(address operator) external;

    /// @notice The caller withdraws `operator`'s transfer approval.
    function revokeTransferOperator(address operator) external;

    /// @notice True when `operator` may transfer for `wallet` (approved, or holder of the operator role).
    function isTransferOperatorFor(address operator, address wallet) external view returns (bool);

    /// @notice Pauser only: stops every function that moves or commits money. Emits `Paused`.
    function pause() external;

    /// @notice Pauser only: resumes. Emits `Unpaused`.
    function unpause() external;
}
