// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {IAuthorizations} from "../src/interfaces/IAuthorizations.sol";
import {ICompliance} from "../src/interfaces/ICompliance.sol";
import {IHoldable} from "../src/interfaces/IHoldable.sol";
import {ContractWallet} from "./utils/ContractWallet.sol";
import {EmTokenTest} from "./utils/EmTokenTest.sol";

/// @notice Signed authorizations: EIP-2612 permits, EIP-3009 transfers, receives and cancellations, and
/// holds a payer signed, by an EOA and by an ERC-1271 contract wallet; each checked like the call it stands
/// for, and usable once.
contract AuthorizationsTest is EmTokenTest {
    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant TRANSFER_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    bytes32 internal constant RECEIVE_TYPEHASH = keccak256(
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    bytes32 internal constant CANCEL_TYPEHASH =
        keccak256("CancelAuthorization(address authorizer,bytes32 nonce)");
    bytes32 internal constant HOLD_TYPEHASH = keccak256(
        "HoldWithAuthorization(bytes32 operationId,address payer,address payee,address notary,uint256 value,uint256 expiration,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );

    address internal signer;
    uint256 internal signerKey;
    uint256 internal strangerKey;
    ContractWallet internal wallet;
    address internal walletOwner;
    uint256 internal walletOwnerKey;
    address internal relayer = makeAddr("relayer");

    function setUp() public override {
        super.setUp();
        (signer, signerKey) = makeAddrAndKey("signer");
        (, strangerKey) = makeAddrAndKey("strangerKey");
        (walletOwner, walletOwnerKey) = makeAddrAndKey("walletOwner");
        wallet = new ContractWallet(walletOwner);
        _register(signer, 1);
        _register(address(wallet), 1);
        _fund(signer, 100_000);
        _fund(address(wallet), 100_000);
    }

    // ================================================================ signing helpers

    function _digest(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }

    function _sign(uint256 key, bytes32 structHash) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _digest(structHash));
        return abi.encodePacked(r, s, v);
    }

    function _vrs(uint256 key, bytes32 structHash) internal view returns (uint8, bytes32, bytes32) {
        return vm.sign(key, _digest(structHash));
    }

    function _transferHash(address from, address to, uint256 value, bytes32 nonce)
        internal
        view
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                TRANSFER_TYPEHASH,
                from,
                to,
                value,
                block.timestamp - 1,
                block.timestamp + 1 hours,
                nonce
            )
        );
    }

    function _sendSigned(address from, uint256 key, address to, uint256 value, bytes32 nonce)
        internal
    {
        bytes memory sig = _sign(key, _transferHash(from, to, value, nonce));
        vm.prank(relayer);
        token.transferWithAuthorization(
            from, to, value, block.timestamp - 1, block.timestamp + 1 hours, nonce, sig
        );
    }

    function _holdAuthorization(address payer, bytes32 nonce)
        internal
        view
        returns (IAuthorizations.HoldAuthorization memory)
    {
        return IAuthorizations.HoldAuthorization({
            operationId: _opId("signed hold"),
            payer: payer,
            payee: bob,
            notary: notary,
            value: 4000,
            expiration: block.timestamp + 1 days,
            validAfter: block.timestamp - 1,
            validBefore: block.timestamp + 1 hours,
            nonce: nonce
        });
    }

    function _holdHash(IAuthorizations.HoldAuthorization memory a) internal pure returns (bytes32) {
        return keccak256(abi.encode(HOLD_TYPEHASH, a));
    }

    // ================================================================ domain

    function test_domain_isTheTokensNameVersionChainAndAddress() public {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("EmToken Euro"),
                keccak256("1"),
                block.chainid,
                address(token)
            )
        );
        assertEq(token.DOMAIN_SEPARATOR(), expected);
        (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifying,
            bytes32 salt,
            uint256[] memory extensions
        ) = token.eip712Domain();
        assertEq(fields, hex"0f");
        assertEq(name, "EmToken Euro");
        assertEq(version, "1");
        assertEq(chainId, block.chainid);
        assertEq(verifying, address(token));
        assertEq(salt, bytes32(0));
        assertEq(extensions.length, 0);

        // A signature made for one chain is worthless on another (a fork's chain id).
        bytes memory sig = _sign(signerKey, _transferHash(signer, bob, 100, "n"));
        uint256 validAfter = block.timestamp - 1;
        uint256 validBefore = block.timestamp + 1 hours;
        vm.chainId(block.chainid + 1);
        assertTrue(token.DOMAIN_SEPARATOR() != expected);
        vm.expectRevert(abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, signer));
        token.transferWithAuthorization(signer, bob, 100, validAfter, validBefore, "n", sig);
    }

    // ================================================================ EIP-2612

    function test_permit_setsTheAllowanceOnce() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 h = keccak256(abi.encode(PERMIT_TYPEHASH, signer, relayer, 5000, 0, deadline));
        (uint8 v, bytes32 r, bytes32 s) = _vrs(signerKey, h);
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Approval(signer, relayer, 5000);
        token.permit(signer, relayer, 5000, deadline, v, r, s);
        assertEq(token.allowance(signer, relayer), 5000);
        assertEq(token.nonces(signer), 1);

        // The same signature again: the nonce moved on, so it is no longer the signer's.
        vm.expectRevert(abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, signer));
        token.permit(signer, relayer, 5000, deadline, v, r, s);

        // The allowance is spent under every rule of a transfer.
        vm.prank(relayer);
        token.transferFrom(signer, bob, 3000);
        assertEq(token.balanceOf(bob), 3000);
        assertEq(token.allowance(signer, relayer), 2000);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger));
        vm.prank(relayer);
        token.transferFrom(signer, stranger, 1000);
    }

    function test_RevertWhen_permit_expiredOrSignedByAnother() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 h = keccak256(abi.encode(PERMIT_TYPEHASH, signer, relayer, 5000, 0, deadline));
        bytes memory byStranger = _sign(strangerKey, h);
        vm.expectRevert(abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, signer));
        token.permit(signer, relayer, 5000, deadline, byStranger);

        bytes memory sig = _sign(signerKey, h);
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAuthorizations.PermitExpired.selector, deadline, deadline + 1)
        );
        token.permit(signer, relayer, 5000, deadline, sig);
        assertEq(token.nonces(signer), 0);
        assertEq(token.allowance(signer, relayer), 0);
    }

    function test_permit_byContractWallet() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 h =
            keccak256(abi.encode(PERMIT_TYPEHASH, address(wallet), relayer, 700, 0, deadline));
        token.permit(address(wallet), relayer, 700, deadline, _sign(walletOwnerKey, h));
        assertEq(token.allowance(address(wallet), relayer), 700);

        // Signed by a key the wallet does not accept.
        h = keccak256(abi.encode(PERMIT_TYPEHASH, address(wallet), relayer, 800, 1, deadline));
        bytes memory wrong = _sign(strangerKey, h);
        vm.expectRevert(
            abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, address(wallet))
        );
        token.permit(address(wallet), relayer, 800, deadline, wrong);
    }

    // ================================================================ EIP-3009 transfers

    function test_transferWithAuthorization_movesOnceWhoeverSubmits() public {
        bytes32 nonce = keccak256("n1");
        uint256 validAfter = block.timestamp - 1;
        uint256 validBefore = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _vrs(signerKey, _transferHash(signer, bob, 2500, nonce));

        vm.expectEmit(true, true, true, true, address(token));
        emit IAuthorizations.AuthorizationUsed(signer, nonce);
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC20.Transfer(signer, bob, 2500);
        vm.prank(relayer);
        token.transferWithAuthorization(signer, bob, 2500, validAfter, validBefore, nonce, v, r, s);
        assertEq(token.balanceOf(signer), 97_500);
        assertEq(token.balanceOf(bob), 2500);
        assertTrue(token.authorizationState(signer, nonce));

        vm.expectRevert(
            abi.encodeWithSelector(
                IAuthorizations.AuthorizationUsedOrCanceled.selector, signer, nonce
            )
        );
        vm.prank(bob);
        token.transferWithAuthorization(signer, bob, 2500, validAfter, validBefore, nonce, v, r, s);
        assertEq(token.balanceOf(bob), 2500);
    }

    function test_RevertWhen_transferWithAuthorization_outsideItsWindow() public {
        bytes32 nonce = keccak256("window");
        uint256 validAfter = block.timestamp + 10;
        uint256 validBefore = block.timestamp + 20;
        bytes memory sig = _sign(
            signerKey,
            keccak256(
                abi.encode(TRANSFER_TYPEHASH, signer, bob, 100, validAfter, validBefore, nonce)
            )
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                IAuthorizations.AuthorizationNotYetValid.selector, validAfter, block.timestamp
            )
        );
        token.transferWithAuthorization(signer, bob, 100, validAfter, validBefore, nonce, sig);
        vm.warp(validBefore);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAuthorizations.AuthorizationExpired.selector, validBefore, validBefore
            )
        );
        token.transferWithAuthorization(signer, bob, 100, validAfter, validBefore, nonce, sig);
        vm.warp(validAfter + 1);
        token.transferWithAuthorization(signer, bob, 100, validAfter, validBefore, nonce, sig);
        assertEq(token.balanceOf(bob), 100);
    }

    function test_RevertWhen_transferWithAuthorization_alteredOrWrongSigner() public {
        bytes32 nonce = keccak256("altered");
        uint256 validAfter = block.timestamp - 1;
        uint256 validBefore = block.timestamp + 1 hours;
        bytes memory sig = _sign(signerKey, _transferHash(signer, bob, 100, nonce));
        // Another amount, another payee, another payer: not what was signed.
        vm.expectRevert(abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, signer));
        token.transferWithAuthorization(signer, bob, 101, validAfter, validBefore, nonce, sig);
        vm.expectRevert(abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, signer));
        token.transferWithAuthorization(signer, carol, 100, validAfter, validBefore, nonce, sig);
        vm.expectRevert(abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, alice));
        token.transferWithAuthorization(alice, bob, 100, validAfter, validBefore, nonce, sig);
        // Malformed signatures.
        vm.expectRevert(abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, signer));
        token.transferWithAuthorization(signer, bob, 100, validAfter, validBefore, nonce, "");
        vm.expectRevert(
            abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, address(0))
        );
        token.transferWithAuthorization(address(0), bob, 100, validAfter, validBefore, nonce, sig);
        assertFalse(token.authorizationState(signer, nonce));
    }

    /// @dev A high-s twin of a valid signature is refused (ECDSA malleability).
    function test_RevertWhen_transferWithAuthorization_malleableSignature() public {
        bytes32 nonce = keccak256("malleable");
        (uint8 v, bytes32 r, bytes32 s) = _vrs(signerKey, _transferHash(signer, bob, 100, nonce));
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        bytes32 highS = bytes32(n - uint256(s));
        uint8 flipped = v == 27 ? 28 : 27;
        uint256 validAfter = block.timestamp - 1;
        uint256 validBefore = block.timestamp + 1 hours;
        vm.expectRevert(abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, signer));
        token.transferWithAuthorization(
            signer, bob, 100, validAfter, validBefore, nonce, flipped, r, highS
        );
    }

    /// @dev What the signature authorises is checked as the same transfer from the wallet would be, and
    /// a refused transfer leaves the authorization unused.
    function test_RevertWhen_transferWithAuthorization_complianceRefuses() public {
        bytes32 nonce = keccak256("compliance");
        bytes memory sig = _sign(signerKey, _transferHash(signer, stranger, 100, nonce));
        uint256 validAfter = block.timestamp - 1;
        uint256 validBefore = block.timestamp + 1 hours;
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger));
        token.transferWithAuthorization(signer, stranger, 100, validAfter, validBefore, nonce, sig);
        assertFalse(token.authorizationState(signer, nonce));

        // Above the level-1 single-transfer limit.
        _fund(signer, 1_000_000);
        sig = _sign(signerKey, _transferHash(signer, bob, L1_MAX_TRANSFER + 1, nonce));
        vm.expectRevert(
            abi.encodeWithSelector(
                ICompliance.TransferLimitExceeded.selector,
                signer,
                L1_MAX_TRANSFER + 1,
                L1_MAX_TRANSFER
            )
        );
        token.transferWithAuthorization(
            signer, bob, L1_MAX_TRANSFER + 1, validAfter, validBefore, nonce, sig
        );

        // More than is available once a hold locks part of the balance.
        vm.prank(signer);
        token.hold(_opId("lock"), bob, notary, 1_000_000, 0);
        sig = _sign(signerKey, _transferHash(signer, bob, 150_000, nonce));
        _expectInsufficient(signer, 100_000, 150_000);
        token.transferWithAuthorization(signer, bob, 150_000, validAfter, validBefore, nonce, sig);

        // Frozen payer; paused token.
        sig = _sign(signerKey, _transferHash(signer, bob, 100, nonce));
        _freeze(signer);
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletFrozen.selector, signer));
        token.transferWithAuthorization(signer, bob, 100, validAfter, validBefore, nonce, sig);
        vm.prank(compliance);
        token.unfreeze(signer);
        _pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        token.transferWithAuthorization(signer, bob, 100, validAfter, validBefore, nonce, sig);
        assertFalse(token.authorizationState(signer, nonce));
    }

    function test_transferWithAuthorization_byContractWallet() public {
        bytes32 nonce = keccak256("wallet");
        bytes32 h = _transferHash(address(wallet), bob, 900, nonce);
        uint256 validAfter = block.timestamp - 1;
        uint256 validBefore = block.timestamp + 1 hours;
        // The (v, r, s) form reaches the wallet's isValidSignature too.
        (uint8 v, bytes32 r, bytes32 s) = _vrs(walletOwnerKey, h);
        token.transferWithAuthorization(
            address(wallet), bob, 900, validAfter, validBefore, nonce, v, r, s
        );
        assertEq(token.balanceOf(bob), 900);

        bytes32 second = keccak256("wallet 2");
        bytes memory sig = _sign(walletOwnerKey, _transferHash(address(wallet), bob, 100, second));
        wallet.setRefuseAll(true);
        vm.expectRevert(
            abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, address(wallet))
        );
        token.transferWithAuthorization(
            address(wallet), bob, 100, validAfter, validBefore, second, sig
        );
        wallet.setRefuseAll(false);
        token.transferWithAuthorization(
            address(wallet), bob, 100, validAfter, validBefore, second, sig
        );
        assertEq(token.balanceOf(bob), 1000);
    }

    function test_receiveWithAuthorization_onlyByThePayee() public {
        bytes32 nonce = keccak256("receive");
        uint256 validAfter = block.timestamp - 1;
        uint256 validBefore = block.timestamp + 1 hours;
        bytes memory sig = _sign(
            signerKey,
            keccak256(
                abi.encode(RECEIVE_TYPEHASH, signer, bob, 300, validAfter, validBefore, nonce)
            )
        );
        vm.expectRevert(
            abi.encodeWithSelector(IAuthorizations.CallerNotPayee.selector, relayer, bob)
        );
        vm.prank(relayer);
        token.receiveWithAuthorization(signer, bob, 300, validAfter, validBefore, nonce, sig);
        // A receive authorization is not a transfer authorization.
        vm.expectRevert(abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, signer));
        vm.prank(relayer);
        token.transferWithAuthorization(signer, bob, 300, validAfter, validBefore, nonce, sig);

        vm.prank(bob);
        token.receiveWithAuthorization(signer, bob, 300, validAfter, validBefore, nonce, sig);
        assertEq(token.balanceOf(bob), 300);
        assertTrue(token.authorizationState(signer, nonce));
    }

    function test_cancelAuthorization_beforeUse() public {
        bytes32 nonce = keccak256("cancel");
        bytes memory transferSig = _sign(signerKey, _transferHash(signer, bob, 100, nonce));
        (uint8 v, bytes32 r, bytes32 s) =
            _vrs(signerKey, keccak256(abi.encode(CANCEL_TYPEHASH, signer, nonce)));
        vm.expectEmit(true, true, true, true, address(token));
        emit IAuthorizations.AuthorizationCanceled(signer, nonce);
        vm.prank(relayer);
        token.cancelAuthorization(signer, nonce, v, r, s);
        assertTrue(token.authorizationState(signer, nonce));

        uint256 validAfter = block.timestamp - 1;
        uint256 validBefore = block.timestamp + 1 hours;
        vm.expectRevert(
            abi.encodeWithSelector(
                IAuthorizations.AuthorizationUsedOrCanceled.selector, signer, nonce
            )
        );
        token.transferWithAuthorization(
            signer, bob, 100, validAfter, validBefore, nonce, transferSig
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                IAuthorizations.AuthorizationUsedOrCanceled.selector, signer, nonce
            )
        );
        token.cancelAuthorization(signer, nonce, v, r, s);
    }

    function test_RevertWhen_cancelAuthorization_notTheAuthorizers() public {
        bytes32 nonce = keccak256("cancel by another");
        bytes memory sig = _sign(strangerKey, keccak256(abi.encode(CANCEL_TYPEHASH, signer, nonce)));
        vm.expectRevert(abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, signer));
        token.cancelAuthorization(signer, nonce, sig);
        assertFalse(token.authorizationState(signer, nonce));
        // A contract wallet cancels with its owner's signature.
        sig = _sign(walletOwnerKey, keccak256(abi.encode(CANCEL_TYPEHASH, address(wallet), nonce)));
        token.cancelAuthorization(address(wallet), nonce, sig);
        assertTrue(token.authorizationState(address(wallet), nonce));
    }

    // ================================================================ holds a payer signed

    function test_holdWithAuthorization_submittedByTheNotary() public {
        IAuthorizations.HoldAuthorization memory a = _holdAuthorization(signer, "h1");
        bytes memory sig = _sign(signerKey, _holdHash(a));
        bytes32 expectedId = token.holdIdOf(signer, a.operationId);

        vm.expectEmit(true, true, true, true, address(token));
        emit IAuthorizations.AuthorizationUsed(signer, "h1");
        vm.expectEmit(true, true, true, true, address(token));
        emit IHoldable.HoldCreated(
            expectedId,
            signer,
            bob,
            signer,
            notary,
            a.operationId,
            4000,
            a.expiration,
            IHoldable.HoldStatus.Ordered
        );
        vm.prank(notary);
        bytes32 holdId = token.holdWithAuthorization(a, sig);
        assertEq(holdId, expectedId);
        _assertBalances(signer, 100_000, 4000);
        IHoldable.HoldData memory h = token.retrieveHoldData(holdId);
        assertEq(h.issuer, signer);
        assertEq(h.payer, signer);
        assertEq(h.notary, notary);
        assertEq(h.expiration, a.expiration);

        vm.expectRevert(
            abi.encodeWithSelector(
                IAuthorizations.AuthorizationUsedOrCanceled.selector, signer, bytes32("h1")
            )
        );
        vm.prank(notary);
        token.holdWithAuthorization(a, sig);

        vm.prank(notary);
        token.executeHold(holdId, 4000);
        assertEq(token.balanceOf(bob), 4000);
        _assertBalances(signer, 96_000, 0);
    }

    function test_RevertWhen_holdWithAuthorization_alteredOrRefused() public {
        IAuthorizations.HoldAuthorization memory a = _holdAuthorization(signer, "h2");
        bytes memory sig = _sign(signerKey, _holdHash(a));
        // The submitter cannot change the notary, the payee or the amount.
        IAuthorizations.HoldAuthorization memory altered = a;
        altered.notary = relayer;
        vm.expectRevert(abi.encodeWithSelector(IAuthorizations.InvalidSignature.selector, signer));
        token.holdWithAuthorization(altered, sig);

        // The hold is checked as the payer's own: the payee must be registered.
        a.payee = stranger;
        sig = _sign(signerKey, _holdHash(a));
        vm.expectRevert(abi.encodeWithSelector(ICompliance.WalletNotRegistered.selector, stranger));
        token.holdWithAuthorization(a, sig);
        assertFalse(token.authorizationState(signer, "h2"));

        // Not more than is available.
        a.payee = bob;
        a.value = 100_001;
        sig = _sign(signerKey, _holdHash(a));
        _expectInsufficient(signer, 100_000, 100_001);
        token.holdWithAuthorization(a, sig);

        // An expiration already past.
        a.value = 1;
        a.expiration = block.timestamp;
        sig = _sign(signerKey, _holdHash(a));
        vm.expectRevert(
            abi.encodeWithSelector(
                IHoldable.ExpirationNotInFuture.selector, block.timestamp, block.timestamp
            )
        );
        token.holdWithAuthorization(a, sig);
        assertFalse(token.authorizationState(signer, "h2"));
    }

    function test_holdWithAuthorization_byContractWallet() public {
        IAuthorizations.HoldAuthorization memory a = _holdAuthorization(address(wallet), "w1");
        bytes32 holdId = token.holdWithAuthorization(a, _sign(walletOwnerKey, _holdHash(a)));
        assertEq(token.balanceOnHold(address(wallet)), 4000);
        assertEq(token.retrieveHoldData(holdId).issuer, address(wallet));
    }

    // ================================================================ once, whatever the values

    /// @dev Any signed transfer the wallet can pay goes through once, and its nonce is then spent for
    /// every other use (another transfer, a receive, a hold, a cancellation).
    function testFuzz_authorization_usableOnce(uint256 value, bytes32 nonce) public {
        value = bound(value, 1, 100_000);
        _sendSigned(signer, signerKey, bob, value, nonce);
        assertEq(token.balanceOf(bob), value);

        bytes memory again = _sign(signerKey, _transferHash(signer, bob, 1, nonce));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAuthorizations.AuthorizationUsedOrCanceled.selector, signer, nonce
            )
        );
        token.transferWithAuthorization(
            signer, bob, 1, block.timestamp - 1, block.timestamp + 1 hours, nonce, again
        );
        IAuthorizations.HoldAuthorization memory a = _holdAuthorization(signer, nonce);
        a.value = 1;
        bytes memory holdSig = _sign(signerKey, _holdHash(a));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAuthorizations.AuthorizationUsedOrCanceled.selector, signer, nonce
            )
        );
        token.holdWithAuthorization(a, holdSig);
        assertEq(token.balanceOf(bob), value);
    }
}
