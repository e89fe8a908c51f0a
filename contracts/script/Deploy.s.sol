// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Script} from "forge-std/Script.sol";

import {EmToken} from "../src/EmToken.sol";
import {IEmToken} from "../src/interfaces/IEmToken.sol";
import {IEmTokenUpgrades as EmTokenUpgradesErrors} from "../src/interfaces/IEmTokenUpgrades.sol";
import {EmTokenDeployment} from "./EmTokenDeployment.sol";

/// @notice Deploys EmToken (orders module, implementation, and the ERC-1967 proxy that is the token's
/// address, initialised as it is created) and records where.
///
///   forge script script/Deploy.s.sol --rpc-url $URL --private-key $KEY --broadcast   # deploy
///   forge script script/Deploy.s.sol --rpc-url $URL --sig 'record()'                  # then record it
///
/// `run()` deploys with the broadcaster as temporary admin, sets the KYC tiers, grants the roles, and (when
/// the admin is another address) hands the admin role over and renounces it. `record()` reads forge's
/// broadcast log of that run (transactions and receipts), and writes `deployments/<chainId>.json` (the
/// proxy's address — the token's —, its deployment block and transaction hash, the implementation and
/// both modules). `scripts/devnet up` runs both.
///
/// Settings (environment; on a development chain — ids 31337, 1337 and 2018 — the role addresses default to
/// the devnet roles of ../anvil/accounts.toml, whose keys are public; on any other chain every role address
/// must be given, or `run()` refuses with `RoleAddressRequired`):
///   EMTOKEN_NAME ("EmToken Euro"), EMTOKEN_SYMBOL ("EURe"), EMTOKEN_DECIMALS (2),
///   EMTOKEN_ADMIN, EMTOKEN_OPERATOR, EMTOKEN_COMPLIANCE, EMTOKEN_PAUSER, EMTOKEN_UPGRADER,
///   EMTOKEN_MINTER_ADMIN, EMTOKEN_SUSPENSE
///   (addresses; the upgrader executes the upgrades the admin proposes, so it must be another key than the
///   admin's and the deployer's), EMTOKEN_MINTER_ALLOWANCE (whole tokens the operator may mint at first;
///   on a development chain, the supply cap when not given),
///   EMTOKEN_TIER_LEVELS ("0,1,2") and, in whole tokens per level, EMTOKEN_TIER_MAX_BALANCE
///   ("250,10000,0"), EMTOKEN_TIER_MAX_TRANSFER ("250,5000,0"), EMTOKEN_TIER_MAX_OUTFLOW ("500,15000,0")
///   (0 = unlimited); EMTOKEN_DEPLOYMENTS_DIR ("deployments", relative to contracts/; foundry.toml lets
///   scripts write below ./deployments only).
contract Deploy is Script {
    struct Config {
        string name;
        string symbol;
        uint8 decimals;
        EmToken.Roles roles;
        address suspense;
        uint256 minterAllowance;
        uint256[] levels;
        uint256[] maxBalance;
        uint256[] maxTransfer;
        uint256[] maxOutflow;
    }

    error TierListsDiffer(
        uint256 levels, uint256 maxBalance, uint256 maxTransfer, uint256 maxOutflow
    );
    error DecimalsTooLarge(uint256 decimals);
    error DeploymentNotFound(string broadcastLog);
    /// @notice Off a development chain, role `env` was not given: the devnet's address would be one whose
    /// key the public test mnemonic gives away.
    error RoleAddressRequired(string env, uint256 chainId);

    string internal constant BROADCAST_DIR = "broadcast/Deploy.s.sol/";

    /// @notice Deploys and configures EmToken from the environment.
    function run() external returns (IEmToken token) {
        Config memory c = config();
        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();
        EmToken.Roles memory initial = c.roles;
        initial.admin = deployer;
        initial.minterAdmin = deployer;
        token = EmTokenDeployment.deploy(c.name, c.symbol, c.decimals, initial, c.suspense);
        uint256 unit = 10 ** c.decimals;
        token.configureMinter(c.roles.operator, c.minterAllowance);
        for (uint256 i = 0; i < c.levels.length; i++) {
            token.setTier(
                uint8(c.levels[i]),
                c.maxBalance[i] * unit,
                c.maxTransfer[i] * unit,
                c.maxOutflow[i] * unit
            );
        }
        if (c.roles.minterAdmin != deployer) {
            token.grantRole(token.MINTER_ADMIN_ROLE(), c.roles.minterAdmin);
            token.renounceRole(token.MINTER_ADMIN_ROLE(), deployer);
        }
        if (c.roles.admin != deployer) {
            token.grantRole(token.DEFAULT_ADMIN_ROLE(), c.roles.admin);
            token.renounceRole(token.DEFAULT_ADMIN_ROLE(), deployer);
        }
        vm.stopBroadcast();
    }

    /// @notice Writes deployments/<chainId>.json from the last broadcast of {run} on this chain.
    function record() external {
        string memory log =
            string.concat(BROADCAST_DIR, vm.toString(block.chainid), "/run-latest.json");
        string memory json = vm.readFile(log);
        (address proxy, bytes32 txHash) = _created(json, "EmTokenProxy");
        (address implementation,) = _created(json, "EmToken");
        (address orders,) = _created(json, "EmTokenOrders");
        (address authorizations,) = _created(json, "EmTokenAuthorizations");
        _write(proxy, _receiptBlock(json, txHash), txHash, implementation, orders, authorizations);
    }

    /// @dev The address the broadcast log's CREATE of `contractName` gave, and its transaction (forge
    /// also sets `contractAddress` on later calls to the contract: only the CREATE counts).
    function _created(string memory json, string memory contractName)
        private
        pure
        returns (address, bytes32)
    {
        uint256 count = abi.decode(vm.parseJson(json, ".transactions"), (bytes[])).length;
        for (uint256 i = 0; i < count; i++) {
            string memory item = string.concat(".transactions[", vm.toString(i), "]");
            if (
                keccak256(bytes(vm.parseJsonString(json, string.concat(item, ".transactionType"))))
                        == keccak256("CREATE")
                    && keccak256(
                            bytes(vm.parseJsonString(json, string.concat(item, ".contractName")))
                        ) == keccak256(bytes(contractName))
            ) {
                return (
                    vm.parseJsonAddress(json, string.concat(item, ".contractAddress")),
                    vm.parseJsonBytes32(json, string.concat(item, ".hash"))
                );
            }
        }
        revert DeploymentNotFound(contractName);
    }

    /// @notice The deployment settings: environment variables, else the devnet defaults.
    function config() public view returns (Config memory c) {
        string memory accounts = vm.readFile("../anvil/accounts.toml");
        string memory mnemonic = vm.parseTomlString(accounts, ".mnemonic");
        c.name = vm.envOr("EMTOKEN_NAME", string("EmToken Euro"));
        c.symbol = vm.envOr("EMTOKEN_SYMBOL", string("EURe"));
        uint256 decimals = vm.envOr("EMTOKEN_DECIMALS", uint256(2));
        if (decimals > 18) revert DecimalsTooLarge(decimals);
        c.decimals = uint8(decimals);
        c.roles = EmToken.Roles({
            admin: _role("EMTOKEN_ADMIN", accounts, mnemonic, "admin"),
            operator: _role("EMTOKEN_OPERATOR", accounts, mnemonic, "operator"),
            compliance: _role("EMTOKEN_COMPLIANCE", accounts, mnemonic, "compliance"),
            pauser: _role("EMTOKEN_PAUSER", accounts, mnemonic, "pauser"),
            upgrader: _role("EMTOKEN_UPGRADER", accounts, mnemonic, "upgrader"),
            minterAdmin: _role("EMTOKEN_MINTER_ADMIN", accounts, mnemonic, "minter_admin")
        });
        c.minterAllowance = minterAllowance(c.decimals);
        // The token refuses it at initialisation only for the deployer, the temporary admin.
        if (c.roles.upgrader == c.roles.admin) {
            revert EmTokenUpgradesErrors.RolesMustDiffer("admin", "upgrader");
        }
        c.suspense = _role("EMTOKEN_SUSPENSE", accounts, mnemonic, "suspense");
        c.levels = vm.envOr("EMTOKEN_TIER_LEVELS", ",", _list(0, 1, 2));
        c.maxBalance = vm.envOr("EMTOKEN_TIER_MAX_BALANCE", ",", _list(250, 10_000, 0));
        c.maxTransfer = vm.envOr("EMTOKEN_TIER_MAX_TRANSFER", ",", _list(250, 5000, 0));
        c.maxOutflow = vm.envOr("EMTOKEN_TIER_MAX_OUTFLOW", ",", _list(500, 15_000, 0));
        uint256 n = c.levels.length;
        if (c.maxBalance.length != n || c.maxTransfer.length != n || c.maxOutflow.length != n) {
            revert TierListsDiffer(
                n, c.maxBalance.length, c.maxTransfer.length, c.maxOutflow.length
            );
        }
    }

    /// @notice What the operator may mint at first, in base units: EMTOKEN_MINTER_ALLOWANCE whole tokens;
    /// on a development chain without it, the whole supply cap; anywhere else it must be given.
    function minterAllowance(uint8 decimals) public view returns (uint256) {
        if (vm.envExists("EMTOKEN_MINTER_ALLOWANCE")) {
            return vm.envUint("EMTOKEN_MINTER_ALLOWANCE") * 10 ** decimals;
        }
        if (!isDevChain(block.chainid)) {
            revert RoleAddressRequired("EMTOKEN_MINTER_ALLOWANCE", block.chainid);
        }
        return type(uint96).max;
    }

    /// @notice Whether `chainId` is a development chain (anvil's 31337, 1337, Besu's dev network 2018),
    /// where the devnet's public test accounts may hold the roles.
    function isDevChain(uint256 chainId) public pure returns (bool) {
        return chainId == 31_337 || chainId == 1337 || chainId == 2018;
    }

    /// @notice The address environment variable `env` gives; else, on a development chain only, `devnet`.
    function roleAddress(string memory env, address devnet) public view returns (address) {
        if (vm.envExists(env)) return vm.envAddress(env);
        if (!isDevChain(block.chainid)) revert RoleAddressRequired(env, block.chainid);
        return devnet;
    }

    function _role(
        string memory env,
        string memory accounts,
        string memory mnemonic,
        string memory role
    ) private view returns (address) {
        uint256 index = vm.parseTomlUint(accounts, string.concat(".roles.", role));
        return roleAddress(env, vm.addr(vm.deriveKey(mnemonic, uint32(index))));
    }

    /// @dev The block of the receipt of `txHash` in a broadcast log.
    function _receiptBlock(string memory json, bytes32 txHash) private pure returns (uint256) {
        uint256 count = abi.decode(vm.parseJson(json, ".receipts"), (bytes[])).length;
        for (uint256 i = 0; i < count; i++) {
            string memory item = string.concat(".receipts[", vm.toString(i), "]");
            if (vm.parseJsonBytes32(json, string.concat(item, ".transactionHash")) == txHash) {
                return vm.parseJsonUint(json, string.concat(item, ".blockNumber"));
            }
        }
        revert DeploymentNotFound(vm.toString(txHash));
    }

    function _write(
        address token,
        uint256 blockNumber,
        bytes32 txHash,
        address implementation,
        address ordersModule,
        address authorizationsModule
    ) private {
        string memory key = "deployment";
        vm.serializeUint(key, "chainId", block.chainid);
        vm.serializeAddress(key, "address", token);
        vm.serializeAddress(key, "implementation", implementation);
        vm.serializeAddress(key, "ordersModule", ordersModule);
        vm.serializeAddress(key, "authorizationsModule", authorizationsModule);
        vm.serializeUint(key, "deploymentBlock", blockNumber);
        string memory json = vm.serializeBytes32(key, "transactionHash", txHash);
        string memory dir = vm.envOr("EMTOKEN_DEPLOYMENTS_DIR", string("deployments"));
        vm.createDir(dir, true);
        vm.writeJson(json, string.concat(dir, "/", vm.toString(block.chainid), ".json"));
    }

    function _list(uint256 a, uint256 b, uint256 c) private pure returns (uint256[] memory list) {
        list = new uint256[](3);
        (list[0], list[1], list[2]) = (a, b, c);
    }
}
