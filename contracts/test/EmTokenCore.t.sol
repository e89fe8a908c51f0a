// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {EmTokenDeployment} from "../script/EmTokenDeployment.sol";
import {EmToken} from "../src/EmToken.sol";
import {EmTokenProxy} from "../src/EmTokenProxy.sol";
import {IClearable} from "../src/interfaces/IClearable.sol";
import {ICompliance} from "../src/interfaces/ICompliance.sol";
import {IEmToken} from "../src/interfaces/IEmToken.sol";
import {IEmTokenCore, IEmTokenCoreTypes} from "../src/interfaces/IEmTokenCore.sol";
import {IEmTokenUpgrades} from "../src/interfaces/IEmTokenUpgrades.sol";
import {IFundable} from "../src/interfaces/IFundable.sol";
import {IHoldable} from "../src/interfaces/IHoldable.sol";
import {IPayoutable} from "../src/interfaces/IPayoutable.sol";
import {EmTokenTest} from "./utils/EmTokenTest.sol";

/// @notice The core of EmToken: deployment, ERC-20, operator transfers and approvals, pause, suspense
/// account, held balances, ERC-165, the supply cap and roles.
contract EmTokenCoreTest is EmTokenTest {
    uint256 internal constant CAP = type(uint96).max;
    IEmTokenCoreTypes.OperatorScope internal constant TRANSFER =
    IEmTokenCoreTypes.OperatorScope.Transfer;

    /// @dev An unregistered address that wallets approve as their transfer operator.
    address internal agent = makeAddr("agent");
    address internal agent2 = makeAddr("agent2");

    // ================================================================ helpers

    function _send(address from, address to, uint256 value) internal {
        vm.prank(from);
        token.transfer(to, value);
    }

    function _roles() internal view returns (EmToken.Roles memory) {
        return EmToken.Roles({
            admin: admin,
            operator: operator,
            compliance: compliance,
            pauser: pauser,
            upgrader: upgrader,
            minterAdmin: minterAdmin
        });
    }

    function _deploy(EmToken.Roles memory roles, address suspense_) internal returns (IEmToken) {
        return EmTokenDeployment.deploy("EmToken Euro", "EURe", 2, roles, suspense_);
    }

    /// @dev An implementation ready for {_initialize}: the next call is the proxy's creation.
    function _implementation() internal returns (address) {
        return address(EmTokenDeployment.implementation());
    }

    /// @dev Creates a proxy of `impl` initialised with `roles` and `suspense_`.
    function _initialize(address impl, EmToken.Roles memory roles, address suspense_)
        internal
        returns (IEmToken)
    {
        bytes memory init = abi.encodeCall(
            EmToken.initialize, ("EmToken Euro", "EURe", 2, roles, suspense_)
        );
        return IEmToken(address(new EmTokenProxy(impl, init)));
    }

    function _zeroAddress(string memory what) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, what);
    }

    function _notOperatorFor(address op, address wallet) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(IEmTokenCoreTypes.NotOperatorFor.selector, op, wallet, TRANSFER);
    }

    function _insufficient(address account, uint256 available, uint256 needed)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(
            IEmTokenCoreTypes.InsufficientAvailableBalance.selector, account, available, needed
        );
    }

    function _authorize(address wallet, address op) internal {
        vm.prank(wallet);
        token.authorizeTransferOperator(op);
    }

    function _transferId(address op, bytes32 operationId) internal pure returns (bytes32) {
        return keccak256(abi.encode(op, operationId));
    }

    function _hold(address payer, string memory label, uint256 value) internal returns (bytes32) {
        vm.prank(payer);
        return token.hold(_opId(label), carol, notary, value, 0);
    }

    /// @dev A payout of `value` from alice whose funds sit in the suspense account.
    function _payoutInSuspense(uint256 value) internal returns (bytes32 id) {
        vm.prank(alice);
        id = token.orderPayout(_opId("payout"), value, keccak256("iban"));
        vm.startPrank(operator);
        token.processPayout(id);
        token.putFundsInSuspenseInPayout(id);
        vm.stopPrank();
    }

    // ================================================================ constructor

    function test_constructor_rolesGranted() public view {
        assertTrue(token.hasRole(token.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(token.hasRole(token.OPERATOR_ROLE(), operator));
        assertTrue(token.hasRole(token.COMPLIANCE_ROLE(), compliance));
        assertTrue(token.hasRole(token.PAUSER_ROLE(), pauser));
        // Each role on its own address only.
        assertFalse(token.hasRole(token.OPERATOR_ROLE(), admin));
        assertFalse(token.hasRole(token.COMPLIANCE_ROLE(), admin));
        assertFalse(token.hasRole(token.PAUSER_ROLE(), admin));
        assertFalse(token.hasRole(token.DEFAULT_ADMIN_ROLE(), operator));
        assertFalse(token.hasRole(token.DEFAULT_ADMIN_ROLE(), address(this)));
        assertEq(token.OPERATOR_ROLE(), keccak256("OPERATOR_ROLE"));
        assertEq(token.COMPLIANCE_ROLE(), keccak256("COMPLIANCE_ROLE"));
        assertEq(token.PAUSER_ROLE(), keccak256("PAUSER_ROLE"));
        assertEq(token.getRoleAdmin(token.OPERATOR_ROLE()), token.DEFAULT_ADMIN_ROLE());
        assertEq(token.getRoleAdmin(token.COMPLIANCE_ROLE()), token.DEFAULT_ADMIN_ROLE());
        assertEq(token.getRoleAdmin(token.PAUSER_ROLE()), token.DEFAULT_ADMIN_ROLE());
        assertEq(token.getRoleAdmin(token.DEFAULT_ADMIN_ROLE()), token.DEFAULT_ADMIN_ROLE());
    }

    function test_constructor_metadata() public view {
        assertEq(token.name(), "EmToken Euro");
        assertEq(token.symbol(), "EURe");
        assertEq(token.decimals(), 2);
        assertEq(token.totalSupply(), 0);
        assertEq(token.totalSupplyOnHold(), 0);
        assertEq(token.suspenseAccount(), suspense);
        assertEq(token.MAX_SUPPLY(), CAP);
        assertEq(token.MAX_SUPPLY(), 2 ** 96 - 1);
        assertFalse(token.paused());
    }

    function test_constructor_decimalsSetAtDeployment() public {
        IEmToken six = EmTokenDeployment.deploy("EmToken Dollar", "USDe", 6, _roles(), suspense);
        assertEq(six.decimals(), 6);
        assertEq(six.name(), "EmToken Dollar");
        assertEq(six.symbol(), "USDe");
        IEmToken zero = EmTokenDeployment.deploy("Zero", "Z", 0, _roles(), suspense);
        assertEq(zero.decimals(), 0);
    }

    function test_constructor_emitsEvents() public {
        // The two modules, the implementation, then the proxy, which initialises in its constructor.
        address expected = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 3);
        EmToken.Roles memory roles = _roles();
        vm.expectEmit(true, true, true, true, expected);
        emit IAccessControl.RoleGranted(bytes32(0), admin, address(this));
        vm.expectEmit(true, true, true, true, expected);
        emit IAccessControl.RoleGranted(keccak256("OPERATOR_ROLE"), operator, address(this));
        vm.expectEmit(true, true, true, true, expected);
        emit IAccessControl.RoleGranted(keccak256("COMPLIANCE_ROLE"), compliance, address(this));
        vm.expectEmit(true, true, true, true, expected);
        emit IAccessControl.RoleGranted(keccak256("PAUSER_ROLE"), pauser, address(this));
        vm.expectEmit(true, true, true, true, expected);
        emit IAccessControl.RoleGranted(keccak256("UPGRADER_ROLE"), upgrader, address(this));
        vm.expectEmit(true, true, true, true, expected);
        emit IAccessControl.RoleGranted(keccak256("MINTER_ADMIN_ROLE"), minterAdmin, address(this));
        vm.expectEmit(true, true, true, true, expected);
        emit IEmTokenCoreTypes.SuspenseAccountChanged(address(0), suspense);
        IEmToken deployed = _deploy(roles, suspense);
        assertEq(address(deployed), expected);
    }

    function test_RevertWhen_constructor_zeroAdmin() public {
        EmToken.Roles memory roles = _roles();
        roles.admin = address(0);
        address impl = _implementation();
        vm.expectRevert(_zeroAddress("admin"));
        _initialize(impl, roles, suspense);
    }

    function test_RevertWhen_constructor_zeroOperator() public {
        EmToken.Roles memory roles = _roles();
        roles.operator = address(0);
        address impl = _implementation();
        vm.expectRevert(_zeroAddress("operator"));
        _initialize(impl, roles, suspense);
    }

    function test_RevertWhen_constructor_zeroCompliance() public {
        EmToken.Roles memory roles = _roles();
        roles.compliance = address(0);
        address impl = _implementation();
        vm.expectRevert(_zeroAddress("compliance"));
        _initialize(impl, roles, suspense);
    }

    function test_RevertWhen_constructor_zeroPauser() public {
        EmToken.Roles memory roles = _roles();
        roles.pauser = address(0);
        address impl = _implementation();
        vm.expectRevert(_zeroAddress("pauser"));
        _initialize(impl, roles, suspense);
    }

    function test_RevertWhen_constructor_zeroUpgrader() public {
        EmToken.Roles memory roles = _roles();
        roles.upgrader = address(0);
        address impl = _implementation();
        vm.expectRevert(_zeroAddress("upgrader"));
        _initialize(impl, roles, suspense);
    }

    function test_RevertWhen_constructor_upgraderIsAdmin() public {
        EmToken.Roles memory roles = _roles();
        roles.upgrader = admin;
        address impl = _implementation();
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenUpgrades.RolesMustDiffer.selector, "admin", "upgrader")
        );
        _initialize(impl, roles, suspense);
    }

    function test_RevertWhen_constructor_zeroSuspense() public {
        address impl = _implementation();
        vm.expectRevert(_zeroAddress("suspenseAccount"));
        _initialize(impl, _roles(), address(0));
    }

    // ================================================================ transfer

    function test_transfer() public {
        _fund(alice, 10_000);
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(alice, bob, 2500);
        vm.prank(alice);
        assertTrue(token.transfer(bob, 2500));
        _assertBalances(alice, 7500, 0);
        _assertBalances(bob, 2500, 0);
        assertEq(token.totalSupply(), 10_000);
    }

    function test_transfer_wholeBalance() public {
        _fund(alice, 10_000);
        _send(alice, bob, 10_000);
        _assertBalances(alice, 0, 0);
        _assertBalances(bob, 10_000, 0);
    }

    function test_RevertWhen_transfer_aboveBalance() public {
        _fund(alice, 1000);
        vm.expectRevert(_insufficient(alice, 1000, 1001));
        _send(alice, bob, 1001);
        vm.expectRevert(_insufficient(bob, 0, 1));
        _send(bob, alice, 1);
    }

    function test_RevertWhen_transfer_toZeroAddress() public {
        _fund(alice, 1000);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0))
        );
        _send(alice, address(0), 1);
    }

    /// @dev ERC-20 allows transfers of 0; EmToken lets them through between active wallets (with no
    /// balance at all) and applies registration and freeze to them like any transfer.
    function test_transfer_zeroValue() public {
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(alice, bob, 0);
        vm.prank(alice);
        assertTrue(token.transfer(bob, 0));
        _fund(dave, 1000);
        _send(dave, carol, 0);
        _assertBalances(alice, 0, 0);
        _assertBalances(bob, 0, 0);
        _assertBalances(dave, 1000, 0);
        assertEq(token.balanceOf(carol), 0);
    }

    function test_transferFrom_zeroValue() public {
        // No allowance is needed for 0.
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(alice, bob, 0);
        vm.prank(stranger);
        assertTrue(token.transferFrom(alice, bob, 0));
    }

    function test_RevertWhen_transfer_zeroValueToUnregistered() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger));
        _send(alice, stranger, 0);
    }

    function test_RevertWhen_transfer_zeroValueFromUnregistered() public {
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger));
        _send(stranger, alice, 0);
    }

    function test_RevertWhen_transfer_zeroValueToFrozen() public {
        _freeze(bob);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, bob));
        _send(alice, bob, 0);
    }

    // ================================================================ approve / transferFrom

    function test_approve_doesNotRequireBalance() public {
        assertEq(token.balanceOf(alice), 0);
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Approval(alice, bob, 1_000_000);
        vm.prank(alice);
        assertTrue(token.approve(bob, 1_000_000));
        assertEq(token.allowance(alice, bob), 1_000_000);
    }

    function test_approve_aboveAvailableBalance() public {
        _fund(alice, 1000);
        _hold(alice, "h", 600);
        vm.prank(alice);
        token.approve(bob, 5000);
        assertEq(token.allowance(alice, bob), 5000);
        vm.expectRevert(_insufficient(alice, 400, 401));
        vm.prank(bob);
        token.transferFrom(alice, carol, 401);
    }

    function test_approve_overwrites() public {
        vm.startPrank(alice);
        token.approve(bob, 500);
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Approval(alice, bob, 0);
        token.approve(bob, 0);
        vm.stopPrank();
        assertEq(token.allowance(alice, bob), 0);
    }

    function test_RevertWhen_approve_zeroSpender() public {
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InvalidSpender.selector, address(0))
        );
        vm.prank(alice);
        token.approve(address(0), 1);
    }

    function test_transferFrom() public {
        _fund(alice, 10_000);
        vm.prank(alice);
        token.approve(bob, 6000);
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(alice, carol, 4000);
        vm.prank(bob);
        assertTrue(token.transferFrom(alice, carol, 4000));
        assertEq(token.allowance(alice, bob), 2000);
        _assertBalances(alice, 6000, 0);
        _assertBalances(carol, 4000, 0);
        _assertBalances(bob, 0, 0);
    }

    function test_transferFrom_infiniteAllowanceNotSpent() public {
        _fund(alice, 10_000);
        vm.prank(alice);
        token.approve(bob, type(uint256).max);
        vm.prank(bob);
        token.transferFrom(alice, carol, 4000);
        assertEq(token.allowance(alice, bob), type(uint256).max);
    }

    function test_transferFrom_spenderNeedNotBeRegistered() public {
        _fund(alice, 10_000);
        vm.prank(alice);
        token.approve(stranger, 3000);
        vm.prank(stranger);
        token.transferFrom(alice, bob, 3000);
        assertEq(token.balanceOf(bob), 3000);
    }

    function test_RevertWhen_transferFrom_insufficientAllowance() public {
        _fund(alice, 10_000);
        vm.prank(alice);
        token.approve(bob, 99);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, bob, 99, 100)
        );
        vm.prank(bob);
        token.transferFrom(alice, carol, 100);
    }

    function test_RevertWhen_transferFrom_aboveBalance() public {
        _fund(alice, 1000);
        vm.prank(alice);
        token.approve(bob, 5000);
        vm.expectRevert(_insufficient(alice, 1000, 1001));
        vm.prank(bob);
        token.transferFrom(alice, carol, 1001);
    }

    // ================================================================ operator transfers

    function test_operatorTransfer_byApprovedOperator() public {
        _fund(alice, 10_000);
        _authorize(alice, agent);
        bytes32 opId = _opId("payment-42");
        bytes32 expectedId = _transferId(agent, opId);
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(alice, bob, 3000);
        vm.expectEmit(true, true, true, true, address(token));
        emit IEmTokenCoreTypes.OperatorTransferExecuted(expectedId, alice, bob, agent, opId, 3000);
        vm.prank(agent);
        bytes32 id = token.operatorTransfer(opId, alice, bob, 3000);
        assertEq(id, expectedId);
        assertEq(id, keccak256(abi.encode(agent, opId)));
        _assertBalances(alice, 7000, 0);
        _assertBalances(bob, 3000, 0);
        (uint256 outflow,) = token.outflowOf(alice);
        assertEq(outflow, 3000);
    }

    function test_operatorTransfer_byOperatorRoleWithoutApproval() public {
        _fund(alice, 10_000);
        assertTrue(token.isTransferOperatorFor(operator, alice));
        bytes32 opId = _opId("platform");
        bytes32 expectedId = _transferId(operator, opId);
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(alice, carol, 10_000);
        vm.expectEmit(true, true, true, true, address(token));
        emit IEmTokenCoreTypes.OperatorTransferExecuted(
            expectedId, alice, carol, operator, opId, 10_000
        );
        vm.prank(operator);
        assertEq(token.operatorTransfer(opId, alice, carol, 10_000), expectedId);
        _assertBalances(alice, 0, 0);
        _assertBalances(carol, 10_000, 0);
    }

    function test_RevertWhen_operatorTransfer_notOperator() public {
        _fund(alice, 10_000);
        vm.expectRevert(_notOperatorFor(bob, alice));
        vm.prank(bob);
        token.operatorTransfer(_opId("x"), alice, bob, 1);
        // Other roles are not default operators.
        address[3] memory others = [admin, compliance, pauser];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(_notOperatorFor(others[i], alice));
            vm.prank(others[i]);
            token.operatorTransfer(_opId("x"), alice, bob, 1);
        }
    }

    function test_RevertWhen_operatorTransfer_operatorOfAnotherWallet() public {
        _fund(bob, 10_000);
        _authorize(alice, agent);
        vm.expectRevert(_notOperatorFor(agent, bob));
        vm.prank(agent);
        token.operatorTransfer(_opId("x"), bob, carol, 1);
    }

    function test_RevertWhen_operatorTransfer_otherScopeOnly() public {
        _fund(alice, 10_000);
        vm.startPrank(alice);
        token.authorizeHoldOperator(agent);
        token.authorizeClearableTransferOperator(agent);
        token.authorizePayoutOperator(agent);
        token.authorizeFundOperator(agent);
        vm.stopPrank();
        assertFalse(token.isTransferOperatorFor(agent, alice));
        vm.expectRevert(_notOperatorFor(agent, alice));
        vm.prank(agent);
        token.operatorTransfer(_opId("x"), alice, carol, 1);
    }

    function test_RevertWhen_operatorTransfer_afterRevoke() public {
        _fund(alice, 10_000);
        _authorize(alice, agent);
        vm.prank(agent);
        token.operatorTransfer(_opId("1"), alice, carol, 100);
        vm.prank(alice);
        token.revokeTransferOperator(agent);
        vm.expectRevert(_notOperatorFor(agent, alice));
        vm.prank(agent);
        token.operatorTransfer(_opId("2"), alice, carol, 100);
    }

    function test_RevertWhen_operatorTransfer_operationIdReused() public {
        _fund(alice, 10_000);
        _fund(bob, 10_000);
        _authorize(alice, agent);
        _authorize(bob, agent);
        bytes32 opId = _opId("dup");
        vm.prank(agent);
        bytes32 id = token.operatorTransfer(opId, alice, carol, 100);
        // Same operator, same id: refused whatever the wallet, payee or amount.
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenCoreTypes.OperatorTransferExists.selector, id)
        );
        vm.prank(agent);
        token.operatorTransfer(opId, alice, carol, 100);
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenCoreTypes.OperatorTransferExists.selector, id)
        );
        vm.prank(agent);
        token.operatorTransfer(opId, bob, dave, 7);
        assertEq(token.balanceOf(carol), 100);
    }

    function test_operatorTransfer_sameOperationIdTwoOperators() public {
        _fund(alice, 10_000);
        _authorize(alice, agent);
        _authorize(alice, agent2);
        bytes32 opId = _opId("shared");
        vm.prank(agent);
        bytes32 id1 = token.operatorTransfer(opId, alice, carol, 100);
        vm.prank(agent2);
        bytes32 id2 = token.operatorTransfer(opId, alice, carol, 200);
        vm.prank(operator);
        bytes32 id3 = token.operatorTransfer(opId, alice, carol, 300);
        assertEq(id1, _transferId(agent, opId));
        assertEq(id2, _transferId(agent2, opId));
        assertEq(id3, _transferId(operator, opId));
        assertTrue(id1 != id2 && id2 != id3 && id1 != id3);
        assertEq(token.balanceOf(carol), 600);
    }

    function test_operatorTransfer_failedAttemptDoesNotConsumeId() public {
        _fund(alice, 1000);
        bytes32 opId = _opId("retry");
        vm.expectRevert(_insufficient(alice, 1000, 1001));
        vm.prank(operator);
        token.operatorTransfer(opId, alice, bob, 1001);
        vm.prank(operator);
        token.operatorTransfer(opId, alice, bob, 1000);
        assertEq(token.balanceOf(bob), 1000);
    }

    function test_RevertWhen_operatorTransfer_aboveAvailable() public {
        _fund(alice, 1000);
        _hold(alice, "h", 300);
        vm.expectRevert(_insufficient(alice, 700, 701));
        vm.prank(operator);
        token.operatorTransfer(_opId("x"), alice, bob, 701);
        vm.prank(operator);
        token.operatorTransfer(_opId("x"), alice, bob, 700);
        _assertBalances(alice, 300, 300);
    }

    function test_RevertWhen_operatorTransfer_toZeroAddress() public {
        _fund(alice, 1000);
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "to"));
        vm.prank(operator);
        token.operatorTransfer(_opId("x"), alice, address(0), 1);
    }

    function test_RevertWhen_operatorTransfer_fromZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.ZeroAddress.selector, "from"));
        vm.prank(operator);
        token.operatorTransfer(_opId("x"), address(0), alice, 1);
    }

    // ================================================================ transfer operator approvals

    function test_authorizeTransferOperator() public {
        assertFalse(token.isTransferOperatorFor(agent, alice));
        vm.expectEmit(true, true, true, true, address(token));
        emit IEmTokenCoreTypes.OperatorAuthorized(alice, agent, TRANSFER);
        vm.prank(alice);
        token.authorizeTransferOperator(agent);
        assertTrue(token.isTransferOperatorFor(agent, alice));
        assertFalse(token.isTransferOperatorFor(agent, bob));
        assertFalse(token.isTransferOperatorFor(alice, agent));
        assertFalse(token.isHoldOperatorFor(agent, alice));
    }

    function test_revokeTransferOperator() public {
        _authorize(alice, agent);
        vm.expectEmit(true, true, true, true, address(token));
        emit IEmTokenCoreTypes.OperatorRevoked(alice, agent, TRANSFER);
        vm.prank(alice);
        token.revokeTransferOperator(agent);
        assertFalse(token.isTransferOperatorFor(agent, alice));
    }

    function test_authorizeTransferOperator_scopesIndependent() public {
        vm.startPrank(alice);
        token.authorizeHoldOperator(agent);
        token.authorizeTransferOperator(agent);
        token.revokeTransferOperator(agent);
        vm.stopPrank();
        assertFalse(token.isTransferOperatorFor(agent, alice));
        assertTrue(token.isHoldOperatorFor(agent, alice));
    }

    function test_isTransferOperatorFor_operatorRoleForEveryWallet() public view {
        assertTrue(token.isTransferOperatorFor(operator, alice));
        assertTrue(token.isTransferOperatorFor(operator, carol));
        assertTrue(token.isTransferOperatorFor(operator, stranger));
        assertFalse(token.isTransferOperatorFor(admin, alice));
        assertFalse(token.isTransferOperatorFor(alice, alice));
    }

    function test_RevertWhen_authorizeTransferOperator_self() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.SelfOperator.selector, alice));
        vm.prank(alice);
        token.authorizeTransferOperator(alice);
    }

    function test_RevertWhen_authorizeTransferOperator_zeroAddress() public {
        vm.expectRevert(_zeroAddress("operator"));
        vm.prank(alice);
        token.authorizeTransferOperator(address(0));
    }

    function test_RevertWhen_authorizeTransferOperator_twice() public {
        _authorize(alice, agent);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.OperatorApprovalUnchanged.selector, alice, agent, TRANSFER, true
            )
        );
        vm.prank(alice);
        token.authorizeTransferOperator(agent);
    }

    function test_RevertWhen_revokeTransferOperator_notApproved() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.OperatorApprovalUnchanged.selector, alice, agent, TRANSFER, false
            )
        );
        vm.prank(alice);
        token.revokeTransferOperator(agent);
        // Approval in another scope does not count.
        vm.prank(alice);
        token.authorizeHoldOperator(agent);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.OperatorApprovalUnchanged.selector, alice, agent, TRANSFER, false
            )
        );
        vm.prank(alice);
        token.revokeTransferOperator(agent);
    }

    function test_RevertWhen_revokeTransferOperator_twice() public {
        _authorize(alice, agent);
        vm.startPrank(alice);
        token.revokeTransferOperator(agent);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.OperatorApprovalUnchanged.selector, alice, agent, TRANSFER, false
            )
        );
        token.revokeTransferOperator(agent);
        vm.stopPrank();
    }

    function test_RevertWhen_revokeTransferOperator_self() public {
        vm.expectRevert(abi.encodeWithSelector(IEmTokenCoreTypes.SelfOperator.selector, alice));
        vm.prank(alice);
        token.revokeTransferOperator(alice);
    }

    function test_RevertWhen_revokeTransferOperator_zeroAddress() public {
        vm.expectRevert(_zeroAddress("operator"));
        vm.prank(alice);
        token.revokeTransferOperator(address(0));
    }

    // ================================================================ pause

    function test_pause() public {
        vm.expectEmit(true, true, true, true, address(token));
        emit Pausable.Paused(pauser);
        vm.prank(pauser);
        token.pause();
        assertTrue(token.paused());
    }

    function test_unpause() public {
        _fund(alice, 1000);
        _pause();
        vm.expectEmit(true, true, true, true, address(token));
        emit Pausable.Unpaused(pauser);
        vm.prank(pauser);
        token.unpause();
        assertFalse(token.paused());
        _send(alice, bob, 1000);
        assertEq(token.balanceOf(bob), 1000);
    }

    function test_RevertWhen_pause_notPauser() public {
        address[4] memory callers = [admin, operator, compliance, alice];
        for (uint256 i; i < callers.length; ++i) {
            _expectAccessDenied(callers[i], token.PAUSER_ROLE());
            vm.prank(callers[i]);
            token.pause();
        }
        assertFalse(token.paused());
    }

    function test_RevertWhen_unpause_notPauser() public {
        _pause();
        address[4] memory callers = [admin, operator, compliance, alice];
        for (uint256 i; i < callers.length; ++i) {
            _expectAccessDenied(callers[i], token.PAUSER_ROLE());
            vm.prank(callers[i]);
            token.unpause();
        }
        assertTrue(token.paused());
    }

    function test_RevertWhen_pause_alreadyPaused() public {
        _pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(pauser);
        token.pause();
    }

    function test_RevertWhen_unpause_notPaused() public {
        vm.expectRevert(Pausable.ExpectedPause.selector);
        vm.prank(pauser);
        token.unpause();
    }

    function test_RevertWhen_paused_transfer() public {
        _fund(alice, 1000);
        _pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        _send(alice, bob, 100);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        _send(alice, bob, 0);
        _assertBalances(alice, 1000, 0);
    }

    function test_RevertWhen_paused_transferFrom() public {
        _fund(alice, 1000);
        vm.prank(alice);
        token.approve(bob, 1000);
        _pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(bob);
        token.transferFrom(alice, carol, 100);
        assertEq(token.allowance(alice, bob), 1000);
    }

    function test_RevertWhen_paused_operatorTransfer() public {
        _fund(alice, 1000);
        _authorize(alice, agent);
        _pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(operator);
        token.operatorTransfer(_opId("x"), alice, bob, 100);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(agent);
        token.operatorTransfer(_opId("x"), alice, bob, 100);
    }

    function test_RevertWhen_paused_mint() public {
        _pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        _fund(alice, 1000);
        assertEq(token.totalSupply(), 0);
    }

    function test_paused_complianceAndAdminStillWork() public {
        _pause();
        _register(stranger, 0);
        assertTrue(token.isRegistered(stranger));
        vm.startPrank(compliance);
        token.setKycLevel(stranger, 1);
        token.freeze(stranger);
        assertTrue(token.isFrozen(stranger));
        token.unfreeze(stranger);
        vm.stopPrank();
        assertFalse(token.isFrozen(stranger));
        assertEq(token.kycLevelOf(stranger), 1);
        vm.startPrank(admin);
        token.setTier(1, 1, 2, 3);
        token.grantRole(token.OPERATOR_ROLE(), bob);
        token.setSuspenseAccount(agent2);
        vm.stopPrank();
        assertEq(token.tierOf(1).maxOutflow30d, 3);
        assertTrue(token.hasRole(token.OPERATOR_ROLE(), bob));
        assertEq(token.suspenseAccount(), agent2);
        // Approvals move no money.
        _authorize(alice, agent);
        vm.prank(alice);
        token.approve(bob, 10);
        assertTrue(token.paused());
    }

    // ================================================================ suspense account

    function test_setSuspenseAccount() public {
        address next = makeAddr("suspense2");
        vm.expectEmit(true, true, true, true, address(token));
        emit IEmTokenCoreTypes.SuspenseAccountChanged(suspense, next);
        vm.prank(admin);
        token.setSuspenseAccount(next);
        assertEq(token.suspenseAccount(), next);
    }

    function test_RevertWhen_setSuspenseAccount_notAdmin() public {
        address[4] memory callers = [operator, compliance, pauser, alice];
        for (uint256 i; i < callers.length; ++i) {
            _expectAccessDenied(callers[i], token.DEFAULT_ADMIN_ROLE());
            vm.prank(callers[i]);
            token.setSuspenseAccount(agent);
        }
        assertEq(token.suspenseAccount(), suspense);
    }

    function test_RevertWhen_setSuspenseAccount_zeroAddress() public {
        vm.expectRevert(_zeroAddress("suspenseAccount"));
        vm.prank(admin);
        token.setSuspenseAccount(address(0));
    }

    function test_RevertWhen_setSuspenseAccount_registeredWallet() public {
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenCoreTypes.SuspenseAccountNotAllowed.selector, alice)
        );
        vm.prank(admin);
        token.setSuspenseAccount(alice);
        _freeze(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenCoreTypes.SuspenseAccountNotAllowed.selector, bob)
        );
        vm.prank(admin);
        token.setSuspenseAccount(bob);
        assertEq(token.suspenseAccount(), suspense);
    }

    function test_RevertWhen_setSuspenseAccount_inUse() public {
        _fund(alice, 10_000);
        bytes32 id = _payoutInSuspense(4000);
        _assertBalances(suspense, 4000, 4000);
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenCoreTypes.SuspenseAccountInUse.selector, suspense, 4000)
        );
        vm.prank(admin);
        token.setSuspenseAccount(agent);
        vm.prank(operator);
        token.executePayout(id);
        vm.expectEmit(true, true, true, true, address(token));
        emit IEmTokenCoreTypes.SuspenseAccountChanged(suspense, agent);
        vm.prank(admin);
        token.setSuspenseAccount(agent);
        assertEq(token.suspenseAccount(), agent);
    }

    // ================================================================ held balances

    function test_heldBalances_basics() public {
        assertEq(token.balanceOnHold(stranger), 0);
        assertEq(token.availableBalanceOf(stranger), 0);
        _fund(alice, 10_000);
        _fund(bob, 5000);
        bytes32 holdA = _hold(alice, "a", 2000);
        _assertBalances(alice, 10_000, 2000); // gross balance, holds only mark funds
        assertEq(token.totalSupplyOnHold(), 2000);
        _hold(bob, "b", 5000);
        _assertBalances(bob, 5000, 5000);
        assertEq(token.totalSupplyOnHold(), 7000);
        assertEq(token.totalSupply(), 15_000);
        vm.expectRevert(_insufficient(alice, 8000, 8001));
        _send(alice, carol, 8001);
        vm.expectRevert(_insufficient(bob, 0, 1));
        _send(bob, carol, 1);
        _send(alice, carol, 8000);
        _assertBalances(alice, 2000, 2000);
        // A release gives the funds back to the available balance.
        vm.prank(notary);
        token.releaseHold(holdA);
        _assertBalances(alice, 2000, 0);
        assertEq(token.totalSupplyOnHold(), 5000);
        _send(alice, carol, 2000);
        _assertBalances(alice, 0, 0);
    }

    function test_heldBalances_heldFundsCanStillBeReceivedOnto() public {
        _fund(alice, 1000);
        _hold(alice, "a", 1000);
        _fund(bob, 500);
        _send(bob, alice, 500);
        _assertBalances(alice, 1500, 1000);
    }

    // ================================================================ ERC-165

    function test_supportsInterface() public view {
        assertTrue(token.supportsInterface(type(IERC165).interfaceId));
        assertTrue(token.supportsInterface(type(IERC20).interfaceId));
        assertTrue(token.supportsInterface(type(IAccessControl).interfaceId));
        assertTrue(token.supportsInterface(type(IEmTokenCore).interfaceId));
        assertTrue(token.supportsInterface(type(ICompliance).interfaceId));
        assertTrue(token.supportsInterface(type(IHoldable).interfaceId));
        assertTrue(token.supportsInterface(type(IClearable).interfaceId));
        assertTrue(token.supportsInterface(type(IFundable).interfaceId));
        assertTrue(token.supportsInterface(type(IPayoutable).interfaceId));
        assertFalse(token.supportsInterface(0xffffffff));
        assertFalse(token.supportsInterface(0x00000000));
        assertFalse(token.supportsInterface(0x80ac58cd)); // IERC721
    }

    // ================================================================ supply cap

    function test_mint_upToMaxSupply() public {
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(address(0), carol, CAP);
        _fund(carol, CAP);
        assertEq(token.totalSupply(), CAP);
        assertEq(token.balanceOf(carol), 2 ** 96 - 1);
    }

    function test_RevertWhen_mint_oneAboveMaxSupply() public {
        _fund(carol, CAP);
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenCoreTypes.SupplyCapExceeded.selector, CAP + 1, CAP)
        );
        _fund(carol, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenCoreTypes.SupplyCapExceeded.selector, CAP + 1, CAP)
        );
        _fund(alice, 1);
        assertEq(token.totalSupply(), CAP);
    }

    function test_RevertWhen_mint_aboveMaxSupplyAtOnce() public {
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenCoreTypes.SupplyCapExceeded.selector, CAP + 1, CAP)
        );
        _fund(carol, CAP + 1);
    }

    function test_mint_maxSupplyAcrossWallets() public {
        _fund(carol, CAP - 1000);
        _fund(alice, 1000);
        assertEq(token.totalSupply(), CAP);
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenCoreTypes.SupplyCapExceeded.selector, CAP + 1, CAP)
        );
        _fund(bob, 1);
        // Burning (a payout) frees room under the cap; the minter's allowance, used up, is not given back
        // by a burn: the minter admin sets a new one.
        _payoutExecuted(alice, 400);
        assertEq(token.minterAllowance(operator), 0);
        vm.prank(minterAdmin);
        token.configureMinter(operator, 400);
        _fund(bob, 400);
        assertEq(token.totalSupply(), CAP);
    }

    function _payoutExecuted(address wallet, uint256 value) internal {
        vm.prank(wallet);
        bytes32 id = token.orderPayout(_opId("burn"), value, bytes32(0));
        vm.startPrank(operator);
        token.processPayout(id);
        token.executePayout(id);
        vm.stopPrank();
    }

    // ================================================================ roles

    function test_grantRole_byAdmin() public {
        bytes32 role = token.OPERATOR_ROLE();
        vm.expectEmit(true, true, true, true, address(token));
        emit IAccessControl.RoleGranted(role, bob, admin);
        vm.prank(admin);
        token.grantRole(role, bob);
        assertTrue(token.hasRole(role, bob));
        // The new operator is a default operator of every wallet.
        assertTrue(token.isTransferOperatorFor(bob, alice));
        _fund(alice, 1000);
        vm.prank(bob);
        token.operatorTransfer(_opId("x"), alice, carol, 1000);
        assertEq(token.balanceOf(carol), 1000);
    }

    function test_grantRole_adminRole() public {
        bytes32 role = token.DEFAULT_ADMIN_ROLE();
        vm.prank(admin);
        token.grantRole(role, bob);
        vm.prank(bob);
        token.setTier(4, 1, 1, 1);
        assertEq(token.tierOf(4).maxBalance, 1);
    }

    function test_revokeRole_byAdmin() public {
        bytes32 role = token.OPERATOR_ROLE();
        _fund(alice, 1000);
        vm.expectEmit(true, true, true, true, address(token));
        emit IAccessControl.RoleRevoked(role, operator, admin);
        vm.prank(admin);
        token.revokeRole(role, operator);
        assertFalse(token.hasRole(role, operator));
        assertFalse(token.isTransferOperatorFor(operator, alice));
        vm.expectRevert(_notOperatorFor(operator, alice));
        vm.prank(operator);
        token.operatorTransfer(_opId("x"), alice, carol, 1);
        _expectAccessDenied(operator, role);
        vm.prank(operator);
        token.mint(alice, 1, 0, keccak256("card"));
    }

    function test_RevertWhen_grantRole_notAdmin() public {
        address[4] memory callers = [operator, compliance, pauser, alice];
        for (uint256 i; i < callers.length; ++i) {
            bytes32 role = token.OPERATOR_ROLE();
            _expectAccessDenied(callers[i], token.DEFAULT_ADMIN_ROLE());
            vm.prank(callers[i]);
            token.grantRole(role, callers[i]);
            role = token.DEFAULT_ADMIN_ROLE();
            _expectAccessDenied(callers[i], role);
            vm.prank(callers[i]);
            token.grantRole(role, callers[i]);
        }
        assertFalse(token.hasRole(token.OPERATOR_ROLE(), alice));
        assertFalse(token.hasRole(token.DEFAULT_ADMIN_ROLE(), operator));
    }

    function test_RevertWhen_revokeRole_notAdmin() public {
        address[4] memory callers = [operator, compliance, pauser, alice];
        for (uint256 i; i < callers.length; ++i) {
            bytes32 role = token.PAUSER_ROLE();
            _expectAccessDenied(callers[i], token.DEFAULT_ADMIN_ROLE());
            vm.prank(callers[i]);
            token.revokeRole(role, pauser);
        }
        assertTrue(token.hasRole(token.PAUSER_ROLE(), pauser));
    }

    // ================================================================ fuzz

    function _users() internal view returns (address[4] memory) {
        return [alice, bob, carol, dave];
    }

    /// @dev A balance a user may hold: up to its tier's maxBalance, or 10^13 cents when unlimited.
    function _boundBalance(address user, uint256 seed) internal view returns (uint256) {
        uint256 maxBalance = token.tierOf(token.kycLevelOf(user)).maxBalance;
        return bound(seed, 0, maxBalance == 0 ? 1e13 : maxBalance);
    }

    /// @dev The error a movement of `value` from `from` (fresh period) to `to` must raise, or "".
    function _expectedError(address from, address to, uint256 value)
        internal
        view
        returns (bytes memory)
    {
        ICompliance.Tier memory s = token.tierOf(token.kycLevelOf(from));
        ICompliance.Tier memory r = token.tierOf(token.kycLevelOf(to));
        if (s.maxTransfer != 0 && value > s.maxTransfer) {
            return abi.encodeWithSelector(
                ICompliance.TransferLimitExceeded.selector, from, value, s.maxTransfer
            );
        }
        if (s.maxOutflow30d != 0 && value > s.maxOutflow30d) {
            return abi.encodeWithSelector(
                ICompliance.OutflowLimitExceeded.selector, from, value, s.maxOutflow30d
            );
        }
        uint256 newBalance = token.balanceOf(to) + value;
        if (r.maxBalance != 0 && newBalance > r.maxBalance) {
            return abi.encodeWithSelector(
                ICompliance.BalanceLimitExceeded.selector, to, newBalance, r.maxBalance
            );
        }
        return "";
    }

    /// @dev Two distinct users among alice, bob, carol, dave, funded within their limits.
    function _fundedPair(uint256 seedFrom, uint256 seedTo, uint256 fundFrom, uint256 fundTo)
        internal
        returns (address from, address to, uint256 balanceFrom, uint256 balanceTo)
    {
        address[4] memory users = _users();
        from = users[seedFrom % 4];
        to = users[(seedFrom % 4 + 1 + seedTo % 3) % 4];
        balanceFrom = _boundBalance(from, fundFrom);
        balanceTo = _boundBalance(to, fundTo);
        if (balanceFrom != 0) _fund(from, balanceFrom);
        if (balanceTo != 0) _fund(to, balanceTo);
    }

    function testFuzz_transfer(
        uint256 seedFrom,
        uint256 seedTo,
        uint256 fundFrom,
        uint256 fundTo,
        uint256 value
    ) public {
        (address from, address to, uint256 balanceFrom, uint256 balanceTo) =
            _fundedPair(seedFrom, seedTo, fundFrom, fundTo);
        value = bound(value, 0, balanceFrom);
        bytes memory err = _expectedError(from, to, value);
        if (err.length != 0) {
            vm.expectRevert(err);
            _send(from, to, value);
            value = 0;
        } else {
            vm.expectEmit(true, true, true, true, address(token));
            emit IERC20.Transfer(from, to, value);
            _send(from, to, value);
            (uint256 outflow,) = token.outflowOf(from);
            assertEq(outflow, value);
        }
        _assertBalances(from, balanceFrom - value, 0);
        _assertBalances(to, balanceTo + value, 0);
        assertEq(token.balanceOf(from) + token.balanceOf(to), token.totalSupply());
    }

    function testFuzz_operatorTransfer(
        uint256 seedFrom,
        uint256 seedTo,
        uint256 fundFrom,
        uint256 fundTo,
        uint256 value,
        bytes32 operationId,
        bool byRole
    ) public {
        (address from, address to, uint256 balanceFrom, uint256 balanceTo) =
            _fundedPair(seedFrom, seedTo, fundFrom, fundTo);
        value = bound(value, 0, balanceFrom);
        address op = byRole ? operator : agent;
        if (!byRole) _authorize(from, agent);
        bytes32 id = _transferId(op, operationId);
        bytes memory err = _expectedError(from, to, value);
        if (err.length != 0) {
            vm.expectRevert(err);
            vm.prank(op);
            token.operatorTransfer(operationId, from, to, value);
            value = 0;
        } else {
            vm.expectEmit(true, true, true, true, address(token));
            emit IERC20.Transfer(from, to, value);
            vm.expectEmit(true, true, true, true, address(token));
            emit IEmTokenCoreTypes.OperatorTransferExecuted(id, from, to, op, operationId, value);
            vm.prank(op);
            assertEq(token.operatorTransfer(operationId, from, to, value), id);
            vm.expectRevert(
                abi.encodeWithSelector(IEmTokenCoreTypes.OperatorTransferExists.selector, id)
            );
            vm.prank(op);
            token.operatorTransfer(operationId, from, to, 0);
        }
        _assertBalances(from, balanceFrom - value, 0);
        _assertBalances(to, balanceTo + value, 0);
        assertEq(token.balanceOf(from) + token.balanceOf(to), token.totalSupply());
    }
}
