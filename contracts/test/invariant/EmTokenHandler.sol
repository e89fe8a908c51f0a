// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

import {IAuthorizations} from "../../src/interfaces/IAuthorizations.sol";
import {IClearable} from "../../src/interfaces/IClearable.sol";
import {ICompliance} from "../../src/interfaces/ICompliance.sol";
import {IEmToken} from "../../src/interfaces/IEmToken.sol";
import {IEmTokenCore, IEmTokenCoreTypes} from "../../src/interfaces/IEmTokenCore.sol";
import {IFundable} from "../../src/interfaces/IFundable.sol";
import {IHoldable} from "../../src/interfaces/IHoldable.sol";
import {IPayoutable} from "../../src/interfaces/IPayoutable.sol";

/// @notice Drives random sequences of every EmToken operation by random actors. Inputs are bounded and
/// record ids are picked from the ghost lists of open records, so most calls succeed; the calls that revert
/// are caught so the run goes on, and a revert that is not a custom error (a panic, a string, empty data) is
/// recorded as unexpected. Ghosts: minted, burnt, every hold / two-step order / fund / payout created, every
/// payment reference minted against, time warped, and postcondition violations seen by the handler itself.
/// Wallets are only ever given KYC levels with a tier (0-2) and mints use fresh references, except in the
/// rare branches that try a level without a tier or replay a reference and expect them refused.
/// The rare branches ("one time in n") test a residue other than 0 (and other than max % n): the fuzzer
/// feeds 0, 1 and type(uint256).max often, and those must take the common, successful path.
contract EmTokenHandler is CommonBase, StdUtils {
    /// @dev The operations, for the call summary.
    enum Op {
        Mint,
        Transfer,
        TransferFrom,
        OperatorTransfer,
        SetOperatorApproval,
        Hold,
        ExecuteHold,
        ExecuteHoldAndKeepOpen,
        ReleaseHold,
        RenewHold,
        OrderTransfer,
        ProcessTransfer,
        ExecuteTransfer,
        RejectTransfer,
        CancelTransfer,
        OrderFund,
        ProcessFund,
        ExecuteFund,
        RejectFund,
        CancelFund,
        OrderPayout,
        ProcessPayout,
        PutFundsInSuspense,
        ExecutePayout,
        RejectPayout,
        CancelPayout,
        ToggleFreeze,
        SetKycLevel,
        TogglePause,
        Warp,
        SpendHeld,
        SignedTransfer,
        CancelAuthorization,
        Wipe,
        TransferWithFee
    }

    uint256 public constant OP_COUNT = 35; // Op members

    /// @dev Record ids of one kind: all of them, and the open ones (swap-and-pop set).
    struct IdSet {
        bytes32[] all;
        bytes32[] open;
        mapping(bytes32 id => uint256 position) pos; // index + 1 in `open`
    }

    /// @dev Usual amounts stay below this so that several fit the tier limits of a period.
    uint256 internal constant SMALL = 50_000;
    uint256 internal constant MAX_MINT = 200_000;

    IEmToken public immutable token;
    address public immutable operator;
    address public immutable compliance;
    address public immutable pauser;
    address public immutable notary;
    address public immutable suspense;
    address public immutable stranger;

    /// @dev Registered users (they may be frozen or re-levelled during the run).
    address[] internal users;
    /// @dev Every address a call may come from: users, stranger, roles, notary, suspense.
    address[] internal everyone;
    /// @dev Every address that can ever hold tokens: users, stranger, suspense.
    address[] internal holders;

    IdSet internal holdSet;
    IdSet internal orderSet;
    IdSet internal fundSet;
    IdSet internal payoutSet;
    /// @dev Every payment reference a mint succeeded against, in order.
    bytes32[] internal mintRefs;

    uint256 public ghostMinted;
    uint256 public ghostBurnt;
    uint256 public ghostWarped;
    uint256 public ghostNow;
    uint256 internal opNonce;

    uint256 public unexpectedReverts;
    bytes public lastUnexpectedRevert;
    Op public lastUnexpectedOp;
    uint256 public violations;
    string public lastViolation;

    /// @dev The signing keys of the users (set by the test; a user without one never signs).
    mapping(address user => uint256 key) internal keyOf;
    /// @dev Ghost of EIP-3009 nonce use: how many calls used or cancelled each (authorizer, nonce), and
    /// every pair that was, in order.
    mapping(address authorizer => mapping(bytes32 nonce => uint256 uses)) public
        ghostAuthorizationUses;
    address[] internal usedAuthorizers;
    bytes32[] internal usedNonces;

    uint256[OP_COUNT] internal opCalls;
    uint256[OP_COUNT] internal opSuccesses;
    uint256 public skipped;

    constructor(
        IEmToken token_,
        address operator_,
        address compliance_,
        address pauser_,
        address notary_,
        address suspense_,
        address stranger_,
        address admin_,
        address[] memory users_
    ) {
        token = token_;
        operator = operator_;
        compliance = compliance_;
        pauser = pauser_;
        notary = notary_;
        suspense = suspense_;
        stranger = stranger_;
        users = users_;
        for (uint256 i; i < users_.length; ++i) {
            everyone.push(users_[i]);
            holders.push(users_[i]);
        }
        holders.push(stranger_);
        holders.push(suspense_);
        everyone.push(stranger_);
        everyone.push(suspense_);
        everyone.push(notary_);
        everyone.push(operator_);
        everyone.push(compliance_);
        everyone.push(pauser_);
        everyone.push(admin_);
        ghostNow = block.timestamp;
    }

    /// @dev Keeps the clock monotonic whatever the fuzzer does between calls.
    modifier clock() {
        if (block.timestamp < ghostNow) vm.warp(ghostNow);
        _;
    }

    /// @notice The users' signing keys (not a fuzz target).
    function setKeys(uint256[] calldata keys) external {
        for (uint256 i; i < keys.length; ++i) {
            keyOf[users[i]] = keys[i];
        }
    }

    /// @notice Every (authorizer, nonce) a signed call used or cancelled.
    function usedAuthorizations() external view returns (address[] memory, bytes32[] memory) {
        return (usedAuthorizers, usedNonces);
    }

    /// @notice Initial balances (not a fuzz target): mints `amounts[i]` to user i.
    function bootstrap(uint256[] calldata amounts) external {
        for (uint256 i; i < amounts.length; ++i) {
            vm.prank(operator);
            bytes32 ref = keccak256(abi.encode("bootstrap", i));
            token.mint(users[i], amounts[i], 0, ref);
            mintRefs.push(ref);
            ghostMinted += amounts[i];
        }
    }

    // ================================================================ ERC-20 and mint

    /// @notice Mints against a fresh payment reference; one time in sixteen replays one already minted
    /// against, which must be refused with {IFundable-MintReferenceUsed} and change nothing.
    function mint(uint256 toSeed, uint256 amount, uint256 kind) external clock {
        address to = _actor(toSeed);
        amount = _bound(amount, 1, MAX_MINT);
        if ((kind >> 1) % 16 == 9 && mintRefs.length != 0) {
            _replayMint(to, amount, uint8(kind % 2), mintRefs[(kind >> 5) % mintRefs.length]);
            return;
        }
        bytes32 ref = _nextOp();
        vm.prank(operator);
        try token.mint(to, amount, uint8(kind % 2), ref) {
            _ok(Op.Mint);
            ghostMinted += amount;
            mintRefs.push(ref);
            _checkActive(to, "mint");
        } catch (bytes memory err) {
            _reverted(Op.Mint, err);
        }
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external clock {
        address from = _payer(fromSeed);
        address to = _actor(toSeed);
        amount = _amount(amount, token.availableBalanceOf(from));
        (uint256 fromBefore, uint256 toBefore) = (token.balanceOf(from), token.balanceOf(to));
        vm.prank(from);
        try token.transfer(to, amount) {
            _ok(Op.Transfer);
            _checkMoved(from, to, amount, fromBefore, toBefore, "transfer");
        } catch (bytes memory err) {
            _reverted(Op.Transfer, err);
        }
    }

    /// @dev A signed transfer being tried, in memory (too many values for the stack).
    struct Signed {
        address from;
        address to;
        uint256 amount;
        bytes32 nonce;
        uint256 validAfter;
        uint256 validBefore;
        bool usedBefore;
        uint256 fromBefore;
        uint256 toBefore;
    }

    /// @notice An EIP-3009 transfer a user signed, submitted by anyone. Nonces come from a small space per
    /// user, so replays of used or cancelled ones are frequent: each must be refused.
    function signedTransfer(
        uint256 fromSeed,
        uint256 toSeed,
        uint256 amount,
        uint256 nonceSeed,
        uint256 submitterSeed
    ) external clock {
        Signed memory t;
        t.from = _payer(fromSeed);
        uint256 key = keyOf[t.from];
        if (key == 0) {
            ++skipped;
            return;
        }
        t.to = _actor(toSeed);
        t.amount = _amount(amount, token.availableBalanceOf(t.from));
        t.nonce = keccak256(abi.encode(t.from, nonceSeed % 8));
        t.usedBefore = token.authorizationState(t.from, t.nonce);
        _check(
            t.usedBefore == (ghostAuthorizationUses[t.from][t.nonce] != 0),
            "authorizationState: ghost"
        );
        (t.validAfter, t.validBefore) = (block.timestamp - 1, block.timestamp + 1 hours);
        bytes memory sig = _sign(
            key,
            keccak256(
                abi.encode(
                    TRANSFER_TYPEHASH, t.from, t.to, t.amount, t.validAfter, t.validBefore, t.nonce
                )
            )
        );
        (t.fromBefore, t.toBefore) = (token.balanceOf(t.from), token.balanceOf(t.to));
        vm.prank(_anyone(submitterSeed));
        (bool ok, bytes memory ret) = address(token)
            .call(
                abi.encodeWithSignature(
                    "transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)",
                    t.from,
                    t.to,
                    t.amount,
                    t.validAfter,
                    t.validBefore,
                    t.nonce,
                    sig
                )
            );
        if (ok) {
            _ok(Op.SignedTransfer);
            _check(!t.usedBefore, "signedTransfer: an authorization used twice");
            _used(t.from, t.nonce);
            _checkMoved(t.from, t.to, t.amount, t.fromBefore, t.toBefore, "signedTransfer");
        } else {
            _reverted(Op.SignedTransfer, ret);
            _check(
                token.authorizationState(t.from, t.nonce) == t.usedBefore,
                "signedTransfer: a refused authorization changed state"
            );
        }
    }

    /// @notice A user cancels one of its nonces (used ones must be refused).
    function cancelAuthorization(uint256 userSeed, uint256 nonceSeed) external clock {
        address user = users[userSeed % users.length];
        uint256 key = keyOf[user];
        if (key == 0) {
            ++skipped;
            return;
        }
        bytes32 nonce = keccak256(abi.encode(user, nonceSeed % 8));
        bool usedBefore = token.authorizationState(user, nonce);
        bytes memory sig =
            _sign(key, keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, user, nonce)));
        try token.cancelAuthorization(user, nonce, sig) {
            _ok(Op.CancelAuthorization);
            _check(!usedBefore, "cancelAuthorization: an authorization cancelled twice");
            _used(user, nonce);
        } catch (bytes memory err) {
            _reverted(Op.CancelAuthorization, err);
            _check(usedBefore, "cancelAuthorization: refused although unused");
        }
    }

    function transferFrom(uint256 ownerSeed, uint256 spenderSeed, uint256 toSeed, uint256 amount)
        external
        clock
    {
        address owner = _payer(ownerSeed);
        address spender = _anyone(spenderSeed);
        address to = _actor(toSeed);
        amount = _amount(amount, token.availableBalanceOf(owner));
        vm.prank(owner);
        token.approve(spender, amount);
        (uint256 fromBefore, uint256 toBefore) = (token.balanceOf(owner), token.balanceOf(to));
        vm.prank(spender);
        try token.transferFrom(owner, to, amount) {
            _ok(Op.TransferFrom);
            _checkMoved(owner, to, amount, fromBefore, toBefore, "transferFrom");
            _check(token.allowance(owner, spender) == 0, "transferFrom: allowance not spent");
        } catch (bytes memory err) {
            _reverted(Op.TransferFrom, err);
        }
    }

    function operatorTransfer(uint256 fromSeed, uint256 callerSeed, uint256 toSeed, uint256 amount)
        external
        clock
    {
        address from = _payer(fromSeed);
        address caller = _operatorFor(from, 0, callerSeed);
        address to = _actor(toSeed);
        amount = _amount(amount, token.availableBalanceOf(from));
        (uint256 fromBefore, uint256 toBefore) = (token.balanceOf(from), token.balanceOf(to));
        bytes32 op = _nextOp();
        vm.prank(caller);
        try token.operatorTransfer(op, from, to, amount) {
            _ok(Op.OperatorTransfer);
            _checkMoved(from, to, amount, fromBefore, toBefore, "operatorTransfer");
        } catch (bytes memory err) {
            _reverted(Op.OperatorTransfer, err);
        }
    }

    /// @notice An operator transfer with a fee to the fee account (a user, set by the test): the payer
    /// loses value + fee, the payee gains value, the fee account the fee — or nothing moves.
    function transferWithFee(uint256 fromSeed, uint256 toSeed, uint256 amount, uint256 fee)
        external
        clock
    {
        address from = _payer(fromSeed);
        address to = _actor(toSeed);
        address account = token.feeAccount();
        amount = _amount(amount, token.availableBalanceOf(from));
        fee = fee % 500;
        uint256[3] memory before =
            [token.balanceOf(from), token.balanceOf(to), token.balanceOf(account)];
        vm.prank(operator);
        try token.operatorTransferWithFee(_nextOp(), from, to, amount, fee) {
            _ok(Op.TransferWithFee);
            uint256[3] memory afterwards =
                [token.balanceOf(from), token.balanceOf(to), token.balanceOf(account)];
            // Expected change of each of the three addresses, whichever of them coincide.
            address[3] memory who = [from, to, account];
            for (uint256 i; i < 3; ++i) {
                int256 expected = 0;
                if (who[i] == from) expected -= int256(amount + fee);
                if (who[i] == to) expected += int256(amount);
                if (who[i] == account) expected += int256(fee);
                _check(
                    int256(afterwards[i]) - int256(before[i]) == expected, "transferWithFee: moved"
                );
            }
        } catch (bytes memory err) {
            _reverted(Op.TransferWithFee, err);
            _check(token.balanceOf(from) == before[0], "transferWithFee: refused but moved");
        }
    }

    /// @notice Tries to move more than the available balance of a user with funds on hold, but no more
    /// than its balance, by transfer, transferFrom or operatorTransfer. It must fail, and when the user is
    /// active and the token not paused, with exactly InsufficientAvailableBalance (checked before the
    /// limits): holds protect the rest of the balance.
    function spendHeld(uint256 fromSeed, uint256 toSeed, uint256 amount, uint256 via)
        external
        clock
    {
        uint256 n = users.length;
        address from;
        for (uint256 i; i < n; ++i) {
            address u = users[(fromSeed % n + i) % n];
            if (token.balanceOnHold(u) != 0) {
                from = u;
                break;
            }
        }
        if (from == address(0)) {
            ++skipped;
            return;
        }
        address to = _actor(toSeed);
        uint256 available = token.availableBalanceOf(from);
        amount = available + 1 + amount % token.balanceOnHold(from);
        bool strict = !token.paused() && !token.isFrozen(from);
        bytes memory data;
        address caller = from;
        via %= 3;
        if (via == 0) {
            data = abi.encodeCall(token.transfer, (to, amount));
        } else if (via == 1) {
            caller = _anyone(fromSeed);
            vm.prank(from);
            token.approve(caller, amount);
            data = abi.encodeCall(token.transferFrom, (from, to, amount));
        } else {
            caller = operator;
            data = abi.encodeCall(token.operatorTransfer, (_nextOp(), from, to, amount));
        }
        (bool ok, bytes memory err) = _call(caller, data);
        _check(!ok, "spendHeld: held funds moved");
        if (ok) {
            _ok(Op.SpendHeld);
            return;
        }
        _reverted(Op.SpendHeld, err);
        if (strict) {
            _check(
                keccak256(err)
                    == keccak256(
                        abi.encodeWithSelector(
                            IEmTokenCoreTypes.InsufficientAvailableBalance.selector,
                            from,
                            available,
                            amount
                        )
                    ),
                "spendHeld: not InsufficientAvailableBalance"
            );
        }
    }

    /// @notice Toggles the approval of a user as operator of another user in one scope.
    function setOperatorApproval(uint256 walletSeed, uint256 opSeed, uint256 scope) external clock {
        address wallet = users[walletSeed % users.length];
        address op = users[opSeed % users.length];
        if (op == wallet) op = users[(opSeed % users.length + 1) % users.length];
        scope %= 5;
        bool approved = _isApproved(op, wallet, scope);
        bytes memory data;
        if (scope == 0) {
            data = approved
                ? abi.encodeCall(token.revokeTransferOperator, (op))
                : abi.encodeCall(token.authorizeTransferOperator, (op));
        } else if (scope == 1) {
            data = approved
                ? abi.encodeCall(token.revokeHoldOperator, (op))
                : abi.encodeCall(token.authorizeHoldOperator, (op));
        } else if (scope == 2) {
            data = approved
                ? abi.encodeCall(token.revokeClearableTransferOperator, (op))
                : abi.encodeCall(token.authorizeClearableTransferOperator, (op));
        } else if (scope == 3) {
            data = approved
                ? abi.encodeCall(token.revokeFundOperator, (op))
                : abi.encodeCall(token.authorizeFundOperator, (op));
        } else {
            data = approved
                ? abi.encodeCall(token.revokePayoutOperator, (op))
                : abi.encodeCall(token.authorizePayoutOperator, (op));
        }
        vm.prank(wallet);
        (bool ok, bytes memory err) = address(token).call(data);
        if (ok) _ok(Op.SetOperatorApproval);
        else _reverted(Op.SetOperatorApproval, err);
    }

    // ================================================================ holds

    /// @notice hold / holdWithExpirationDate / holdFrom / holdFromWithExpirationDate (by `mode`).
    function hold(
        uint256 payerSeed,
        uint256 payeeSeed,
        uint256 notarySeed,
        uint256 amount,
        uint256 ttl,
        uint256 mode
    ) external clock {
        _hold(payerSeed, payeeSeed, notarySeed, amount, ttl, mode);
    }

    function executeHold(uint256 idSeed, uint256 callerSeed, uint256 amount) external clock {
        _executeHold(idSeed, callerSeed, amount, false);
    }

    function executeHoldAndKeepOpen(uint256 idSeed, uint256 callerSeed, uint256 amount)
        external
        clock
    {
        _executeHold(idSeed, callerSeed, amount, true);
    }

    /// @notice By the notary, the payee, or anyone (then preferably on an expired hold).
    function releaseHold(uint256 idSeed, uint256 callerSeed) external clock {
        uint256 pick = callerSeed % 3;
        (bytes32 id, bool found) = _openHold(idSeed, pick == 2 ? EXPIRED : ANY);
        if (!found) return;
        IHoldable.HoldData memory h = token.retrieveHoldData(id);
        address caller = pick == 0 ? h.notary : pick == 1 ? h.payee : _anyone(callerSeed / 3);
        uint256 heldBefore = token.balanceOnHold(h.payer);
        bool live = !token.paused()
            && (caller == h.notary
                || caller == h.payee
                || (h.expiration != 0 && block.timestamp >= h.expiration));
        vm.prank(caller);
        try token.releaseHold(id) {
            _ok(Op.ReleaseHold);
            IHoldable.HoldData memory a = token.retrieveHoldData(id);
            _check(a.value == 0, "releaseHold: value left");
            _check(
                token.balanceOnHold(h.payer) + h.value == heldBefore, "releaseHold: held not freed"
            );
            _check(
                (h.expiration != 0 && block.timestamp >= h.expiration)
                    ? a.status == IHoldable.HoldStatus.ReleasedOnExpiration
                    : caller == h.notary
                        ? a.status == IHoldable.HoldStatus.ReleasedByNotary
                        : a.status == IHoldable.HoldStatus.ReleasedByPayee,
                "releaseHold: status"
            );
            _close(holdSet, id);
        } catch (bytes memory err) {
            _reverted(Op.ReleaseHold, err);
            _refused(live, "releaseHold");
        }
    }

    /// @notice renewHold or renewHoldWithExpirationDate, by the payer, issuer, notary or anyone.
    function renewHold(uint256 idSeed, uint256 callerSeed, uint256 ttl, bool absolute)
        external
        clock
    {
        (bytes32 id, bool found) = _openHold(idSeed, LIVE);
        if (!found) return;
        IHoldable.HoldData memory h = token.retrieveHoldData(id);
        uint256 pick = callerSeed % 5;
        address caller = pick == 0
            ? h.payer
            : pick == 1
                ? h.issuer
                : pick == 2 ? h.notary : pick == 3 ? h.payer : _anyone(callerSeed);
        ttl = ttl % 5 == 0 ? 0 : _bound(ttl, 1, 60 days);
        // The payer and the issuer may only extend: mostly ask for at least the current date.
        if (ttl != 0 && h.expiration > block.timestamp && callerSeed % 7 != 4) {
            ttl += h.expiration - block.timestamp;
        }
        uint256 date = ttl == 0 ? 0 : block.timestamp + ttl;
        (bool ok, bytes memory err) = _call(
            caller,
            absolute
                ? abi.encodeCall(token.renewHoldWithExpirationDate, (id, date))
                : abi.encodeCall(token.renewHold, (id, ttl))
        );
        if (!ok) {
            _reverted(Op.RenewHold, err);
            return;
        }
        _ok(Op.RenewHold);
        IHoldable.HoldData memory a = token.retrieveHoldData(id);
        _check(a.expiration == date, "renewHold: date");
        _check(a.value == h.value && a.status == h.status, "renewHold: changed the hold");
    }

    // ================================================================ two-step transfers

    /// @notice orderTransfer by the payer, or orderTransferFrom by the operator or a user.
    function orderTransfer(uint256 fromSeed, uint256 toSeed, uint256 amount, uint256 via)
        external
        clock
    {
        _orderTransfer(fromSeed, toSeed, amount, via);
    }

    function processTransfer(uint256 idSeed) external clock {
        (bytes32 id, bool found) =
            _openOrder(idSeed, _bit(uint256(IClearable.ClearableStatus.Ordered)));
        if (!found) return;
        bool live =
            !token.paused() && _orderState(id) == uint256(IClearable.ClearableStatus.Ordered);
        vm.prank(operator);
        try token.processClearableTransfer(id) {
            _ok(Op.ProcessTransfer);
        } catch (bytes memory err) {
            _reverted(Op.ProcessTransfer, err);
            _refused(live, "processClearableTransfer");
        }
    }

    function executeTransfer(uint256 idSeed) external clock {
        (bytes32 id, bool found) = _openOrder(idSeed, ANY);
        if (!found) return;
        IClearable.ClearableTransferData memory o = token.retrieveClearableTransferData(id);
        (uint256 fromBefore, uint256 toBefore) = (token.balanceOf(o.from), token.balanceOf(o.to));
        vm.prank(operator);
        try token.executeClearableTransfer(id) {
            _ok(Op.ExecuteTransfer);
            _checkMoved(o.from, o.to, o.value, fromBefore, toBefore, "executeClearableTransfer");
            _close(orderSet, id);
        } catch (bytes memory err) {
            _reverted(Op.ExecuteTransfer, err);
        }
    }

    function rejectTransfer(uint256 idSeed) external clock {
        (bytes32 id, bool found) = _openOrder(idSeed, ANY);
        if (!found) return;
        bool live = !token.paused();
        vm.prank(operator);
        try token.rejectClearableTransfer(id, "rejected") {
            _ok(Op.RejectTransfer);
            _close(orderSet, id);
        } catch (bytes memory err) {
            _reverted(Op.RejectTransfer, err);
            _refused(live, "rejectClearableTransfer");
        }
    }

    function cancelTransfer(uint256 idSeed, uint256 callerSeed) external clock {
        (bytes32 id, bool found) =
            _openOrder(idSeed, _bit(uint256(IClearable.ClearableStatus.Ordered)));
        if (!found) return;
        IClearable.ClearableTransferData memory o = token.retrieveClearableTransferData(id);
        uint256 pick = callerSeed % 5;
        address caller = pick < 2 ? o.from : pick < 4 ? o.orderer : _anyone(callerSeed / 5);
        bool live = !token.paused() && o.status == IClearable.ClearableStatus.Ordered
            && (caller == o.from || caller == o.orderer);
        vm.prank(caller);
        try token.cancelTransfer(id) {
            _ok(Op.CancelTransfer);
            _close(orderSet, id);
        } catch (bytes memory err) {
            _reverted(Op.CancelTransfer, err);
            _refused(live, "cancelTransfer");
        }
    }

    // ================================================================ cash-in orders

    /// @notice orderFund by the wallet, or orderFundFrom by the operator or a user.
    function orderFund(uint256 walletSeed, uint256 amount, uint256 via) external clock {
        _orderFund(walletSeed, amount, via);
    }

    function processFund(uint256 idSeed) external clock {
        (bytes32 id, bool found) = _openFund(idSeed, _bit(uint256(IFundable.FundStatus.Ordered)));
        if (!found) return;
        bool live = !token.paused() && _fundState(id) == uint256(IFundable.FundStatus.Ordered);
        vm.prank(operator);
        try token.processFund(id) {
            _ok(Op.ProcessFund);
        } catch (bytes memory err) {
            _reverted(Op.ProcessFund, err);
            _refused(live, "processFund");
        }
    }

    function executeFund(uint256 idSeed) external clock {
        (bytes32 id, bool found) = _openFund(idSeed, ANY);
        if (!found) return;
        IFundable.FundData memory f = token.retrieveFundData(id);
        uint256 before = token.balanceOf(f.walletToFund);
        vm.prank(operator);
        try token.executeFund(id) {
            _ok(Op.ExecuteFund);
            ghostMinted += f.value;
            _checkActive(f.walletToFund, "executeFund");
            _check(token.balanceOf(f.walletToFund) == before + f.value, "executeFund: not minted");
            _close(fundSet, id);
        } catch (bytes memory err) {
            _reverted(Op.ExecuteFund, err);
        }
    }

    function rejectFund(uint256 idSeed) external clock {
        (bytes32 id, bool found) = _openFund(idSeed, ANY);
        if (!found) return;
        bool live = !token.paused();
        vm.prank(operator);
        try token.rejectFund(id, "rejected") {
            _ok(Op.RejectFund);
            _close(fundSet, id);
        } catch (bytes memory err) {
            _reverted(Op.RejectFund, err);
            _refused(live, "rejectFund");
        }
    }

    function cancelFund(uint256 idSeed, uint256 callerSeed) external clock {
        (bytes32 id, bool found) = _openFund(idSeed, _bit(uint256(IFundable.FundStatus.Ordered)));
        if (!found) return;
        IFundable.FundData memory f = token.retrieveFundData(id);
        uint256 pick = callerSeed % 5;
        address caller = pick < 2 ? f.walletToFund : pick < 4 ? f.orderer : _anyone(callerSeed / 5);
        bool live = !token.paused() && f.status == IFundable.FundStatus.Ordered
            && (caller == f.walletToFund || caller == f.orderer);
        vm.prank(caller);
        try token.cancelFund(id) {
            _ok(Op.CancelFund);
            _close(fundSet, id);
        } catch (bytes memory err) {
            _reverted(Op.CancelFund, err);
            _refused(live, "cancelFund");
        }
    }

    // ================================================================ cash-out orders

    /// @notice orderPayout by the wallet, or orderPayoutFrom by the operator or a user.
    function orderPayout(uint256 walletSeed, uint256 amount, uint256 via) external clock {
        _orderPayout(walletSeed, amount, via);
    }

    function processPayout(uint256 idSeed) external clock {
        (bytes32 id, bool found) =
            _openPayout(idSeed, _bit(uint256(IPayoutable.PayoutStatus.Ordered)));
        if (found) _processPayout(id);
    }

    function _processPayout(bytes32 id) internal {
        bool live = !token.paused() && _payoutState(id) == uint256(IPayoutable.PayoutStatus.Ordered);
        vm.prank(operator);
        try token.processPayout(id) {
            _ok(Op.ProcessPayout);
        } catch (bytes memory err) {
            _reverted(Op.ProcessPayout, err);
            _refused(live, "processPayout");
        }
    }

    function putFundsInSuspense(uint256 idSeed) external clock {
        (bytes32 id, bool found) =
            _openPayout(idSeed, _bit(uint256(IPayoutable.PayoutStatus.InProcess)));
        if (!found) return;
        IPayoutable.PayoutData memory p = token.retrievePayoutData(id);
        uint256 before = token.balanceOf(suspense);
        bool live =
            !token.paused() && p.status == IPayoutable.PayoutStatus.InProcess && _active(p.wallet);
        vm.prank(operator);
        try token.putFundsInSuspenseInPayout(id) {
            _ok(Op.PutFundsInSuspense);
            _check(token.balanceOf(suspense) == before + p.value, "putFundsInSuspense: not moved");
        } catch (bytes memory err) {
            _reverted(Op.PutFundsInSuspense, err);
            _refused(live, "putFundsInSuspenseInPayout");
        }
    }

    function executePayout(uint256 idSeed) external clock {
        (bytes32 id, bool found) = _openPayout(
            idSeed,
            _bit(uint256(IPayoutable.PayoutStatus.InProcess))
                | _bit(uint256(IPayoutable.PayoutStatus.FundsInSuspense))
        );
        if (!found) return;
        IPayoutable.PayoutData memory p = token.retrievePayoutData(id);
        uint256 supplyBefore = token.totalSupply();
        bool live = !token.paused()
            && (p.status == IPayoutable.PayoutStatus.FundsInSuspense
                || (p.status == IPayoutable.PayoutStatus.InProcess && _active(p.wallet)));
        vm.prank(operator);
        try token.executePayout(id) {
            _ok(Op.ExecutePayout);
            ghostBurnt += p.value;
            _check(token.totalSupply() + p.value == supplyBefore, "executePayout: not burnt");
            _close(payoutSet, id);
        } catch (bytes memory err) {
            _reverted(Op.ExecutePayout, err);
            _refused(live, "executePayout");
        }
    }

    function rejectPayout(uint256 idSeed) external clock {
        (bytes32 id, bool found) = _openPayout(idSeed, ANY);
        if (!found) return;
        IPayoutable.PayoutData memory p = token.retrievePayoutData(id);
        // From suspense, the refund needs the wallet active (else it waits until unfrozen).
        bool live = !token.paused()
            && (p.status != IPayoutable.PayoutStatus.FundsInSuspense || _active(p.wallet));
        vm.prank(operator);
        try token.rejectPayout(id, "rejected") {
            _ok(Op.RejectPayout);
            _close(payoutSet, id);
        } catch (bytes memory err) {
            _reverted(Op.RejectPayout, err);
            _refused(live, "rejectPayout");
        }
    }

    function cancelPayout(uint256 idSeed, uint256 callerSeed) external clock {
        (bytes32 id, bool found) =
            _openPayout(idSeed, _bit(uint256(IPayoutable.PayoutStatus.Ordered)));
        if (!found) return;
        IPayoutable.PayoutData memory p = token.retrievePayoutData(id);
        uint256 pick = callerSeed % 5;
        address caller = pick < 2 ? p.wallet : pick < 4 ? p.orderer : _anyone(callerSeed / 5);
        bool live = !token.paused() && p.status == IPayoutable.PayoutStatus.Ordered
            && (caller == p.wallet || caller == p.orderer);
        vm.prank(caller);
        try token.cancelPayout(id) {
            _ok(Op.CancelPayout);
            _close(payoutSet, id);
        } catch (bytes memory err) {
            _reverted(Op.CancelPayout, err);
            _refused(live, "cancelPayout");
        }
    }

    // ================================================================ compliance, pause, time

    /// @notice Unfreezes a frozen user if there is one; else freezes a user one time in four (so that a
    /// frozen wallet is the exception, not a fifth of the time).
    function toggleFreeze(uint256 walletSeed) external clock {
        uint256 n = users.length;
        address wallet = users[walletSeed % n];
        bool frozen;
        for (uint256 i; i < n; ++i) {
            address u = users[(walletSeed % n + i) % n];
            if (token.isFrozen(u)) (wallet, frozen) = (u, true);
        }
        if (!frozen && (walletSeed >> 8) % 4 != 2) {
            ++skipped;
            return;
        }
        (bool ok, bytes memory err) = _call(
            compliance,
            frozen
                ? abi.encodeCall(token.unfreeze, (wallet))
                : abi.encodeCall(token.freeze, (wallet))
        );
        if (ok) _ok(Op.ToggleFreeze);
        else _reverted(Op.ToggleFreeze, err);
    }

    /// @notice The wiper (the compliance address holds the role in this run) burns part of a frozen
    /// user's available balance.
    function wipe(uint256 walletSeed, uint256 amount) external clock {
        uint256 n = users.length;
        address wallet;
        for (uint256 i; i < n; ++i) {
            address u = users[(walletSeed % n + i) % n];
            if (token.isFrozen(u)) wallet = u;
        }
        if (wallet == address(0)) {
            ++skipped;
            return;
        }
        amount = _amount(amount, token.availableBalanceOf(wallet));
        (uint256 balanceBefore, uint256 supplyBefore) =
            (token.balanceOf(wallet), token.totalSupply());
        (bool ok, bytes memory err) = _call(
            compliance,
            abi.encodeCall(token.wipeFrozenBalance, (wallet, amount, _nextOp(), "order"))
        );
        if (!ok) {
            _reverted(Op.Wipe, err);
            return;
        }
        _ok(Op.Wipe);
        ghostBurnt += amount;
        _check(token.balanceOf(wallet) + amount == balanceBefore, "wipe: balance");
        _check(token.totalSupply() + amount == supplyBefore, "wipe: supply");
        _check(token.isFrozen(wallet), "wipe: unfroze");
    }

    /// @notice Moves a user between KYC levels 1 and 2; one time in eight to level 0, whose balance cap
    /// (2,500.00) is below most balances, so that it stays the exception. dave starts at 0. One time in
    /// sixteen it tries a level without a tier (3-255), which must be refused and change nothing.
    function setKycLevel(uint256 walletSeed, uint256 step) external clock {
        address wallet = users[walletSeed % users.length];
        uint8 current = token.kycLevelOf(wallet);
        if (step % 16 == 11) {
            _levelWithoutTier(wallet, current, uint8(3 + (step >> 4) % 253));
            return;
        }
        uint8 level = step % 8 == 5 && current != 0 ? 0 : current == 1 ? 2 : 1;
        vm.prank(compliance);
        try token.setKycLevel(wallet, level) {
            _ok(Op.SetKycLevel);
        } catch (bytes memory err) {
            _reverted(Op.SetKycLevel, err);
        }
    }

    /// @notice Unpauses when paused; pauses one time in sixteen, so pauses stay short and rare.
    function togglePause(uint256 seed) external clock {
        bool paused = token.paused();
        if (!paused && seed % 16 != 5) {
            ++skipped;
            return;
        }
        (bool ok, bytes memory err) = _call(
            pauser, paused ? abi.encodeCall(token.unpause, ()) : abi.encodeCall(token.pause, ())
        );
        if (ok) _ok(Op.TogglePause);
        else _reverted(Op.TogglePause, err);
    }

    function warp(uint256 secs) external clock {
        secs = _bound(secs, 1 minutes, 10 days);
        ghostNow = block.timestamp + secs;
        ghostWarped += secs;
        vm.warp(ghostNow);
        _ok(Op.Warp);
    }

    /// @dev A mint against a reference already minted against: refused, nothing minted.
    function _replayMint(address to, uint256 amount, uint8 kind, bytes32 ref) internal {
        uint256 supply = token.totalSupply();
        vm.prank(operator);
        try token.mint(to, amount, kind, ref) {
            _ok(Op.Mint);
            ghostMinted += amount;
            _check(false, "mint: a payment reference minted twice");
        } catch (bytes memory err) {
            _reverted(Op.Mint, err);
            _check(token.totalSupply() == supply, "mint: refused replay changed the supply");
            // The reference is checked before compliance and pause: nothing else can answer first.
            _check(
                keccak256(err)
                    == keccak256(abi.encodeWithSelector(IFundable.MintReferenceUsed.selector, ref)),
                "mint: replayed reference refused for another reason"
            );
        }
    }

    /// @dev Gives `wallet` a level whose tier was never set: refused, its level unchanged.
    function _levelWithoutTier(address wallet, uint8 current, uint8 level) internal {
        vm.prank(compliance);
        try token.setKycLevel(wallet, level) {
            _ok(Op.SetKycLevel);
            _check(false, "setKycLevel: level without a tier given");
        } catch (bytes memory err) {
            _reverted(Op.SetKycLevel, err);
            _check(
                keccak256(err)
                    == keccak256(
                        abi.encodeWithSelector(ICompliance.KycLevelWithoutTier.selector, level)
                    ),
                "setKycLevel: level without a tier refused for another reason"
            );
            _check(token.kycLevelOf(wallet) == current, "setKycLevel: refused change applied");
        }
    }

    // ================================================================ views for the invariants

    function holderList() external view returns (address[] memory) {
        return holders;
    }

    /// @notice Every payment reference a mint succeeded against.
    function mintReferences() external view returns (bytes32[] memory) {
        return mintRefs;
    }

    function holdIds() external view returns (bytes32[] memory) {
        return holdSet.all;
    }

    function orderIds() external view returns (bytes32[] memory) {
        return orderSet.all;
    }

    function fundIds() external view returns (bytes32[] memory) {
        return fundSet.all;
    }

    function payoutIds() external view returns (bytes32[] memory) {
        return payoutSet.all;
    }

    function openCounts()
        external
        view
        returns (uint256 holds_, uint256 orders_, uint256 funds_, uint256 payouts_)
    {
        return
            (holdSet.open.length, orderSet.open.length, fundSet.open.length, payoutSet.open.length);
    }

    /// @notice Calls, successes and skips (inputs that could not make a call), in total.
    function callSummary() external view returns (uint256 calls, uint256 successes, uint256 skips) {
        for (uint256 i; i < OP_COUNT; ++i) {
            calls += opCalls[i];
            successes += opSuccesses[i];
        }
        return (calls, successes, skipped);
    }

    function opSummary(Op op) external view returns (uint256 calls, uint256 successes) {
        return (opCalls[uint256(op)], opSuccesses[uint256(op)]);
    }

    // ================================================================ creation helpers

    /// @dev The inputs of a hold creation, in memory (too many for the stack).
    struct HoldArgs {
        address caller;
        address payer;
        address payee;
        address notary;
        uint256 amount;
        uint256 ttl;
        uint256 date;
        uint256 mode;
        bytes32 op;
        uint256 heldBefore;
        uint256 balanceBefore;
    }

    function _hold(
        uint256 payerSeed,
        uint256 payeeSeed,
        uint256 notarySeed,
        uint256 amount,
        uint256 ttl,
        uint256 mode
    ) internal returns (bytes32 id, bool created) {
        HoldArgs memory a;
        a.payer = _payer(payerSeed);
        a.payee = _actor(payeeSeed);
        a.notary = _notary(notarySeed);
        a.amount = _amount(amount, token.availableBalanceOf(a.payer));
        a.ttl = ttl % 5 == 0 ? 0 : _bound(ttl, 1 hours, 30 days);
        a.date = a.ttl == 0 ? 0 : block.timestamp + a.ttl;
        a.mode = mode % 5;
        if (a.mode == 4 && keyOf[a.payer] == 0) a.mode = 1;
        // Mode 4: the payer signs, anyone submits; the hold is the payer's own.
        a.caller = a.mode < 2
            ? a.payer
            : a.mode == 4 ? _anyone(payerSeed / 7) : _operatorFor(a.payer, 1, payerSeed / 7);
        a.op = _nextOp();
        a.heldBefore = token.balanceOnHold(a.payer);
        a.balanceBefore = token.balanceOf(a.payer);
        (bool ok, bytes memory ret) = _call(a.caller, _holdCall(a));
        if (!ok) {
            _reverted(Op.Hold, ret);
            return (bytes32(0), false);
        }
        id = abi.decode(ret, (bytes32));
        _ok(Op.Hold);
        _add(holdSet, id);
        _checkActive(a.payer, "hold");
        _checkActive(a.payee, "hold");
        address issuer = a.mode == 4 ? a.payer : a.caller;
        if (a.mode == 4) _used(a.payer, a.op);
        _check(id == token.holdIdOf(issuer, a.op), "hold: id");
        IHoldable.HoldData memory h = token.retrieveHoldData(id);
        _check(
            h.payer == a.payer && h.payee == a.payee && h.notary == a.notary && h.issuer == issuer
                && h.value == a.amount && h.expiration == a.date
                && h.status == IHoldable.HoldStatus.Ordered,
            "hold: record"
        );
        _check(token.balanceOnHold(a.payer) == a.heldBefore + a.amount, "hold: not locked");
        _check(token.balanceOf(a.payer) == a.balanceBefore, "hold: moved funds");
        return (id, true);
    }

    function _holdCall(HoldArgs memory a) internal view returns (bytes memory) {
        if (a.mode == 0) {
            return abi.encodeCall(token.hold, (a.op, a.payee, a.notary, a.amount, a.ttl));
        }
        if (a.mode == 1) {
            return abi.encodeCall(
                token.holdWithExpirationDate, (a.op, a.payee, a.notary, a.amount, a.date)
            );
        }
        if (a.mode == 2) {
            return
                abi.encodeCall(token.holdFrom, (a.op, a.payer, a.payee, a.notary, a.amount, a.ttl));
        }
        if (a.mode == 4) {
            IAuthorizations.HoldAuthorization memory auth = IAuthorizations.HoldAuthorization({
                operationId: a.op,
                payer: a.payer,
                payee: a.payee,
                notary: a.notary,
                value: a.amount,
                expiration: a.date,
                validAfter: block.timestamp - 1,
                validBefore: block.timestamp + 1 hours,
                nonce: a.op
            });
            bytes memory sig = _sign(keyOf[a.payer], keccak256(abi.encode(HOLD_TYPEHASH, auth)));
            return abi.encodeCall(token.holdWithAuthorization, (auth, sig));
        }
        return abi.encodeCall(
            token.holdFromWithExpirationDate, (a.op, a.payer, a.payee, a.notary, a.amount, a.date)
        );
    }

    function _orderTransfer(uint256 fromSeed, uint256 toSeed, uint256 amount, uint256 via)
        internal
        returns (bytes32 id, bool created)
    {
        IClearable.ClearableTransferData memory want;
        want.from = _payer(fromSeed);
        want.to = _actor(toSeed);
        want.value = _amount(amount, token.availableBalanceOf(want.from));
        bool fromOp = via % 3 == 0;
        want.orderer = fromOp ? _operatorFor(want.from, 2, via / 3) : want.from;
        want.status = IClearable.ClearableStatus.Ordered;
        bytes32 op = _nextOp();
        (bool ok, bytes memory ret) = _call(
            want.orderer,
            fromOp
                ? abi.encodeCall(token.orderTransferFrom, (op, want.from, want.to, want.value))
                : abi.encodeCall(token.orderTransfer, (op, want.to, want.value))
        );
        if (!ok) {
            _reverted(Op.OrderTransfer, ret);
            return (bytes32(0), false);
        }
        id = abi.decode(ret, (bytes32));
        _ok(Op.OrderTransfer);
        _add(orderSet, id);
        _checkActive(want.from, "orderTransfer");
        _checkActive(want.to, "orderTransfer");
        _check(
            keccak256(abi.encode(token.retrieveClearableTransferData(id)))
                == keccak256(abi.encode(want)),
            "orderTransfer: record"
        );
        return (id, true);
    }

    function _orderFund(uint256 walletSeed, uint256 amount, uint256 via)
        internal
        returns (bytes32 id, bool created)
    {
        address wallet = _actor(walletSeed);
        amount = _bound(amount, 1, MAX_MINT);
        bool fromOp = via % 3 == 0;
        address caller = fromOp ? _operatorFor(wallet, 3, via / 3) : wallet;
        (bool ok, bytes memory ret) = _call(caller, _fundCall(fromOp, wallet, amount));
        if (!ok) {
            _reverted(Op.OrderFund, ret);
            return (bytes32(0), false);
        }
        id = abi.decode(ret, (bytes32));
        _ok(Op.OrderFund);
        _add(fundSet, id);
        _checkActive(wallet, "orderFund");
        return (id, true);
    }

    function _orderPayout(uint256 walletSeed, uint256 amount, uint256 via)
        internal
        returns (bytes32 id, bool created)
    {
        address wallet = _payer(walletSeed);
        amount = _amount(amount, token.availableBalanceOf(wallet));
        bool fromOp = via % 3 == 0;
        address caller = fromOp ? _operatorFor(wallet, 4, via / 3) : wallet;
        uint256 heldBefore = token.balanceOnHold(wallet);
        (bool ok, bytes memory ret) = _call(caller, _payoutCall(fromOp, wallet, amount));
        if (!ok) {
            _reverted(Op.OrderPayout, ret);
            return (bytes32(0), false);
        }
        id = abi.decode(ret, (bytes32));
        _ok(Op.OrderPayout);
        _add(payoutSet, id);
        _checkActive(wallet, "orderPayout");
        _check(token.balanceOnHold(wallet) == heldBefore + amount, "orderPayout: not locked");
        return (id, true);
    }

    function _fundCall(bool fromOp, address wallet, uint256 amount)
        internal
        returns (bytes memory)
    {
        bytes32 op = _nextOp();
        bytes32 instructions = keccak256(abi.encode("fund", op));
        return fromOp
            ? abi.encodeCall(token.orderFundFrom, (op, wallet, amount, instructions))
            : abi.encodeCall(token.orderFund, (op, amount, instructions));
    }

    function _payoutCall(bool fromOp, address wallet, uint256 amount)
        internal
        returns (bytes memory)
    {
        bytes32 op = _nextOp();
        bytes32 instructions = keccak256(abi.encode("payout", op));
        return fromOp
            ? abi.encodeCall(token.orderPayoutFrom, (op, wallet, amount, instructions))
            : abi.encodeCall(token.orderPayout, (op, amount, instructions));
    }

    function _executeHold(uint256 idSeed, uint256 callerSeed, uint256 amount, bool keepOpen)
        internal
    {
        (bytes32 id, bool found) = _openHold(idSeed, LIVE);
        if (!found) return;
        IHoldable.HoldData memory h = token.retrieveHoldData(id);
        address caller = callerSeed % 10 == 7 ? _anyone(callerSeed / 10) : h.notary;
        amount = _bound(amount, 1, h.value);
        if (keepOpen && callerSeed % 3 == 0) amount = h.value; // also close some
        _doExecuteHold(id, h, caller, amount, keepOpen);
    }

    function _doExecuteHold(
        bytes32 id,
        IHoldable.HoldData memory h,
        address caller,
        uint256 amount,
        bool keepOpen
    ) internal {
        Op op = keepOpen ? Op.ExecuteHoldAndKeepOpen : Op.ExecuteHold;
        // payer balance, payee balance, payer held
        uint256[3] memory before =
            [token.balanceOf(h.payer), token.balanceOf(h.payee), token.balanceOnHold(h.payer)];
        (bool ok, bytes memory err) = _call(
            caller,
            keepOpen
                ? abi.encodeCall(token.executeHoldAndKeepOpen, (id, amount))
                : abi.encodeCall(token.executeHold, (id, amount))
        );
        if (!ok) {
            _reverted(op, err);
            return;
        }
        _ok(op);
        _checkMoved(h.payer, h.payee, amount, before[0], before[1], "executeHold");
        IHoldable.HoldData memory a = token.retrieveHoldData(id);
        uint256 left = keepOpen ? h.value - amount : 0;
        _check(a.value == left, "executeHold: remaining");
        _check(token.balanceOnHold(h.payer) + (h.value - left) == before[2], "executeHold: held");
        _check(
            a.status
                == (left == 0
                        ? IHoldable.HoldStatus.Executed
                        : IHoldable.HoldStatus.ExecutedAndKeptOpen),
            "executeHold: status"
        );
        if (left == 0) _close(holdSet, id);
    }

    // ================================================================ picking

    /// @dev Hold "status" for picking: 1 open and live, 2 open and expired.
    uint256 internal constant LIVE = 1 << 1;
    uint256 internal constant EXPIRED = 1 << 2;
    uint256 internal constant ANY = type(uint256).max;

    /// @dev An open hold, preferably one whose state is in `want`; when none is open, one is created
    /// from the same seed.
    function _openHold(uint256 seed, uint256 want) internal returns (bytes32 id, bool found) {
        if (holdSet.open.length != 0) {
            (id,) = _prefer(holdSet, seed, want, _holdState);
            return (id, true);
        }
        (id, found) = _hold(seed, seed >> 8, seed >> 16, seed >> 24, seed >> 32, seed >> 40);
        if (!found) ++skipped;
    }

    /// @dev An open two-step order, preferably in a status of `want`; a new one when none is open, or
    /// when Ordered is wanted and none is.
    function _openOrder(uint256 seed, uint256 want) internal returns (bytes32 id, bool found) {
        bool matched;
        if (orderSet.open.length != 0) {
            (id, matched) = _prefer(orderSet, seed, want, _orderState);
            if (matched || !_wantsOrdered(want, seed)) return (id, true);
        }
        (id, found) = _orderTransfer(seed, seed >> 8, seed >> 16, seed >> 24);
        if (!found) ++skipped;
    }

    function _openFund(uint256 seed, uint256 want) internal returns (bytes32 id, bool found) {
        bool matched;
        if (fundSet.open.length != 0) {
            (id, matched) = _prefer(fundSet, seed, want, _fundState);
            if (matched || !_wantsOrdered(want, seed)) return (id, true);
        }
        (id, found) = _orderFund(seed, seed >> 8, seed >> 16);
        if (!found) ++skipped;
    }

    /// @dev As {_openOrder}; besides, when InProcess is wanted and none is, an Ordered payout is
    /// processed first.
    function _openPayout(uint256 seed, uint256 want) internal returns (bytes32 id, bool found) {
        bool matched;
        if (payoutSet.open.length != 0) {
            (id, matched) = _prefer(payoutSet, seed, want, _payoutState);
            if (matched || (seed >> 128) % 10 == 3) return (id, true);
            if (
                want & _bit(uint256(IPayoutable.PayoutStatus.InProcess)) != 0
                    && _payoutState(id) == uint256(IPayoutable.PayoutStatus.Ordered)
            ) {
                _processPayout(id);
                return (id, true);
            }
            if (!_wantsOrdered(want, seed)) return (id, true);
        }
        (id, found) = _orderPayout(seed, seed >> 8, seed >> 16);
        if (!found) ++skipped;
    }

    /// @dev Whether `want` asks for the Ordered status (1 in every record kind), outside the one time in
    /// ten that takes any status.
    function _wantsOrdered(uint256 want, uint256 seed) internal pure returns (bool) {
        return want != ANY && want & _bit(1) != 0 && (seed >> 128) % 10 != 3;
    }

    /// @dev The first open record from a random position whose state bit is in `want` (`matched`);
    /// one time in ten, or when none matches, the record at that position whatever its state
    /// (wrong-status paths).
    function _prefer(
        IdSet storage s,
        uint256 seed,
        uint256 want,
        function(bytes32) internal view returns (uint256) stateOf
    ) internal view returns (bytes32 id, bool matched) {
        uint256 n = s.open.length;
        uint256 start = seed % n;
        if (want == ANY) return (s.open[start], true);
        if ((seed >> 128) % 10 != 3) {
            for (uint256 i; i < n; ++i) {
                id = s.open[(start + i) % n];
                if (want & (1 << stateOf(id)) != 0) return (id, true);
            }
        }
        return (s.open[start], false);
    }

    function _holdState(bytes32 id) internal view returns (uint256) {
        uint256 expiration = token.retrieveHoldData(id).expiration;
        return expiration != 0 && block.timestamp >= expiration ? 2 : 1;
    }

    function _orderState(bytes32 id) internal view returns (uint256) {
        return uint256(token.retrieveClearableTransferData(id).status);
    }

    function _fundState(bytes32 id) internal view returns (uint256) {
        return uint256(token.retrieveFundData(id).status);
    }

    function _payoutState(bytes32 id) internal view returns (uint256) {
        return uint256(token.retrievePayoutData(id).status);
    }

    function _bit(uint256 status) internal pure returns (uint256) {
        return 1 << status;
    }

    /// @dev A registered user, or (one time in twenty) the unregistered stranger.
    function _actor(uint256 seed) internal view returns (address) {
        if (seed % 20 == 7) return stranger;
        return users[(seed / 20) % users.length];
    }

    /// @dev Like {_actor}, but skips users with nothing available when another one has something.
    function _payer(uint256 seed) internal view returns (address) {
        if (seed % 20 == 7) return stranger;
        uint256 n = users.length;
        uint256 start = (seed / 20) % n;
        for (uint256 i; i < n; ++i) {
            address u = users[(start + i) % n];
            if (token.availableBalanceOf(u) != 0) return u;
        }
        return users[start];
    }

    /// @dev Any address at all, roles included.
    function _anyone(uint256 seed) internal view returns (address) {
        return everyone[seed % everyone.length];
    }

    /// @dev The operator role three times in four, else a user: one approved for `wallet` in `scope`
    /// when there is one (approvals come from {setOperatorApproval}), else any user (denied).
    function _operatorFor(address wallet, uint256 scope, uint256 seed)
        internal
        view
        returns (address)
    {
        if (seed % 4 != 2) return operator;
        uint256 n = users.length;
        uint256 start = (seed / 4) % n;
        for (uint256 i; i < n; ++i) {
            address u = users[(start + i) % n];
            if (u != wallet && _isApproved(u, wallet, scope)) return u;
        }
        return users[start];
    }

    function _isApproved(address op, address wallet, uint256 scope) internal view returns (bool) {
        if (scope == 0) return token.isTransferOperatorFor(op, wallet);
        if (scope == 1) return token.isHoldOperatorFor(op, wallet);
        if (scope == 2) return token.isClearableTransferOperatorFor(op, wallet);
        if (scope == 3) return token.isFundOperatorFor(op, wallet);
        return token.isPayoutOperatorFor(op, wallet);
    }

    /// @dev The notary, the operator, or a user.
    function _notary(uint256 seed) internal view returns (address) {
        uint256 pick = seed % 4;
        if (pick == 0) return notary;
        if (pick == 1) return operator;
        return users[(seed / 4) % users.length];
    }

    /// @dev 1..min(available, SMALL) seven times in eight, else 1..available (may hit tier limits);
    /// 1 when nothing is available (the call is then expected to revert).
    function _amount(uint256 seed, uint256 available) internal pure returns (uint256) {
        if (available == 0) return 1;
        uint256 max = seed % 8 == 5 || available < SMALL ? available : SMALL;
        return _bound(seed >> 3, 1, max);
    }

    function _nextOp() internal returns (bytes32) {
        return bytes32(++opNonce);
    }

    // ================================================================ signatures

    bytes32 internal constant TRANSFER_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    bytes32 internal constant CANCEL_AUTHORIZATION_TYPEHASH =
        keccak256("CancelAuthorization(address authorizer,bytes32 nonce)");
    bytes32 internal constant HOLD_TYPEHASH = keccak256(
        "HoldWithAuthorization(bytes32 operationId,address payer,address payee,address notary,uint256 value,uint256 expiration,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );

    function _sign(uint256 key, bytes32 structHash) internal view returns (bytes memory) {
        bytes32 digest =
            keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _used(address authorizer, bytes32 nonce) internal {
        if (++ghostAuthorizationUses[authorizer][nonce] == 1) {
            usedAuthorizers.push(authorizer);
            usedNonces.push(nonce);
        }
    }

    // ================================================================ bookkeeping

    function _add(IdSet storage s, bytes32 id) internal {
        _check(s.pos[id] == 0, "record id reused");
        s.all.push(id);
        s.open.push(id);
        s.pos[id] = s.open.length;
    }

    function _close(IdSet storage s, bytes32 id) internal {
        uint256 p = s.pos[id];
        if (p == 0) return;
        uint256 last = s.open.length;
        if (p != last) {
            bytes32 moved = s.open[last - 1];
            s.open[p - 1] = moved;
            s.pos[moved] = p;
        }
        s.open.pop();
        delete s.pos[id];
    }

    function _call(address caller, bytes memory data) internal returns (bool ok, bytes memory ret) {
        vm.prank(caller);
        (ok, ret) = address(token).call(data);
    }

    function _ok(Op op) internal {
        ++opCalls[uint256(op)];
        ++opSuccesses[uint256(op)];
    }

    /// @dev Custom errors are the contract's answers to bad inputs; anything else (a panic, a string,
    /// empty data) is a bug.
    function _reverted(Op op, bytes memory err) internal {
        ++opCalls[uint256(op)];
        bytes4 selector = err.length >= 4 ? bytes4(err) : bytes4(0);
        if (err.length < 4 || selector == 0x4e487b71 || selector == 0x08c379a0) {
            ++unexpectedReverts;
            lastUnexpectedRevert = err;
            lastUnexpectedOp = op;
        }
    }

    function _check(bool condition, string memory what) internal {
        if (!condition) {
            ++violations;
            lastViolation = what;
        }
    }

    /// @dev A step whose preconditions all held (status, caller, not paused, parties active) reverted.
    function _refused(bool live, string memory what) internal {
        _check(!live, string.concat(what, ": refused although allowed"));
    }

    function _active(address a) internal view returns (bool) {
        return token.isRegistered(a) && !token.isFrozen(a);
    }

    /// @dev A step that moved or committed money succeeded: the token was not paused and `a` is
    /// registered and not frozen.
    function _checkActive(address a, string memory what) internal {
        _check(!token.paused(), string.concat(what, ": succeeded while paused"));
        _check(
            token.isRegistered(a) && !token.isFrozen(a),
            string.concat(what, ": inactive wallet involved")
        );
    }

    function _checkMoved(
        address from,
        address to,
        uint256 amount,
        uint256 fromBefore,
        uint256 toBefore,
        string memory what
    ) internal {
        _checkActive(from, what);
        _checkActive(to, what);
        if (from == to) {
            _check(token.balanceOf(from) == fromBefore, what);
        } else {
            _check(token.balanceOf(from) + amount == fromBefore, what);
            _check(token.balanceOf(to) == toBefore + amount, what);
        }
    }
}
