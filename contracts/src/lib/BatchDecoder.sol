// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {Marketplace} from "../Marketplace.sol";

/// @title BatchDecoder
/// @notice Reads the packed calldata of {Marketplace-settleBatch} (layout there; libs/contracts/abi
///         `encodeSettlementBatch` writes it) in place, one pair at a time, into the two orders it stands for.
/// @dev Calldata is read with `calldataload` at absolute offsets and nothing is copied: an address is a
///      `uint16` index into the batch's address table, a signature stays in calldata and is located by one
///      word (`offset << 16 | length`, see {signatureAt}). Reads past the batch return zeros; every function
///      reverts with {Marketplace-MalformedBatch} as soon as the batch cannot be what it claims, and the caller
///      checks the cursor against the end after each pair, so a malformed batch yields only orders no maker
///      signed. The decoder writes into the caller's {Marketplace-Order} and {Marketplace-Trade} by their
///      memory layout, so it is tied to those two structs field for field.
library BatchDecoder {
    /*//////////////////////////////////////////////////////////////
                                HEADER
    //////////////////////////////////////////////////////////////*/

    /// @dev Where the contents of `batch` start (after its pair count) and end, and how many pairs it holds.
    function bounds(bytes calldata batch) internal pure returns (uint256 cursor, uint256 end, uint256 count) {
        if (batch.length < 4) revert Marketplace.MalformedBatch();
        assembly ("memory-safe") {
            cursor := add(batch.offset, 2)
            end := add(batch.offset, batch.length)
            count := shr(240, calldataload(batch.offset))
        }
    }

    /// @dev The address table at `cursor` (`addressCount:uint16`, then 20 bytes each): where it lies, packed as
    ///      `offset << 16 | count`, and the offset after it.
    function addressTable(uint256 cursor, uint256 end) internal pure returns (uint256 next, uint256 table) {
        uint256 count;
        assembly ("memory-safe") {
            count := shr(240, calldataload(cursor))
            table := or(shl(16, add(cursor, 2)), count)
            next := add(add(cursor, 2), mul(count, 20))
        }
        if (next > end) revert Marketplace.MalformedBatch();
    }

    /*//////////////////////////////////////////////////////////////
                                 PAIRS
    //////////////////////////////////////////////////////////////*/

    /// @dev Decodes the pair at calldata offset `p` into the two orders it stands for and the locations of their
    ///      signatures (`trade.askSignature`, `trade.bidSignature`), with addresses looked up in
    ///      `trade.addressTable`; returns the offset after it. Reads past the batch return zeros and the caller
    ///      rejects the batch, so a malformed pair can only yield orders no maker signed.
    function decodePair(
        uint256 p,
        Marketplace.Order memory ask,
        Marketplace.Order memory bid,
        Marketplace.Trade memory trade
    ) internal pure returns (uint256 next) {
        uint256 table = trade.addressTable; // offset << 16 | count
        bool bad;
        assembly ("memory-safe") {
            // Pair: collection(2) tokenId(32) currency(2) flags(1). An address is a uint16 table index.
            let i := shr(240, calldataload(p))
            bad := iszero(lt(i, and(table, 0xffff)))
            mstore(add(ask, 0x40), shr(96, calldataload(add(shr(16, table), mul(i, 20)))))
            mstore(add(bid, 0x40), mload(add(ask, 0x40)))
            i := shr(240, calldataload(add(p, 34)))
            bad := or(bad, iszero(lt(i, and(table, 0xffff))))
            mstore(add(ask, 0x80), shr(96, calldataload(add(shr(16, table), mul(i, 20)))))
            mstore(add(bid, 0x80), mload(add(ask, 0x80)))
            let collectionBid := byte(0, calldataload(add(p, 36)))
            bad := or(bad, gt(collectionBid, 1))
            mstore(add(ask, 0x60), calldataload(add(p, 2)))
            mstore(add(bid, 0x60), mul(mload(add(ask, 0x60)), iszero(collectionBid)))
            mstore(add(ask, 0x20), 0) // Ask
            mstore(add(bid, 0x20), add(1, collectionBid)) // TokenBid or CollectionBid

            // Sides: maker(2) price(16) start(8) expiry(8) counter(8) nonce(32) signatureLength(2) signature.
            next := add(p, 37)
            for { let k := 0 } lt(k, 2) { k := add(k, 1) } {
                let o := ask
                if k { o := bid }
                i := shr(240, calldataload(next))
                bad := or(bad, iszero(lt(i, and(table, 0xffff))))
                mstore(o, shr(96, calldataload(add(shr(16, table), mul(i, 20)))))
                mstore(add(o, 0xa0), shr(128, calldataload(add(next, 2))))
                mstore(add(o, 0xc0), shr(192, calldataload(add(next, 18))))
                mstore(add(o, 0xe0), shr(192, calldataload(add(next, 26))))
                mstore(add(o, 0x100), shr(192, calldataload(add(next, 34))))
                mstore(add(o, 0x120), calldataload(add(next, 42)))
                i := shr(240, calldataload(add(next, 74))) // signature length
                mstore(add(trade, add(0x1a0, shl(5, k))), or(shl(16, add(next, 76)), i)) // ask/bidSignature
                next := add(add(next, 76), i)
            }
        }
        if (bad) revert Marketplace.MalformedBatch();
    }

    /// @dev The calldata slice a `Trade.askSignature` / `bidSignature` word locates.
    function signatureAt(uint256 location) internal pure returns (bytes calldata signature) {
        assembly ("memory-safe") {
            signature.offset := shr(16, location)
            signature.length := and(location, 0xffff)
        }
    }
}
