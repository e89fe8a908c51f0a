// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {BALANCE_READER_MAX_ACCOUNTS, EmTokenBalanceReader} from "../src/EmTokenBalanceReader.sol";
import {EmTokenTest} from "./utils/EmTokenTest.sol";

/// @notice The balance reader the indexer's reconciliation runs as an `eth_call` of its creation code. Here
/// it is created for real: what its constructor returns becomes the created contract's code, which is the
/// answer an `eth_call` gets.
contract BalanceReaderTest is EmTokenTest {
    function _read(address[] memory accounts) internal returns (uint256[] memory words) {
        bytes memory answer = address(new EmTokenBalanceReader(address(token), accounts)).code;
        assertEq(answer.length, 32 * (1 + 2 * accounts.length), "answer length");
        words = new uint256[](answer.length / 32);
        for (uint256 i = 0; i < words.length; ++i) {
            uint256 word;
            assembly ("memory-safe") {
                word := mload(add(add(answer, 0x20), mul(i, 0x20)))
            }
            words[i] = word;
        }
    }

    function test_BalanceReader_AnswersEachAccountsGrossAndHeldInOrder() public {
        _fund(alice, 500);
        _fund(bob, 70);
        vm.prank(alice);
        token.hold(_opId("reader"), bob, notary, 120, 1 days);

        address[] memory accounts = new address[](4);
        (accounts[0], accounts[1], accounts[2], accounts[3]) = (bob, stranger, alice, bob);
        uint256[] memory words = _read(accounts);

        assertEq(words[0], 4, "count");
        for (uint256 i = 0; i < accounts.length; ++i) {
            assertEq(words[1 + 2 * i], token.balanceOf(accounts[i]), "gross");
            assertEq(words[2 + 2 * i], token.balanceOnHold(accounts[i]), "held");
        }
        // The figures themselves, not only agreement with the token.
        (uint256 aliceGross, uint256 aliceHeld) = (words[5], words[6]);
        assertEq(aliceGross, 500);
        assertEq(aliceHeld, 120);
        assertEq(words[1], 70);
        assertEq(words[3], 0);
    }

    function test_BalanceReader_NoAccountsIsTheCountAlone() public {
        uint256[] memory words = _read(new address[](0));
        assertEq(words.length, 1);
        assertEq(words[0], 0);
    }

    function test_BalanceReader_MostAccountsFitInACreatedContract() public {
        uint256 most = BALANCE_READER_MAX_ACCOUNTS;
        address[] memory accounts = new address[](most);
        for (uint256 i = 0; i < most; ++i) {
            accounts[i] = address(uint160(0x1000 + i));
        }
        accounts[most - 1] = alice;
        _fund(alice, 42);
        uint256[] memory words = _read(accounts);
        assertEq(words[0], most);
        assertEq(words[2 * most - 1], 42);
        // One more would not fit: the answer is a contract's code, at most 24,576 bytes.
        assertLe(32 * (1 + 2 * most), 24_576);
        assertGt(32 * (1 + 2 * (most + 1)), 24_576);
    }

    function test_BalanceReader_RefusesMoreAccountsThanAnAnswerHolds() public {
        uint256 most = BALANCE_READER_MAX_ACCOUNTS;
        address[] memory accounts = new address[](most + 1);
        vm.expectRevert(
            abi.encodeWithSelector(EmTokenBalanceReader.TooManyAccounts.selector, most + 1)
        );
        new EmTokenBalanceReader(address(token), accounts);
    }
}
