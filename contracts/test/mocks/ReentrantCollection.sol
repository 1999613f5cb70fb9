// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @notice A malicious ERC-721: its `transferFrom` first calls `target` with `payload` (a re-entry into the
///         marketplace), records the outcome, then performs the transfer as usual.
contract ReentrantCollection is ERC721 {
    address public target;
    bytes public payload;
    bool public attempted;
    bool public reentered;
    bytes public reentryError;

    constructor() ERC721("Reentrant Collection", "REENT") {}

    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    function transferFrom(address from, address to, uint256 tokenId) public override {
        if (target != address(0)) {
            attempted = true;
            (bool ok, bytes memory ret) = target.call(payload);
            reentered = ok;
            reentryError = ret;
        }
        super.transferFrom(from, to, tokenId);
    }
}
