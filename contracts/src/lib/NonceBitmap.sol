// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

/// @title NonceBitmap
/// @notice Order state as two bits per (maker, nonce): open, filled or cancelled, 128 nonces per storage word.
/// @dev Nonce `n` of a maker lives in word `n >> 7` of its bitmap, bits `2 * (n & 127)` and up. Sequential nonces
///      share a word, so a maker's next order in a word writes a warm, non-zero slot. A state moves away from
///      open once and never back: {_setNonceState} ORs its bits in and is only called on an open nonce.
///      An abstract contract (Seaport's `lib/` style), not a library: it owns the bitmap's storage, so the slot is
///      a compile-time constant. A library would take the mapping as a storage-pointer argument, which the
///      legacy optimizer does not fold away (about 35 gas more per read or write).
abstract contract NonceBitmap {
    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @dev The states' values, as `Marketplace.NonceState` numbers them.
    uint256 internal constant _NONCE_OPEN = 0;
    uint256 internal constant _NONCE_FILLED = 1;
    uint256 internal constant _NONCE_CANCELLED = 2;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    mapping(address maker => mapping(uint256 word => uint256 bits)) private _nonceWords;

    /*//////////////////////////////////////////////////////////////
                              OPERATIONS
    //////////////////////////////////////////////////////////////*/

    /// @dev The state of `maker`'s `nonce`: {_NONCE_OPEN}, {_NONCE_FILLED} or {_NONCE_CANCELLED}.
    function _nonceState(address maker, uint256 nonce) internal view returns (uint256 state) {
        uint256 slot = _nonceSlot(maker, nonce);
        assembly ("memory-safe") {
            state := and(shr(shl(1, and(nonce, 127)), sload(slot)), 3)
        }
    }

    /// @dev Sets `maker`'s `nonce` to `state`. Only ever called on an open nonce, so OR-ing the state in is enough.
    function _setNonceState(address maker, uint256 nonce, uint256 state) internal {
        uint256 slot = _nonceSlot(maker, nonce);
        assembly ("memory-safe") {
            sstore(slot, or(sload(slot), shl(shl(1, and(nonce, 127)), state)))
        }
    }

    /*//////////////////////////////////////////////////////////////
                               PRIVATE
    //////////////////////////////////////////////////////////////*/

    /// @dev The storage slot of `_nonceWords[maker][nonce >> 7]`, as Solidity lays out nested mappings.
    function _nonceSlot(address maker, uint256 nonce) private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            mstore(0x00, and(maker, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(0x20, _nonceWords.slot)
            mstore(0x20, keccak256(0x00, 0x40))
            mstore(0x00, shr(7, nonce))
            slot := keccak256(0x00, 0x40)
        }
    }
}
