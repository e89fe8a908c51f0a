// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IEmTokenCore} from "./interfaces/IEmTokenCore.sol";

/// @dev The most accounts one balance reader call reads: (24,576 - 32) / 64, as its answer is a created
/// contract's code (EIP-170).
uint256 constant BALANCE_READER_MAX_ACCOUNTS = 383;

/// @title EmTokenBalanceReader
/// @notice Reads `balanceOf` and `balanceOnHold` of many accounts in one `eth_call`. It is never deployed:
/// the indexer's reconciliation sends its creation code, with the token and the accounts as constructor
/// arguments, as an `eth_call` without a recipient at the block it compares. The node runs the constructor
/// on that block's state and answers with what the constructor returns, which would have been the new
/// contract's code.
/// @dev The answer is one 32-byte word holding the number of accounts, then, per account in the order
/// given, its gross balance and its balance on hold (32 bytes each). The leading count keeps the answer's
/// first byte 0 (a creation whose code starts with 0xEF fails, EIP-3541). A created contract's code is at
/// most 24,576 bytes (EIP-170), so one call reads at most {BALANCE_READER_MAX_ACCOUNTS} accounts.
contract EmTokenBalanceReader {
    /// @notice More accounts than one answer can hold.
    error TooManyAccounts(uint256 count);

    /// @param token The EmToken contract to read.
    /// @param accounts The accounts whose balances are read.
    constructor(address token, address[] memory accounts) {
        uint256 count = accounts.length;
        if (count > BALANCE_READER_MAX_ACCOUNTS) revert TooManyAccounts(count);
        uint256[] memory words = new uint256[](1 + 2 * count);
        words[0] = count;
        for (uint256 i = 0; i < count; ++i) {
            words[1 + 2 * i] = IERC20(token).balanceOf(accounts[i]);
            words[2 + 2 * i] = IEmTokenCore(token).balanceOnHold(accounts[i]);
        }
        assembly ("memory-safe") {
            // The array's elements, without its length word.
            return(add(words, 0x20), mul(mload(words), 0x20))
        }
    }
}
