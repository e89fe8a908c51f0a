// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {EmTokenBase} from "./EmTokenBase.sol";
import {Clearable} from "./features/Clearable.sol";
import {Compliance} from "./features/Compliance.sol";
import {Fundable} from "./features/Fundable.sol";
import {Holdable} from "./features/Holdable.sol";
import {Payoutable} from "./features/Payoutable.sol";
import {IClearable} from "./interfaces/IClearable.sol";
import {ICompliance} from "./interfaces/ICompliance.sol";
import {IEmTokenCore} from "./interfaces/IEmTokenCore.sol";
import {IFundable} from "./interfaces/IFundable.sol";
import {IHoldable} from "./interfaces/IHoldable.sol";
import {IPayoutable} from "./interfaces/IPayoutable.sol";

/// @title EmToken
/// @notice Electronic money as an ERC-20: on-chain KYC limits, holds, two-step transfers, cash-in and
/// cash-out orders, for a licensed e-money institution (the operator role). See contracts/README.md.
/// @dev Composition only: every feature lives in its own file under features/, every rule on token
/// movements in {EmTokenBase-_update}.
contract EmToken is Compliance, Holdable, Clearable, Fundable, Payoutable {
    /// @notice Who holds each role at deployment.
    struct Roles {
        address admin;
        address operator;
        address compliance;
        address pauser;
    }

    /// @notice Deploys the token with `decimals_` decimals (2 for euro cents), grants the roles and sets the
    /// suspense account of payouts.
    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        Roles memory roles,
        address suspense
    ) EmTokenBase(name_, symbol_, decimals_, roles.admin, suspense) {
        if (roles.operator == address(0)) revert ZeroAddress("operator");
        if (roles.compliance == address(0)) revert ZeroAddress("compliance");
        if (roles.pauser == address(0)) revert ZeroAddress("pauser");
        _grantRole(OPERATOR_ROLE, roles.operator);
        _grantRole(COMPLIANCE_ROLE, roles.compliance);
        _grantRole(PAUSER_ROLE, roles.pauser);
    }

    /// @notice ERC-165: AccessControl, ERC-20 and every EmToken feature interface.
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(AccessControl)
        returns (bool)
    {
        return interfaceId == type(IERC20).interfaceId
            || interfaceId == type(IEmTokenCore).interfaceId
            || interfaceId == type(ICompliance).interfaceId
            || interfaceId == type(IHoldable).interfaceId
            || interfaceId == type(IClearable).interfaceId
            || interfaceId == type(IFundable).interfaceId
            || interfaceId == type(IPayoutable).interfaceId || super.supportsInterface(interfaceId);
    }
}
