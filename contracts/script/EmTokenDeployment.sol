// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EmToken} from "../src/EmToken.sol";
import {EmTokenAuthorizations} from "../src/EmTokenAuthorizations.sol";
import {EmTokenOrders} from "../src/EmTokenOrders.sol";
import {EmTokenProxy} from "../src/EmTokenProxy.sol";
import {IEmToken} from "../src/interfaces/IEmToken.sol";

/// @notice How an EmToken comes to be: its orders and authorizations modules, the implementation
/// delegating to them, and the
/// proxy initialised in the same transaction as its creation (nobody can initialise it first). Shared by
/// Deploy.s.sol and the tests.
library EmTokenDeployment {
    /// @notice Deploys an implementation and its modules, for a new token or an upgrade.
    function implementation() internal returns (EmToken) {
        return new EmToken(address(new EmTokenOrders()), address(new EmTokenAuthorizations()));
    }

    /// @notice Deploys a new token behind its proxy; the proxy's address is the token's.
    function deploy(
        string memory name,
        string memory symbol,
        uint8 decimals,
        EmToken.Roles memory roles,
        address suspense
    ) internal returns (IEmToken) {
        EmToken impl = implementation();
        bytes memory init =
            abi.encodeCall(EmToken.initialize, (name, symbol, decimals, roles, suspense));
        return IEmToken(address(new EmTokenProxy(address(impl), init)));
    }
}
