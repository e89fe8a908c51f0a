// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Script, console} from "forge-std/Script.sol";

import {EmTokenDeployment} from "../../script/EmTokenDeployment.sol";
import {EmToken} from "../../src/EmToken.sol";
import {IEmToken} from "../../src/interfaces/IEmToken.sol";
import {ReferenceToken} from "./ReferenceToken.sol";

/// @notice Sends every operation of the gas table as its own transaction, so that `scripts/gas` can read
/// whole-transaction gas (21,000 base + calldata + execution) from the receipts. Same state as
/// {GasTest}: the payer already has other open holds and orders. Each measured transaction is announced
/// by a `measure: <label>` log line, in order, after all the setup transactions.
contract GasTable is Script {
    struct Keys {
        uint256 admin;
        uint256 operator;
        uint256 compliance;
        uint256 notary;
        uint256 alice;
    }

    function run() external {
        string memory mnemonic =
            vm.parseTomlString(vm.readFile("../anvil/accounts.toml"), ".mnemonic");
        Keys memory k = Keys({
            admin: vm.deriveKey(mnemonic, 0),
            operator: vm.deriveKey(mnemonic, 1),
            compliance: vm.deriveKey(mnemonic, 2),
            notary: vm.deriveKey(mnemonic, 4),
            alice: vm.deriveKey(mnemonic, 6)
        });
        address alice = vm.addr(k.alice);
        address bob = vm.addr(vm.deriveKey(mnemonic, 7));
        address newHolder = vm.addr(vm.deriveKey(mnemonic, 8));
        address notary = vm.addr(k.notary);

        // ---- setup
        vm.startBroadcast(k.admin);
        IEmToken token = EmTokenDeployment.deploy(
            "EmToken Euro",
            "EURe",
            2,
            EmToken.Roles({
                admin: vm.addr(k.admin),
                operator: vm.addr(k.operator),
                compliance: vm.addr(k.compliance),
                pauser: vm.addr(k.admin),
                upgrader: vm.addr(k.operator),
                minterAdmin: vm.addr(k.admin)
            }),
            vm.addr(vm.deriveKey(mnemonic, 5))
        );
        token.setTier(1, 5_000_000, 1_000_000, 2_000_000);
        token.configureMinter(vm.addr(k.operator), type(uint96).max);
        ReferenceToken ref = new ReferenceToken(alice, 1_000_000);
        vm.stopBroadcast();
        vm.startBroadcast(k.compliance);
        token.registerWallet(alice, 1);
        token.registerWallet(bob, 1);
        token.registerWallet(newHolder, 1);
        vm.stopBroadcast();
        vm.startBroadcast(k.operator);
        token.mint(alice, 1_000_000, 0, keccak256("card-alice"));
        token.mint(bob, 1, 0, keccak256("card-bob"));
        vm.stopBroadcast();
        vm.startBroadcast(k.alice);
        ref.transfer(bob, 1);
        // alice has paid before, with both tokens: her outflow record exists (steady state).
        token.transfer(bob, 1);
        token.hold(keccak256("background"), bob, notary, 1, 0);
        token.orderTransfer(keccak256("background"), bob, 1);
        bytes32 holdFull = token.hold(keccak256("full"), bob, notary, 1000, 3600);
        bytes32 holdPartial = token.hold(keccak256("partial"), bob, notary, 1000, 3600);
        bytes32 holdKeepOpen = token.hold(keccak256("keepOpen"), bob, notary, 1000, 3600);
        bytes32 holdRelease = token.hold(keccak256("release"), bob, notary, 1000, 3600);
        bytes32 holdRenew = token.hold(keccak256("renew"), bob, notary, 1000, 3600);
        vm.stopBroadcast();

        // ---- measured, one transaction each
        vm.startBroadcast(k.alice);
        _measure("OpenZeppelin ERC20 transfer, to an existing holder");
        ref.transfer(bob, 100);
        _measure("OpenZeppelin ERC20 transfer, to a new holder");
        ref.transfer(newHolder, 100);
        _measure("transfer, to an existing holder");
        token.transfer(bob, 100);
        _measure("transfer, to a new holder");
        token.transfer(newHolder, 100);
        _measure("hold");
        token.hold(keccak256("measured"), bob, notary, 1000, 3600);
        vm.stopBroadcast();
        vm.startBroadcast(k.notary);
        _measure("executeHold, full");
        token.executeHold(holdFull, 1000);
        _measure("executeHold, partial (rest released)");
        token.executeHold(holdPartial, 400);
        _measure("executeHoldAndKeepOpen");
        token.executeHoldAndKeepOpen(holdKeepOpen, 400);
        _measure("releaseHold");
        token.releaseHold(holdRelease);
        vm.stopBroadcast();
        vm.startBroadcast(k.alice);
        _measure("renewHold (payer extends)");
        token.renewHold(holdRenew, 7200);
        _measure("orderTransfer");
        bytes32 order = token.orderTransfer(keccak256("measured"), bob, 1000);
        _measure("orderPayout");
        bytes32 payout = token.orderPayout(keccak256("measured"), 1000, keccak256("iban"));
        vm.stopBroadcast();
        vm.startBroadcast(k.operator);
        _measure("executeClearableTransfer");
        token.executeClearableTransfer(order);
        _measure("mint (card cash-in)");
        token.mint(bob, 1000, 0, keccak256("card-measured"));
        _measure("processPayout");
        token.processPayout(payout);
        _measure("executePayout (burn)");
        token.executePayout(payout);
        vm.stopBroadcast();
    }

    function _measure(string memory label) private pure {
        console.log(string.concat("measure: ", label));
    }
}
