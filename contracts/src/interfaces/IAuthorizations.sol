// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IAuthorizations
/// @notice Signed authorizations: a wallet signs (EIP-712) and anyone submits. EIP-2612 `permit` (an
/// allowance), EIP-3009 `transferWithAuthorization` / `receiveWithAuthorization` / `cancelAuthorization`,
/// and `holdWithAuthorization` (a hold the payer signed, submitted by a notary or the platform). Every
/// function takes the signature as `bytes`, which may be an EOA's 65-byte (r, s, v) signature or, when the
/// signer is a contract wallet, whatever its ERC-1271 `isValidSignature` accepts; the EIP-2612 and
/// EIP-3009 functions also take the standard (v, r, s) form. What a signature authorises passes every check
/// the same call from the wallet would (registration, freeze, limits, available balance, pause).
interface IAuthorizations {
    /// @notice What a payer signs to commit funds to a hold (EIP-712 type `HoldWithAuthorization`).
    /// `expiration` is absolute (0 = perpetual); the hold is the payer's own: its id is
    /// `holdIdOf(payer, operationId)`.
    struct HoldAuthorization {
        bytes32 operationId;
        address payer;
        address payee;
        address notary;
        uint256 value;
        uint256 expiration;
        uint256 validAfter;
        uint256 validBefore;
        bytes32 nonce;
    }

    // ---------------------------------------------------------------- errors

    /// @notice The permit's deadline has passed.
    error PermitExpired(uint256 deadline, uint256 timestamp);
    /// @notice The authorization is not valid before `validAfter` (exclusive).
    error AuthorizationNotYetValid(uint256 validAfter, uint256 timestamp);
    /// @notice The authorization was valid only before `validBefore` (exclusive).
    error AuthorizationExpired(uint256 validBefore, uint256 timestamp);
    /// @notice `authorizer` already used or cancelled `nonce`.
    error AuthorizationUsedOrCanceled(address authorizer, bytes32 nonce);
    /// @notice The signature is not `signer`'s (ECDSA for an account without code, ERC-1271 for a
    /// contract).
    error InvalidSignature(address signer);
    /// @notice `receiveWithAuthorization` submitted by another address than the payee.
    error CallerNotPayee(address caller, address payee);

    // ---------------------------------------------------------------- events

    /// @notice EIP-3009: `authorizer`'s `nonce` was used (a transfer, a receive or a hold).
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
    /// @notice EIP-3009: `authorizer` cancelled `nonce` before it was used.
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);

    // ---------------------------------------------------------------- functions

    /// @notice EIP-2612: sets `spender`'s allowance over `owner`'s tokens to `value`, signed by `owner`.
    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice EIP-2612 with a signature in bytes (ERC-1271 for contract wallets).
    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice EIP-3009: moves `value` from `from` to `to`, signed by `from`; anyone may submit.
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
    ) external;

    /// @notice EIP-3009 with a signature in bytes (ERC-1271 for contract wallets).
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external;

    /// @notice EIP-3009: as {transferWithAuthorization}, but only the payee `to` may submit it (no
    /// front-running of a payee's contract).
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
    ) external;

    /// @notice EIP-3009 with a signature in bytes (ERC-1271 for contract wallets).
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external;

    /// @notice EIP-3009: `authorizer` cancels an unused `nonce`.
    function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)
        external;

    /// @notice EIP-3009 with a signature in bytes (ERC-1271 for contract wallets).
    function cancelAuthorization(address authorizer, bytes32 nonce, bytes calldata signature)
        external;

    /// @notice Creates the hold `authorization` describes, signed by its payer: the payer's own hold,
    /// checked and locked as if the payer called `holdWithExpirationDate`; anyone may submit (a notary, the
    /// platform). Emits {AuthorizationUsed} and `HoldCreated` (issuer: the payer).
    function holdWithAuthorization(
        HoldAuthorization calldata authorization,
        bytes calldata signature
    ) external returns (bytes32 holdId);

    /// @notice EIP-2612: the next permit nonce of `owner`.
    function nonces(address owner) external view returns (uint256);

    /// @notice EIP-3009: whether `authorizer` used or cancelled `nonce`.
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool);

    /// @notice EIP-712 domain separator: name = the token's name, version "1", this chain, the token's
    /// (proxy's) address.
    function DOMAIN_SEPARATOR() external view returns (bytes32);

    /// @notice ERC-5267: the EIP-712 domain's fields.
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        );
}
