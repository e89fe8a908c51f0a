// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

/// @title EmTokenProxy
/// @notice The token's address: an ERC-1967 proxy (OpenZeppelin's) running {EmToken}'s implementation,
/// created with the call that initialises it (`EmToken.initialize`). Balances, holds and orders live here
/// and survive upgrades.
contract EmTokenProxy is ERC1967Proxy {
    constructor(address implementation, bytes memory initialization)
        payable
        ERC1967Proxy(implementation, initialization)
    {}
}
