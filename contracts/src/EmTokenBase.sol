// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {ICompliance} from "./interfaces/ICompliance.sol";
import {IEmTokenCore} from "./interfaces/IEmTokenCore.sol";

/// @title EmTokenBase
/// @notice What every EmToken feature shares: the ERC-20, roles, pause, per-account state (KYC and held
/// balance in one storage slot), the one `_update` hook every token movement goes through, operator
/// approvals and operator transfers, and the suspense account.
/// @dev Amounts are capped at 2^96 - 1 base units of total supply ({MAX_SUPPLY}), so every balance, held
/// amount and outflow fits the packed `uint96` fields (and off-chain decimals, whose mantissa is 96 bits).
abstract contract EmTokenBase is ERC20, AccessControl, Pausable, IEmTokenCore {
    /// @notice The licensed e-money institution: clearing agent, cash-in and cash-out agent, minter, and
    /// default operator of every wallet.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice Registers wallets, sets KYC levels, freezes and unfreezes.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    /// @notice Stops every balance-moving function.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice The largest total supply: every amount fits 96 bits.
    uint256 public constant MAX_SUPPLY = type(uint96).max;

    /// @dev Everything EmToken knows of an account, in one slot (8+8+8+40+96+96 bits).
    struct Account {
        bool registered;
        bool frozen;
        uint8 kycLevel;
        uint40 outflowPeriodStart;
        uint96 outflow;
        uint96 held;
    }

    /// @dev Pause flag and Σ held in one slot: every lock or unlock reads the flag and writes the total.
    /// (OpenZeppelin's own `_paused` slot stays unused: {paused}, {_pause} and {_unpause} use this one.)
    struct Globals {
        uint96 totalHeld;
        bool paused;
    }

    mapping(address account => Account) internal _accounts;
    Globals private _globals;
    address private _suspense;
    uint8 private immutable _decimals;
    /// @dev wallet => operator => bit set of {OperatorScope} approvals.
    mapping(address wallet => mapping(address operator => uint256 scopes)) private _operatorScopes;
    mapping(bytes32 transferId => bool) private _operatorTransfers;

    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        address admin,
        address suspenseAccount_
    ) ERC20(name_, symbol_) {
        if (admin == address(0)) revert ZeroAddress("admin");
        if (suspenseAccount_ == address(0)) revert ZeroAddress("suspenseAccount");
        _decimals = decimals_;
        _suspense = suspenseAccount_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit SuspenseAccountChanged(address(0), suspenseAccount_);
    }

    // ------------------------------------------------------------ external

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc IEmTokenCore
    function balanceOnHold(address account) public view returns (uint256) {
        return _accounts[account].held;
    }

    /// @inheritdoc IEmTokenCore
    function availableBalanceOf(address account) public view returns (uint256) {
        return balanceOf(account) - _accounts[account].held;
    }

    /// @inheritdoc IEmTokenCore
    function totalSupplyOnHold() external view returns (uint256) {
        return _globals.totalHeld;
    }

    /// @inheritdoc Pausable
    function paused() public view override returns (bool) {
        return _globals.paused;
    }

    /// @inheritdoc IEmTokenCore
    function suspenseAccount() public view returns (address) {
        return _suspense;
    }

    /// @inheritdoc IEmTokenCore
    function setSuspenseAccount(address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (account == address(0)) revert ZeroAddress("suspenseAccount");
        // A dedicated system account: never a registered wallet, never one with holds of its own.
        Account storage next = _accounts[account];
        if (next.registered || next.held != 0) revert SuspenseAccountNotAllowed(account);
        address previous = _suspense;
        uint256 inSuspense = _accounts[previous].held;
        if (inSuspense != 0) revert SuspenseAccountInUse(previous, inSuspense);
        _suspense = account;
        emit SuspenseAccountChanged(previous, account);
    }

    /// @inheritdoc IEmTokenCore
    function operatorTransfer(bytes32 operationId, address from, address to, uint256 value)
        external
        returns (bytes32 transferId)
    {
        if (from == address(0)) revert ZeroAddress("from");
        if (to == address(0)) revert ZeroAddress("to");
        _requireOperatorFor(from, OperatorScope.Transfer);
        transferId = keccak256(abi.encode(msg.sender, operationId));
        if (_operatorTransfers[transferId]) revert OperatorTransferExists(transferId);
        _operatorTransfers[transferId] = true;
        _transfer(from, to, value);
        emit OperatorTransferExecuted(transferId, from, to, msg.sender, operationId, value);
    }

    /// @inheritdoc IEmTokenCore
    function authorizeTransferOperator(address operator) external {
        _setOperator(operator, OperatorScope.Transfer, true);
    }

    /// @inheritdoc IEmTokenCore
    function revokeTransferOperator(address operator) external {
        _setOperator(operator, OperatorScope.Transfer, false);
    }

    /// @inheritdoc IEmTokenCore
    function isTransferOperatorFor(address operator, address wallet) external view returns (bool) {
        return _isOperatorFor(operator, wallet, OperatorScope.Transfer);
    }

    /// @inheritdoc IEmTokenCore
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IEmTokenCore
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------ internal

    /// @dev OpenZeppelin's pause, on the packed flag.
    function _pause() internal override whenNotPaused {
        _globals.paused = true;
        emit Paused(_msgSender());
    }

    /// @dev OpenZeppelin's unpause, on the packed flag.
    function _unpause() internal override whenPaused {
        _globals.paused = false;
        emit Unpaused(_msgSender());
    }

    /// @dev Every ERC-20 path (transfer, transferFrom, operator transfer, mint) arrives here.
    function _update(address from, address to, uint256 value) internal override {
        _update(from, to, value, false);
    }

    /// @dev THE hook: every movement of tokens goes through it. `system` marks the payout flows (funds to
    /// and from the suspense account, the final burn): they skip the tier limits and the suspense account's
    /// own registration, nothing else.
    ///  - always: not paused;
    ///  - sender (not for mints): registered and not frozen (the suspense account in system moves excepted),
    ///    and `value` ≤ its available balance (callers unlock a hold or order's amount before moving it);
    ///    outside system moves, the single-transfer and 30-day outflow limits, and the outflow is recorded
    ///    (not for a zero value or a wallet paying itself: nothing leaves it);
    ///  - receiver (not for burns): registered and not frozen (the suspense account in system moves
    ///    excepted); outside system moves and self-payments, the balance limit;
    ///  - mints: total supply ≤ {MAX_SUPPLY}.
    function _update(address from, address to, uint256 value, bool system) internal {
        _requireNotPaused();
        if (from != address(0)) {
            Account memory sender = _accounts[from];
            if (!(system && from == _suspense)) _requireActive(sender, from);
            uint256 available = balanceOf(from) - sender.held;
            if (value > available) revert InsufficientAvailableBalance(from, available, value);
            // Nothing leaves a wallet that pays itself or pays nothing: no limit applies, nothing is recorded.
            if (!system && from != to && value != 0) _recordOutflow(from, sender, value);
        }
        if (to != address(0) && !(system && to == _suspense)) {
            Account memory receiver = _accounts[to];
            _requireActive(receiver, to);
            if (!system && from != to) {
                _checkBalanceLimit(receiver.kycLevel, to, balanceOf(to) + value);
            }
        }
        super._update(from, to, value);
        if (from == address(0) && totalSupply() > MAX_SUPPLY) {
            revert SupplyCapExceeded(totalSupply(), MAX_SUPPLY);
        }
    }

    /// @dev Locks `value` of `account`'s available balance (a hold or an order's system hold).
    function _lock(address account, uint256 value) internal {
        Account storage a = _accounts[account];
        uint256 available = balanceOf(account) - a.held;
        if (value > available) revert InsufficientAvailableBalance(account, available, value);
        // Cannot overflow: held ≤ balance ≤ MAX_SUPPLY < 2^96, and Σ held ≤ totalSupply ≤ MAX_SUPPLY.
        a.held += uint96(value);
        _globals.totalHeld += uint96(value);
    }

    /// @dev Unlocks `value` previously locked on `account`.
    function _unlock(address account, uint256 value) internal {
        _accounts[account].held -= uint96(value);
        _globals.totalHeld -= uint96(value);
    }

    /// @dev Compliance of a commitment (hold, two-step order): `from` and `to` active, `value` within
    /// `from`'s single-transfer and outflow limits and within `to`'s balance limit, as if it moved now
    /// (limits do not apply when `from` pays itself).
    function _checkCommitment(address from, address to, uint256 value) internal view {
        Account memory sender = _accounts[from];
        Account memory receiver = _accounts[to];
        _requireActive(sender, from);
        _requireActive(receiver, to);
        if (from != to) {
            _checkOutflow(from, sender, value);
            _checkBalanceLimit(receiver.kycLevel, to, balanceOf(to) + value);
        }
    }

    /// @dev Reverts unless `account` is registered and not frozen.
    function _requireActive(Account memory a, address account) internal pure {
        if (!a.registered) revert ICompliance.WalletNotRegistered(account);
        if (a.frozen) revert ICompliance.WalletFrozen(account);
    }

    /// @dev Implemented by Compliance: checks the sender's limits for `value` and records it as outflow.
    function _recordOutflow(address from, Account memory sender, uint256 value) internal virtual;

    /// @dev Implemented by Compliance: checks the sender's limits for `value` without recording it.
    function _checkOutflow(address from, Account memory sender, uint256 value) internal view virtual;

    /// @dev Implemented by Compliance: reverts when `newBalance` is above the balance limit of KYC `level`
    /// (`to`'s level).
    function _checkBalanceLimit(uint8 level, address to, uint256 newBalance) internal view virtual;

    /// @dev Reverts unless the caller may act for `wallet` in `scope`: an approved operator, or the
    /// operator role (default operator of every wallet).
    function _requireOperatorFor(address wallet, OperatorScope scope) internal view {
        if (!_isOperatorFor(msg.sender, wallet, scope)) {
            revert NotOperatorFor(msg.sender, wallet, scope);
        }
    }

    function _isOperatorFor(address operator, address wallet, OperatorScope scope)
        internal
        view
        returns (bool)
    {
        return _operatorScopes[wallet][operator] & (1 << uint8(scope)) != 0
            || hasRole(OPERATOR_ROLE, operator);
    }

    /// @dev The caller approves or revokes `operator` in `scope`; emits {OperatorAuthorized} or
    /// {OperatorRevoked}.
    function _setOperator(address operator, OperatorScope scope, bool approved) internal {
        if (operator == address(0)) revert ZeroAddress("operator");
        if (operator == msg.sender) revert SelfOperator(operator);
        uint256 scopes = _operatorScopes[msg.sender][operator];
        uint256 bit = 1 << uint8(scope);
        if ((scopes & bit != 0) == approved) {
            revert OperatorApprovalUnchanged(msg.sender, operator, scope, approved);
        }
        _operatorScopes[msg.sender][operator] = approved ? scopes | bit : scopes & ~bit;
        if (approved) emit OperatorAuthorized(msg.sender, operator, scope);
        else emit OperatorRevoked(msg.sender, operator, scope);
    }

    /// @dev The record key of `operationId` created by `issuer`, in every namespace.
    function _recordId(address issuer, bytes32 operationId) internal pure returns (bytes32) {
        return keccak256(abi.encode(issuer, operationId));
    }

    /// @dev `value` as a packed amount. Callers only pass amounts already bounded by a balance or the
    /// supply cap; the check keeps that promise explicit.
    function _toAmount(uint256 value) internal pure returns (uint96) {
        if (value > MAX_SUPPLY) revert SupplyCapExceeded(value, MAX_SUPPLY);
        return uint96(value);
    }
}
