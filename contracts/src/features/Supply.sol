// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {EmTokenBase} from "../EmTokenBase.sol";
import {ICompliance} from "../interfaces/ICompliance.sol";
import {ISupply} from "../interfaces/ISupply.sol";

/// @title Supply
/// @notice Supply governance: minter allowances (the minter admin sets, minting uses up), rescue of other
/// tokens, wipe of a frozen balance.
/// @dev Choices where the peers differ or are silent:
///  - an allowance is per minter address and is also needed by the operator role (which alone may mint):
///    holding the role is not enough; an allowance replaces the previous one (FiatToken's
///    `configureMinter`), it is never increased by a call that could race a mint;
///  - fund-order executions are mints and use the allowance like direct mints;
///  - a wipe burns only the available balance of a frozen wallet: what holds and orders lock is decided
///    first through their own flows, so no record is left locking money that no longer exists; it stops
///    while the token is paused, like every movement.
abstract contract Supply is EmTokenBase, ISupply {
    using SafeERC20 for IERC20;

    // ------------------------------------------------------------ external

    /// @inheritdoc ISupply
    function configureMinter(address minter, uint256 allowance)
        external
        onlyRole(MINTER_ADMIN_ROLE)
    {
        if (minter == address(0)) revert ZeroAddress("minter");
        if (allowance > MAX_SUPPLY) revert MinterAllowanceTooLarge(allowance);
        _token().minterAllowances[minter] = allowance;
        emit MinterConfigured(minter, allowance, msg.sender);
    }

    /// @inheritdoc ISupply
    function minterAllowance(address minter) external view returns (uint256) {
        return _token().minterAllowances[minter];
    }

    /// @inheritdoc ISupply
    function rescueERC20(address tokenContract, address to, uint256 value)
        external
        onlyRole(RESCUER_ROLE)
    {
        if (tokenContract == address(this)) revert RescueOfOwnToken();
        if (to == address(0)) revert ZeroAddress("to");
        emit TokensRescued(tokenContract, to, value, msg.sender);
        IERC20(tokenContract).safeTransfer(to, value);
    }

    /// @inheritdoc ISupply
    function wipeFrozenBalance(
        address wallet,
        uint256 value,
        bytes32 orderReference,
        string calldata reason
    ) external onlyRole(WIPER_ROLE) whenNotPaused {
        if (value == 0) revert ZeroAmount();
        TokenStorage storage $ = _token();
        Account storage a = $.accounts[wallet];
        if (!a.frozen) revert ICompliance.WalletNotFrozen(wallet);
        uint256 available = a.balance - a.held;
        if (value > available) revert InsufficientAvailableBalance(wallet, available, value);
        // Cannot underflow: value ≤ available ≤ balance ≤ total supply.
        a.balance -= uint96(value);
        $.globals.totalSupply -= uint96(value);
        emit IERC20.Transfer(wallet, address(0), value);
        emit Wiped(wallet, value, orderReference, reason, msg.sender);
    }
}
