// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";

import {Deploy} from "../script/Deploy.s.sol";

/// The deployment script's choice of role addresses: the devnet's public test accounts on a development
/// chain only; anywhere else every role must be given.
contract DeployTest is Test {
    Deploy internal script;
    address internal constant DEVNET = address(0xDE7);

    function setUp() public {
        script = new Deploy();
    }

    function test_DevChains() public view {
        assertTrue(script.isDevChain(31_337));
        assertTrue(script.isDevChain(1337));
        assertTrue(script.isDevChain(2018));
        assertFalse(script.isDevChain(1));
        assertFalse(script.isDevChain(137));
        assertFalse(script.isDevChain(0));
    }

    function test_DevChain_RoleNotGiven_IsTheDevnets() public {
        vm.chainId(31_337);
        assertEq(script.roleAddress("EMTOKEN_TEST_ROLE_NEVER_SET", DEVNET), DEVNET);
        vm.chainId(2018);
        assertEq(script.roleAddress("EMTOKEN_TEST_ROLE_NEVER_SET", DEVNET), DEVNET);
    }

    function test_RevertWhen_OtherChain_RoleNotGiven() public {
        vm.chainId(1);
        vm.expectRevert(
            abi.encodeWithSelector(
                Deploy.RoleAddressRequired.selector, "EMTOKEN_TEST_ROLE_NEVER_SET", 1
            )
        );
        script.roleAddress("EMTOKEN_TEST_ROLE_NEVER_SET", DEVNET);
    }

    function test_RevertWhen_OtherChain_ConfigWithoutRoles() public {
        vm.chainId(1);
        // Whichever role is the first not given in this environment: the script names it.
        vm.expectPartialRevert(Deploy.RoleAddressRequired.selector);
        script.config();
    }

    function test_GivenRole_IsUsedOnAnyChain() public {
        address given = address(0xB0B);
        vm.setEnv("EMTOKEN_TEST_ROLE_GIVEN", vm.toString(given));
        vm.chainId(1);
        assertEq(script.roleAddress("EMTOKEN_TEST_ROLE_GIVEN", DEVNET), given);
        vm.chainId(31_337);
        assertEq(script.roleAddress("EMTOKEN_TEST_ROLE_GIVEN", DEVNET), given);
    }
}
