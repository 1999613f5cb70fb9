// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A malicious ERC-20 (as if allow-listed by mistake): every transfer first calls `target` with
///         `payload` (a re-entry into the marketplace), records the outcome, then moves the tokens as usual.
contract ReentrantToken is ERC20 {
    address public target;
    bytes public payload;
    bool public attempted;
    bool public reentered;
    bytes public reentryError;

    constructor() ERC20("Reentrant USD", "rUSD") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (target != address(0) && from != address(0)) {
            attempted = true;
            (bool ok, bytes memory ret) = target.call(payload);
            reentered = ok;
            reentryError = ret;
        }
        super._update(from, to, value);
    }
}
