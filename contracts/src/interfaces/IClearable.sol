// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IClearable
/// @notice Two-step transfers in the shape of EIP-2018: the payer orders a transfer, which locks the amount;
/// the operator (clearing agent) processes, executes or rejects it.
/// @dev `orderId = keccak256(abi.encode(orderer, operationId))`. The lock of an order is a system hold: it
/// counts in `balanceOnHold` but has no hold id, so the public hold functions cannot reach it. Its notary is
/// the operator role: any holder of that role clears it.
interface IClearable {
    /// @notice Lifecycle of a two-step transfer.
    enum ClearableStatus {
        Nonexistent,
        Ordered,
        InProcess,
        Executed,
        Rejected,
        Cancelled
    }

    /// @notice A two-step transfer as stored.
    struct ClearableTransferData {
        address orderer;
        address from;
        address to;
        uint256 value;
        ClearableStatus status;
    }

    /// @notice The orderer already has a two-step transfer with this operation id.
    error ClearableTransferExists(bytes32 orderId);
    /// @notice No two-step transfer has this id.
    error ClearableTransferNotFound(bytes32 orderId);
    /// @notice The transfer is in `status`, where this step is not allowed.
    error ClearableTransferWrongStatus(bytes32 orderId, ClearableStatus status);
    /// @notice `caller` may not cancel: only the orderer or the payer.
    error ClearableCancelNotAllowed(bytes32 orderId, address caller);

    /// @notice A two-step transfer was ordered: `value` of `from` is locked for `to`. Every event of this
    /// family ends with `moved` (what this step moved between balances), `locked` (what the order still
    /// locks on `from` after the step) and `status` (the order's status after the step). Here moved 0,
    /// locked `value`, status Ordered.
    event ClearableTransferOrdered(
        bytes32 indexed orderId,
        address indexed from,
        address indexed to,
        address orderer,
        bytes32 operationId,
        uint256 value,
        uint256 moved,
        uint256 locked,
        ClearableStatus status
    );
    /// @notice The operator took the transfer in process: it can no longer be cancelled. Moved 0, locked
    /// `value`, status InProcess.
    event ClearableTransferInProcess(
        bytes32 indexed orderId,
        address indexed from,
        address indexed to,
        uint256 value,
        uint256 moved,
        uint256 locked,
        ClearableStatus status
    );
    /// @notice The operator executed the transfer: `value` moved from `from` to `to`. Moved `value`,
    /// locked 0, status Executed.
    event ClearableTransferExecuted(
        bytes32 indexed orderId,
        address indexed from,
        address indexed to,
        uint256 value,
        uint256 moved,
        uint256 locked,
        ClearableStatus status
    );
    /// @notice The operator rejected the transfer: `value` unlocked back to `from`. Moved 0, locked 0,
    /// status Rejected.
    event ClearableTransferRejected(
        bytes32 indexed orderId,
        address indexed from,
        address indexed to,
        uint256 value,
        string reason,
        uint256 moved,
        uint256 locked,
        ClearableStatus status
    );
    /// @notice The orderer or payer cancelled the transfer: `value` unlocked back to `from`. Moved 0,
    /// locked 0, status Cancelled.
    event ClearableTransferCancelled(
        bytes32 indexed orderId,
        address indexed from,
        address indexed to,
        uint256 value,
        uint256 moved,
        uint256 locked,
        ClearableStatus status
    );

    /// @notice Orders a transfer of `value` from the caller to `to`, locking it. Compliance and limits are
    /// checked now. Emits {ClearableTransferOrdered}.
    function orderTransfer(bytes32 operationId, address to, uint256 value)
        external
        returns (bytes32 orderId);

    /// @notice As {orderTransfer}, for `from`, by its clearable operator or the operator role.
    function orderTransferFrom(bytes32 operationId, address from, address to, uint256 value)
        external
        returns (bytes32 orderId);

    /// @notice The orderer or the payer cancels an Ordered transfer, unlocking it. Emits
    /// {ClearableTransferCancelled}.
    function cancelTransfer(bytes32 orderId) external;

    /// @notice Operator only: Ordered → InProcess. Emits {ClearableTransferInProcess}.
    function processClearableTransfer(bytes32 orderId) external;

    /// @notice Operator only: Ordered or InProcess → Executed; moves the full amount (compliance and limits
    /// are checked again). Emits `Transfer` and {ClearableTransferExecuted}.
    function executeClearableTransfer(bytes32 orderId) external;

    /// @notice Operator only: Ordered or InProcess → Rejected; unlocks the amount. Emits
    /// {ClearableTransferRejected}.
    function rejectClearableTransfer(bytes32 orderId, string calldata reason) external;

    /// @notice The caller approves `operator` to order two-step transfers from its wallet.
    function authorizeClearableTransferOperator(address operator) external;

    /// @notice The caller withdraws `operator`'s approval.
    function revokeClearableTransferOperator(address operator) external;

    /// @notice True when `operator` may order transfers for `from` (approved, or the operator role).
    function isClearableTransferOperatorFor(address operator, address from)
        external
        view
        returns (bool);

    /// @notice The stored two-step transfer.
    function retrieveClearableTransferData(bytes32 orderId)
        external
        view
        returns (ClearableTransferData memory);

    /// @notice The id of the two-step transfer `orderer` creates with `operationId`.
    function clearableTransferIdOf(address orderer, bytes32 operationId)
        external
        pure
        returns (bytes32);
}
