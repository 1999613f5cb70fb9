// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title TestStablecoin
/// @notice The stand-in for USDC on local development chains: an ERC-20 with 6 decimals and
///         EIP-2612 `permit`, named "Atelier Test USD" (tUSD).
/// @dev Anyone may `mint`, but only while `block.chainid` is a local development chain id:
///      31337 (anvil / hardhat default, the one Atelier uses) or 1337 (ganache / geth --dev).
///      The check runs on every call, not once at deployment, so a bytecode copied to a public
///      chain (or a fork whose chain id changes) can never mint there. Production uses a real
///      stablecoin instead of this contract.
contract TestStablecoin is ERC20Permit {
    /*//////////////////////////////////////////////////////////////
                            CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice `mint` was called on a chain that is not a local development chain.
    /// @param chainId The `block.chainid` the call ran on.
    error MintingDisabledOnChain(uint256 chainId);

    /*//////////////////////////////////////////////////////////////
                                EVENTS
    //////////////////////////////////////////////////////////////*/

    // None of its own: a mint is observable as `Transfer(address(0), to, amount)` (from ERC20),
    // which is what the indexer follows for every token.

    /*//////////////////////////////////////////////////////////////
                              CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Chain id of anvil and hardhat, the local chain Atelier runs.
    uint256 public constant ANVIL_CHAIN_ID = 31_337;

    /// @notice Chain id of ganache and `geth --dev`, accepted as local too.
    uint256 public constant DEV_CHAIN_ID = 1337;

    /// @dev Same precision as USDC, so amounts in tests and fixtures read like real prices.
    uint8 private constant _DECIMALS = 6;

    /*//////////////////////////////////////////////////////////////
                               STORAGE
    //////////////////////////////////////////////////////////////*/

    // None of its own: balances, allowances and permit nonces live in the OpenZeppelin bases.

    /*//////////////////////////////////////////////////////////////
                             CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @dev The EIP-712 domain name equals the token name, version "1" (OpenZeppelin's default).
    constructor() ERC20("Atelier Test USD", "tUSD") ERC20Permit("Atelier Test USD") {}

    /*//////////////////////////////////////////////////////////////
                           MINTING (LOCAL)
    //////////////////////////////////////////////////////////////*/

    /// @notice Creates `amount` tUSD (6 decimals) for `to`. Open to every caller, local chains only.
    /// @dev Reverts with {MintingDisabledOnChain} unless `block.chainid` is 31337 or 1337, and with
    ///      OpenZeppelin's `ERC20InvalidReceiver` when `to` is the zero address.
    /// @param to Recipient of the new tokens.
    /// @param amount Amount in base units (1 tUSD = 1e6).
    function mint(address to, uint256 amount) external {
        if (!isLocalChain()) revert MintingDisabledOnChain(block.chainid);
        _mint(to, amount);
    }

    /*//////////////////////////////////////////////////////////////
                                VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice Whether the current chain is one on which {mint} is open.
    function isLocalChain() public view returns (bool) {
        return block.chainid == ANVIL_CHAIN_ID || block.chainid == DEV_CHAIN_ID;
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return _DECIMALS;
    }
}
