// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EmTokenBase} from "../EmTokenBase.sol";
import {IClearable} from "../interfaces/IClearable.sol";

/// @title Clearable
/// @notice Two-step transfers (EIP-2018 shape): ordering locks the amount in a system hold; the operator
/// role, as clearing agent, processes, executes or rejects; the orderer or the payer may cancel until it is
/// in process.
/// @dev Choices where EIP-2018 and the spec are silent: execute and reject are allowed from Ordered as well
/// as InProcess (processing is optional, it only ends the right to cancel); execution re-checks compliance
/// and limits, and records the outflow. The system hold is the order itself: it has no hold id.
abstract contract Clearable is EmTokenBase, IClearable {
    struct Order {
        address from;
        uint96 value;
        address to;
        ClearableStatus status;
        address orderer; // zero when the orderer is the payer
    }

    /// @custom:storage-location erc7201:emtoken.clearing
    struct ClearingStorage {
        mapping(bytes32 orderId => Order) orders;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("emtoken.clearing")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant CLEARING_STORAGE =
        0x9c202d1682a0f6e3b83c93554cc425f79ed2e53061b58abc52d3e88c0490ee00;

    // ------------------------------------------------------------ external

    /// @inheritdoc IClearable
    function orderTransfer(bytes32 operationId, address to, uint256 value)
        external
        returns (bytes32 orderId)
    {
        return _orderTransfer(operationId, msg.sender, to, value);
    }

    /// @inheritdoc IClearable
    function orderTransferFrom(bytes32 operationId, address from, address to, uint256 value)
        external
        returns (bytes32 orderId)
    {
        if (from == address(0)) revert ZeroAddress("from");
        _requireOperatorFor(from, OperatorScope.Clearable);
        return _orderTransfer(operationId, from, to, value);
    }

    /// @inheritdoc IClearable
    function cancelTransfer(bytes32 orderId) external whenNotPaused {
        Order storage o = _order(orderId, ClearableStatus.Ordered, ClearableStatus.Ordered);
        if (msg.sender != o.from && msg.sender != o.orderer) {
            revert ClearableCancelNotAllowed(orderId, msg.sender);
        }
        _close(o, ClearableStatus.Cancelled);
        emit ClearableTransferCancelled(
            orderId, o.from, o.to, o.value, 0, 0, ClearableStatus.Cancelled
        );
    }

    /// @inheritdoc IClearable
    function processClearableTransfer(bytes32 orderId)
        external
        onlyRole(OPERATOR_ROLE)
        whenNotPaused
    {
        Order storage o = _order(orderId, ClearableStatus.Ordered, ClearableStatus.Ordered);
        o.status = ClearableStatus.InProcess;
        emit ClearableTransferInProcess(
            orderId, o.from, o.to, o.value, 0, o.value, ClearableStatus.InProcess
        );
    }

    /// @inheritdoc IClearable
    function executeClearableTransfer(bytes32 orderId) external onlyRole(OPERATOR_ROLE) {
        Order storage o = _order(orderId, ClearableStatus.Ordered, ClearableStatus.InProcess);
        (address from, address to, uint256 value) = (o.from, o.to, o.value);
        _close(o, ClearableStatus.Executed);
        _transfer(from, to, value);
        emit ClearableTransferExecuted(orderId, from, to, value, value, 0, ClearableStatus.Executed);
    }

    /// @inheritdoc IClearable
    function rejectClearableTransfer(bytes32 orderId, string calldata reason)
        external
        onlyRole(OPERATOR_ROLE)
        whenNotPaused
    {
        Order storage o = _order(orderId, ClearableStatus.Ordered, ClearableStatus.InProcess);
        _close(o, ClearableStatus.Rejected);
        emit ClearableTransferRejected(
            orderId, o.from, o.to, o.value, reason, 0, 0, ClearableStatus.Rejected
        );
    }

    /// @inheritdoc IClearable
    function authorizeClearableTransferOperator(address operator) external {
        _setOperator(operator, OperatorScope.Clearable, true);
    }

    /// @inheritdoc IClearable
    function revokeClearableTransferOperator(address operator) external {
        _setOperator(operator, OperatorScope.Clearable, false);
    }

    /// @inheritdoc IClearable
    function isClearableTransferOperatorFor(address operator, address from)
        external
        view
        returns (bool)
    {
        return _isOperatorFor(operator, from, OperatorScope.Clearable);
    }

    /// @inheritdoc IClearable
    function retrieveClearableTransferData(bytes32 orderId)
        external
        view
        returns (ClearableTransferData memory)
    {
        Order storage o = _clearingStorage().orders[orderId];
        return ClearableTransferData({
            orderer: o.orderer == address(0) ? o.from : o.orderer,
            from: o.from,
            to: o.to,
            value: o.value,
            status: o.status
        });
    }

    /// @inheritdoc IClearable
    function clearableTransferIdOf(address orderer, bytes32 operationId)
        external
        pure
        returns (bytes32)
    {
        return _recordId(orderer, operationId);
    }

    // ------------------------------------------------------------ internal

    function _orderTransfer(bytes32 operationId, address from, address to, uint256 value)
        private
        whenNotPaused
        returns (bytes32 orderId)
    {
        if (value == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroAddress("to");
        orderId = _recordId(msg.sender, operationId);
        Order storage o = _clearingStorage().orders[orderId];
        if (o.status != ClearableStatus.Nonexistent) revert ClearableTransferExists(orderId);
        _checkCommitment(from, to, value);
        _lock(from, value);
        o.from = from;
        o.value = uint96(value);
        o.to = to;
        o.status = ClearableStatus.Ordered;
        if (msg.sender != from) o.orderer = msg.sender;
        emit ClearableTransferOrdered(
            orderId, from, to, msg.sender, operationId, value, 0, value, ClearableStatus.Ordered
        );
    }

    /// @dev The order, which must exist and be in status `a` or `b`.
    function _order(bytes32 orderId, ClearableStatus a, ClearableStatus b)
        private
        view
        returns (Order storage o)
    {
        o = _clearingStorage().orders[orderId];
        ClearableStatus status = o.status;
        if (status == ClearableStatus.Nonexistent) revert ClearableTransferNotFound(orderId);
        if (status != a && status != b) revert ClearableTransferWrongStatus(orderId, status);
    }

    /// @dev Ends an open order: its system hold is unlocked.
    function _close(Order storage o, ClearableStatus status) private {
        _unlock(o.from, o.value);
        o.status = status;
    }

    function _clearingStorage() private pure returns (ClearingStorage storage $) {
        assembly ("memory-safe") {
            $.slot := CLEARING_STORAGE
        }
    }
}
