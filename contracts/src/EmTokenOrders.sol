// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EmTokenBase} from "./EmTokenBase.sol";
import {Clearable} from "./features/Clearable.sol";
import {Fundable} from "./features/Fundable.sol";
import {Payoutable} from "./features/Payoutable.sol";

/// @title EmTokenOrders
/// @notice The orders module of EmToken: two-step transfers (Clearable), fund orders and mints (Fundable),
/// payout orders (Payoutable). The implementation ({EmToken}) delegates every selector it does not run
/// itself here, so this code runs on the token proxy's storage, with the caller's address and the token's
/// roles; events come from the token's address.
/// @dev Never used directly: its own storage is paused at deployment and holds no role, so a direct call
/// can move nothing and register nothing.
contract EmTokenOrders is Clearable, Fundable, Payoutable {
    constructor() {
        _token().globals.paused = true;
    }
}
