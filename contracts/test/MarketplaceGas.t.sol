// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {Marketplace} from "../src/Marketplace.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

/// @notice Gas of the settlement paths in the steady state the bench measures (bench/gas.ts): each trade
///         has its own seller who has traded before; a few buyers, creators and contributors recur. Setup runs
///         with gas metering paused, so each test's figure in .gas-snapshot is the measured call alone
///         (execution only: forge charges no transaction base cost or calldata here; the bench does).
contract MarketplaceGasTest is MarketFixture {
    struct Actor {
        address account;
        uint256 key;
    }

    Actor[] private sellers;
    Actor[] private buyers;
    mapping(address => uint256) private nextNonce;

    function _actors(string memory label, uint256 count, Actor[] storage list) private {
        for (uint256 i; i < count; ++i) {
            (address account, uint256 key) = makeAddrAndKey(string.concat(label, vm.toString(i)));
            list.push(Actor(account, key));
        }
    }

    function _nonce(address maker) private returns (uint256 n) {
        n = nextNonce[maker]++;
    }

    /// @dev `count` trades by `count / perSeller` established sellers (one earlier sale each, so their ledger,
    ///      nonce word and NFT balance are non-zero), each selling `perSeller` works, to `buyerCount` recurring
    ///      buyers.
    function _steadyPairs(uint256 count, uint256 perSeller, uint256 buyerCount)
        private
        returns (Pair[] memory measured)
    {
        vm.pauseGasMetering();
        _actors("seller", count / perSeller, sellers);
        _actors("buyer", buyerCount, buyers);
        for (uint256 b; b < buyerCount; ++b) {
            _fund(buyers[b].account, PRICE * 2 * count);
        }
        for (uint256 i; i < sellers.length; ++i) {
            vm.prank(sellers[i].account);
            registry.setApprovalForAll(address(market), true);
            _mintWork(sellers[i].account); // kept
        }
        Pair[] memory warmup = new Pair[](sellers.length);
        measured = new Pair[](count);
        for (uint256 round; round < 2; ++round) {
            Pair[] memory batch = round == 0 ? warmup : measured;
            for (uint256 i; i < batch.length; ++i) {
                Actor memory s = sellers[round == 0 ? i : i / perSeller];
                Actor memory b = buyers[i % buyerCount];
                uint256 tokenId = _mintWork(s.account);
                Marketplace.Order memory ask = _ask(s.account, tokenId, PRICE, _nonce(s.account));
                Marketplace.Order memory bid = _bid(b.account, tokenId, PRICE, _nonce(b.account));
                batch[i] = _pair(ask, _sign(s.key, ask), bid, _sign(b.key, bid));
            }
            if (round == 0) _settle(warmup);
        }
        _coolDown();
        vm.resumeGasMetering();
    }

    /// @dev Calls `target` from `from` with only the call itself metered: `data` is encoded and the answer's
    ///      room allocated while metering is paused, and the call is made without touching new memory
    ///      (resuming metering forgets how much memory was paid for while paused, so the caller's next memory
    ///      expansion would be charged for all of it).
    function _meteredCall(address from, address target, bytes memory data, uint256 answerWords)
        private
        returns (bytes memory answer, uint256 used)
    {
        answer = new bytes(0x20 * answerWords);
        bool ok;
        vm.prank(from);
        vm.resumeGasMetering();
        uint256 before = gasleft();
        assembly ("memory-safe") {
            ok := call(gas(), target, 0, add(data, 0x20), mload(data), 0, 0)
            returndatacopy(add(answer, 0x20), 0, returndatasize())
            mstore(answer, returndatasize())
        }
        used = before - gasleft();
        vm.pauseGasMetering();
        assertTrue(ok, "call succeeded");
    }

    function _measure(Pair[] memory pairs) private {
        vm.pauseGasMetering();
        (bytes memory ret, uint256 used) = _meteredCall(
            operator,
            address(market),
            abi.encodeCall(Marketplace.settleBatch, (_encode(pairs))),
            2 + pairs.length
        );
        Marketplace.SkipReason[] memory reasons = abi.decode(ret, (Marketplace.SkipReason[]));
        for (uint256 i; i < reasons.length; ++i) {
            assertEq(uint256(reasons[i]), 0, "settled");
        }
        emit log_named_uint("settleBatch gas (execution)", used);
        emit log_named_uint("per trade", used / pairs.length);
    }

    /// @dev A new transaction in production: nothing the setup touched is warm.
    function _coolDown() private {
        vm.cool(address(market));
        vm.cool(address(registry));
        vm.cool(address(usd));
    }

    function test_gas_settleBatch1() public {
        _measure(_steadyPairs(1, 1, 1));
    }

    function test_gas_settleBatch10() public {
        _measure(_steadyPairs(10, 1, 5));
    }

    /// @dev The worst case for batching: no seller appears twice.
    function test_gas_settleBatch50_distinctSellers() public {
        _measure(_steadyPairs(50, 1, 5));
    }

    /// @dev Market makers on both sides: 10 sellers and 10 buyers, each in 5 of the trades.
    function test_gas_settleBatch50_tenSellersTenBuyers() public {
        _measure(_steadyPairs(50, 5, 10));
    }

    /// @dev A direct purchase of an established seller's work: the taker pays from its wallet.
    function test_gas_acceptAsk() public {
        Pair[] memory pairs = _steadyPairs(1, 1, 1);
        vm.pauseGasMetering();
        Marketplace.Order memory ask = _ask(pairs[0].ask.maker, pairs[0].tokenId, PRICE, 1000);
        bytes memory data = abi.encodeCall(Marketplace.acceptAsk, (ask, _sign(sellers[0].key, ask)));
        address taker = makeAddr("taker");
        usd.mint(taker, PRICE);
        vm.prank(taker);
        usd.approve(address(market), PRICE);
        _coolDown();
        (, uint256 used) = _meteredCall(taker, address(market), data, 0);
        emit log_named_uint("acceptAsk gas (execution)", used);
    }

    /// @dev An established seller hits a market maker's standing bid.
    function test_gas_acceptBid() public {
        Pair[] memory pairs = _steadyPairs(1, 1, 1);
        vm.pauseGasMetering();
        Marketplace.Order memory bid = _bid(buyers[0].account, pairs[0].tokenId, PRICE, 1000);
        bytes memory data =
            abi.encodeCall(Marketplace.acceptBid, (bid, _sign(buyers[0].key, bid), pairs[0].tokenId));
        _coolDown();
        (, uint256 used) = _meteredCall(sellers[0].account, address(market), data, 0);
        emit log_named_uint("acceptBid gas (execution)", used);
    }
}
