// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EmTokenBase} from "../EmTokenBase.sol";
import {IFees} from "../interfaces/IFees.sol";
import {IFundable} from "../interfaces/IFundable.sol";

/// @title Fundable
/// @notice Cash-in: fund orders (EIP-2019 shape) that the operator mints against money received off chain,
/// and direct mints of card or bank-transfer cash-ins the platform already received.
/// @dev Choices where EIP-2019 and the spec are silent: ordering requires the wallet to fund to be
/// registered and not frozen; the balance limit is checked when the money is minted (execution), not when
/// ordered; execute and reject are allowed from Ordered as well as InProcess. An executed fund order is a
/// cash-in by bank transfer: {FundExecuted} stands for it, there is no second {Minted} event. A direct
/// mint's payment reference is used once, across both kinds: a replayed cash-in is refused, not minted
/// twice. Executed fund orders are once-only by their status and do not use a payment reference.
abstract contract Fundable is EmTokenBase, IFundable {
    struct Fund {
        address walletToFund;
        uint96 value;
        address orderer;
        FundStatus status;
    }

    /// @custom:storage-location erc7201:emtoken.funding
    struct FundingStorage {
        mapping(bytes32 orderId => Fund) funds;
        mapping(bytes32 paymentReference => bool used) mintReferences;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("emtoken.funding")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant FUNDING_STORAGE =
        0x6b156bcb0ee5e355e01b28ff016abca8eeb7f4dc4ccdb32c5a4c1ce84b49a100;

    // ------------------------------------------------------------ external

    /// @inheritdoc IFundable
    function orderFund(bytes32 operationId, uint256 value, bytes32 instructionsHash)
        external
        returns (bytes32 orderId)
    {
        return _orderFund(operationId, msg.sender, value, instructionsHash);
    }

    /// @inheritdoc IFundable
    function orderFundFrom(
        bytes32 operationId,
        address walletToFund,
        uint256 value,
        bytes32 instructionsHash
    ) external returns (bytes32 orderId) {
        if (walletToFund == address(0)) revert ZeroAddress("walletToFund");
        _requireOperatorFor(walletToFund, OperatorScope.Fund);
        return _orderFund(operationId, walletToFund, value, instructionsHash);
    }

    /// @inheritdoc IFundable
    function cancelFund(bytes32 orderId) external whenNotPaused {
        Fund storage f = _fund(orderId, FundStatus.Ordered, FundStatus.Ordered);
        if (msg.sender != f.walletToFund && msg.sender != f.orderer) {
            revert FundCancelNotAllowed(orderId, msg.sender);
        }
        f.status = FundStatus.Cancelled;
        emit FundCancelled(orderId, f.walletToFund, f.value, 0, 0, FundStatus.Cancelled);
    }

    /// @inheritdoc IFundable
    function processFund(bytes32 orderId) external onlyRole(OPERATOR_ROLE) whenNotPaused {
        Fund storage f = _fund(orderId, FundStatus.Ordered, FundStatus.Ordered);
        f.status = FundStatus.InProcess;
        emit FundInProcess(orderId, f.walletToFund, f.value, 0, 0, FundStatus.InProcess);
    }

    /// @inheritdoc IFundable
    function executeFund(bytes32 orderId) external onlyRole(OPERATOR_ROLE) {
        _executeFund(orderId);
    }

    /// @notice `executeFund` of which `fee` goes on to the fee account (see {IFees-executeFundWithFee}).
    function executeFundWithFee(bytes32 orderId, uint256 fee) external onlyRole(OPERATOR_ROLE) {
        (address wallet, uint256 value) = _executeFund(orderId);
        if (fee > value) revert IFees.FeeAboveValue(fee, value);
        _chargeFee(orderId, IFees.FeeKind.Fund, wallet, fee);
    }

    function _executeFund(bytes32 orderId) private returns (address wallet, uint256 value) {
        Fund storage f = _fund(orderId, FundStatus.Ordered, FundStatus.InProcess);
        (wallet, value) = (f.walletToFund, f.value);
        f.status = FundStatus.Executed;
        _mint(wallet, value);
        emit FundExecuted(orderId, wallet, value, value, 0, FundStatus.Executed);
    }

    /// @inheritdoc IFundable
    function rejectFund(bytes32 orderId, string calldata reason)
        external
        onlyRole(OPERATOR_ROLE)
        whenNotPaused
    {
        Fund storage f = _fund(orderId, FundStatus.Ordered, FundStatus.InProcess);
        f.status = FundStatus.Rejected;
        emit FundRejected(orderId, f.walletToFund, f.value, reason, 0, 0, FundStatus.Rejected);
    }

    /// @inheritdoc IFundable
    function mint(address to, uint256 value, uint8 kind, bytes32 paymentReference)
        external
        onlyRole(OPERATOR_ROLE)
    {
        _mintOnce(to, value, kind, paymentReference);
    }

    /// @notice `mint` of `value` to `to`, of which `fee` goes on to the fee account (see
    /// {IFees-mintWithFee}).
    function mintWithFee(
        address to,
        uint256 value,
        uint256 fee,
        uint8 kind,
        bytes32 paymentReference
    ) external onlyRole(OPERATOR_ROLE) {
        if (fee > value) revert IFees.FeeAboveValue(fee, value);
        _mintOnce(to, value, kind, paymentReference);
        _chargeFee(paymentReference, IFees.FeeKind.Mint, to, fee);
    }

    function _mintOnce(address to, uint256 value, uint8 kind, bytes32 paymentReference) private {
        if (kind > uint8(type(MintKind).max)) revert InvalidMintKind(kind);
        if (value == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroAddress("to");
        if (paymentReference == bytes32(0)) revert ZeroPaymentReference();
        if (_fundingStorage().mintReferences[paymentReference]) {
            revert MintReferenceUsed(paymentReference);
        }
        _fundingStorage().mintReferences[paymentReference] = true;
        _mint(to, value);
        emit Minted(to, value, MintKind(kind), paymentReference);
    }

    /// @inheritdoc IFundable
    function authorizeFundOperator(address operator) external {
        _setOperator(operator, OperatorScope.Fund, true);
    }

    /// @inheritdoc IFundable
    function revokeFundOperator(address operator) external {
        _setOperator(operator, OperatorScope.Fund, false);
    }

    /// @inheritdoc IFundable
    function isFundOperatorFor(address operator, address walletToFund)
        external
        view
        returns (bool)
    {
        return _isOperatorFor(operator, walletToFund, OperatorScope.Fund);
    }

    /// @inheritdoc IFundable
    function isMintReferenceUsed(bytes32 paymentReference) external view returns (bool) {
        return _fundingStorage().mintReferences[paymentReference];
    }

    /// @inheritdoc IFundable
    function retrieveFundData(bytes32 orderId) external view returns (FundData memory) {
        Fund storage f = _fundingStorage().funds[orderId];
        return FundData({
            orderer: f.orderer, walletToFund: f.walletToFund, value: f.value, status: f.status
        });
    }

    /// @inheritdoc IFundable
    function fundIdOf(address orderer, bytes32 operationId) external pure returns (bytes32) {
        return _recordId(orderer, operationId);
    }

    // ------------------------------------------------------------ internal

    function _orderFund(
        bytes32 operationId,
        address walletToFund,
        uint256 value,
        bytes32 instructionsHash
    ) private whenNotPaused returns (bytes32 orderId) {
        if (value == 0) revert ZeroAmount();
        _requireActive(walletToFund);
        orderId = _recordId(msg.sender, operationId);
        Fund storage f = _fundingStorage().funds[orderId];
        if (f.status != FundStatus.Nonexistent) revert FundExists(orderId);
        f.walletToFund = walletToFund;
        f.value = _toAmount(value);
        f.orderer = msg.sender;
        f.status = FundStatus.Ordered;
        emit FundOrdered(
            orderId,
            walletToFund,
            msg.sender,
            operationId,
            value,
            instructionsHash,
            0,
            0,
            FundStatus.Ordered
        );
    }

    /// @dev The fund order, which must exist and be in status `a` or `b`.
    function _fund(bytes32 orderId, FundStatus a, FundStatus b)
        private
        view
        returns (Fund storage f)
    {
        f = _fundingStorage().funds[orderId];
        FundStatus status = f.status;
        if (status == FundStatus.Nonexistent) revert FundNotFound(orderId);
        if (status != a && status != b) revert FundWrongStatus(orderId, status);
    }

    function _fundingStorage() private pure returns (FundingStorage storage $) {
        assembly ("memory-safe") {
            $.slot := FUNDING_STORAGE
        }
    }
}
