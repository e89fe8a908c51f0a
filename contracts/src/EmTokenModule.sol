// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EmTokenBase} from "./EmTokenBase.sol";

/// @title EmTokenModule
/// @notice What every module the implementation delegates to shares: it is never used directly. Its own
/// storage is paused at deployment and holds no role, so a direct call moves, locks and registers nothing.
abstract contract EmTokenModule is EmTokenBase {
    constructor() {
        _token().globals.paused = true;
    }
}
