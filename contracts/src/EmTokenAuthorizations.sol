// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EmTokenModule} from "./EmTokenModule.sol";
import {Authorizable} from "./features/Authorizable.sol";

/// @title EmTokenAuthorizations
/// @notice The signed-authorizations module of EmToken: EIP-2612 permits, EIP-3009 transfers, receives and
/// cancellations, and holds a payer signed (Authorizable), EOA or ERC-1271 signatures. The implementation
/// ({EmToken}) delegates these selectors here; the code runs on the token proxy's storage.
contract EmTokenAuthorizations is EmTokenModule, Authorizable {}
