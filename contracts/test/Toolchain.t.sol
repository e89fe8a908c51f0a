// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Test} from "forge-std/Test.sol";

contract ToolchainToken is ERC20 {
    constructor() ERC20("Toolchain", "TC") {
        _mint(msg.sender, 1000);
    }
}

/// @notice Checks the pinned toolchain itself: the remappings resolve OpenZeppelin and forge-std, the npm
/// compiler produces working code, and that code targets `paris` (no PUSH0), which Besu networks of the
/// seeds' kind require.
contract ToolchainTest is Test {
    function test_OpenZeppelinTokenWorks() public {
        ToolchainToken token = new ToolchainToken();
        assertTrue(token.transfer(address(0xBEEF), 400));
        assertEq(token.balanceOf(address(this)), 600);
        assertEq(token.balanceOf(address(0xBEEF)), 400);
    }

    function test_BytecodeHasNoPush0() public {
        bytes memory code = address(new ToolchainToken()).code;
        assertGt(code.length, 0);
        uint256 i = 0;
        while (i < code.length) {
            uint8 op = uint8(code[i]);
            assertTrue(op != 0x5f, "PUSH0 found: evm_version must stay paris");
            // PUSH1..PUSH32 carry 1..32 bytes of immediate data.
            i += (op >= 0x60 && op <= 0x7f) ? uint256(op) - 0x5e : 1;
        }
    }
}
