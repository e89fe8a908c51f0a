// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EmToken} from "../../src/EmToken.sol";
import {EmTokenBase} from "../../src/EmTokenBase.sol";
import {Authorizable} from "../../src/features/Authorizable.sol";
import {Clearable} from "../../src/features/Clearable.sol";
import {Fundable} from "../../src/features/Fundable.sol";
import {HoldsBase} from "../../src/features/HoldsBase.sol";
import {Payoutable} from "../../src/features/Payoutable.sol";

/// @notice Not deployed: the storage-layout check (scripts/check-storage-layout) compiles it to read, with
/// `forge inspect`, how each ERC-7201 namespace of EmToken lays out its fields. One state variable per
/// namespace, named by the namespace's id; a new namespace is added here.
contract StorageLayout {
    EmTokenBase.TokenStorage internal emtoken_token;
    HoldsBase.HoldsStorage internal emtoken_holds;
    Clearable.ClearingStorage internal emtoken_clearing;
    Fundable.FundingStorage internal emtoken_funding;
    Payoutable.PayoutsStorage internal emtoken_payouts;
    EmToken.UpgradesStorage internal emtoken_upgrades;
    Authorizable.AuthorizationsStorage internal emtoken_authorizations;
}
