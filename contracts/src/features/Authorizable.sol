// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IAuthorizations} from "../interfaces/IAuthorizations.sol";
import {HoldsBase} from "./HoldsBase.sol";

/// @title Authorizable
/// @notice Signed authorizations (EIP-2612, EIP-3009, and holds a payer signs), checked like the calls they
/// stand for.
/// @dev Choices where the EIPs are silent:
///  - the EIP-712 domain is computed from the token's name, version "1", the chain and the token's
///    address on every call (nothing to initialise, and a fork's chain id is never stale);
///  - a signer without code signs with ECDSA (OpenZeppelin's `tryRecover`: 65 bytes, low s only); a signer
///    with code (a contract wallet) is asked with ERC-1271 `isValidSignature` (as FiatToken v2.2 does;
///    OpenZeppelin's SignatureChecker needs the Cancun `mcopy`, which these networks lack); the (v, r, s)
///    forms pack their parts into the same check;
///  - `permit`, like `approve`, works while the token is paused and for frozen wallets (an allowance moves
///    nothing; the transfer it allows is checked); the moves an authorization makes stop while paused;
///  - `cancelAuthorization` works while paused: it only takes a power away;
///  - EIP-3009 nonces and hold-authorization nonces share one space per authorizer.
abstract contract Authorizable is HoldsBase, IAuthorizations {
    /// @notice EIP-712 type of {permit}.
    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );
    /// @notice EIP-712 type of {transferWithAuthorization}.
    bytes32 internal constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    /// @notice EIP-712 type of {receiveWithAuthorization}.
    bytes32 internal constant RECEIVE_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    /// @notice EIP-712 type of {cancelAuthorization}.
    bytes32 internal constant CANCEL_AUTHORIZATION_TYPEHASH =
        keccak256("CancelAuthorization(address authorizer,bytes32 nonce)");
    /// @notice EIP-712 type of {holdWithAuthorization}.
    bytes32 internal constant HOLD_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "HoldWithAuthorization(bytes32 operationId,address payer,address payee,address notary,uint256 value,uint256 expiration,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );

    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 private constant VERSION_HASH = keccak256("1");

    /// @custom:storage-location erc7201:emtoken.authorizations
    struct AuthorizationsStorage {
        mapping(address owner => uint256) nonces;
        mapping(address authorizer => mapping(bytes32 nonce => bool)) used;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("emtoken.authorizations")) - 1)) &
    /// ~bytes32(uint256(0xff))
    bytes32 private constant AUTHORIZATIONS_STORAGE =
        0x25292b9d4a5af119c272a2286fb2a65815a3059c5f0904c1bb1bda09faaf8400;

    // ------------------------------------------------------------ EIP-2612

    /// @inheritdoc IAuthorizations
    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        _permit(owner, spender, value, deadline, abi.encodePacked(r, s, v));
    }

    /// @inheritdoc IAuthorizations
    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _permit(owner, spender, value, deadline, signature);
    }

    /// @inheritdoc IAuthorizations
    function nonces(address owner) external view returns (uint256) {
        return _authorizations().nonces[owner];
    }

    // ------------------------------------------------------------ EIP-3009

    /// @inheritdoc IAuthorizations
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        _transferWithAuthorization(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH,
            from,
            to,
            value,
            validAfter,
            validBefore,
            nonce,
            abi.encodePacked(r, s, v)
        );
    }

    /// @inheritdoc IAuthorizations
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external {
        _transferWithAuthorization(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH,
            from,
            to,
            value,
            validAfter,
            validBefore,
            nonce,
            signature
        );
    }

    /// @inheritdoc IAuthorizations
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        if (msg.sender != to) revert CallerNotPayee(msg.sender, to);
        _transferWithAuthorization(
            RECEIVE_WITH_AUTHORIZATION_TYPEHASH,
            from,
            to,
            value,
            validAfter,
            validBefore,
            nonce,
            abi.encodePacked(r, s, v)
        );
    }

    /// @inheritdoc IAuthorizations
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external {
        if (msg.sender != to) revert CallerNotPayee(msg.sender, to);
        _transferWithAuthorization(
            RECEIVE_WITH_AUTHORIZATION_TYPEHASH,
            from,
            to,
            value,
            validAfter,
            validBefore,
            nonce,
            signature
        );
    }

    /// @inheritdoc IAuthorizations
    function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)
        external
    {
        _cancelAuthorization(authorizer, nonce, abi.encodePacked(r, s, v));
    }

    /// @inheritdoc IAuthorizations
    function cancelAuthorization(address authorizer, bytes32 nonce, bytes calldata signature)
        external
    {
        _cancelAuthorization(authorizer, nonce, signature);
    }

    /// @inheritdoc IAuthorizations
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
        return _authorizations().used[authorizer][nonce];
    }

    // ------------------------------------------------------------ holds

    /// @inheritdoc IAuthorizations
    function holdWithAuthorization(HoldAuthorization calldata a, bytes calldata signature)
        external
        returns (bytes32 holdId)
    {
        bytes32 structHash = keccak256(abi.encode(HOLD_WITH_AUTHORIZATION_TYPEHASH, a));
        _useAuthorization(a.payer, a.validAfter, a.validBefore, a.nonce, structHash, signature);
        holdId = _createHold(
            a.payer, a.operationId, a.payer, a.payee, a.notary, a.value, _expirationAt(a.expiration)
        );
    }

    // ------------------------------------------------------------ EIP-712

    /// @inheritdoc IAuthorizations
    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        return keccak256(
            abi.encode(
                DOMAIN_TYPEHASH,
                keccak256(bytes(_token().name)),
                VERSION_HASH,
                block.chainid,
                address(this)
            )
        );
    }

    /// @inheritdoc IAuthorizations
    function eip712Domain()
        external
        view
        returns (bytes1, string memory, string memory, uint256, address, bytes32, uint256[] memory)
    {
        return
            (
                hex"0f",
                _token().name,
                "1",
                block.chainid,
                address(this),
                bytes32(0),
                new uint256[](0)
            );
    }

    // ------------------------------------------------------------ internal

    function _permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        bytes memory signature
    ) private {
        if (block.timestamp > deadline) {
            revert PermitExpired(deadline, block.timestamp);
        }
        uint256 nonce = _authorizations().nonces[owner]++;
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonce, deadline));
        _requireSignature(owner, structHash, signature);
        _approve(owner, spender, value);
    }

    function _transferWithAuthorization(
        bytes32 typeHash,
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) private {
        bytes32 structHash = keccak256(
            abi.encode(typeHash, from, to, value, validAfter, validBefore, nonce)
        );
        _useAuthorization(from, validAfter, validBefore, nonce, structHash, signature);
        _transfer(from, to, value);
    }

    function _cancelAuthorization(address authorizer, bytes32 nonce, bytes memory signature)
        private
    {
        mapping(bytes32 => bool) storage used = _authorizations().used[authorizer];
        if (used[nonce]) revert AuthorizationUsedOrCanceled(authorizer, nonce);
        bytes32 structHash = keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce));
        _requireSignature(authorizer, structHash, signature);
        used[nonce] = true;
        emit AuthorizationCanceled(authorizer, nonce);
    }

    /// @dev Checks the validity window and the signature of `authorizer`'s authorization, and uses its
    /// nonce (once, ever).
    function _useAuthorization(
        address authorizer,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes32 structHash,
        bytes memory signature
    ) private {
        if (block.timestamp <= validAfter) {
            revert AuthorizationNotYetValid(validAfter, block.timestamp);
        }
        if (block.timestamp >= validBefore) {
            revert AuthorizationExpired(validBefore, block.timestamp);
        }
        mapping(bytes32 => bool) storage used = _authorizations().used[authorizer];
        if (used[nonce]) revert AuthorizationUsedOrCanceled(authorizer, nonce);
        _requireSignature(authorizer, structHash, signature);
        used[nonce] = true;
        emit AuthorizationUsed(authorizer, nonce);
    }

    /// @dev Reverts unless `signature` is `signer`'s over the EIP-712 digest of `structHash`.
    function _requireSignature(address signer, bytes32 structHash, bytes memory signature)
        private
        view
    {
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", DOMAIN_SEPARATOR(), structHash));
        if (!_isValidSignature(signer, digest, signature)) revert InvalidSignature(signer);
    }

    /// @dev ECDSA for an account without code, ERC-1271 for a contract.
    function _isValidSignature(address signer, bytes32 digest, bytes memory signature)
        private
        view
        returns (bool)
    {
        if (signer == address(0)) return false;
        if (signer.code.length == 0) {
            (address recovered, ECDSA.RecoverError failure,) = ECDSA.tryRecover(digest, signature);
            return failure == ECDSA.RecoverError.NoError && recovered == signer;
        }
        (bool ok, bytes memory answer) =
            signer.staticcall(abi.encodeCall(IERC1271.isValidSignature, (digest, signature)));
        return ok && answer.length >= 32
            && abi.decode(answer, (bytes32)) == bytes32(IERC1271.isValidSignature.selector);
    }

    function _authorizations() private pure returns (AuthorizationsStorage storage $) {
        assembly ("memory-safe") {
            $.slot := AUTHORIZATIONS_STORAGE
        }
    }
}
