// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1967} from "@openzeppelin/contracts/interfaces/IERC1967.sol";
import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {EmTokenDeployment} from "../../script/EmTokenDeployment.sol";
import {EmToken} from "../../src/EmToken.sol";
import {EmTokenAuthorizations} from "../../src/EmTokenAuthorizations.sol";
import {EmTokenOrders} from "../../src/EmTokenOrders.sol";
import {IClearable} from "../../src/interfaces/IClearable.sol";
import {ICompliance} from "../../src/interfaces/ICompliance.sol";
import {IEmTokenCoreTypes} from "../../src/interfaces/IEmTokenCore.sol";
import {IEmTokenUpgrades} from "../../src/interfaces/IEmTokenUpgrades.sol";
import {IFundable} from "../../src/interfaces/IFundable.sol";
import {IHoldable} from "../../src/interfaces/IHoldable.sol";
import {IPayoutable} from "../../src/interfaces/IPayoutable.sol";
import {EmTokenTest} from "../utils/EmTokenTest.sol";
import {EmTokenV2} from "./EmTokenV2.sol";

/// @notice Upgrades: who may (the admin proposes, the upgrader executes, never one key alone), what an
/// upgrade keeps (a live token with balances, holds, orders in every state, limits, approvals and used
/// ids reads the same afterwards and goes on working), and where the state lives (ERC-7201 namespaces).
contract UpgradeTest is EmTokenTest {
    address internal erin = makeAddr("erin");

    bytes32[] internal holds;
    bytes32[] internal orders;
    bytes32[] internal funds;
    bytes32[] internal payouts;
    bytes32[] internal references;
    address[] internal wallets;

    EmTokenV2 internal next;

    function setUp() public override {
        super.setUp();
        next = new EmTokenV2(address(new EmTokenOrders()), address(new EmTokenAuthorizations()));
    }

    // ================================================================ who may upgrade

    function test_upgrade_proposedByAdmin_executedByUpgrader() public {
        vm.expectEmit(true, true, true, true, address(token));
        emit IEmTokenUpgrades.UpgradeProposed(address(next), admin);
        vm.prank(admin);
        token.proposeUpgrade(address(next));
        (address proposed, address proposer) = token.pendingUpgrade();
        assertEq(proposed, address(next));
        assertEq(proposer, admin);

        vm.expectEmit(true, true, true, true, address(token));
        emit IERC1967.Upgraded(address(next));
        vm.prank(upgrader);
        token.upgradeToAndCall(address(next), abi.encodeCall(EmTokenV2.initializeV2, (42)));

        assertEq(token.version(), 2);
        assertEq(EmTokenV2(address(token)).feature(), 42);
        assertEq(token.implementation(), address(next));
        assertEq(_implementationSlot(), address(next));
        (proposed, proposer) = token.pendingUpgrade();
        assertEq(proposed, address(0), "the proposal is used up");
        assertEq(proposer, address(0));
    }

    function test_RevertWhen_upgrade_notProposed() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenUpgrades.UpgradeNotProposed.selector, address(next), address(0)
            )
        );
        vm.prank(upgrader);
        token.upgradeToAndCall(address(next), "");
        assertEq(token.version(), 1);
    }

    function test_RevertWhen_upgrade_anotherImplementationThanProposed() public {
        EmTokenV2 other =
            new EmTokenV2(address(new EmTokenOrders()), address(new EmTokenAuthorizations()));
        vm.prank(admin);
        token.proposeUpgrade(address(next));
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenUpgrades.UpgradeNotProposed.selector, address(other), address(next)
            )
        );
        vm.prank(upgrader);
        token.upgradeToAndCall(address(other), "");
    }

    function test_RevertWhen_adminGrantsItselfTheUpgraderRole() public {
        bytes32 role = token.UPGRADER_ROLE();
        assertEq(token.getRoleAdmin(role), role, "upgraders name upgraders");
        for (uint256 i; i < 2; ++i) {
            address to = i == 0 ? admin : stranger;
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector, admin, role
                )
            );
            vm.prank(admin);
            token.grantRole(role, to);
        }
    }

    function test_upgraderRotatesItsKey() public {
        bytes32 role = token.UPGRADER_ROLE();
        vm.prank(upgrader);
        token.grantRole(role, stranger);
        vm.prank(upgrader);
        token.renounceRole(role, upgrader);
        vm.prank(admin);
        token.proposeUpgrade(address(next));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, upgrader, role
            )
        );
        vm.prank(upgrader);
        token.upgradeToAndCall(address(next), "");
        vm.prank(stranger);
        token.upgradeToAndCall(address(next), "");
        assertEq(token.version(), 2);
    }

    function test_RevertWhen_upgrade_proposerExecutesWithTheUpgraderRole() public {
        bytes32 role = token.UPGRADER_ROLE();
        // Only an upgrader can give the admin the role; even then the admin's own proposal needs the
        // other key.
        vm.prank(upgrader);
        token.grantRole(role, admin);
        vm.startPrank(admin);
        token.proposeUpgrade(address(next));
        vm.expectRevert(
            abi.encodeWithSelector(IEmTokenUpgrades.UpgradeNeedsSecondKey.selector, admin)
        );
        token.upgradeToAndCall(address(next), "");
        vm.stopPrank();
        // The other key still can.
        vm.prank(upgrader);
        token.upgradeToAndCall(address(next), "");
        assertEq(token.version(), 2);
    }

    function test_RevertWhen_upgrade_byAdminAlone() public {
        vm.startPrank(admin);
        token.proposeUpgrade(address(next));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                admin,
                token.UPGRADER_ROLE()
            )
        );
        token.upgradeToAndCall(address(next), "");
        vm.stopPrank();
    }

    function test_RevertWhen_propose_byUpgrader() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, upgrader, bytes32(0)
            )
        );
        vm.prank(upgrader);
        token.proposeUpgrade(address(next));
    }

    function test_RevertWhen_propose_implementationWithoutCode() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenUpgrades.ImplementationWithoutCode.selector, address(0xC0DE)
            )
        );
        vm.prank(admin);
        token.proposeUpgrade(address(0xC0DE));
    }

    function test_cancel_byEitherRole_thenNothingToExecute() public {
        vm.prank(admin);
        token.proposeUpgrade(address(next));
        vm.expectEmit(true, true, true, true, address(token));
        emit IEmTokenUpgrades.UpgradeCancelled(address(next), upgrader);
        vm.prank(upgrader);
        token.cancelUpgrade();
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenUpgrades.UpgradeNotProposed.selector, address(next), address(0)
            )
        );
        vm.prank(upgrader);
        token.upgradeToAndCall(address(next), "");

        vm.startPrank(admin);
        token.proposeUpgrade(address(next));
        token.cancelUpgrade();
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmTokenUpgrades.UpgradeNotProposed.selector, address(0), address(0)
            )
        );
        token.cancelUpgrade();
        vm.stopPrank();
    }

    function test_RevertWhen_cancel_byAnotherRole() public {
        vm.prank(admin);
        token.proposeUpgrade(address(next));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                operator,
                token.UPGRADER_ROLE()
            )
        );
        vm.prank(operator);
        token.cancelUpgrade();
    }

    function test_RevertWhen_upgrade_toAContractThatIsNotAnImplementation() public {
        // The orders module has code but is no UUPS implementation: the proxy would be bricked.
        address module = token.ordersModule();
        vm.prank(admin);
        token.proposeUpgrade(module);
        vm.expectRevert(
            abi.encodeWithSelector(ERC1967Utils.ERC1967InvalidImplementation.selector, module)
        );
        vm.prank(upgrader);
        token.upgradeToAndCall(module, "");
    }

    // ================================================================ the pieces cannot be used alone

    function test_RevertWhen_initialize_twice() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        vm.prank(admin);
        EmToken(address(token)).initialize("X", "X", 2, _roles(stranger), stranger);
    }

    function test_RevertWhen_implementation_initializedDirectly() public {
        EmToken impl = EmToken(token.implementation());
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        impl.initialize("X", "X", 2, _roles(stranger), stranger);
    }

    function test_RevertWhen_implementation_upgradedDirectly() public {
        EmToken impl = EmToken(token.implementation());
        vm.expectRevert(UUPSUpgradeable.UUPSUnauthorizedCallContext.selector);
        vm.prank(upgrader);
        impl.upgradeToAndCall(address(next), "");
    }

    function test_ordersModule_calledDirectly_movesNothing() public {
        IClearable module = IClearable(token.ordersModule());
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(alice);
        module.orderTransfer(_opId("direct"), bob, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                operator,
                keccak256("OPERATOR_ROLE")
            )
        );
        vm.prank(operator);
        IFundable(address(module)).mint(alice, 1, 0, _opId("direct"));
    }

    function test_orders_runOnTheProxysStorage() public {
        _fund(alice, 10_000);
        vm.prank(alice);
        bytes32 id = token.orderTransfer(_opId("o"), bob, 2500);
        // The module's code ran, the proxy's state moved.
        assertEq(token.balanceOnHold(alice), 2500);
        assertEq(
            uint8(token.retrieveClearableTransferData(id).status),
            uint8(IClearable.ClearableStatus.Ordered)
        );
        address module = token.ordersModule();
        assertEq(IClearable(module).retrieveClearableTransferData(id).value, 0);
    }

    // ================================================================ a live token upgraded

    /// @dev The whole state of a live token is the same after the upgrade, and goes on working.
    function test_upgrade_liveToken_keepsEveryBalanceHoldAndOrder() public {
        _live();
        bytes memory before = _state();
        _checkSums();

        vm.prank(admin);
        token.proposeUpgrade(address(next));
        vm.prank(upgrader);
        token.upgradeToAndCall(address(next), abi.encodeCall(EmTokenV2.initializeV2, (7)));
        assertEq(token.version(), 2);
        assertEq(token.ordersModule(), next.ordersModule());

        assertEq(_state(), before, "the state read through every view changed");
        _checkSums();

        // Open records go on: the notary executes the open hold, the clearing agent the orders.
        vm.prank(notary);
        token.executeHold(holds[0], 300);
        vm.prank(notary);
        token.executeHold(holds[1], 100);
        vm.prank(operator);
        token.executeClearableTransfer(orders[1]);
        vm.prank(operator);
        token.executeFund(funds[1]);
        vm.prank(operator);
        token.executePayout(payouts[2]);
        vm.prank(carol);
        token.releaseHold(holds[6]);
        _checkSums();
        // Closed records stay closed; used ids stay used.
        vm.expectRevert(
            abi.encodeWithSelector(
                IHoldable.HoldNotOpen.selector, holds[2], IHoldable.HoldStatus.Executed
            )
        );
        vm.prank(notary);
        token.executeHold(holds[2], 1);
        vm.expectRevert(abi.encodeWithSelector(IFundable.MintReferenceUsed.selector, references[0]));
        vm.prank(operator);
        token.mint(alice, 1, 0, references[0]);
        vm.expectPartialRevert(IEmTokenCoreTypes.OperatorTransferExists.selector);
        vm.prank(operator);
        token.operatorTransfer(_opId("ot"), alice, bob, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHoldable.HoldExists.selector, token.holdIdOf(alice, _opId("h-ordered"))
            )
        );
        vm.prank(alice);
        token.hold(_opId("h-ordered"), bob, notary, 1, 0);
        // Limits and outflows carried over: dave (level 0) already sent 900.00 of 1,500.00 this period.
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.OutflowLimitExceeded.selector, dave, 160_000, L0_MAX_OUTFLOW
            )
        );
        vm.prank(dave);
        token.transfer(alice, 70_000);
        (uint256 outflow,) = token.outflowOf(dave);
        assertEq(outflow, 90_000);
        // The frozen wallet is still frozen.
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, erin));
        vm.prank(erin);
        token.transfer(alice, 1);
    }

    /// @dev Balances, held amounts and records sit where ERC-7201 puts their namespace (read raw).
    function test_storage_namespacesAtTheirErc7201Slots() public {
        _fund(alice, 12_345);
        vm.prank(alice);
        bytes32 holdId = token.hold(_opId("raw"), bob, notary, 345, 0);

        bytes32 tokenNs = _erc7201("emtoken.token");
        uint256 account = uint256(vm.load(address(token), keccak256(abi.encode(alice, tokenNs))));
        assertEq(account & type(uint96).max, 12_345, "balance: bits 0-95");
        assertEq((account >> 96) & type(uint96).max, 345, "held: bits 96-191");
        assertEq((account >> 192) & 0xff, 1, "registered");
        assertEq((account >> 200) & 0xff, 0, "frozen");
        assertEq((account >> 208) & 0xff, 1, "kycLevel");

        bytes32 holdsNs = _erc7201("emtoken.holds");
        uint256 hold = uint256(vm.load(address(token), keccak256(abi.encode(holdId, holdsNs))));
        assertEq(address(uint160(hold)), alice, "payer");
        assertEq((hold >> 200) & 0xff, uint8(IHoldable.HoldStatus.Ordered), "status");

        vm.prank(alice);
        bytes32 orderId = token.orderTransfer(_opId("raw"), bob, 1);
        bytes32 clearingNs = _erc7201("emtoken.clearing");
        assertEq(
            address(
                uint160(
                    uint256(vm.load(address(token), keccak256(abi.encode(orderId, clearingNs))))
                )
            ),
            alice
        );
        vm.prank(alice);
        bytes32 fundId = token.orderFund(_opId("raw"), 1, bytes32(0));
        bytes32 fundingNs = _erc7201("emtoken.funding");
        assertEq(
            address(
                uint160(uint256(vm.load(address(token), keccak256(abi.encode(fundId, fundingNs)))))
            ),
            alice
        );
        vm.prank(alice);
        bytes32 payoutId = token.orderPayout(_opId("raw"), 1, bytes32(0));
        bytes32 payoutsNs = _erc7201("emtoken.payouts");
        assertEq(
            address(
                uint160(
                    uint256(vm.load(address(token), keccak256(abi.encode(payoutId, payoutsNs))))
                )
            ),
            alice
        );
        vm.prank(admin);
        token.proposeUpgrade(address(next));
        assertEq(
            address(uint160(uint256(vm.load(address(token), _erc7201("emtoken.upgrades"))))),
            address(next)
        );
        // Nothing at the proxy's low slots, where unnamespaced state would land.
        for (uint256 slot; slot < 8; ++slot) {
            assertEq(vm.load(address(token), bytes32(slot)), bytes32(0));
        }
    }

    // ================================================================ helpers

    function _roles(address who) internal pure returns (EmToken.Roles memory) {
        return EmToken.Roles({
            admin: who,
            operator: who,
            compliance: who,
            pauser: who,
            upgrader: address(0xdead),
            minterAdmin: who
        });
    }

    function _implementationSlot() internal view returns (address) {
        return address(uint160(uint256(vm.load(address(token), ERC1967Utils.IMPLEMENTATION_SLOT))));
    }

    function _erc7201(string memory id) internal pure returns (bytes32) {
        return keccak256(abi.encode(uint256(keccak256(bytes(id))) - 1)) & ~bytes32(uint256(0xff));
    }

    /// @dev A token in use: balances, an allowance, operator approvals, a frozen wallet, an outflow
    /// period under way, holds, two-step transfers, fund and payout orders in every state.
    function _live() internal {
        _register(erin, 1);
        wallets = [alice, bob, carol, dave, erin, suspense, notary, stranger];
        _fund(alice, 1_000_000);
        _fund(bob, 500_000);
        _fund(carol, 2_000_000);
        _fund(dave, 200_000);
        _fund(erin, 50_000);
        references.push(keccak256(abi.encode("card", alice, uint256(1_000_000), uint256(1))));
        _freeze(erin);
        vm.prank(dave);
        token.transfer(bob, 90_000);
        vm.startPrank(alice);
        token.approve(bob, 1234);
        token.authorizeHoldOperator(carol);
        token.authorizeTransferOperator(carol);
        vm.stopPrank();
        vm.prank(operator);
        token.operatorTransfer(_opId("ot"), alice, bob, 1000);

        // Holds: Ordered, ExecutedAndKeptOpen, Executed, ReleasedByNotary, ReleasedByPayee,
        // ReleasedOnExpiration, and an Ordered one issued by an operator (carol) without expiry.
        vm.prank(alice);
        bytes32 expiring = token.hold(_opId("h-expired"), bob, notary, 700, 100);
        vm.warp(block.timestamp + 101);
        vm.prank(stranger);
        token.releaseHold(expiring);
        vm.startPrank(alice);
        holds.push(token.hold(_opId("h-ordered"), bob, notary, 1000, 1 days));
        holds.push(token.hold(_opId("h-kept"), bob, notary, 1000, 1 days));
        holds.push(token.hold(_opId("h-executed"), bob, notary, 500, 0));
        holds.push(token.hold(_opId("h-notary"), bob, notary, 400, 0));
        holds.push(token.hold(_opId("h-payee"), bob, notary, 300, 0));
        vm.stopPrank();
        holds.push(expiring);
        vm.prank(carol);
        holds.push(token.holdFrom(_opId("h-issued"), alice, carol, notary, 2000, 0));
        vm.startPrank(notary);
        token.executeHoldAndKeepOpen(holds[1], 400);
        token.executeHold(holds[2], 500);
        token.releaseHold(holds[3]);
        vm.stopPrank();
        vm.prank(bob);
        token.releaseHold(holds[4]);

        // Two-step transfers: Ordered, InProcess, Executed, Rejected, Cancelled.
        vm.startPrank(alice);
        for (uint256 i; i < 5; ++i) {
            orders.push(token.orderTransfer(_opId(string.concat("o", vm.toString(i))), bob, 100));
        }
        token.cancelTransfer(orders[4]);
        vm.stopPrank();
        vm.startPrank(operator);
        token.processClearableTransfer(orders[1]);
        token.executeClearableTransfer(orders[2]);
        token.rejectClearableTransfer(orders[3], "no");
        vm.stopPrank();

        // Fund orders: Ordered, InProcess, Executed, Rejected, Cancelled.
        vm.startPrank(bob);
        for (uint256 i; i < 5; ++i) {
            funds.push(token.orderFund(_opId(string.concat("f", vm.toString(i))), 250, 0));
        }
        token.cancelFund(funds[4]);
        vm.stopPrank();
        vm.startPrank(operator);
        token.processFund(funds[1]);
        token.executeFund(funds[2]);
        token.rejectFund(funds[3], "no");
        vm.stopPrank();

        // Payouts: Ordered, InProcess, FundsInSuspense, Executed, Rejected, Cancelled.
        vm.startPrank(carol);
        for (uint256 i; i < 6; ++i) {
            payouts.push(token.orderPayout(_opId(string.concat("p", vm.toString(i))), 3000, 0));
        }
        token.cancelPayout(payouts[5]);
        vm.stopPrank();
        vm.startPrank(operator);
        token.processPayout(payouts[1]);
        token.processPayout(payouts[2]);
        token.putFundsInSuspenseInPayout(payouts[2]);
        token.processPayout(payouts[3]);
        token.executePayout(payouts[3]);
        token.rejectPayout(payouts[4], "no");
        vm.stopPrank();
    }

    /// @dev Everything the views say of the token, its wallets and its records.
    function _state() internal view returns (bytes memory s) {
        s = abi.encode(
            token.name(),
            token.symbol(),
            token.decimals(),
            token.totalSupply(),
            token.totalSupplyOnHold(),
            token.paused(),
            token.suspenseAccount(),
            token.allowance(alice, bob)
        );
        for (uint8 level; level < 4; ++level) {
            s = bytes.concat(s, abi.encode(token.tierOf(level), token.isTierSet(level)));
        }
        bytes32[5] memory roles = [
            token.DEFAULT_ADMIN_ROLE(),
            token.OPERATOR_ROLE(),
            token.COMPLIANCE_ROLE(),
            token.PAUSER_ROLE(),
            token.UPGRADER_ROLE()
        ];
        address[5] memory holders = [admin, operator, compliance, pauser, upgrader];
        for (uint256 i; i < wallets.length; ++i) {
            address w = wallets[i];
            (uint256 outflow, uint256 start) = token.outflowOf(w);
            s = bytes.concat(
                s,
                abi.encode(
                    token.balanceOf(w),
                    token.balanceOnHold(w),
                    token.availableBalanceOf(w),
                    token.isRegistered(w),
                    token.isFrozen(w),
                    token.kycLevelOf(w),
                    outflow,
                    start
                ),
                abi.encode(
                    token.isTransferOperatorFor(carol, w),
                    token.isHoldOperatorFor(carol, w),
                    token.isClearableTransferOperatorFor(carol, w),
                    token.isFundOperatorFor(carol, w),
                    token.isPayoutOperatorFor(carol, w)
                )
            );
        }
        for (uint256 r; r < roles.length; ++r) {
            s = bytes.concat(s, abi.encode(token.hasRole(roles[r], holders[r])));
        }
        for (uint256 i; i < holds.length; ++i) {
            s = bytes.concat(s, abi.encode(token.retrieveHoldData(holds[i])));
        }
        for (uint256 i; i < orders.length; ++i) {
            s = bytes.concat(s, abi.encode(token.retrieveClearableTransferData(orders[i])));
        }
        for (uint256 i; i < funds.length; ++i) {
            s = bytes.concat(s, abi.encode(token.retrieveFundData(funds[i])));
        }
        for (uint256 i; i < payouts.length; ++i) {
            s = bytes.concat(s, abi.encode(token.retrievePayoutData(payouts[i])));
        }
        s = bytes.concat(s, abi.encode(token.isMintReferenceUsed(references[0])));
    }

    /// @dev Σ balances = supply and Σ held = supply on hold, over every wallet that ever held money.
    function _checkSums() internal view {
        uint256 balances;
        uint256 held;
        for (uint256 i; i < wallets.length; ++i) {
            balances += token.balanceOf(wallets[i]);
            held += token.balanceOnHold(wallets[i]);
        }
        assertEq(balances, token.totalSupply(), "sum of balances");
        assertEq(held, token.totalSupplyOnHold(), "sum of held");
    }
}
