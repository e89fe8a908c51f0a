// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {
    AccessControlUpgradeable
} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {
    PausableUpgradeable
} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ICompliance} from "./interfaces/ICompliance.sol";
import {IEmTokenCoreTypes} from "./interfaces/IEmTokenCore.sol";
import {IFees} from "./interfaces/IFees.sol";
import {ISupply} from "./interfaces/ISupply.sol";

/// @title EmTokenBase
/// @notice What every piece of EmToken shares — the implementation ({EmToken}) and the module it delegates
/// to ({EmTokenOrders}) — : the token's storage, the ERC-20 internals, roles, pause, the one `_update` hook
/// every token movement goes through, holds' locking, the compliance checks and operator approvals.
/// @dev Upgradeable: no state variable of its own; everything lives in ERC-7201 namespaces (here
/// `emtoken.token`; each feature has its own), so an upgrade may add fields at the end of a namespace and
/// never moves one. Amounts are capped at 2^96 - 1 base units of total supply ({MAX_SUPPLY}), so every
/// balance, held amount and outflow fits the packed `uint96` fields (and off-chain decimals, whose mantissa
/// is 96 bits).
abstract contract EmTokenBase is
    AccessControlUpgradeable,
    PausableUpgradeable,
    IERC20Errors,
    IEmTokenCoreTypes
{
    /// @notice The licensed e-money institution: clearing agent, cash-in and cash-out agent, minter, and
    /// default operator of every wallet.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice Registers wallets, sets KYC levels, freezes and unfreezes.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    /// @notice Stops every balance-moving function.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Sets what each minter may still mint ({ISupply-configureMinter}).
    bytes32 public constant MINTER_ADMIN_ROLE = keccak256("MINTER_ADMIN_ROLE");
    /// @notice Sends other tokens sent to the token's address by mistake back ({ISupply-rescueERC20}).
    bytes32 public constant RESCUER_ROLE = keccak256("RESCUER_ROLE");
    /// @notice Burns a frozen wallet's balance by court order ({ISupply-wipeFrozenBalance}).
    bytes32 public constant WIPER_ROLE = keccak256("WIPER_ROLE");
    /// @notice The largest total supply: every amount fits 96 bits.
    uint256 public constant MAX_SUPPLY = type(uint96).max;
    /// @notice The largest tier limit (2^80 - 1 base units; 0 means unlimited).
    uint256 public constant MAX_TIER_LIMIT = type(uint80).max;
    /// @notice Length of an outflow period.
    uint256 public constant OUTFLOW_PERIOD = 30 days;

    /// @dev Everything a transfer reads of an account, in one slot (96+96+8+8+8 bits): the balance sits
    /// with the held amount and the compliance state, so a movement reads and writes one slot per party.
    struct Account {
        uint96 balance;
        uint96 held;
        bool registered;
        bool frozen;
        uint8 kycLevel;
    }

    /// @dev The account's 30-day outflow period (see {Compliance}); only senders touch it.
    struct Outflow {
        uint40 periodStart;
        uint96 amount;
    }

    /// @dev A tier's limits in one slot (80+80+80+8 bits), so a movement between two wallets of the same
    /// level reads it once; `set`: the admin set this tier, so wallets may be given the level.
    struct Limits {
        uint80 maxTransfer;
        uint80 maxOutflow30d;
        uint80 maxBalance;
        bool set;
    }

    /// @dev Total supply, Σ held and the pause flag in one slot: every movement reads the flag, every mint
    /// and burn writes the supply, every lock and unlock the Σ held. (OpenZeppelin's own pause namespace
    /// stays unused: {paused}, {_pause} and {_unpause} use this one.)
    struct Globals {
        uint96 totalSupply;
        uint96 totalHeld;
        bool paused;
    }

    /// @custom:storage-location erc7201:emtoken.token
    struct TokenStorage {
        mapping(address account => Account) accounts;
        mapping(address account => Outflow) outflows;
        mapping(address owner => mapping(address spender => uint256)) allowances;
        mapping(uint8 level => Limits) tiers;
        Globals globals;
        address suspense;
        uint8 decimals;
        string name;
        string symbol;
        /// wallet => operator => bit set of {OperatorScope} approvals.
        mapping(address wallet => mapping(address operator => uint256 scopes)) operatorScopes;
        mapping(bytes32 transferId => bool) operatorTransfers;
        /// minter => what it may still mint (base units).
        mapping(address minter => uint256) minterAllowances;
        /// Where fees are paid ({IFees}).
        address feeAccount;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("emtoken.token")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant TOKEN_STORAGE =
        0xd86691035c7c861db1e654adc4b7435982559ba32b943651d3d3f41bde0d7200;

    function _token() internal pure returns (TokenStorage storage $) {
        assembly ("memory-safe") {
            $.slot := TOKEN_STORAGE
        }
    }

    // ------------------------------------------------------------ pause

    /// @inheritdoc PausableUpgradeable
    function paused() public view override returns (bool) {
        return _token().globals.paused;
    }

    /// @dev OpenZeppelin's pause, on the packed flag.
    function _pause() internal override whenNotPaused {
        _token().globals.paused = true;
        emit Paused(_msgSender());
    }

    /// @dev OpenZeppelin's unpause, on the packed flag.
    function _unpause() internal override whenPaused {
        _token().globals.paused = false;
        emit Unpaused(_msgSender());
    }

    // ------------------------------------------------------------ ERC-20 internals

    /// @dev Moves `value` from `from` to `to` (neither zero) through {_update}.
    function _transfer(address from, address to, uint256 value) internal {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _update(from, to, value, false);
    }

    /// @dev Creates `value` for `to` through {_update}, within the caller's minter allowance (checked after
    /// the movement's own rules, so the supply cap and compliance answer first).
    function _mint(address to, uint256 value) internal {
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _update(address(0), to, value, false);
        mapping(address => uint256) storage allowances = _token().minterAllowances;
        uint256 allowance = allowances[msg.sender];
        if (value > allowance) {
            revert ISupply.MinterAllowanceExceeded(msg.sender, allowance, value);
        }
        unchecked {
            allowances[msg.sender] = allowance - value;
        }
    }

    function _approve(address owner, address spender, uint256 value) internal {
        if (owner == address(0)) revert ERC20InvalidApprover(address(0));
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _token().allowances[owner][spender] = value;
        emit IERC20.Approval(owner, spender, value);
    }

    /// @dev Uses `value` of the allowance `owner` gave `spender`; an infinite allowance is never spent.
    function _spendAllowance(address owner, address spender, uint256 value) internal {
        mapping(address => uint256) storage given = _token().allowances[owner];
        uint256 current = given[spender];
        if (current < type(uint256).max) {
            if (current < value) revert ERC20InsufficientAllowance(spender, current, value);
            unchecked {
                given[spender] = current - value;
            }
        }
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
        TokenStorage storage $ = _token();
        Globals memory g = $.globals;
        if (g.paused) revert EnforcedPause();
        // A mint's new supply, checked against the cap after the receiver's own checks.
        uint256 supply = 0;
        if (from == address(0)) {
            supply = uint256(g.totalSupply) + value;
            $.globals.totalSupply = uint96(supply);
        } else {
            Account storage sender = $.accounts[from];
            Account memory s = sender;
            if (!(system && from == $.suspense)) _requireActive(s, from);
            uint256 available = s.balance - s.held;
            if (value > available) revert InsufficientAvailableBalance(from, available, value);
            // Nothing leaves a wallet that pays itself or pays nothing: no limit applies, nothing is recorded.
            if (!system && from != to && value != 0) _recordOutflow(from, s.kycLevel, value);
            // Cannot underflow: value ≤ available ≤ balance.
            sender.balance = s.balance - uint96(value);
        }
        if (to == address(0)) {
            // Cannot underflow: the burnt value left a balance, which is part of the supply.
            $.globals.totalSupply = uint96(g.totalSupply - value);
        } else {
            Account storage receiver = $.accounts[to];
            Account memory r = receiver;
            if (!(system && to == $.suspense)) _requireActive(r, to);
            // Cannot overflow: every balance is part of the supply, which is at most MAX_SUPPLY.
            uint256 balance = uint256(r.balance) + value;
            if (!system && from != to) _checkBalanceLimit(r.kycLevel, to, balance);
            receiver.balance = uint96(balance);
        }
        if (supply > MAX_SUPPLY) revert SupplyCapExceeded(supply, MAX_SUPPLY);
        emit IERC20.Transfer(from, to, value);
    }

    /// @dev Locks `value` of `account`'s available balance (a hold or an order's system hold).
    function _lock(address account, uint256 value) internal {
        TokenStorage storage $ = _token();
        Account storage a = $.accounts[account];
        uint256 available = a.balance - a.held;
        if (value > available) revert InsufficientAvailableBalance(account, available, value);
        // Cannot overflow: held ≤ balance ≤ MAX_SUPPLY < 2^96, and Σ held ≤ totalSupply ≤ MAX_SUPPLY.
        a.held += uint96(value);
        $.globals.totalHeld += uint96(value);
    }

    /// @dev Unlocks `value` previously locked on `account`.
    function _unlock(address account, uint256 value) internal {
        TokenStorage storage $ = _token();
        $.accounts[account].held -= uint96(value);
        $.globals.totalHeld -= uint96(value);
    }

    // ------------------------------------------------------------ compliance checks

    /// @dev Compliance of a commitment (hold, two-step order): `from` and `to` active, `value` within
    /// `from`'s single-transfer and outflow limits and within `to`'s balance limit, as if it moved now
    /// (limits do not apply when `from` pays itself).
    function _checkCommitment(address from, address to, uint256 value) internal view {
        TokenStorage storage $ = _token();
        Account memory sender = $.accounts[from];
        Account memory receiver = $.accounts[to];
        _requireActive(sender, from);
        _requireActive(receiver, to);
        if (from != to) {
            _checkedOutflow(from, sender.kycLevel, value);
            _checkBalanceLimit(receiver.kycLevel, to, uint256(receiver.balance) + value);
        }
    }

    /// @dev Reverts unless `account` is registered and not frozen.
    function _requireActive(Account memory a, address account) internal pure {
        if (!a.registered) revert ICompliance.WalletNotRegistered(account);
        if (a.frozen) revert ICompliance.WalletFrozen(account);
    }

    /// @dev Reverts unless `account` is registered and not frozen (read from storage).
    function _requireActive(address account) internal view {
        _requireActive(_token().accounts[account], account);
    }

    /// @dev Checks the sender's limits (KYC `level`) for `value` and records it as outflow.
    function _recordOutflow(address from, uint8 level, uint256 value) internal {
        (uint256 outflow, bool newPeriod) = _checkedOutflow(from, level, value);
        Outflow storage o = _token().outflows[from];
        if (newPeriod) o.periodStart = uint40(block.timestamp);
        // Saturates: only an unlimited tier lets a period's outflow pass 2^96 - 1, and then nothing
        // reads more than "a lot" from it.
        o.amount = outflow > MAX_SUPPLY ? uint96(MAX_SUPPLY) : uint96(outflow);
    }

    /// @dev The sender's outflow in its current period after sending `value`, checked against its tier
    /// (KYC `level`); `newPeriod` when that value opens a new period.
    function _checkedOutflow(address from, uint8 level, uint256 value)
        internal
        view
        returns (uint256 outflow, bool newPeriod)
    {
        TokenStorage storage $ = _token();
        Limits storage tier = $.tiers[level];
        uint256 maxTransfer = tier.maxTransfer;
        if (maxTransfer != 0 && value > maxTransfer) {
            revert ICompliance.TransferLimitExceeded(from, value, maxTransfer);
        }
        Outflow memory o = $.outflows[from];
        uint256 start = o.periodStart;
        // `start == 0` is the "no period yet" sentinel, not a balance comparison.
        // slither-disable-next-line incorrect-equality
        newPeriod = start == 0 || block.timestamp >= start + OUTFLOW_PERIOD;
        outflow = newPeriod ? value : o.amount + value;
        uint256 maxOutflow = tier.maxOutflow30d;
        if (maxOutflow != 0 && outflow > maxOutflow) {
            revert ICompliance.OutflowLimitExceeded(from, outflow, maxOutflow);
        }
    }

    /// @dev Reverts when `newBalance` is above the balance limit of KYC `level` (`to`'s level).
    function _checkBalanceLimit(uint8 level, address to, uint256 newBalance) internal view {
        uint256 maxBalance = _token().tiers[level].maxBalance;
        if (maxBalance != 0 && newBalance > maxBalance) {
            revert ICompliance.BalanceLimitExceeded(to, newBalance, maxBalance);
        }
    }

    // ------------------------------------------------------------ operators

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
        return _token().operatorScopes[wallet][operator] & (1 << uint8(scope)) != 0
            || hasRole(OPERATOR_ROLE, operator);
    }

    /// @dev The caller approves or revokes `operator` in `scope`; emits {OperatorAuthorized} or
    /// {OperatorRevoked}.
    function _setOperator(address operator, OperatorScope scope, bool approved) internal {
        if (operator == address(0)) revert ZeroAddress("operator");
        if (operator == msg.sender) revert SelfOperator(operator);
        mapping(address => uint256) storage given = _token().operatorScopes[msg.sender];
        uint256 scopes = given[operator];
        uint256 bit = 1 << uint8(scope);
        if ((scopes & bit != 0) == approved) {
            revert OperatorApprovalUnchanged(msg.sender, operator, scope, approved);
        }
        given[operator] = approved ? scopes | bit : scopes & ~bit;
        if (approved) emit OperatorAuthorized(msg.sender, operator, scope);
        else emit OperatorRevoked(msg.sender, operator, scope);
    }

    // ------------------------------------------------------------ fees

    /// @dev `payer` pays `fee` to the fee account for `operation`, as a transfer under every rule of one.
    function _chargeFee(bytes32 operation, IFees.FeeKind kind, address payer, uint256 fee)
        internal
    {
        _chargeFee(operation, kind, payer, fee, false);
    }

    /// @dev As above; `system` moves the fee as a system move (no limits, no outflow recorded): a fee
    /// reserved with a payout, which is exempt from the limits itself.
    function _chargeFee(
        bytes32 operation,
        IFees.FeeKind kind,
        address payer,
        uint256 fee,
        bool system
    ) internal {
        if (fee == 0) return;
        address account = _feeAccount();
        _update(payer, account, fee, system);
        emit IFees.FeeCharged(operation, kind, payer, account, fee);
    }

    // ------------------------------------------------------------ helpers

    /// @dev The fee account, which must be set.
    function _feeAccount() internal view returns (address account) {
        account = _token().feeAccount;
        if (account == address(0)) revert IFees.FeeAccountNotSet();
    }

    /// @dev The suspense account of payouts.
    function _suspense() internal view returns (address) {
        return _token().suspense;
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
