// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EmTokenBase} from "../EmTokenBase.sol";
import {IFees} from "../interfaces/IFees.sol";
import {IPayoutable} from "../interfaces/IPayoutable.sol";

/// @title Payoutable
/// @notice Cash-out (EIP-2021 shape), whole lifecycle: order (locks), process, optionally move the funds to
/// the suspense account while the bank transfer runs, then execute (burn) or reject (unlock, or refund from
/// suspense). The orderer or the wallet may cancel until it is in process.
/// @dev Choices where EIP-2021 and the spec are silent: execution is allowed from InProcess (burns from the
/// wallet) or FundsInSuspense (burns from suspense); rejection from Ordered, InProcess or FundsInSuspense.
/// Payouts are exempt from tier limits, not from registration, freeze, pause or available balance; a refund
/// to a wallet frozen in the meantime waits until it is unfrozen. While in suspense, the funds are locked on
/// the suspense account (they count in its `balanceOnHold`), so that account's key cannot spend them.
abstract contract Payoutable is EmTokenBase, IPayoutable {
    struct Payout {
        address wallet;
        uint96 value;
        address orderer;
        PayoutStatus status;
        /// @dev The fee reserved when ordered (`orderPayoutFromWithFee`): locked with `value` on the wallet
        /// and charged on execution. Fits the slot of `orderer` and `status`.
        uint88 fee;
    }

    /// @custom:storage-location erc7201:emtoken.payouts
    struct PayoutsStorage {
        mapping(bytes32 orderId => Payout) payouts;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("emtoken.payouts")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant PAYOUTS_STORAGE =
        0x9f2a9eea3448d8914769e73b8312a71a39368f709595f0960e2ea6813ae30b00;

    // ------------------------------------------------------------ external

    /// @inheritdoc IPayoutable
    function orderPayout(bytes32 operationId, uint256 value, bytes32 instructionsHash)
        external
        returns (bytes32 orderId)
    {
        return _orderPayout(operationId, msg.sender, value, 0, instructionsHash);
    }

    /// @inheritdoc IPayoutable
    function orderPayoutFrom(
        bytes32 operationId,
        address wallet,
        uint256 value,
        bytes32 instructionsHash
    ) external returns (bytes32 orderId) {
        if (wallet == address(0)) revert ZeroAddress("wallet");
        _requireOperatorFor(wallet, OperatorScope.Payout);
        return _orderPayout(operationId, wallet, value, 0, instructionsHash);
    }

    /// @notice `orderPayoutFrom` with a fee reserved with the payout (see
    /// {IFees-orderPayoutFromWithFee}); by the operator role only, since it sets a fee.
    function orderPayoutFromWithFee(
        bytes32 operationId,
        address wallet,
        uint256 value,
        uint256 fee,
        bytes32 instructionsHash
    ) external onlyRole(OPERATOR_ROLE) returns (bytes32 orderId) {
        if (wallet == address(0)) revert ZeroAddress("wallet");
        if (fee > type(uint88).max) revert IFees.FeeTooLarge(fee);
        if (fee != 0) _feeAccount(); // refused now rather than when the bank has paid
        return _orderPayout(operationId, wallet, value, fee, instructionsHash);
    }

    /// @inheritdoc IPayoutable
    function cancelPayout(bytes32 orderId) external whenNotPaused {
        Payout storage p = _payout(orderId, PayoutStatus.Ordered, PayoutStatus.Ordered);
        if (msg.sender != p.wallet && msg.sender != p.orderer) {
            revert PayoutCancelNotAllowed(orderId, msg.sender);
        }
        _unlock(p.wallet, uint256(p.value) + p.fee);
        p.status = PayoutStatus.Cancelled;
        emit PayoutCancelled(orderId, p.wallet, p.value, 0, 0, PayoutStatus.Cancelled);
    }

    /// @inheritdoc IPayoutable
    function processPayout(bytes32 orderId) external onlyRole(OPERATOR_ROLE) whenNotPaused {
        Payout storage p = _payout(orderId, PayoutStatus.Ordered, PayoutStatus.Ordered);
        p.status = PayoutStatus.InProcess;
        emit PayoutInProcess(
            orderId, p.wallet, p.value, 0, uint256(p.value) + p.fee, PayoutStatus.InProcess
        );
    }

    /// @inheritdoc IPayoutable
    function putFundsInSuspenseInPayout(bytes32 orderId) external onlyRole(OPERATOR_ROLE) {
        Payout storage p = _payout(orderId, PayoutStatus.InProcess, PayoutStatus.InProcess);
        if (p.fee != 0) revert IFees.PayoutFeeReserved(orderId);
        (address wallet, uint256 value) = (p.wallet, p.value);
        address suspense = _suspense();
        p.status = PayoutStatus.FundsInSuspense;
        _unlock(wallet, value);
        _update(wallet, suspense, value, true);
        _lock(suspense, value);
        emit PayoutFundsInSuspense(
            orderId, wallet, suspense, value, value, value, PayoutStatus.FundsInSuspense
        );
    }

    /// @inheritdoc IPayoutable
    function executePayout(bytes32 orderId) external onlyRole(OPERATOR_ROLE) {
        _executePayout(orderId);
    }

    /// @notice `executePayout` with a fee the wallet pays from its available balance (see
    /// {IFees-executePayoutWithFee}).
    function executePayoutWithFee(bytes32 orderId, uint256 fee) external onlyRole(OPERATOR_ROLE) {
        address wallet = _executePayout(orderId);
        _chargeFee(orderId, IFees.FeeKind.Payout, wallet, fee);
    }

    /// @dev Burns the payout's value and charges its reserved fee, if any.
    function _executePayout(bytes32 orderId) private returns (address wallet) {
        Payout storage p = _payout(orderId, PayoutStatus.InProcess, PayoutStatus.FundsInSuspense);
        (uint256 value, uint256 fee) = (p.value, p.fee);
        wallet = p.wallet;
        address burntFrom = p.status == PayoutStatus.FundsInSuspense ? _suspense() : wallet;
        p.status = PayoutStatus.Executed;
        p.fee = 0;
        _unlock(burntFrom, value + fee); // a reserved fee never goes to suspense: burntFrom is the wallet
        _update(burntFrom, address(0), value, true);
        emit PayoutExecuted(orderId, wallet, burntFrom, value, value, 0, PayoutStatus.Executed);
        _chargeFee(orderId, IFees.FeeKind.Payout, wallet, fee, true);
    }

    /// @inheritdoc IPayoutable
    function rejectPayout(bytes32 orderId, string calldata reason)
        external
        onlyRole(OPERATOR_ROLE)
    {
        Payout storage p = _payout(orderId, PayoutStatus.Ordered, PayoutStatus.FundsInSuspense);
        (address wallet, uint256 value) = (p.wallet, p.value);
        address refundedFrom = address(0); // stays zero when nothing was moved to suspense
        uint256 moved = 0; // what the refund moves back from suspense
        if (p.status == PayoutStatus.FundsInSuspense) {
            refundedFrom = _suspense();
            moved = value;
            _unlock(refundedFrom, value);
            _update(refundedFrom, wallet, value, true);
        } else {
            _requireNotPaused();
            _unlock(wallet, value + p.fee);
        }
        p.status = PayoutStatus.Rejected;
        p.fee = 0;
        emit PayoutRejected(
            orderId, wallet, refundedFrom, value, reason, moved, 0, PayoutStatus.Rejected
        );
    }

    /// @inheritdoc IPayoutable
    function authorizePayoutOperator(address operator) external {
        _setOperator(operator, OperatorScope.Payout, true);
    }

    /// @inheritdoc IPayoutable
    function revokePayoutOperator(address operator) external {
        _setOperator(operator, OperatorScope.Payout, false);
    }

    /// @inheritdoc IPayoutable
    function isPayoutOperatorFor(address operator, address wallet) external view returns (bool) {
        return _isOperatorFor(operator, wallet, OperatorScope.Payout);
    }

    /// @inheritdoc IPayoutable
    function retrievePayoutData(bytes32 orderId) external view returns (PayoutData memory) {
        Payout storage p = _payoutsStorage().payouts[orderId];
        return PayoutData({orderer: p.orderer, wallet: p.wallet, value: p.value, status: p.status});
    }

    /// @notice The fee reserved with a payout (see {IFees-payoutFeeOf}).
    function payoutFeeOf(bytes32 orderId) external view returns (uint256) {
        return _payoutsStorage().payouts[orderId].fee;
    }

    /// @inheritdoc IPayoutable
    function payoutIdOf(address orderer, bytes32 operationId) external pure returns (bytes32) {
        return _recordId(orderer, operationId);
    }

    // ------------------------------------------------------------ internal

    /// @dev `fee` is already checked to fit 88 bits; `value + fee` must be available on the wallet.
    function _orderPayout(
        bytes32 operationId,
        address wallet,
        uint256 value,
        uint256 fee,
        bytes32 instructionsHash
    ) private whenNotPaused returns (bytes32 orderId) {
        if (value == 0) revert ZeroAmount();
        _requireActive(wallet);
        orderId = _recordId(msg.sender, operationId);
        Payout storage p = _payoutsStorage().payouts[orderId];
        if (p.status != PayoutStatus.Nonexistent) revert PayoutExists(orderId);
        _lock(wallet, value + fee);
        p.wallet = wallet;
        p.value = uint96(value);
        p.orderer = msg.sender;
        p.status = PayoutStatus.Ordered;
        if (fee != 0) p.fee = uint88(fee);
        emit PayoutOrdered(
            orderId,
            wallet,
            msg.sender,
            operationId,
            value,
            instructionsHash,
            0,
            value + fee,
            PayoutStatus.Ordered
        );
    }

    /// @dev The payout, which must exist and be in a status from `first` to `last` (in declaration order:
    /// Ordered, InProcess, FundsInSuspense are the open ones).
    function _payout(bytes32 orderId, PayoutStatus first, PayoutStatus last)
        private
        view
        returns (Payout storage p)
    {
        p = _payoutsStorage().payouts[orderId];
        PayoutStatus status = p.status;
        if (status == PayoutStatus.Nonexistent) revert PayoutNotFound(orderId);
        if (status < first || status > last) revert PayoutWrongStatus(orderId, status);
    }

    function _payoutsStorage() private pure returns (PayoutsStorage storage $) {
        assembly ("memory-safe") {
            $.slot := PAYOUTS_STORAGE
        }
    }
}
