// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A plain OpenZeppelin ERC-20, the yardstick EmToken's transfer cost is measured against.
contract ReferenceToken is ERC20 {
    constructor(address holder, uint256 supply) ERC20("Reference", "REF") {
        _mint(holder, supply);
    }
}
