// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {console} from "forge-std/console.sol";

import {IClearable} from "../../src/interfaces/IClearable.sol";
import {IHoldable} from "../../src/interfaces/IHoldable.sol";
import {IPayoutable} from "../../src/interfaces/IPayoutable.sol";
import {EmTokenTest} from "../utils/EmTokenTest.sol";
import {EmTokenHandler} from "./EmTokenHandler.sol";

/// @notice Invariants of EmToken's balances and locks under random sequences of every operation
/// ({EmTokenHandler}).
contract EmTokenInvariants is EmTokenTest {
    EmTokenHandler internal handler;
    address internal erin = makeAddr("erin");

    function setUp() public override {
        super.setUp();
        _register(erin, 1);

        address[] memory users = new address[](5);
        (users[0], users[1], users[2], users[3], users[4]) = (alice, bob, carol, dave, erin);
        handler = new EmTokenHandler(
            token, operator, compliance, pauser, notary, suspense, stranger, admin, users
        );
        uint256[] memory amounts = new uint256[](5);
        (amounts[0], amounts[1], amounts[2], amounts[3], amounts[4]) =
        (1_000_000, 1_000_000, 2_000_000, 200_000, 1_000_000);
        handler.bootstrap(amounts);
        // makeAddr(label) is the address of the key keccak256(label): the users sign with those.
        uint256[] memory keys = new uint256[](5);
        (keys[0], keys[1], keys[2], keys[3], keys[4]) =
        (
            uint256(keccak256("alice")),
            uint256(keccak256("bob")),
            uint256(keccak256("carol")),
            uint256(keccak256("dave")),
            uint256(keccak256("erin"))
        );
        handler.setKeys(keys);
        // carol (level 2, no limits) collects the fees.
        vm.prank(admin);
        token.setFeeAccount(carol);
        // The handler wipes as the compliance address.
        bytes32 wiperRole = token.WIPER_ROLE();
        vm.prank(admin);
        token.grantRole(wiperRole, compliance);

        bytes4[] memory selectors = new bytes4[](35);
        selectors[0] = EmTokenHandler.mint.selector;
        selectors[1] = EmTokenHandler.transfer.selector;
        selectors[2] = EmTokenHandler.transferFrom.selector;
        selectors[3] = EmTokenHandler.operatorTransfer.selector;
        selectors[4] = EmTokenHandler.setOperatorApproval.selector;
        selectors[5] = EmTokenHandler.hold.selector;
        selectors[6] = EmTokenHandler.executeHold.selector;
        selectors[7] = EmTokenHandler.executeHoldAndKeepOpen.selector;
        selectors[8] = EmTokenHandler.releaseHold.selector;
        selectors[9] = EmTokenHandler.renewHold.selector;
        selectors[10] = EmTokenHandler.orderTransfer.selector;
        selectors[11] = EmTokenHandler.processTransfer.selector;
        selectors[12] = EmTokenHandler.executeTransfer.selector;
        selectors[13] = EmTokenHandler.rejectTransfer.selector;
        selectors[14] = EmTokenHandler.cancelTransfer.selector;
        selectors[15] = EmTokenHandler.orderFund.selector;
        selectors[16] = EmTokenHandler.processFund.selector;
        selectors[17] = EmTokenHandler.executeFund.selector;
        selectors[18] = EmTokenHandler.rejectFund.selector;
        selectors[19] = EmTokenHandler.cancelFund.selector;
        selectors[20] = EmTokenHandler.orderPayout.selector;
        selectors[21] = EmTokenHandler.processPayout.selector;
        selectors[22] = EmTokenHandler.putFundsInSuspense.selector;
        selectors[23] = EmTokenHandler.executePayout.selector;
        selectors[24] = EmTokenHandler.rejectPayout.selector;
        selectors[25] = EmTokenHandler.cancelPayout.selector;
        selectors[26] = EmTokenHandler.toggleFreeze.selector;
        selectors[27] = EmTokenHandler.setKycLevel.selector;
        selectors[28] = EmTokenHandler.togglePause.selector;
        selectors[29] = EmTokenHandler.warp.selector;
        selectors[30] = EmTokenHandler.spendHeld.selector;
        selectors[31] = EmTokenHandler.signedTransfer.selector;
        selectors[32] = EmTokenHandler.cancelAuthorization.selector;
        selectors[33] = EmTokenHandler.wipe.selector;
        selectors[34] = EmTokenHandler.transferWithFee.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    // ================================================================ supply

    /// @notice Σ balanceOf over every account that can hold tokens (suspense included) == totalSupply.
    function invariant_balancesSumToTotalSupply() public view {
        address[] memory holders = handler.holderList();
        uint256 sum;
        for (uint256 i; i < holders.length; ++i) {
            sum += token.balanceOf(holders[i]);
        }
        assertEq(sum, token.totalSupply(), "sum of balances");
    }

    /// @notice totalSupply == everything minted (mints, executed fund orders) − everything burnt
    /// (executed payouts).
    function invariant_totalSupplyIsMintedMinusBurnt() public view {
        assertEq(
            token.totalSupply(), handler.ghostMinted() - handler.ghostBurnt(), "minted - burnt"
        );
    }

    // ================================================================ holds and locks

    /// @notice balanceOnHold ≤ balanceOf, and available = balance − held, for every account.
    function invariant_heldNeverExceedsBalance() public view {
        address[] memory holders = handler.holderList();
        for (uint256 i; i < holders.length; ++i) {
            address a = holders[i];
            uint256 held = token.balanceOnHold(a);
            uint256 balance = token.balanceOf(a);
            assertLe(held, balance, vm.getLabel(a));
            assertEq(token.availableBalanceOf(a), balance - held, vm.getLabel(a));
        }
    }

    /// @notice Σ balanceOnHold == totalSupplyOnHold.
    function invariant_heldSumsToTotalSupplyOnHold() public view {
        address[] memory holders = handler.holderList();
        uint256 sum;
        for (uint256 i; i < holders.length; ++i) {
            sum += token.balanceOnHold(holders[i]);
        }
        assertEq(sum, token.totalSupplyOnHold(), "sum of held");
    }

    /// @notice For every account, balanceOnHold is exactly what its open records lock: the remaining
    /// value of its open holds (Ordered, ExecutedAndKeptOpen), its open two-step orders (Ordered,
    /// InProcess) and its payouts not yet in suspense (Ordered, InProcess); for the suspense account,
    /// the payouts in FundsInSuspense. Fund orders lock nothing.
    function invariant_heldIsWhatOpenRecordsLock() public view {
        address[] memory holders = handler.holderList();
        uint256[] memory expected = new uint256[](holders.length);

        bytes32[] memory ids = handler.holdIds();
        for (uint256 i; i < ids.length; ++i) {
            IHoldable.HoldData memory h = token.retrieveHoldData(ids[i]);
            if (
                h.status == IHoldable.HoldStatus.Ordered
                    || h.status == IHoldable.HoldStatus.ExecutedAndKeptOpen
            ) {
                expected[_indexOf(holders, h.payer)] += h.value;
            }
        }
        ids = handler.orderIds();
        for (uint256 i; i < ids.length; ++i) {
            IClearable.ClearableTransferData memory o = token.retrieveClearableTransferData(ids[i]);
            if (
                o.status == IClearable.ClearableStatus.Ordered
                    || o.status == IClearable.ClearableStatus.InProcess
            ) {
                expected[_indexOf(holders, o.from)] += o.value;
            }
        }
        ids = handler.payoutIds();
        for (uint256 i; i < ids.length; ++i) {
            IPayoutable.PayoutData memory p = token.retrievePayoutData(ids[i]);
            if (
                p.status == IPayoutable.PayoutStatus.Ordered
                    || p.status == IPayoutable.PayoutStatus.InProcess
            ) {
                expected[_indexOf(holders, p.wallet)] += p.value;
            } else if (p.status == IPayoutable.PayoutStatus.FundsInSuspense) {
                expected[_indexOf(holders, suspense)] += p.value;
            }
        }
        uint256 total;
        for (uint256 i; i < holders.length; ++i) {
            assertEq(token.balanceOnHold(holders[i]), expected[i], vm.getLabel(holders[i]));
            total += expected[i];
        }
        assertEq(token.totalSupplyOnHold(), total, "total held");
    }

    /// @notice The suspense account (never registered) holds exactly the payouts in FundsInSuspense, all
    /// of it locked.
    function invariant_suspenseHoldsOnlyPayoutsInSuspense() public view {
        bytes32[] memory ids = handler.payoutIds();
        uint256 inSuspense;
        for (uint256 i; i < ids.length; ++i) {
            IPayoutable.PayoutData memory p = token.retrievePayoutData(ids[i]);
            if (p.status == IPayoutable.PayoutStatus.FundsInSuspense) inSuspense += p.value;
        }
        assertEq(token.balanceOnHold(suspense), inSuspense, "suspense held");
        assertEq(token.balanceOf(suspense), inSuspense, "suspense balance");
    }

    /// @notice Open holds keep a positive remaining value; closed ones (executed, released) keep none.
    /// Every record the handler created exists.
    function invariant_recordStatusesAreConsistent() public view {
        bytes32[] memory ids = handler.holdIds();
        for (uint256 i; i < ids.length; ++i) {
            IHoldable.HoldData memory h = token.retrieveHoldData(ids[i]);
            assertTrue(h.status != IHoldable.HoldStatus.Nonexistent, "hold missing");
            if (
                h.status == IHoldable.HoldStatus.Ordered
                    || h.status == IHoldable.HoldStatus.ExecutedAndKeptOpen
            ) {
                assertGt(h.value, 0, "open hold with nothing locked");
            } else {
                assertEq(h.value, 0, "closed hold still locks");
            }
        }
        ids = handler.orderIds();
        for (uint256 i; i < ids.length; ++i) {
            IClearable.ClearableTransferData memory o = token.retrieveClearableTransferData(ids[i]);
            assertTrue(o.status != IClearable.ClearableStatus.Nonexistent, "order missing");
            assertGt(o.value, 0, "order of nothing");
        }
        ids = handler.fundIds();
        for (uint256 i; i < ids.length; ++i) {
            assertTrue(uint8(token.retrieveFundData(ids[i]).status) != 0, "fund order missing");
        }
        ids = handler.payoutIds();
        for (uint256 i; i < ids.length; ++i) {
            IPayoutable.PayoutData memory p = token.retrievePayoutData(ids[i]);
            assertTrue(p.status != IPayoutable.PayoutStatus.Nonexistent, "payout missing");
            assertGt(p.value, 0, "payout of nothing");
        }
    }

    // ================================================================ cash-in and KYC

    /// @notice Every payment reference minted against is marked used, and each was minted against once
    /// (the handler records a reference per successful mint).
    function invariant_mintReferencesUsedOnce() public view {
        bytes32[] memory refs = handler.mintReferences();
        for (uint256 i; i < refs.length; ++i) {
            assertTrue(token.isMintReferenceUsed(refs[i]), "minted reference not marked used");
            for (uint256 j; j < i; ++j) {
                assertTrue(refs[i] != refs[j], "reference minted against twice");
            }
        }
        assertFalse(token.isMintReferenceUsed(bytes32(0)), "zero reference used");
    }

    /// @notice Every registered wallet is at a KYC level whose tier the admin set.
    function invariant_everyWalletHasATier() public view {
        address[] memory holders = handler.holderList();
        for (uint256 i; i < holders.length; ++i) {
            if (!token.isRegistered(holders[i])) continue;
            assertTrue(token.isTierSet(token.kycLevelOf(holders[i])), vm.getLabel(holders[i]));
        }
    }

    // ================================================================ signed authorizations

    /// @notice No authorization was usable twice: every (authorizer, nonce) a signed transfer, hold or
    /// cancellation used succeeded exactly once, and the token reports it used.
    function invariant_noAuthorizationUsedTwice() public view {
        (address[] memory authorizers, bytes32[] memory nonces) = handler.usedAuthorizations();
        for (uint256 i; i < authorizers.length; ++i) {
            assertEq(handler.ghostAuthorizationUses(authorizers[i], nonces[i]), 1, "used twice");
            assertTrue(token.authorizationState(authorizers[i], nonces[i]), "not marked used");
        }
    }

    // ================================================================ the handler's own checks

    /// @notice Every revert the handler caught was a custom error (no panic, string or empty revert).
    function invariant_noUnexpectedRevert() public view {
        if (handler.unexpectedReverts() != 0) {
            console.log("operation", uint8(handler.lastUnexpectedOp()));
            console.logBytes(handler.lastUnexpectedRevert());
        }
        assertEq(handler.unexpectedReverts(), 0, "unexpected reverts");
    }

    /// @notice Every successful step did what it says (amounts moved, locked, unlocked, minted, burnt).
    function invariant_stepsDidWhatTheySay() public view {
        assertEq(handler.violations(), 0, handler.lastViolation());
    }

    /// @notice Call summary of the run (shown with -vv). With EMTOKEN_INVARIANT_STATS=true, totals are
    /// also accumulated across the runs of the process (through environment variables) and printed per
    /// operation: run one invariant alone (--match-test) to read them.
    function afterInvariant() external {
        (uint256 calls, uint256 successes, uint256 skips) = handler.callSummary();
        (uint256 holds, uint256 orders, uint256 funds, uint256 payouts) = handler.openCounts();
        console.log("run: calls, successes, skips", calls, successes, skips);
        console.log(
            "run: holds, orders, payouts created",
            handler.holdIds().length,
            handler.orderIds().length,
            handler.payoutIds().length
        );
        console.log("run: open holds, orders, funds", holds, orders, funds);
        console.log("run: open payouts, seconds warped", payouts, handler.ghostWarped());
        if (!vm.envOr("EMTOKEN_INVARIANT_STATS", false)) return;
        uint256 totalCalls = _accumulate("EMTOKEN_INV_CALLS", calls);
        uint256 totalOk = _accumulate("EMTOKEN_INV_OK", successes);
        uint256 totalSkips = _accumulate("EMTOKEN_INV_SKIPS", skips);
        uint256 totalRuns = _accumulate("EMTOKEN_INV_RUNS", 1);
        console.log("total: runs, calls, successes, skips", totalRuns, totalCalls, totalOk);
        console.log("total: skips", totalSkips);
        for (uint256 i; i < handler.OP_COUNT(); ++i) {
            (uint256 c, uint256 ok) = handler.opSummary(EmTokenHandler.Op(i));
            c = _accumulate(string.concat("EMTOKEN_INV_C", vm.toString(i)), c);
            ok = _accumulate(string.concat("EMTOKEN_INV_S", vm.toString(i)), ok);
            console.log("total op: id, calls, successes", i, c, ok);
        }
    }

    function _accumulate(string memory key, uint256 value) internal returns (uint256 total) {
        total = vm.envOr(key, uint256(0)) + value;
        vm.setEnv(key, vm.toString(total));
    }

    function _indexOf(address[] memory list, address a) internal pure returns (uint256) {
        for (uint256 i; i < list.length; ++i) {
            if (list[i] == a) return i;
        }
        revert("record of an unknown account");
    }
}
