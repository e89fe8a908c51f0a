// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1967} from "@openzeppelin/contracts/interfaces/IERC1967.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {IAuthorizations} from "./IAuthorizations.sol";
import {IClearable} from "./IClearable.sol";
import {ICompliance} from "./ICompliance.sol";
import {IEmTokenCore} from "./IEmTokenCore.sol";
import {IEmTokenUpgrades} from "./IEmTokenUpgrades.sol";
import {IFees} from "./IFees.sol";
import {IFundable} from "./IFundable.sol";
import {IHoldable} from "./IHoldable.sol";
import {IPayoutable} from "./IPayoutable.sol";
import {ISupply} from "./ISupply.sol";

/// @title IEmToken
/// @notice Everything the token's address answers: the implementation's functions and its orders
/// module's, behind one ERC-1967 proxy. Integrators and tests talk to the proxy through this interface.
interface IEmToken is
    IERC20Metadata,
    IERC20Errors,
    IERC165,
    IERC1967,
    IAccessControl,
    IEmTokenCore,
    ICompliance,
    IHoldable,
    IClearable,
    IFundable,
    IPayoutable,
    IAuthorizations,
    ISupply,
    IFees,
    IEmTokenUpgrades
{
    /// @notice A balance-moving function was called while the token is paused (OpenZeppelin Pausable).
    error EnforcedPause();
    /// @notice `unpause` was called while the token is not paused (OpenZeppelin Pausable).
    error ExpectedPause();

    /// @notice The pauser `account` paused the token.
    event Paused(address account);
    /// @notice The pauser `account` unpaused the token.
    event Unpaused(address account);

    function DEFAULT_ADMIN_ROLE() external view returns (bytes32);
    function OPERATOR_ROLE() external view returns (bytes32);
    function COMPLIANCE_ROLE() external view returns (bytes32);
    function PAUSER_ROLE() external view returns (bytes32);
    function UPGRADER_ROLE() external view returns (bytes32);
    function MINTER_ADMIN_ROLE() external view returns (bytes32);
    function RESCUER_ROLE() external view returns (bytes32);
    function WIPER_ROLE() external view returns (bytes32);
    function MAX_SUPPLY() external view returns (uint256);
    function MAX_TIER_LIMIT() external view returns (uint256);
    function OUTFLOW_PERIOD() external view returns (uint256);

    /// @notice Whether the token is paused.
    function paused() external view returns (bool);

    /// @notice UUPS: the upgrader role moves the proxy to the implementation the admin proposed, and calls
    /// it with `data` (empty for none). See {IEmTokenUpgrades}.
    function upgradeToAndCall(address newImplementation, bytes calldata data) external payable;

    /// @notice ERC-1822: the storage slot of the implementation address (ERC-1967).
    function proxiableUUID() external view returns (bytes32);
}
