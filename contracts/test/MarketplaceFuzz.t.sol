// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ArtworkRegistry} from "../src/ArtworkRegistry.sol";
import {Marketplace} from "../src/Marketplace.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

/// @notice Fuzz tests of the settlement rules: value is conserved to the unit under any fee, royalty and
///         contributor shares; caps hold; a skipped pair changes nothing; an order fills at most once; a
///         cancelled or counter-invalidated order never fills; the operator cannot alter signed terms.
contract MarketplaceFuzzTest is MarketFixture {
    /*//////////////////////////////////////////////////////////////
                          VALUE CONSERVATION
    //////////////////////////////////////////////////////////////*/

    /// @dev A work with `count` contributors whose shares (from `seed`) sum to at most 10%.
    function _mintFuzzedWork(uint16 royaltyBps, uint256 count, uint256 seed)
        private
        returns (uint256 tokenId, ArtworkRegistry.Contribution[] memory contributors)
    {
        contributors = new ArtworkRegistry.Contribution[](count);
        uint256 left = 1000;
        for (uint256 i; i < count; ++i) {
            uint256 room = left - (count - i - 1); // leave at least 1 bps for each one still to come
            uint256 bps = bound(uint256(keccak256(abi.encode(seed, i))), 1, room > 300 ? 300 : room);
            left -= bps;
            contributors[i] = ArtworkRegistry.Contribution(address(uint160(0xC0FFEE00 + i)), uint16(bps));
        }
        ArtworkRegistry.Provenance memory p = _provenance();
        p.contributors = contributors;
        vm.prank(creator);
        tokenId = registry.mint(seller, p, address(0), royaltyBps);
    }

    /// @notice What the buyer pays equals fee + royalty + contributors + seller, to the unit; each part is
    ///         its floor share, within its cap; the rounding dust is the seller's.
    function testFuzz_split_conservesValueAndRespectsCaps(
        uint256 price,
        uint16 feeBps,
        uint16 royaltyBps,
        uint256 count,
        uint256 seed
    ) public {
        price = bound(price, 1, 1e18);
        feeBps = uint16(bound(feeBps, 0, 1000));
        royaltyBps = uint16(bound(royaltyBps, 0, 1000));
        count = bound(count, 0, 16);
        vm.prank(admin);
        market.setProtocolFee(feeRecipient, feeBps);
        (uint256 tokenId, ArtworkRegistry.Contribution[] memory contributors) =
            _mintFuzzedWork(royaltyBps, count, seed);
        _fund(buyer, price);

        assertEq(uint256(_settleOne(_signedPair(tokenId, price, 1, 1))), 0, "settled");

        uint256 fee = _ledger(feeRecipient);
        uint256 royalty = _ledger(creator);
        uint256 attribution;
        for (uint256 i; i < count; ++i) {
            uint256 share = _ledger(contributors[i].account);
            assertEq(share, price * contributors[i].bps / 10_000, "contributor floor share");
            attribution += share;
        }
        uint256 proceeds = _ledger(seller);
        assertEq(_ledger(buyer), 0, "buyer paid exactly the price");
        assertEq(fee + royalty + attribution + proceeds, price, "conserved to the unit");
        assertEq(fee, price * feeBps / 10_000, "fee floor");
        assertEq(royalty, price * royaltyBps / 10_000, "royalty floor");
        assertLe(fee, price / 10, "fee cap");
        assertLe(royalty, price / 10, "royalty cap");
        assertLe(attribution, price / 10, "attribution cap");
        assertGe(
            proceeds, price - price * (uint256(feeBps) + royaltyBps + 1000) / 10_000, "dust to the seller"
        );
        assertEq(usd.balanceOf(address(market)), price, "every credit backed by tokens");
    }

    /*//////////////////////////////////////////////////////////////
                      A SKIPPED PAIR CHANGES NOTHING
    //////////////////////////////////////////////////////////////*/

    struct Snapshot {
        uint256[7] ledgers;
        address owner;
        uint256 askState;
        uint256 bidState;
        uint256 sellerCounter;
        uint256 buyerCounter;
        uint256 marketTokens;
        uint256 sellerWorks;
        uint256 buyerWorks;
    }

    function _snapshot(uint256 tokenId, uint256 askNonce, uint256 bidNonce)
        private
        view
        returns (Snapshot memory s)
    {
        address[7] memory accounts =
            [seller, buyer, feeRecipient, creator, contributorA, contributorB, operator];
        for (uint256 i; i < accounts.length; ++i) {
            s.ledgers[i] = _ledger(accounts[i]);
        }
        s.owner = registry.ownerOf(tokenId);
        s.askState = uint256(market.nonceState(seller, askNonce));
        s.bidState = uint256(market.nonceState(buyer, bidNonce));
        s.sellerCounter = market.counterOf(seller);
        s.buyerCounter = market.counterOf(buyer);
        s.marketTokens = usd.balanceOf(address(market));
        s.sellerWorks = registry.balanceOf(seller);
        s.buyerWorks = registry.balanceOf(buyer);
    }

    function _assertSame(Snapshot memory a, Snapshot memory b) private pure {
        for (uint256 i; i < 7; ++i) {
            assertEq(a.ledgers[i], b.ledgers[i], "ledger");
        }
        assertEq(a.owner, b.owner, "owner");
        assertEq(a.askState, b.askState, "ask state");
        assertEq(a.bidState, b.bidState, "bid state");
        assertEq(a.sellerCounter, b.sellerCounter, "seller counter");
        assertEq(a.buyerCounter, b.buyerCounter, "buyer counter");
        assertEq(a.marketTokens, b.marketTokens, "market tokens");
        assertEq(a.sellerWorks, b.sellerWorks, "seller works");
        assertEq(a.buyerWorks, b.buyerWorks, "buyer works");
    }

    /// @notice Whatever breaks a pair, settling it leaves every balance, owner, nonce and counter as it was.
    function testFuzz_skippedPair_changesNothing(uint8 breakage, uint256 price, uint256 nonce) public {
        breakage = uint8(bound(breakage, 0, 11));
        price = bound(price, 1, 1e12);
        nonce = bound(nonce, 0, type(uint64).max);
        uint256 tokenId = _mintWork(seller);
        _fund(buyer, price);
        Marketplace.Order memory ask = _ask(seller, tokenId, price, nonce);
        Marketplace.Order memory bid = _bid(buyer, tokenId, price, nonce);
        uint256 signer = sellerKey;

        if (breakage == 0) ask.expiry = uint64(block.timestamp);
        if (breakage == 1) bid.start = uint64(block.timestamp + 1);
        if (breakage == 2) signer = buyerKey; // wrong signer for the ask
        if (breakage == 3) bid.price = price - 1;
        if (breakage == 4) ask.price = price + 1; // more than the buyer holds (and than it bid)
        if (breakage == 5) bid.price = ask.price = price + 1; // unfunded
        if (breakage == 6) ask.counter = 1; // signed under a counter the seller never reached
        if (breakage == 8) {
            vm.prank(seller);
            registry.setApprovalForAll(address(market), false);
        }
        if (breakage == 9) {
            vm.prank(seller);
            registry.transferFrom(seller, creator, tokenId); // no longer the owner
        }
        if (breakage == 10) {
            vm.prank(admin);
            market.setCurrency(address(usd), false);
        }
        Pair memory pair = _pair(ask, _sign(signer, ask), bid, _sign(buyerKey, bid));
        if (breakage == 7) {
            Marketplace.Order[] memory orders = new Marketplace.Order[](1);
            orders[0] = bid;
            vm.prank(buyer);
            market.cancel(orders);
        }
        if (breakage == 11) {
            pair.ask.price = price - 1; // the operator shaves the price
            pair.bid.price = price - 1;
            if (price == 1) return;
        }

        Snapshot memory before = _snapshot(tokenId, nonce, nonce);
        Marketplace.SkipReason reason = _settleOne(pair);
        assertTrue(reason != Marketplace.SkipReason.None, "skipped");
        _assertSame(before, _snapshot(tokenId, nonce, nonce));
    }

    /*//////////////////////////////////////////////////////////////
                          ORDER STATE RULES
    //////////////////////////////////////////////////////////////*/

    /// @notice The same orders in two pairs of one batch, and again in a later batch: one fill only.
    function testFuzz_orderFillsAtMostOnce(uint256 askNonce, uint256 bidNonce) public {
        askNonce = bound(askNonce, 0, type(uint128).max);
        bidNonce = bound(bidNonce, 0, type(uint128).max);
        uint256 tokenId = _mintWork(seller);
        _fund(buyer, 3 * PRICE);
        Pair memory pair = _signedPair(tokenId, PRICE, askNonce, bidNonce);
        Pair[] memory twice = new Pair[](2);
        twice[0] = pair;
        twice[1] = pair;

        Marketplace.SkipReason[] memory reasons = _settle(twice);
        assertEq(uint256(reasons[0]), 0, "first fills");
        assertEq(uint256(reasons[1]), uint256(Marketplace.SkipReason.AskFilled), "second does not");
        assertEq(uint256(_settleOne(pair)), uint256(Marketplace.SkipReason.AskFilled), "nor later");
        assertEq(_ledger(buyer), 2 * PRICE, "paid once");
    }

    /// @notice An order cancelled by nonce, or voided by raising the counter, never fills: not in a batch,
    ///         not directly.
    function testFuzz_cancelledOrderNeverFills(uint256 nonce, bool byCounter) public {
        nonce = bound(nonce, 0, type(uint128).max);
        uint256 tokenId = _mintWork(seller);
        _fund(buyer, PRICE);
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, nonce);
        bytes memory askSig = _sign(sellerKey, ask);
        Marketplace.Order memory bid = _bid(buyer, tokenId, PRICE, nonce);
        Pair memory pair = _pair(ask, askSig, bid, _sign(buyerKey, bid));

        vm.startPrank(seller);
        if (byCounter) {
            market.incrementCounter();
        } else {
            Marketplace.Order[] memory orders = new Marketplace.Order[](1);
            orders[0] = ask;
            market.cancel(orders);
        }
        vm.stopPrank();
        Marketplace.SkipReason expected =
            byCounter ? Marketplace.SkipReason.AskCounterStale : Marketplace.SkipReason.AskCancelled;

        assertEq(uint256(_settleOne(pair)), uint256(expected), "batch");
        vm.expectRevert(abi.encodeWithSelector(Marketplace.NotFillable.selector, expected));
        vm.prank(buyer);
        market.acceptAsk(ask, askSig);
        assertEq(registry.ownerOf(tokenId), seller, "never moved");
    }

    /// @notice Two orders signed with the same nonce exclude each other (a maker's "replace").
    function testFuzz_sameNonceOrdersAreExclusive(uint256 nonce) public {
        nonce = bound(nonce, 0, type(uint128).max);
        uint256 first = _mintWork(seller);
        uint256 second = _mintWork(seller);
        _fund(buyer, 2 * PRICE);
        _settleOne(_signedPair(first, PRICE, nonce, 1));
        assertEq(
            uint256(_settleOne(_signedPair(second, PRICE, nonce, 2))),
            uint256(Marketplace.SkipReason.AskFilled),
            "the replaced order is dead"
        );
    }

    /// @notice Changing any single signed field of either side, by any amount, voids a signature.
    function testFuzz_operatorCannotAlterAnyField(uint8 field, uint64 delta) public {
        vm.assume(delta != 0);
        uint256 tokenId = _mintWork(seller);
        _fund(buyer, 10 * PRICE);
        Pair memory p = _signedPair(tokenId, PRICE, 1, 1);
        field = uint8(bound(field, 0, 10));
        if (field == 0) p.tokenId += delta;
        if (field == 1) (p.ask.price, p.bid.price) = (p.ask.price + delta, p.bid.price + delta);
        if (field == 2) p.bid.price += delta;
        if (field == 3) p.ask.start -= uint64(bound(delta, 1, p.ask.start));
        if (field == 4) p.bid.start -= uint64(bound(delta, 1, p.bid.start));
        if (field == 5) p.ask.expiry += uint64(bound(delta, 1, type(uint32).max));
        if (field == 6) p.bid.expiry += uint64(bound(delta, 1, type(uint32).max));
        if (field == 7) p.ask.nonce += delta;
        if (field == 8) p.bid.nonce += delta;
        if (field == 9) p.collectionBid = true;
        if (field == 10) p.ask.price -= bound(delta, 1, PRICE);
        Marketplace.SkipReason reason = _settleOne(p);
        assertTrue(
            reason == Marketplace.SkipReason.AskBadSignature
                || reason == Marketplace.SkipReason.BidBadSignature,
            "signature void"
        );
        assertEq(registry.ownerOf(tokenId), seller, "nothing moved");
    }
}
