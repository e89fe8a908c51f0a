// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IFundable
/// @notice Cash-in: fund orders in the shape of EIP-2019 (a wallet asks the operator to mint against money
/// sent off chain) and direct mints of cash-ins the platform already received (card or bank transfer).
/// @dev `orderId = keccak256(abi.encode(orderer, operationId))`. A fund order locks nothing: money comes in.
interface IFundable {
    /// @notice Lifecycle of a fund order.
    enum FundStatus {
        Nonexistent,
        Ordered,
        InProcess,
        Executed,
        Rejected,
        Cancelled
    }

    /// @notice How a direct mint's money came in.
    enum MintKind {
        Card,
        BankTransfer
    }

    /// @notice A fund order as stored (its instructions hash is in {FundOrdered} only).
    struct FundData {
        address orderer;
        address walletToFund;
        uint256 value;
        FundStatus status;
    }

    /// @notice The orderer already has a fund order with this operation id.
    error FundExists(bytes32 orderId);
    /// @notice No fund order has this id.
    error FundNotFound(bytes32 orderId);
    /// @notice The order is in `status`, where this step is not allowed.
    error FundWrongStatus(bytes32 orderId, FundStatus status);
    /// @notice `caller` may not cancel: only the orderer or the wallet to fund.
    error FundCancelNotAllowed(bytes32 orderId, address caller);
    /// @notice `kind` is not a {MintKind} (0 card, 1 bank transfer).
    error InvalidMintKind(uint8 kind);
    /// @notice A mint was already made against `paymentReference` (of any {MintKind}): the cash-in it
    /// stands for is on chain already.
    error MintReferenceUsed(bytes32 paymentReference);
    /// @notice A mint needs a payment reference: the zero reference ties it to no fiat record.
    error ZeroPaymentReference();

    /// @notice A fund order: `walletToFund` asks for `value`; `instructionsHash` commits to the off-chain
    /// payment details. Every event of this family ends with `moved` (what this step moved between
    /// balances), `locked` (what the order locks after the step: always 0, a fund order locks nothing) and
    /// `status` (the order's status after the step). Here moved 0, locked 0, status Ordered.
    event FundOrdered(
        bytes32 indexed orderId,
        address indexed walletToFund,
        address indexed orderer,
        bytes32 operationId,
        uint256 value,
        bytes32 instructionsHash,
        uint256 moved,
        uint256 locked,
        FundStatus status
    );
    /// @notice The operator took the order in process: it can no longer be cancelled. Moved 0, locked 0,
    /// status InProcess.
    event FundInProcess(
        bytes32 indexed orderId,
        address indexed walletToFund,
        uint256 value,
        uint256 moved,
        uint256 locked,
        FundStatus status
    );
    /// @notice The operator executed the order: `value` was minted to `walletToFund` (a cash-in by bank
    /// transfer). Moved `value` (minted), locked 0, status Executed.
    event FundExecuted(
        bytes32 indexed orderId,
        address indexed walletToFund,
        uint256 value,
        uint256 moved,
        uint256 locked,
        FundStatus status
    );
    /// @notice The operator rejected the order. Moved 0, locked 0, status Rejected.
    event FundRejected(
        bytes32 indexed orderId,
        address indexed walletToFund,
        uint256 value,
        string reason,
        uint256 moved,
        uint256 locked,
        FundStatus status
    );
    /// @notice The orderer or the wallet cancelled the order. Moved 0, locked 0, status Cancelled.
    event FundCancelled(
        bytes32 indexed orderId,
        address indexed walletToFund,
        uint256 value,
        uint256 moved,
        uint256 locked,
        FundStatus status
    );
    /// @notice The operator minted `value` to `to` for a cash-in of `kind`; `paymentReference` ties it to the fiat
    /// record.
    event Minted(
        address indexed to, uint256 value, MintKind indexed kind, bytes32 indexed paymentReference
    );

    /// @notice Asks for `value` to be minted to the caller. Emits {FundOrdered}.
    function orderFund(bytes32 operationId, uint256 value, bytes32 instructionsHash)
        external
        returns (bytes32 orderId);

    /// @notice As {orderFund}, for `walletToFund`, by its fund operator or the operator role.
    function orderFundFrom(
        bytes32 operationId,
        address walletToFund,
        uint256 value,
        bytes32 instructionsHash
    ) external returns (bytes32 orderId);

    /// @notice The orderer or the wallet cancels an Ordered fund order. Emits {FundCancelled}.
    function cancelFund(bytes32 orderId) external;

    /// @notice Operator only: Ordered → InProcess. Emits {FundInProcess}.
    function processFund(bytes32 orderId) external;

    /// @notice Operator only: Ordered or InProcess → Executed; mints the value (compliance and the balance
    /// limit apply). Emits `Transfer` and {FundExecuted}.
    function executeFund(bytes32 orderId) external;

    /// @notice Operator only: Ordered or InProcess → Rejected. Emits {FundRejected}.
    function rejectFund(bytes32 orderId, string calldata reason) external;

    /// @notice Operator only: mints `value` to `to` for a cash-in already received; `kind` is a
    /// {MintKind}. `paymentReference` ties the mint to its fiat record: it must not be zero
    /// ({ZeroPaymentReference}) and is used once, whatever the kind ({MintReferenceUsed} for a second
    /// mint against it). Emits `Transfer` and {Minted}.
    function mint(address to, uint256 value, uint8 kind, bytes32 paymentReference) external;

    /// @notice The caller approves `operator` to order funds for its wallet.
    function authorizeFundOperator(address operator) external;

    /// @notice The caller withdraws `operator`'s approval.
    function revokeFundOperator(address operator) external;

    /// @notice True when `operator` may order funds for `walletToFund` (approved, or the operator role).
    function isFundOperatorFor(address operator, address walletToFund) external view returns (bool);

    /// @notice Whether a mint was made against `paymentReference` (one namespace for every {MintKind}).
    function isMintReferenceUsed(bytes32 paymentReference) external view returns (bool);

    /// @notice The stored fund order.
    function retrieveFundData(bytes32 orderId) external view returns (FundData memory);

    /// @notice The id of the fund order `orderer` creates with `operationId`.
    function fundIdOf(address orderer, bytes32 operationId) external pure returns (bytes32);
}
