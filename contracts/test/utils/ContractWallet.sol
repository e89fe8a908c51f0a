// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice A minimal ERC-1271 contract wallet for the tests: a signature is valid when its owner's key
/// signed the digest, unless the wallet has been told to refuse everything.
contract ContractWallet is IERC1271 {
    address public immutable owner;
    bool public refuseAll;

    constructor(address owner_) {
        owner = owner_;
    }

    function setRefuseAll(bool refuse) external {
        refuseAll = refuse;
    }

    function isValidSignature(bytes32 digest, bytes calldata signature)
        external
        view
        returns (bytes4)
    {
        (address signer, ECDSA.RecoverError failure,) = ECDSA.tryRecover(digest, signature);
        if (!refuseAll && failure == ECDSA.RecoverError.NoError && signer == owner) {
            return IERC1271.isValidSignature.selector;
        }
        return 0xffffffff;
    }
}
