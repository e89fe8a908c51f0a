// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {EmToken} from "../../src/EmToken.sol";

/// @notice A next implementation for the upgrade tests: the same token, version 2, with a field in a
/// namespace of its own set by a reinitializer (what a real v2 adding state would do).
contract EmTokenV2 is EmToken {
    /// @custom:storage-location erc7201:emtoken.test.v2
    struct V2Storage {
        uint256 feature;
    }

    // keccak256(abi.encode(uint256(keccak256("emtoken.test.v2")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant V2_STORAGE =
        0x5019387dc33c85fe134d06b5a17737e1059445934dac67060cc9ebcde02f0000;

    constructor(address orders, address authorizations) EmToken(orders, authorizations) {}

    function initializeV2(uint256 feature_) external reinitializer(2) {
        _v2().feature = feature_;
    }

    function feature() external view returns (uint256) {
        return _v2().feature;
    }

    function version() external pure override returns (uint256) {
        return 2;
    }

    function _v2() private pure returns (V2Storage storage $) {
        assembly ("memory-safe") {
            $.slot := V2_STORAGE
        }
    }
}
