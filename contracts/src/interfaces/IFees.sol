// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IFees
/// @notice Fees in the same transaction: a platform-initiated movement (operator transfer, hold execution,
/// mint, payout execution) may carry a fee the payer pays to the fee account, moved as a transfer under every
/// rule of one (registration, freeze, the payer's limits, the fee account's balance limit, available
/// balance). Only the operator role charges fees: it already acts for every wallet as default operator.
interface IFees {
    /// @notice Which operation a fee belongs to.
    enum FeeKind {
        OperatorTransfer,
        HoldExecution,
        Mint,
        Payout,
        Fund
    }

    // ---------------------------------------------------------------- errors

    /// @notice A fee was charged before the admin set the fee account.
    error FeeAccountNotSet();
    /// @notice A mint's or fund order's fee above the minted value.
    error FeeAboveValue(uint256 fee, uint256 value);
    /// @notice A payout's reserved fee above what a payout records (2^88 - 1 base units).
    error FeeTooLarge(uint256 fee);
    /// @notice A payout with a reserved fee cannot move to the suspense account: the fee stays locked on
    /// the wallet until the payout is decided.
    error PayoutFeeReserved(bytes32 orderId);

    // ---------------------------------------------------------------- events

    /// @notice The admin changed the account fees are paid to.
    event FeeAccountChanged(address indexed previousAccount, address indexed newAccount);
    /// @notice `payer` paid `fee` to `feeAccount` for the operation `operation` of kind `kind`: the
    /// operator transfer's `transferId`, the hold's `holdId`, the mint's `paymentReference`, the payout's or
    /// fund order's `orderId` — the key its own event carries, in the same transaction.
    event FeeCharged(
        bytes32 indexed operation,
        FeeKind kind,
        address indexed payer,
        address indexed feeAccount,
        uint256 fee
    );

    // ---------------------------------------------------------------- functions

    /// @notice Sets the account fees are paid to (admin role): a registered wallet of the institution,
    /// whose tier's balance limit suits what it collects.
    function setFeeAccount(address account) external;

    /// @notice The account fees are paid to (zero until set).
    function feeAccount() external view returns (address);

    /// @notice `operatorTransfer` with a fee `from` pays.
    function operatorTransferWithFee(
        bytes32 operationId,
        address from,
        address to,
        uint256 value,
        uint256 fee
    ) external returns (bytes32 transferId);

    /// @notice `executeHold` (full execution) with a fee the payer pays from its available balance; by the
    /// hold's notary, which must hold the operator role.
    function executeHoldWithFee(bytes32 holdId, uint256 value, uint256 fee) external;

    /// @notice `mint` of `value` to `to`, of which `fee` goes on to the fee account (`to` pays it, as a
    /// transfer, in the same transaction).
    function mintWithFee(
        address to,
        uint256 value,
        uint256 fee,
        uint8 kind,
        bytes32 paymentReference
    ) external;

    /// @notice `executePayout` with a fee the wallet pays from its available balance (on top of a fee
    /// reserved when the payout was ordered).
    function executePayoutWithFee(bytes32 orderId, uint256 fee) external;

    /// @notice `executeFund` of a fund order, of which `fee` goes on to the fee account (the funded wallet
    /// pays it out of the minted value, as a transfer, in the same transaction).
    function executeFundWithFee(bytes32 orderId, uint256 fee) external;

    /// @notice `orderPayoutFrom` by the operator role, reserving `fee` with the payout: `value + fee` is
    /// locked on the wallet (the events' `locked`); execution burns `value` and charges the fee, rejection
    /// or cancellation unlocks both. The fee is set when ordered, so the wallet cannot spend it meanwhile.
    function orderPayoutFromWithFee(
        bytes32 operationId,
        address wallet,
        uint256 value,
        uint256 fee,
        bytes32 instructionsHash
    ) external returns (bytes32 orderId);

    /// @notice The fee reserved with payout `orderId` (0 when none, or once decided).
    function payoutFeeOf(bytes32 orderId) external view returns (uint256);
}
