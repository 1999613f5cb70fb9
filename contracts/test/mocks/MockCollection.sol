// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @notice A foreign ERC-721 (not Atelier's registry) whose ERC-2981 answer the test chooses, including
///         hostile ones: a revert, a gas sink, a return bomb, a dirty address, an amount above the cap.
contract MockCollection is ERC721 {
    enum RoyaltyMode {
        Normal,
        Missing,
        Reverts,
        BurnsGas,
        ReturnBomb,
        DirtyReceiver
    }

    RoyaltyMode public mode;
    address public royaltyReceiver;
    uint256 public royaltyBps;

    constructor() ERC721("Mock Collection", "MOCK") {}

    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }

    function setRoyalty(RoyaltyMode mode_, address receiver, uint256 bps) external {
        mode = mode_;
        royaltyReceiver = receiver;
        royaltyBps = bps;
    }

    function royaltyInfo(uint256, uint256 salePrice) external view returns (address, uint256) {
        RoyaltyMode m = mode;
        if (m == RoyaltyMode.Missing) return (address(0), 0);
        if (m == RoyaltyMode.Reverts) revert("no royalty");
        if (m == RoyaltyMode.BurnsGas) {
            for (uint256 i;; ++i) {
                if (gasleft() < 1) return (address(0), i);
            }
        }
        if (m == RoyaltyMode.ReturnBomb) {
            assembly ("memory-safe") {
                return(0, 1000000)
            }
        }
        if (m == RoyaltyMode.DirtyReceiver) {
            uint256 dirty = uint256(uint160(royaltyReceiver)) | (1 << 200);
            uint256 amount = salePrice * royaltyBps / 10_000;
            assembly ("memory-safe") {
                mstore(0, dirty)
                mstore(0x20, amount)
                return(0, 0x40)
            }
        }
        return (royaltyReceiver, salePrice * royaltyBps / 10_000);
    }
}
