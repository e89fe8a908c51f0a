// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {
    AccessControlUpgradeable
} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {EmTokenBase} from "./EmTokenBase.sol";
import {Holdable} from "./features/Holdable.sol";
import {IAuthorizations} from "./interfaces/IAuthorizations.sol";
import {IClearable} from "./interfaces/IClearable.sol";
import {ICompliance} from "./interfaces/ICompliance.sol";
import {IEmTokenCore} from "./interfaces/IEmTokenCore.sol";
import {IEmTokenUpgrades} from "./interfaces/IEmTokenUpgrades.sol";
import {IFees} from "./interfaces/IFees.sol";
import {IFundable} from "./interfaces/IFundable.sol";
import {IHoldable} from "./interfaces/IHoldable.sol";
import {IPayoutable} from "./interfaces/IPayoutable.sol";
import {ISupply} from "./interfaces/ISupply.sol";

/// @title EmToken
/// @notice Electronic money as an ERC-20: on-chain KYC limits, holds, two-step transfers, cash-in and
/// cash-out orders, for a licensed e-money institution (the operator role). See contracts/README.md.
/// @dev The implementation behind the token's ERC-1967 proxy ({EmTokenProxy}). It runs the ERC-20, the
/// roles, pause, holds and operator transfers itself — everything a payment touches — and delegates every
/// other selector to a module running on the same storage: signed authorizations to
/// {EmTokenAuthorizations}, the rest (two-step transfers, fund and payout orders, mints, compliance
/// administration, supply governance) to {EmTokenOrders}. Every rule on token movements is in
/// {EmTokenBase-_update}. Upgrades: {IEmTokenUpgrades}.
contract EmToken is Holdable, UUPSUpgradeable, IERC20Metadata, IEmTokenCore, IEmTokenUpgrades {
    /// @notice Executes upgrades the admin role proposed; never the proposer's own key.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    /// @notice Who holds each role at initialisation.
    struct Roles {
        address admin;
        address operator;
        address compliance;
        address pauser;
        address upgrader;
        address minterAdmin;
    }

    /// @custom:storage-location erc7201:emtoken.upgrades
    struct UpgradesStorage {
        address implementation;
        address proposer;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("emtoken.upgrades")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant UPGRADES_STORAGE =
        0xd0ef3dded42e638fe47c83e81115863bf0ebfb6ae753e0e3377937d8a0fe2400;

    /// @dev The modules of this implementation: an implementation and its modules are deployed together
    /// and never mixed (an upgrade deploys all of them).
    address private immutable ORDERS;
    address private immutable AUTHORIZATIONS;

    /// @notice Deploys an implementation delegating order functions to `orders` and signed
    /// authorizations to `authorizations`. The implementation itself can never be initialised: only a
    /// proxy's storage holds a token.
    constructor(address orders, address authorizations) {
        if (orders.code.length == 0) revert ImplementationWithoutCode(orders);
        if (authorizations.code.length == 0) revert ImplementationWithoutCode(authorizations);
        ORDERS = orders;
        AUTHORIZATIONS = authorizations;
        _disableInitializers();
    }

    /// @notice Initialises the token behind its proxy: `decimals_` decimals (2 for euro cents), the roles
    /// and the suspense account of payouts. The admin and the upgrader must be different keys.
    function initialize(
        string calldata name_,
        string calldata symbol_,
        uint8 decimals_,
        Roles calldata roles,
        address suspense
    ) external initializer {
        if (roles.admin == address(0)) revert ZeroAddress("admin");
        if (roles.operator == address(0)) revert ZeroAddress("operator");
        if (roles.compliance == address(0)) revert ZeroAddress("compliance");
        if (roles.pauser == address(0)) revert ZeroAddress("pauser");
        if (roles.upgrader == address(0)) revert ZeroAddress("upgrader");
        if (roles.upgrader == roles.admin) revert RolesMustDiffer("admin", "upgrader");
        if (roles.minterAdmin == address(0)) revert ZeroAddress("minterAdmin");
        if (suspense == address(0)) revert ZeroAddress("suspenseAccount");
        TokenStorage storage $ = _token();
        $.name = name_;
        $.symbol = symbol_;
        $.decimals = decimals_;
        $.suspense = suspense;
        _grantRole(DEFAULT_ADMIN_ROLE, roles.admin);
        _grantRole(OPERATOR_ROLE, roles.operator);
        _grantRole(COMPLIANCE_ROLE, roles.compliance);
        _grantRole(PAUSER_ROLE, roles.pauser);
        _grantRole(UPGRADER_ROLE, roles.upgrader);
        // Upgraders name upgraders: the admin, which proposes, can never give itself (or a second key of
        // its own) the executing role.
        _setRoleAdmin(UPGRADER_ROLE, UPGRADER_ROLE);
        _grantRole(MINTER_ADMIN_ROLE, roles.minterAdmin);
        emit SuspenseAccountChanged(address(0), suspense);
    }

    /// @notice Every selector this implementation does not run goes to a module, on the proxy's storage (a
    /// delegate call keeps the caller and the value): the signed authorizations' to the authorizations
    /// module, every other to the orders module.
    fallback() external {
        address module = _isAuthorization(msg.sig) ? AUTHORIZATIONS : ORDERS;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    // ------------------------------------------------------------ ERC-20

    /// @inheritdoc IERC20Metadata
    function name() external view returns (string memory) {
        return _token().name;
    }

    /// @inheritdoc IERC20Metadata
    function symbol() external view returns (string memory) {
        return _token().symbol;
    }

    /// @inheritdoc IERC20Metadata
    function decimals() external view returns (uint8) {
        return _token().decimals;
    }

    /// @inheritdoc IERC20
    function totalSupply() external view returns (uint256) {
        return _token().globals.totalSupply;
    }

    /// @inheritdoc IERC20
    function balanceOf(address account) external view returns (uint256) {
        return _token().accounts[account].balance;
    }

    /// @inheritdoc IERC20
    function allowance(address owner, address spender) external view returns (uint256) {
        return _token().allowances[owner][spender];
    }

    /// @inheritdoc IERC20
    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    /// @inheritdoc IERC20
    function approve(address spender, uint256 value) external returns (bool) {
        _approve(msg.sender, spender, value);
        return true;
    }

    /// @inheritdoc IERC20
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        _spendAllowance(from, msg.sender, value);
        _transfer(from, to, value);
        return true;
    }

    // ------------------------------------------------------------ core

    /// @inheritdoc IEmTokenCore
    function balanceOnHold(address account) external view returns (uint256) {
        return _token().accounts[account].held;
    }

    /// @inheritdoc IEmTokenCore
    function availableBalanceOf(address account) external view returns (uint256) {
        Account storage a = _token().accounts[account];
        return a.balance - a.held;
    }

    /// @inheritdoc IEmTokenCore
    function totalSupplyOnHold() external view returns (uint256) {
        return _token().globals.totalHeld;
    }

    /// @inheritdoc IEmTokenCore
    function suspenseAccount() external view returns (address) {
        return _suspense();
    }

    /// @inheritdoc IEmTokenCore
    function setSuspenseAccount(address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (account == address(0)) revert ZeroAddress("suspenseAccount");
        TokenStorage storage $ = _token();
        // A dedicated system account: never a registered wallet, never one with holds of its own.
        Account storage next = $.accounts[account];
        if (next.registered || next.held != 0) revert SuspenseAccountNotAllowed(account);
        address previous = $.suspense;
        uint256 inSuspense = $.accounts[previous].held;
        if (inSuspense != 0) revert SuspenseAccountInUse(previous, inSuspense);
        $.suspense = account;
        emit SuspenseAccountChanged(previous, account);
    }

    /// @inheritdoc IEmTokenCore
    function operatorTransfer(bytes32 operationId, address from, address to, uint256 value)
        external
        returns (bytes32 transferId)
    {
        return _operatorTransfer(operationId, from, to, value);
    }

    /// @notice `operatorTransfer` with a fee `from` pays (see {IFees-operatorTransferWithFee}).
    function operatorTransferWithFee(
        bytes32 operationId,
        address from,
        address to,
        uint256 value,
        uint256 fee
    ) external onlyRole(OPERATOR_ROLE) returns (bytes32 transferId) {
        transferId = _operatorTransfer(operationId, from, to, value);
        _chargeFee(transferId, IFees.FeeKind.OperatorTransfer, from, fee);
    }

    /// @notice Sets the account fees are paid to (see {IFees-setFeeAccount}).
    function setFeeAccount(address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (account == address(0)) revert ZeroAddress("feeAccount");
        TokenStorage storage $ = _token();
        if (!$.accounts[account].registered) revert ICompliance.WalletNotRegistered(account);
        emit IFees.FeeAccountChanged($.feeAccount, account);
        $.feeAccount = account;
    }

    /// @notice The account fees are paid to (zero until set).
    function feeAccount() external view returns (address) {
        return _token().feeAccount;
    }

    function _operatorTransfer(bytes32 operationId, address from, address to, uint256 value)
        private
        returns (bytes32 transferId)
    {
        if (from == address(0)) revert ZeroAddress("from");
        if (to == address(0)) revert ZeroAddress("to");
        _requireOperatorFor(from, OperatorScope.Transfer);
        transferId = _recordId(msg.sender, operationId);
        mapping(bytes32 => bool) storage done = _token().operatorTransfers;
        if (done[transferId]) revert OperatorTransferExists(transferId);
        done[transferId] = true;
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

    // ------------------------------------------------------------ upgrades

    /// @inheritdoc IEmTokenUpgrades
    function proposeUpgrade(address implementation_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (implementation_.code.length == 0) revert ImplementationWithoutCode(implementation_);
        UpgradesStorage storage $ = _upgrades();
        $.implementation = implementation_;
        $.proposer = msg.sender;
        emit UpgradeProposed(implementation_, msg.sender);
    }

    /// @inheritdoc IEmTokenUpgrades
    function cancelUpgrade() external {
        if (!hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) _checkRole(UPGRADER_ROLE);
        UpgradesStorage storage $ = _upgrades();
        address proposed = $.implementation;
        if (proposed == address(0)) revert UpgradeNotProposed(address(0), address(0));
        delete $.implementation;
        delete $.proposer;
        emit UpgradeCancelled(proposed, msg.sender);
    }

    /// @inheritdoc IEmTokenUpgrades
    function pendingUpgrade() external view returns (address, address) {
        UpgradesStorage storage $ = _upgrades();
        return ($.implementation, $.proposer);
    }

    /// @inheritdoc IEmTokenUpgrades
    function implementation() external view returns (address) {
        return ERC1967Utils.getImplementation();
    }

    /// @inheritdoc IEmTokenUpgrades
    function ordersModule() external view returns (address) {
        return ORDERS;
    }

    /// @inheritdoc IEmTokenUpgrades
    function authorizationsModule() external view returns (address) {
        return AUTHORIZATIONS;
    }

    /// @inheritdoc IEmTokenUpgrades
    function version() external pure virtual returns (uint256) {
        return 1;
    }

    /// @notice ERC-165: AccessControl, ERC-20 and every EmToken feature interface.
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(AccessControlUpgradeable)
        returns (bool)
    {
        return interfaceId == type(IERC20).interfaceId
            || interfaceId == type(IERC20Metadata).interfaceId
            || interfaceId == type(IEmTokenCore).interfaceId
            || interfaceId == type(ICompliance).interfaceId
            || interfaceId == type(IHoldable).interfaceId
            || interfaceId == type(IClearable).interfaceId
            || interfaceId == type(IFundable).interfaceId
            || interfaceId == type(IPayoutable).interfaceId
            || interfaceId == type(IEmTokenUpgrades).interfaceId
            || interfaceId == type(IAuthorizations).interfaceId
            || interfaceId == type(ISupply).interfaceId || interfaceId == type(IFees).interfaceId
            || super.supportsInterface(interfaceId);
    }

    /// @dev UUPS: only the upgrader role, only the proposed implementation, never the proposer's key.
    /// The proposal is used up.
    function _authorizeUpgrade(address newImplementation)
        internal
        override
        onlyRole(UPGRADER_ROLE)
    {
        UpgradesStorage storage $ = _upgrades();
        address proposed = $.implementation;
        if (proposed == address(0) || newImplementation != proposed) {
            revert UpgradeNotProposed(newImplementation, proposed);
        }
        if ($.proposer == msg.sender) revert UpgradeNeedsSecondKey(msg.sender);
        delete $.implementation;
        delete $.proposer;
    }

    /// @dev Whether `selector` is one of {IAuthorizations}' functions.
    function _isAuthorization(bytes4 selector) private pure returns (bool) {
        return selector == 0xd505accf // permit(address,address,uint256,uint256,uint8,bytes32,bytes32)
            || selector == bytes4(keccak256("permit(address,address,uint256,uint256,bytes)"))
            || selector
                == bytes4(
                keccak256(
                "transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)"
            )
            )
            || selector
                == bytes4(
                keccak256(
                "transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)"
            )
            )
            || selector
                == bytes4(
                keccak256(
                "receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)"
            )
            )
            || selector
                == bytes4(
                keccak256(
                "receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)"
            )
            )
            || selector
                == bytes4(keccak256("cancelAuthorization(address,bytes32,uint8,bytes32,bytes32)"))
            || selector == bytes4(keccak256("cancelAuthorization(address,bytes32,bytes)"))
            || selector == IAuthorizations.holdWithAuthorization.selector
            || selector == IAuthorizations.nonces.selector
            || selector == IAuthorizations.authorizationState.selector
            || selector == IAuthorizations.DOMAIN_SEPARATOR.selector
            || selector == IAuthorizations.eip712Domain.selector;
    }

    function _upgrades() private pure returns (UpgradesStorage storage $) {
        assembly ("memory-safe") {
            $.slot := UPGRADES_STORAGE
        }
    }
}
