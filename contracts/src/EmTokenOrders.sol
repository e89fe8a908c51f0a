// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EmTokenModule} from "./EmTokenModule.sol";
import {Clearable} from "./features/Clearable.sol";
import {Compliance} from "./features/Compliance.sol";
import {Fundable} from "./features/Fundable.sol";
import {Payoutable} from "./features/Payoutable.sol";
import {Supply} from "./features/Supply.sol";

/// @title EmTokenOrders
/// @notice The orders module of EmToken: two-step transfers (Clearable), fund orders and mints (Fundable),
/// payout orders (Payoutable), the compliance administration (Compliance: registration, KYC levels, tiers,
/// freeze) and supply governance (Supply: minter allowances, rescue, wipe) — everything off the payment
/// path. The implementation ({EmToken}) delegates these selectors here, so this code
/// runs on the token proxy's storage, with the caller's address and the token's roles; events come from the
/// token's address.
contract EmTokenOrders is EmTokenModule, Compliance, Clearable, Fundable, Payoutable, Supply {}
