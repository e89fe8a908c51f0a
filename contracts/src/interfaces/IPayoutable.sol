// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IPayoutable
/// @notice Cash-out in the shape of EIP-2021, with its whole lifecycle: a wallet orders a payout (the amount
/// is locked), the operator processes it, may move the funds to the suspense account while the bank transfer
/// runs, and finally burns them (executed) or gives them back (rejected, refunded from suspense).
/// @dev `orderId = keccak256(abi.encode(orderer, operationId))`. Bank details never go on chain: only
/// `instructionsHash`. Payouts are exempt from the tier limits (not from registration, freeze, pause or the
/// available balance). Funds in suspense are locked on the suspense account, so its key cannot move them.
interface IPayoutable {
    /// @notice Lifecycle of a payout.
    enum PayoutStatus {
        Nonexistent,
        Ordered,
        InProcess,
        FundsInSuspense,
        Executed,
        Rejected,
        Cancelled
    }

    /// @notice A payout as stored (its instructions hash is in {PayoutOrdered} only).
    struct PayoutData {
        address orderer;
        address wallet;
        uint256 value;
        PayoutStatus status;
    }

    /// @notice The orderer already has a payout with this operation id.
    error PayoutExists(bytes32 orderId);
    /// @notice No payout has this id.
    error PayoutNotFound(bytes32 orderId);
    /// @notice The payout is in `status`, where this step is not allowed.
    error PayoutWrongStatus(bytes32 orderId, PayoutStatus status);
    /// @notice `caller` may not cancel: only the orderer or the wallet.
    error PayoutCancelNotAllowed(bytes32 orderId, address caller);

    /// @notice A payout was ordered: `value` of `wallet` is locked. Every event of this family ends with
    /// `moved` (what this step moved between balances), `locked` (what the payout still locks after the
    /// step, on the wallet or, in suspense, on the suspense account) and `status` (the payout's status after
    /// the step). Here moved 0, locked `value`, status Ordered.
    event PayoutOrdered(
        bytes32 indexed orderId,
        address indexed wallet,
        address indexed orderer,
        bytes32 operationId,
        uint256 value,
        bytes32 instructionsHash,
        uint256 moved,
        uint256 locked,
        PayoutStatus status
    );
    /// @notice The operator took the payout in process: it can no longer be cancelled. Moved 0, locked
    /// `value`, status InProcess.
    event PayoutInProcess(
        bytes32 indexed orderId,
        address indexed wallet,
        uint256 value,
        uint256 moved,
        uint256 locked,
        PayoutStatus status
    );
    /// @notice `value` moved from `wallet` to `suspenseAccount`, where it stays locked. Moved `value`,
    /// locked `value` (on the suspense account), status FundsInSuspense.
    event PayoutFundsInSuspense(
        bytes32 indexed orderId,
        address indexed wallet,
        address indexed suspenseAccount,
        uint256 value,
        uint256 moved,
        uint256 locked,
        PayoutStatus status
    );
    /// @notice The payout was executed: `value` was burnt from `burntFrom` (the wallet, or the suspense
    /// account when the funds were there). Moved `value` (burnt), locked 0, status Executed.
    event PayoutExecuted(
        bytes32 indexed orderId,
        address indexed wallet,
        address indexed burntFrom,
        uint256 value,
        uint256 moved,
        uint256 locked,
        PayoutStatus status
    );
    /// @notice The operator rejected the payout: `value` unlocked on the wallet, or refunded to it from
    /// `refundedFrom` (the suspense account; zero when nothing was moved). Moved `value` on a refund from
    /// suspense, else 0; locked 0; status Rejected.
    event PayoutRejected(
        bytes32 indexed orderId,
        address indexed wallet,
        address indexed refundedFrom,
        uint256 value,
        string reason,
        uint256 moved,
        uint256 locked,
        PayoutStatus status
    );
    /// @notice The orderer or the wallet cancelled the payout: `value` unlocked. Moved 0, locked 0, status
    /// Cancelled.
    event PayoutCancelled(
        bytes32 indexed orderId,
        address indexed wallet,
        uint256 value,
        uint256 moved,
        uint256 locked,
        PayoutStatus status
    );

    /// @notice Orders a payout of `value` from the caller's wallet, locking it. Emits {PayoutOrdered}.
    function orderPayout(bytes32 operationId, uint256 value, bytes32 instructionsHash)
        external
        returns (bytes32 orderId);

    /// @notice As {orderPayout}, for `wallet`, by its payout operator or the operator role.
    function orderPayoutFrom(
        bytes32 operationId,
        address wallet,
        uint256 value,
        bytes32 instructionsHash
    ) external returns (bytes32 orderId);

    /// @notice The orderer or the wallet cancels an Ordered payout, unlocking it. Emits {PayoutCancelled}.
    function cancelPayout(bytes32 orderId) external;

    /// @notice Operator only: Ordered → InProcess. Emits {PayoutInProcess}.
    function processPayout(bytes32 orderId) external;

    /// @notice Operator only: InProcess → FundsInSuspense; moves the locked funds to the suspense account.
    /// Emits `Transfer` and {PayoutFundsInSuspense}.
    function putFundsInSuspenseInPayout(bytes32 orderId) external;

    /// @notice Operator only: InProcess or FundsInSuspense → Executed; burns the funds. Emits `Transfer` and
    /// {PayoutExecuted}.
    function executePayout(bytes32 orderId) external;

    /// @notice Operator only: Ordered, InProcess or FundsInSuspense → Rejected; unlocks the funds, or refunds
    /// them from suspense. Emits {PayoutRejected} (and `Transfer` on a refund).
    function rejectPayout(bytes32 orderId, string calldata reason) external;

    /// @notice The caller approves `operator` to order payouts from its wallet.
    function authorizePayoutOperator(address operator) external;

    /// @notice The caller withdraws `operator`'s approval.
    function revokePayoutOperator(address operator) external;

    /// @notice True when `operator` may order payouts for `wallet` (approved, or the operator role).
    function isPayoutOperatorFor(address operator, address wallet) external view returns (bool);

    /// @notice The stored payout.
    function retrievePayoutData(bytes32 orderId) external view returns (PayoutData memory);

    /// @notice The id of the payout `orderer` creates with `operationId`.
    function payoutIdOf(address orderer, bytes32 operationId) external pure returns (bytes32);
}
