// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";

import {EmTokenDeployment} from "../script/EmTokenDeployment.sol";
import {EmToken} from "../src/EmToken.sol";
import {ReferenceToken} from "./gas/ReferenceToken.sol";

import {IAuthorizations} from "../src/interfaces/IAuthorizations.sol";
import {IClearable} from "../src/interfaces/IClearable.sol";
import {IEmTokenCore, IEmTokenCoreTypes} from "../src/interfaces/IEmTokenCore.sol";
import {IFundable} from "../src/interfaces/IFundable.sol";
import {IHoldable} from "../src/interfaces/IHoldable.sol";
import {IPayoutable} from "../src/interfaces/IPayoutable.sol";
import {EmTokenTest} from "./utils/EmTokenTest.sol";

/// @notice The access matrix: every privileged function, called by every actor that is not authorised,
/// reverts with the exact access error; every authorised actor succeeds (each from the same state).
/// Role-gated functions answer `AccessControlUnauthorizedAccount(caller, role)`; relationship-gated ones
/// (operator approvals, notary, payee, payer, issuer, orderer) answer their domain error.
contract AccessMatrixTest is EmTokenTest {
    /// @dev Which error an unauthorised caller gets.
    enum Gate {
        Role,
        NotOperator,
        NotNotary,
        Release,
        Renewal,
        CancelTransfer,
        CancelFund,
        CancelPayout,
        Initialized,
        Payee
    }

    /// @dev One row of the matrix.
    struct Case {
        string name;
        bytes data;
        Gate gate;
        bytes32 key; // the role (Role) or the record id (every other gate)
        address wallet; // NotOperator only
        IEmTokenCoreTypes.OperatorScope scope; // NotOperator only
        address[] allowed;
    }

    uint256 internal constant FUNDED = 1_000_000;
    uint256 internal constant LOCKED = 10_000;
    bytes32 internal constant HASH = keccak256("instructions");
    bytes32 internal constant OP = keccak256("matrix-op");

    address internal newWallet = makeAddr("newWallet");
    address internal frozenWallet = makeAddr("frozenWallet");
    address internal suspense2 = makeAddr("suspense2");
    address internal rescuer = makeAddr("rescuer");
    address internal wiper = makeAddr("wiper");

    address[] internal actors;

    /// @dev Hold of alice (payer) for bob (payee), notary `notary`, issued by carol (alice's hold operator).
    bytes32 internal holdId;
    /// @dev Two-step transfer alice → bob ordered by carol (alice's clearable operator); Ordered.
    bytes32 internal orderId;
    /// @dev Fund order for alice by carol (alice's fund operator); Ordered.
    bytes32 internal fundId;
    /// @dev Payout of alice ordered by carol (alice's payout operator); Ordered.
    bytes32 internal payoutId;
    /// @dev Payout of alice ordered by alice; InProcess.
    bytes32 internal payoutInProcessId;

    /// @dev An implementation the upgrade rows propose.
    address internal next;

    /// @dev Number of (function, unauthorised actor) pairs checked by the running test.
    uint256 internal deniedChecked;

    function setUp() public override {
        super.setUp();
        actors = [
            admin,
            operator,
            compliance,
            pauser,
            upgrader,
            minterAdmin,
            rescuer,
            wiper,
            notary,
            suspense,
            alice,
            bob,
            carol,
            dave,
            stranger
        ];
        next = address(EmTokenDeployment.implementation());
        vm.startPrank(admin);
        token.grantRole(token.RESCUER_ROLE(), rescuer);
        token.grantRole(token.WIPER_ROLE(), wiper);
        vm.stopPrank();

        _fund(alice, FUNDED);
        _register(frozenWallet, 1);
        _freeze(frozenWallet);

        // carol is alice's operator in every scope; dave only for operator transfers.
        vm.startPrank(alice);
        token.authorizeTransferOperator(carol);
        token.authorizeHoldOperator(carol);
        token.authorizeClearableTransferOperator(carol);
        token.authorizeFundOperator(carol);
        token.authorizePayoutOperator(carol);
        token.authorizeTransferOperator(dave);
        payoutInProcessId = token.orderPayout(_opId("payout-in-process"), LOCKED, HASH);
        vm.stopPrank();

        vm.startPrank(carol);
        holdId = token.holdFrom(_opId("hold"), alice, bob, notary, LOCKED, 1 days);
        orderId = token.orderTransferFrom(_opId("order"), alice, bob, LOCKED);
        fundId = token.orderFundFrom(_opId("fund"), alice, LOCKED, HASH);
        payoutId = token.orderPayoutFrom(_opId("payout"), alice, LOCKED, HASH);
        vm.stopPrank();

        vm.prank(operator);
        token.processPayout(payoutInProcessId);

        _assertBalances(alice, FUNDED, 4 * LOCKED);
    }

    // ================================================================ roles are distinct

    function test_rolesAreHeldByTheirHoldersOnly() public view {
        bytes32[8] memory roles = [
            token.DEFAULT_ADMIN_ROLE(),
            token.OPERATOR_ROLE(),
            token.COMPLIANCE_ROLE(),
            token.PAUSER_ROLE(),
            token.UPGRADER_ROLE(),
            token.MINTER_ADMIN_ROLE(),
            token.RESCUER_ROLE(),
            token.WIPER_ROLE()
        ];
        address[8] memory holders =
            [admin, operator, compliance, pauser, upgrader, minterAdmin, rescuer, wiper];
        for (uint256 r; r < roles.length; ++r) {
            // Upgraders name upgraders (the admin proposes upgrades: it never executes them).
            bytes32 roleAdmin =
                roles[r] == token.UPGRADER_ROLE() ? roles[r] : token.DEFAULT_ADMIN_ROLE();
            assertEq(token.getRoleAdmin(roles[r]), roleAdmin, "role admin");
            for (uint256 i; i < actors.length; ++i) {
                assertEq(
                    token.hasRole(roles[r], actors[i]),
                    actors[i] == holders[r],
                    string.concat("hasRole of ", vm.getLabel(actors[i]))
                );
            }
        }
    }

    function test_operatorRoleIsDefaultOperatorOfEveryWallet() public view {
        for (uint256 i; i < actors.length; ++i) {
            address w = actors[i];
            assertTrue(token.isTransferOperatorFor(operator, w), "transfer");
            assertTrue(token.isHoldOperatorFor(operator, w), "hold");
            assertTrue(token.isClearableTransferOperatorFor(operator, w), "clearable");
            assertTrue(token.isFundOperatorFor(operator, w), "fund");
            assertTrue(token.isPayoutOperatorFor(operator, w), "payout");
        }
        // Approvals are per scope: dave may transfer for alice, nothing else.
        assertTrue(token.isTransferOperatorFor(dave, alice));
        assertFalse(token.isHoldOperatorFor(dave, alice));
        assertFalse(token.isClearableTransferOperatorFor(dave, alice));
        assertFalse(token.isFundOperatorFor(dave, alice));
        assertFalse(token.isPayoutOperatorFor(dave, alice));
        // And per wallet: carol is alice's operator, not bob's.
        assertFalse(token.isTransferOperatorFor(carol, bob));
    }

    function test_grantedRoleWorksAndRevokedRoleIsDenied() public {
        bytes32 role = token.PAUSER_ROLE();
        vm.prank(admin);
        token.grantRole(role, bob);
        vm.prank(bob);
        token.pause();
        vm.prank(bob);
        token.unpause();

        vm.prank(admin);
        token.revokeRole(role, bob);
        _expectAccessDenied(bob, role);
        vm.prank(bob);
        token.pause();

        // The revoked role takes nothing from the original holder.
        vm.prank(pauser);
        token.pause();
        assertTrue(token.paused());
    }

    function test_revokedApprovalIsDenied() public {
        vm.prank(alice);
        token.revokeTransferOperator(carol);
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenCoreTypes.NotOperatorFor.selector,
                carol,
                alice,
                IEmTokenCoreTypes.OperatorScope.Transfer
            )
        );
        vm.prank(carol);
        token.operatorTransfer(OP, alice, bob, 1);
    }

    // ================================================================ admin (DEFAULT_ADMIN_ROLE)

    function test_setTier() public {
        _role("setTier", abi.encodeCall(token.setTier, (3, 1000, 100, 500)), bytes32(0), admin);
    }

    function test_setSuspenseAccount() public {
        _role(
            "setSuspenseAccount",
            abi.encodeCall(token.setSuspenseAccount, (suspense2)),
            bytes32(0),
            admin
        );
    }

    function test_grantRole() public {
        _role(
            "grantRole",
            abi.encodeCall(token.grantRole, (token.OPERATOR_ROLE(), stranger)),
            bytes32(0),
            admin
        );
    }

    function test_revokeRole() public {
        _role(
            "revokeRole",
            abi.encodeCall(token.revokeRole, (token.OPERATOR_ROLE(), operator)),
            bytes32(0),
            admin
        );
    }

    // ================================================================ upgrades

    function test_proposeUpgrade() public {
        _role("proposeUpgrade", abi.encodeCall(token.proposeUpgrade, (next)), bytes32(0), admin);
    }

    function test_cancelUpgrade() public {
        vm.prank(admin);
        token.proposeUpgrade(next);
        Case memory c;
        c.name = "cancelUpgrade";
        c.data = abi.encodeCall(token.cancelUpgrade, ());
        c.gate = Gate.Role;
        c.key = token.UPGRADER_ROLE();
        c.allowed = _list(admin, upgrader);
        _matrix(c);
    }

    function test_upgradeToAndCall() public {
        vm.prank(admin);
        token.proposeUpgrade(next);
        _role(
            "upgradeToAndCall",
            abi.encodeCall(token.upgradeToAndCall, (next, "")),
            token.UPGRADER_ROLE(),
            upgrader
        );
    }

    function test_initialize() public {
        EmToken.Roles memory roles = EmToken.Roles({
            admin: stranger,
            operator: stranger,
            compliance: stranger,
            pauser: stranger,
            upgrader: dave,
            minterAdmin: stranger
        });
        Case memory c;
        c.name = "initialize";
        c.data = abi.encodeCall(EmToken.initialize, ("X", "X", 2, roles, stranger));
        c.gate = Gate.Initialized;
        _matrix(c);
    }

    // ================================================================ fees

    function test_setFeeAccount() public {
        _role("setFeeAccount", abi.encodeCall(token.setFeeAccount, (carol)), bytes32(0), admin);
    }

    function test_operatorTransferWithFee() public {
        _feeAccount();
        _role(
            "operatorTransferWithFee",
            abi.encodeCall(token.operatorTransferWithFee, (OP, alice, bob, 100, 1)),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    function test_mintWithFee() public {
        _feeAccount();
        _role(
            "mintWithFee",
            abi.encodeCall(token.mintWithFee, (bob, 1000, 10, 0, OP)),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    function test_executePayoutWithFee() public {
        _feeAccount();
        _role(
            "executePayoutWithFee",
            abi.encodeCall(token.executePayoutWithFee, (payoutInProcessId, 1)),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    function test_executeFundWithFee() public {
        _feeAccount();
        _role(
            "executeFundWithFee",
            abi.encodeCall(token.executeFundWithFee, (fundId, 1)),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    /// @dev The operator role only: carol, alice's payout operator, may not set a fee.
    function test_orderPayoutFromWithFee() public {
        _feeAccount();
        _role(
            "orderPayoutFromWithFee",
            abi.encodeCall(token.orderPayoutFromWithFee, (OP, alice, 100, 1, HASH)),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    /// @dev Role first: a notary without the operator role is refused with the role error (the notary
    /// check is in Fees.t.sol).
    function test_executeHoldWithFee() public {
        _feeAccount();
        vm.prank(alice);
        bytes32 id = token.hold(keccak256("fee hold"), bob, operator, 100, 0);
        _role(
            "executeHoldWithFee",
            abi.encodeCall(token.executeHoldWithFee, (id, 100, 1)),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    function _feeAccount() internal {
        vm.prank(admin);
        token.setFeeAccount(carol);
    }

    // ================================================================ supply governance

    function test_configureMinter() public {
        _role(
            "configureMinter",
            abi.encodeCall(token.configureMinter, (operator, 5)),
            token.MINTER_ADMIN_ROLE(),
            minterAdmin
        );
    }

    function test_rescueERC20() public {
        ReferenceToken other = new ReferenceToken(address(token), 100);
        _role(
            "rescueERC20",
            abi.encodeCall(token.rescueERC20, (address(other), bob, 10)),
            token.RESCUER_ROLE(),
            rescuer
        );
    }

    function test_wipeFrozenBalance() public {
        vm.prank(compliance);
        token.unfreeze(frozenWallet);
        _fund(frozenWallet, 100);
        _freeze(frozenWallet);
        _role(
            "wipeFrozenBalance",
            abi.encodeCall(token.wipeFrozenBalance, (frozenWallet, 10, bytes32(0), "")),
            token.WIPER_ROLE(),
            wiper
        );
    }

    // ================================================================ signed authorizations

    /// @dev A signed transfer may be submitted by anyone: the signature is the permission.
    function test_transferWithAuthorization() public {
        (address payer, bytes memory data) = _signedTransfer(
            "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
        );
        Case memory c;
        c.name = "transferWithAuthorization";
        c.data = abi.encodeWithSignature(
            "transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)",
            payer,
            bob,
            100,
            block.timestamp - 1,
            block.timestamp + 1 hours,
            keccak256("matrix"),
            data
        );
        c.gate = Gate.Payee;
        c.allowed = actors;
        _matrix(c);
    }

    /// @dev A signed receive may be submitted only by its payee.
    function test_receiveWithAuthorization() public {
        (address payer, bytes memory data) = _signedTransfer(
            "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
        );
        Case memory c;
        c.name = "receiveWithAuthorization";
        c.data = abi.encodeWithSignature(
            "receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)",
            payer,
            bob,
            100,
            block.timestamp - 1,
            block.timestamp + 1 hours,
            keccak256("matrix"),
            data
        );
        c.gate = Gate.Payee;
        c.wallet = bob;
        c.allowed = _list(bob);
        _matrix(c);
    }

    /// @dev A registered, funded signer and its signature of 100 to bob under `typeString`.
    function _signedTransfer(string memory typeString)
        internal
        returns (address payer, bytes memory signature)
    {
        uint256 key;
        (payer, key) = makeAddrAndKey("matrixSigner");
        _register(payer, 1);
        _fund(payer, 1000);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(bytes(typeString)),
                payer,
                bob,
                100,
                block.timestamp - 1,
                block.timestamp + 1 hours,
                keccak256("matrix")
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            key, keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash))
        );
        signature = abi.encodePacked(r, s, v);
    }

    // ================================================================ compliance

    function test_registerWallet() public {
        _role(
            "registerWallet",
            abi.encodeCall(token.registerWallet, (newWallet, 1)),
            token.COMPLIANCE_ROLE(),
            compliance
        );
    }

    function test_setKycLevel() public {
        _role(
            "setKycLevel",
            abi.encodeCall(token.setKycLevel, (alice, 2)),
            token.COMPLIANCE_ROLE(),
            compliance
        );
    }

    function test_freeze() public {
        _role("freeze", abi.encodeCall(token.freeze, (bob)), token.COMPLIANCE_ROLE(), compliance);
    }

    function test_unfreeze() public {
        _role(
            "unfreeze",
            abi.encodeCall(token.unfreeze, (frozenWallet)),
            token.COMPLIANCE_ROLE(),
            compliance
        );
    }

    // ================================================================ pauser

    function test_pause() public {
        _role("pause", abi.encodeCall(token.pause, ()), token.PAUSER_ROLE(), pauser);
    }

    function test_unpause() public {
        _pause();
        _role("unpause", abi.encodeCall(token.unpause, ()), token.PAUSER_ROLE(), pauser);
    }

    // ================================================================ operator

    function test_mint() public {
        _role(
            "mint", abi.encodeCall(token.mint, (bob, 1000, 0, OP)), token.OPERATOR_ROLE(), operator
        );
    }

    function test_processClearableTransfer() public {
        _role(
            "processClearableTransfer",
            abi.encodeCall(token.processClearableTransfer, (orderId)),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    function test_executeClearableTransfer() public {
        _role(
            "executeClearableTransfer",
            abi.encodeCall(token.executeClearableTransfer, (orderId)),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    function test_rejectClearableTransfer() public {
        _role(
            "rejectClearableTransfer",
            abi.encodeCall(token.rejectClearableTransfer, (orderId, "rejected")),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    function test_processFund() public {
        _role(
            "processFund",
            abi.encodeCall(token.processFund, (fundId)),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    function test_executeFund() public {
        _role(
            "executeFund",
            abi.encodeCall(token.executeFund, (fundId)),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    function test_rejectFund() public {
        _role(
            "rejectFund",
            abi.encodeCall(token.rejectFund, (fundId, "rejected")),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    function test_processPayout() public {
        _role(
            "processPayout",
            abi.encodeCall(token.processPayout, (payoutId)),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    function test_putFundsInSuspenseInPayout() public {
        _role(
            "putFundsInSuspenseInPayout",
            abi.encodeCall(token.putFundsInSuspenseInPayout, (payoutInProcessId)),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    function test_executePayout() public {
        _role(
            "executePayout",
            abi.encodeCall(token.executePayout, (payoutInProcessId)),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    function test_rejectPayout() public {
        _role(
            "rejectPayout",
            abi.encodeCall(token.rejectPayout, (payoutId, "rejected")),
            token.OPERATOR_ROLE(),
            operator
        );
    }

    // ================================================================ operators of a wallet

    function test_operatorTransfer() public {
        _operatorOf(
            "operatorTransfer",
            abi.encodeCall(token.operatorTransfer, (OP, alice, bob, 1000)),
            IEmTokenCoreTypes.OperatorScope.Transfer,
            _list(operator, carol, dave)
        );
    }

    function test_holdFrom() public {
        _operatorOf(
            "holdFrom",
            abi.encodeCall(token.holdFrom, (OP, alice, bob, notary, 1000, 1 days)),
            IEmTokenCoreTypes.OperatorScope.Hold,
            _list(operator, carol)
        );
    }

    function test_holdFromWithExpirationDate() public {
        _operatorOf(
            "holdFromWithExpirationDate",
            abi.encodeCall(
                token.holdFromWithExpirationDate,
                (OP, alice, bob, notary, 1000, block.timestamp + 1 days)
            ),
            IEmTokenCoreTypes.OperatorScope.Hold,
            _list(operator, carol)
        );
    }

    function test_orderTransferFrom() public {
        _operatorOf(
            "orderTransferFrom",
            abi.encodeCall(token.orderTransferFrom, (OP, alice, bob, 1000)),
            IEmTokenCoreTypes.OperatorScope.Clearable,
            _list(operator, carol)
        );
    }

    function test_orderFundFrom() public {
        _operatorOf(
            "orderFundFrom",
            abi.encodeCall(token.orderFundFrom, (OP, alice, 1000, HASH)),
            IEmTokenCoreTypes.OperatorScope.Fund,
            _list(operator, carol)
        );
    }

    function test_orderPayoutFrom() public {
        _operatorOf(
            "orderPayoutFrom",
            abi.encodeCall(token.orderPayoutFrom, (OP, alice, 1000, HASH)),
            IEmTokenCoreTypes.OperatorScope.Payout,
            _list(operator, carol)
        );
    }

    // ================================================================ holds: notary, payee, payer, issuer

    function test_executeHold() public {
        _record(
            "executeHold",
            abi.encodeCall(token.executeHold, (holdId, 1000)),
            Gate.NotNotary,
            holdId,
            _list(notary)
        );
    }

    function test_executeHoldAndKeepOpen() public {
        _record(
            "executeHoldAndKeepOpen",
            abi.encodeCall(token.executeHoldAndKeepOpen, (holdId, 1000)),
            Gate.NotNotary,
            holdId,
            _list(notary)
        );
    }

    function test_releaseHold() public {
        _record(
            "releaseHold",
            abi.encodeCall(token.releaseHold, (holdId)),
            Gate.Release,
            holdId,
            _list(notary, bob)
        );
    }

    /// @dev Once expired, anyone may release: every actor succeeds, and the status says why.
    function test_releaseHold_anyoneOnceExpired() public {
        vm.warp(token.retrieveHoldData(holdId).expiration);
        for (uint256 i; i < actors.length; ++i) {
            uint256 snap = vm.snapshotState();
            vm.prank(actors[i]);
            token.releaseHold(holdId);
            assertEq(
                uint8(token.retrieveHoldData(holdId).status),
                uint8(IHoldable.HoldStatus.ReleasedOnExpiration),
                vm.getLabel(actors[i])
            );
            assertTrue(vm.revertToState(snap));
        }
    }

    function test_renewHold() public {
        _record(
            "renewHold",
            abi.encodeCall(token.renewHold, (holdId, 2 days)),
            Gate.Renewal,
            holdId,
            _list(alice, carol, notary)
        );
    }

    function test_renewHoldWithExpirationDate() public {
        _record(
            "renewHoldWithExpirationDate",
            abi.encodeCall(token.renewHoldWithExpirationDate, (holdId, block.timestamp + 2 days)),
            Gate.Renewal,
            holdId,
            _list(alice, carol, notary)
        );
    }

    // ================================================================ cancels: orderer or payer

    function test_cancelTransfer() public {
        _record(
            "cancelTransfer",
            abi.encodeCall(token.cancelTransfer, (orderId)),
            Gate.CancelTransfer,
            orderId,
            _list(alice, carol)
        );
    }

    function test_cancelFund() public {
        _record(
            "cancelFund",
            abi.encodeCall(token.cancelFund, (fundId)),
            Gate.CancelFund,
            fundId,
            _list(alice, carol)
        );
    }

    function test_cancelPayout() public {
        _record(
            "cancelPayout",
            abi.encodeCall(token.cancelPayout, (payoutId)),
            Gate.CancelPayout,
            payoutId,
            _list(alice, carol)
        );
    }

    // ================================================================ engine

    function _role(string memory name, bytes memory data, bytes32 role, address holder) internal {
        Case memory c;
        c.name = name;
        c.data = data;
        c.gate = Gate.Role;
        c.key = role;
        c.allowed = _list(holder);
        _matrix(c);
    }

    function _operatorOf(
        string memory name,
        bytes memory data,
        IEmTokenCoreTypes.OperatorScope scope,
        address[] memory allowed
    ) internal {
        Case memory c;
        c.name = name;
        c.data = data;
        c.gate = Gate.NotOperator;
        c.wallet = alice;
        c.scope = scope;
        c.allowed = allowed;
        _matrix(c);
    }

    function _record(
        string memory name,
        bytes memory data,
        Gate gate,
        bytes32 id,
        address[] memory allowed
    ) internal {
        Case memory c;
        c.name = name;
        c.data = data;
        c.gate = gate;
        c.key = id;
        c.allowed = allowed;
        _matrix(c);
    }

    /// @dev Every actor outside `c.allowed` gets exactly the access error; then every allowed actor
    /// succeeds, each from the same state.
    function _matrix(Case memory c) internal {
        deniedChecked = 0;
        for (uint256 i; i < actors.length; ++i) {
            address a = actors[i];
            if (_contains(c.allowed, a)) continue;
            vm.prank(a);
            (bool ok, bytes memory ret) = address(token).call(c.data);
            assertFalse(ok, string.concat(c.name, " succeeded for ", vm.getLabel(a)));
            assertEq(ret, _expected(c, a), string.concat(c.name, " by ", vm.getLabel(a)));
            ++deniedChecked;
        }
        // Every allowed actor is one of the actors, so nobody was left out of the loop.
        assertEq(deniedChecked, actors.length - c.allowed.length, "denied count");

        for (uint256 i; i < c.allowed.length; ++i) {
            uint256 snap = vm.snapshotState();
            vm.prank(c.allowed[i]);
            (bool ok, bytes memory ret) = address(token).call(c.data);
            assertTrue(
                ok,
                string.concat(
                    c.name, " failed for ", vm.getLabel(c.allowed[i]), ": ", vm.toString(ret)
                )
            );
            assertTrue(vm.revertToState(snap));
        }
    }

    function _expected(Case memory c, address caller) internal pure returns (bytes memory) {
        if (c.gate == Gate.Role) {
            return abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, caller, c.key
            );
        }
        if (c.gate == Gate.NotOperator) {
            return abi.encodeWithSelector(
                IEmTokenCoreTypes.NotOperatorFor.selector, caller, c.wallet, c.scope
            );
        }
        if (c.gate == Gate.NotNotary) {
            return abi.encodeWithSelector(IHoldable.HoldCallerNotNotary.selector, c.key, caller);
        }
        if (c.gate == Gate.Release) {
            return abi.encodeWithSelector(IHoldable.HoldReleaseNotAllowed.selector, c.key, caller);
        }
        if (c.gate == Gate.Renewal) {
            return abi.encodeWithSelector(IHoldable.HoldRenewalNotAllowed.selector, c.key, caller);
        }
        if (c.gate == Gate.CancelTransfer) {
            return
                abi.encodeWithSelector(IClearable.ClearableCancelNotAllowed.selector, c.key, caller);
        }
        if (c.gate == Gate.CancelFund) {
            return abi.encodeWithSelector(IFundable.FundCancelNotAllowed.selector, c.key, caller);
        }
        if (c.gate == Gate.Payee) {
            return abi.encodeWithSelector(IAuthorizations.CallerNotPayee.selector, caller, c.wallet);
        }
        if (c.gate == Gate.Initialized) {
            return abi.encodeWithSelector(Initializable.InvalidInitialization.selector);
        }
        return abi.encodeWithSelector(IPayoutable.PayoutCancelNotAllowed.selector, c.key, caller);
    }

    function _contains(address[] memory list, address a) internal pure returns (bool) {
        for (uint256 i; i < list.length; ++i) {
            if (list[i] == a) return true;
        }
        return false;
    }

    function _list(address a) internal pure returns (address[] memory l) {
        l = new address[](1);
        l[0] = a;
    }

    function _list(address a, address b) internal pure returns (address[] memory l) {
        l = new address[](2);
        (l[0], l[1]) = (a, b);
    }

    function _list(address a, address b, address c) internal pure returns (address[] memory l) {
        l = new address[](3);
        (l[0], l[1], l[2]) = (a, b, c);
    }
}
