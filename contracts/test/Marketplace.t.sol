// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {Marketplace} from "../src/Marketplace.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {Vm} from "./utils/Test.sol";

/// @notice Unit tests of the Marketplace: EIP-712 hashing, batch settlement and its split, every skip
///         reason, direct fills, cancellation, the ledger, admin.
contract MarketplaceTest is MarketFixture {
    uint256 private tokenId;

    function setUp() public override {
        super.setUp();
        tokenId = _mintWork(seller);
        _fund(buyer, 1000e6);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _expectTrade(
        bytes32 askHash,
        bytes32 bidHash,
        uint256 id,
        address from,
        address to,
        uint256 price
    ) private {
        (uint256 fee, uint256 royalty, uint256 shareA, uint256 shareB, uint256 proceeds) =
            _expectedSplit(price);
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.TradeSettled(
            askHash,
            bidHash,
            address(registry),
            id,
            from,
            to,
            address(usd),
            price,
            fee,
            creator,
            royalty,
            shareA + shareB,
            proceeds
        );
    }

    function _hashes(Pair memory pair) private view returns (bytes32 askHash, bytes32 bidHash) {
        Marketplace.Order memory ask = Marketplace.Order(
            pair.ask.maker,
            ASK,
            pair.collection,
            pair.tokenId,
            pair.currency,
            pair.ask.price,
            pair.ask.start,
            pair.ask.expiry,
            pair.ask.counter,
            pair.ask.nonce
        );
        Marketplace.Order memory bid = Marketplace.Order(
            pair.bid.maker,
            pair.collectionBid ? COLLECTION_BID : TOKEN_BID,
            pair.collection,
            pair.collectionBid ? 0 : pair.tokenId,
            pair.currency,
            pair.bid.price,
            pair.bid.start,
            pair.bid.expiry,
            pair.bid.counter,
            pair.bid.nonce
        );
        return (market.hashOrder(ask), market.hashOrder(bid));
    }

    /// @dev Settles `pair` alone and checks it was skipped for `reason` with a {PairSkipped} naming it.
    function _expectSkip(Pair memory pair, Marketplace.SkipReason reason) private {
        (bytes32 askHash, bytes32 bidHash) = _hashes(pair);
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.PairSkipped(0, askHash, bidHash, reason);
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.BatchSettled(operator, 0, 1);
        assertEq(uint256(_settleOne(pair)), uint256(reason), "skip reason");
    }

    /*//////////////////////////////////////////////////////////////
                                EIP-712
    //////////////////////////////////////////////////////////////*/

    function test_orderTypehash() public view {
        assertEq(
            market.ORDER_TYPEHASH(),
            keccak256(
                "Order(address maker,uint8 kind,address collection,uint256 tokenId,address currency,uint256 price,uint64 start,uint64 expiry,uint256 counter,uint256 nonce)"
            ),
            "type hash"
        );
        // Pinned in libs/contracts/abi/src/eip712.ts (ORDER_TYPEHASH) too.
        assertEq(
            market.ORDER_TYPEHASH(),
            0xbe0b6b8d84a73c39f24ff4e53792d52e69d745bb635b70c292a0c268a4ef87a6,
            "pinned"
        );
    }

    function test_domainSeparator_nameVersionChainContract() public view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("Atelier Marketplace"),
                keccak256("1"),
                block.chainid,
                address(market)
            )
        );
        assertEq(market.DOMAIN_SEPARATOR(), expected, "domain separator");
        (, string memory name, string memory version, uint256 chainId, address verifying,,) =
            market.eip712Domain();
        assertEq(name, "Atelier Marketplace", "name");
        assertEq(version, "1", "version");
        assertEq(chainId, 31_337, "chain id");
        assertEq(verifying, address(market), "verifying contract");
    }

    function test_hashOrder_isTheEip712Digest() public view {
        Marketplace.Order memory o = _ask(seller, tokenId, PRICE, 7);
        bytes32 structHash = keccak256(
            abi.encode(
                market.ORDER_TYPEHASH(),
                o.maker,
                o.kind,
                o.collection,
                o.tokenId,
                o.currency,
                o.price,
                o.start,
                o.expiry,
                o.counter,
                o.nonce
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", market.DOMAIN_SEPARATOR(), structHash));
        assertEq(market.hashOrder(o), digest, "digest");
    }

    /// @notice A vector shared with libs/contracts/abi/src/eip712.unit.spec.ts: the same order and domain give
    ///         the same digest with viem's hashTypedData.
    function test_hashOrder_sharedVector() public pure {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("Atelier Marketplace"),
                keccak256("1"),
                uint256(31_337),
                address(0x00000000000000000000000000000000000a7e11)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                bytes32(0xbe0b6b8d84a73c39f24ff4e53792d52e69d745bb635b70c292a0c268a4ef87a6),
                address(0x1111111111111111111111111111111111111111),
                uint8(1),
                address(0x2222222222222222222222222222222222222222),
                uint256(42),
                address(0x3333333333333333333333333333333333333333),
                uint256(125_000_000),
                uint64(1_750_000_000),
                uint64(1_760_000_000),
                uint256(3),
                uint256(9)
            )
        );
        assertEq(
            keccak256(abi.encodePacked("\x19\x01", domain, structHash)),
            0xf2dc8c91efe4ae2b35a3055f21b404cc17123a27fb3b7c3b37d4333ba9d05377,
            "shared vector"
        );
    }

    /*//////////////////////////////////////////////////////////////
                          BATCH SETTLEMENT
    //////////////////////////////////////////////////////////////*/

    function test_settleBatch_tokenBid_movesItemAndSplitsPrice() public {
        Pair memory pair = _signedPair(tokenId, PRICE, 1, 1);
        (uint256 fee, uint256 royalty, uint256 shareA, uint256 shareB, uint256 proceeds) =
            _expectedSplit(PRICE);

        assertEq(uint256(_settleOne(pair)), 0, "settled");

        assertEq(registry.ownerOf(tokenId), buyer, "item to buyer");
        assertEq(_ledger(buyer), 1000e6 - PRICE, "buyer paid the price");
        assertEq(_ledger(feeRecipient), fee, "fee");
        assertEq(_ledger(creator), royalty, "royalty");
        assertEq(_ledger(contributorA), shareA, "contributor A");
        assertEq(_ledger(contributorB), shareB, "contributor B");
        assertEq(_ledger(seller), proceeds, "seller");
        assertEq(fee + royalty + shareA + shareB + proceeds, PRICE, "parts add up");
        assertEq(usd.balanceOf(address(market)), 1000e6, "no token moved");
        assertEq(uint256(market.nonceState(seller, 1)), uint256(Marketplace.NonceState.Filled), "ask filled");
        assertEq(uint256(market.nonceState(buyer, 1)), uint256(Marketplace.NonceState.Filled), "bid filled");
    }

    function test_settleBatch_emitsTradeThenNettedCredits() public {
        Pair memory pair = _signedPair(tokenId, PRICE, 1, 1);
        (bytes32 askHash, bytes32 bidHash) = _hashes(pair);
        (, uint256 royalty, uint256 shareA, uint256 shareB,) = _expectedSplit(PRICE);

        _expectTrade(askHash, bidHash, tokenId, seller, buyer, PRICE);
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.RoyaltyCredited(creator, address(usd), royalty);
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.AttributionCredited(contributorA, address(usd), shareA);
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.AttributionCredited(contributorB, address(usd), shareB);
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.BatchSettled(operator, 1, 0);
        _settleOne(pair);
    }

    function test_settleBatch_collectionBidBuysAnyToken() public {
        uint256 other = _mintWork(seller);
        Marketplace.Order memory ask = _ask(seller, other, PRICE, 1);
        Marketplace.Order memory bid = _collectionBid(buyer, PRICE, 1);
        Pair memory pair = _pair(ask, _sign(sellerKey, ask), bid, _sign(buyerKey, bid));
        (bytes32 askHash, bytes32 bidHash) = _hashes(pair);
        assertEq(bidHash, market.hashOrder(bid), "collection bid signs token id 0");

        _expectTrade(askHash, bidHash, other, seller, buyer, PRICE);
        assertEq(uint256(_settleOne(pair)), 0, "settled");
        assertEq(registry.ownerOf(other), buyer, "any token of the collection");
    }

    function test_settleBatch_tradesAtTheAskPrice() public {
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        Marketplace.Order memory bid = _bid(buyer, tokenId, PRICE * 2, 1);
        _settleOne(_pair(ask, _sign(sellerKey, ask), bid, _sign(buyerKey, bid)));
        assertEq(_ledger(buyer), 1000e6 - PRICE, "the bid is a ceiling: the ask's price is paid");
    }

    function test_settleBatch_skipsOnePairAndSettlesTheRest() public {
        uint256 second = _mintWork(seller);
        Pair[] memory pairs = new Pair[](3);
        pairs[0] = _signedPair(tokenId, PRICE, 1, 1);
        pairs[1] = _signedPair(second, PRICE, 1, 2); // the ask's nonce 1 is filled by pair 0
        pairs[2] = _signedPair(second, PRICE, 2, 3);
        (bytes32 askHash, bytes32 bidHash) = _hashes(pairs[1]);

        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.PairSkipped(1, askHash, bidHash, Marketplace.SkipReason.AskFilled);
        Marketplace.SkipReason[] memory reasons = _settle(pairs);

        assertEq(uint256(reasons[0]), 0, "first settles");
        assertEq(uint256(reasons[1]), uint256(Marketplace.SkipReason.AskFilled), "second skipped");
        assertEq(uint256(reasons[2]), 0, "third settles");
        assertEq(registry.ownerOf(second), buyer, "third moved the item");
        assertEq(uint256(market.nonceState(buyer, 2)), 0, "the skipped bid stays open");
    }

    function test_settleBatch_netsCreditsPerPayee() public {
        Pair[] memory pairs = new Pair[](3);
        for (uint256 i; i < 3; ++i) {
            pairs[i] = _signedPair(i == 0 ? tokenId : _mintWork(seller), PRICE, i + 1, i + 1);
        }
        vm.recordLogs();
        _settle(pairs);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        uint256 trades;
        uint256 royaltyEvents;
        uint256 attributionEvents;
        for (uint256 i; i < logs.length; ++i) {
            bytes32 topic = logs[i].topics[0];
            if (topic == Marketplace.TradeSettled.selector) ++trades;
            if (topic == Marketplace.RoyaltyCredited.selector) {
                ++royaltyEvents;
                assertEq(
                    abi.decode(logs[i].data, (uint256)), 3 * (PRICE * ROYALTY_BPS / 10_000), "royalty total"
                );
            }
            if (topic == Marketplace.AttributionCredited.selector) ++attributionEvents;
        }
        assertEq(trades, 3, "one TradeSettled per trade");
        assertEq(royaltyEvents, 1, "one royalty credit per payee per batch");
        assertEq(attributionEvents, 2, "one attribution credit per contributor per batch");
        (, uint256 royalty, uint256 shareA,,) = _expectedSplit(PRICE);
        assertEq(_ledger(creator), 3 * royalty, "creator ledger");
        assertEq(_ledger(contributorA), 3 * shareA, "contributor ledger");
    }

    function test_settleBatch_emptyBatch() public {
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.BatchSettled(operator, 0, 0);
        assertEq(_settle(new Pair[](0)).length, 0, "no reasons");
    }

    function test_settleBatch_revertsForNonOperator() public {
        bytes memory batch = _encode(_one(_signedPair(tokenId, PRICE, 1, 1)));
        vm.expectRevert(abi.encodeWithSelector(Marketplace.NotOperator.selector, seller));
        vm.prank(seller);
        market.settleBatch(batch);
    }

    function test_settleBatch_revertsWhilePaused() public {
        vm.prank(admin);
        market.pause();
        bytes memory batch = _encode(_one(_signedPair(tokenId, PRICE, 1, 1)));
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(operator);
        market.settleBatch(batch);
    }

    function test_settleBatch_revertsOnMalformedBatches() public {
        bytes memory batch = _encode(_one(_signedPair(tokenId, PRICE, 1, 1)));
        bytes[] memory bad = new bytes[](5);
        bad[0] = abi.encodePacked(batch, uint8(0)); // trailing byte
        bad[1] = _truncate(batch, batch.length - 1); // last signature cut
        bad[2] = hex"00"; // shorter than its header
        // Header (4 bytes), a 4-address table (collection, currency, seller, buyer), then the pair.
        bad[3] = _setByte(batch, 4 + 4 * 20 + 36, 0x02); // unknown flag
        bad[4] = _setByte(batch, 4 + 4 * 20 + 1, 0x09); // collection index past the table
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(Marketplace.MalformedBatch.selector);
            vm.prank(operator);
            market.settleBatch(bad[i]);
        }
    }

    function test_decodeBatch_readsBackTheOrders() public view {
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 5);
        Marketplace.Order memory bid = _collectionBid(buyer, PRICE + 1, 6);
        bytes memory askSig = _sign(sellerKey, ask);
        bytes memory bidSig = _sign(buyerKey, bid);
        (
            Marketplace.Order[] memory asks,
            bytes[] memory askSigs,
            Marketplace.Order[] memory bids,
            bytes[] memory bidSigs
        ) = market.decodeBatch(_encode(_one(_pair(ask, askSig, bid, bidSig))));
        assertEq(market.hashOrder(asks[0]), market.hashOrder(ask), "ask");
        assertEq(market.hashOrder(bids[0]), market.hashOrder(bid), "bid");
        assertEq(askSigs[0], askSig, "ask signature");
        assertEq(bidSigs[0], bidSig, "bid signature");
    }

    function _truncate(bytes memory b, uint256 length) private pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i; i < length; ++i) {
            out[i] = b[i];
        }
    }

    function _setByte(bytes memory b, uint256 at, bytes1 value) private pure returns (bytes memory out) {
        out = _truncate(b, b.length);
        out[at] = value;
    }

    /*//////////////////////////////////////////////////////////////
                          EVERY SKIP REASON
    //////////////////////////////////////////////////////////////*/

    function test_skip_bidBelowAsk() public {
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        Marketplace.Order memory bid = _bid(buyer, tokenId, PRICE - 1, 1);
        _expectSkip(
            _pair(ask, _sign(sellerKey, ask), bid, _sign(buyerKey, bid)), Marketplace.SkipReason.BidBelowAsk
        );
    }

    function test_skip_selfTrade() public {
        _fund(seller, PRICE);
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        Marketplace.Order memory bid = _bid(seller, tokenId, PRICE, 2);
        _expectSkip(
            _pair(ask, _sign(sellerKey, ask), bid, _sign(sellerKey, bid)), Marketplace.SkipReason.SelfTrade
        );
    }

    function test_skip_currencyNotAllowed() public {
        Pair memory pair = _signedPair(tokenId, PRICE, 1, 1);
        vm.prank(admin);
        market.setCurrency(address(usd), false);
        _expectSkip(pair, Marketplace.SkipReason.CurrencyNotAllowed);
    }

    function test_skip_notStarted() public {
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        Marketplace.Order memory bid = _bid(buyer, tokenId, PRICE, 1);
        ask.start = uint64(block.timestamp + 1);
        _expectSkip(
            _pair(ask, _sign(sellerKey, ask), bid, _sign(buyerKey, bid)), Marketplace.SkipReason.AskNotStarted
        );
        ask.start = uint64(block.timestamp);
        bid.start = uint64(block.timestamp + 1);
        _expectSkip(
            _pair(ask, _sign(sellerKey, ask), bid, _sign(buyerKey, bid)), Marketplace.SkipReason.BidNotStarted
        );
    }

    function test_skip_expired() public {
        Pair memory pair = _signedPair(tokenId, PRICE, 1, 1);
        vm.warp(EXPIRY); // valid while block time < expiry
        _expectSkip(pair, Marketplace.SkipReason.AskExpired);

        vm.warp(T0);
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        Marketplace.Order memory bid = _bid(buyer, tokenId, PRICE, 1);
        bid.expiry = uint64(block.timestamp);
        _expectSkip(
            _pair(ask, _sign(sellerKey, ask), bid, _sign(buyerKey, bid)), Marketplace.SkipReason.BidExpired
        );
    }

    function test_skip_badSignature() public {
        (, uint256 strangerKey) = makeAddrAndKey("stranger");
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        Marketplace.Order memory bid = _bid(buyer, tokenId, PRICE, 1);
        _expectSkip(
            _pair(ask, _sign(strangerKey, ask), bid, _sign(buyerKey, bid)),
            Marketplace.SkipReason.AskBadSignature
        );
        _expectSkip(
            _pair(ask, _sign(sellerKey, ask), bid, _sign(strangerKey, bid)),
            Marketplace.SkipReason.BidBadSignature
        );
        _expectSkip(_pair(ask, hex"1234", bid, _sign(buyerKey, bid)), Marketplace.SkipReason.AskBadSignature);
    }

    function test_skip_counterStale() public {
        Pair memory pair = _signedPair(tokenId, PRICE, 1, 1);
        vm.prank(seller);
        market.incrementCounter();
        _expectSkip(pair, Marketplace.SkipReason.AskCounterStale);

        pair = _signedPair(tokenId, PRICE, 1, 1); // signed under the new seller counter
        vm.prank(buyer);
        market.incrementCounter();
        _expectSkip(pair, Marketplace.SkipReason.BidCounterStale);
    }

    function test_skip_cancelled() public {
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        Marketplace.Order memory bid = _bid(buyer, tokenId, PRICE, 1);
        Pair memory pair = _pair(ask, _sign(sellerKey, ask), bid, _sign(buyerKey, bid));
        Marketplace.Order[] memory orders = new Marketplace.Order[](1);
        orders[0] = ask;
        vm.prank(seller);
        market.cancel(orders);
        _expectSkip(pair, Marketplace.SkipReason.AskCancelled);

        orders[0] = bid;
        Marketplace.Order memory freshAsk = _ask(seller, tokenId, PRICE, 2);
        pair = _pair(freshAsk, _sign(sellerKey, freshAsk), bid, _sign(buyerKey, bid));
        vm.prank(buyer);
        market.cancel(orders);
        _expectSkip(pair, Marketplace.SkipReason.BidCancelled);
    }

    function test_skip_filled() public {
        uint256 second = _mintWork(seller);
        _settleOne(_signedPair(tokenId, PRICE, 1, 1));
        _expectSkip(_signedPair(second, PRICE, 1, 2), Marketplace.SkipReason.AskFilled);
        _expectSkip(_signedPair(second, PRICE, 2, 1), Marketplace.SkipReason.BidFilled);
    }

    function test_skip_buyerUnfunded() public {
        _expectSkip(_signedPair(tokenId, 1000e6 + 1, 1, 1), Marketplace.SkipReason.BuyerUnfunded);
    }

    function test_skip_sellerNotOwner() public {
        uint256 someoneElses = _mintWork(makeAddr("someone"));
        _expectSkip(_signedPair(someoneElses, PRICE, 1, 1), Marketplace.SkipReason.SellerNotOwner);
    }

    function test_skip_itemNotApproved() public {
        vm.prank(seller);
        registry.setApprovalForAll(address(market), false);
        _expectSkip(_signedPair(tokenId, PRICE, 1, 1), Marketplace.SkipReason.ItemNotApproved);
    }

    function test_skip_itemTransferFailed_noContract() public {
        address nothing = makeAddr("not a collection");
        Marketplace.Order memory ask = _order(seller, ASK, nothing, 1, PRICE, 1);
        Marketplace.Order memory bid = _order(buyer, TOKEN_BID, nothing, 1, PRICE, 1);
        _expectSkip(
            _pair(ask, _sign(sellerKey, ask), bid, _sign(buyerKey, bid)),
            Marketplace.SkipReason.ItemTransferFailed
        );
    }

    /// @notice The operator can only submit what both makers signed: any altered field voids a signature.
    function test_operatorCannotAlterSignedTerms() public {
        Pair memory honest = _signedPair(tokenId, PRICE, 1, 1);
        uint256 other = _mintWork(seller);

        Pair memory p = _signedPair(tokenId, PRICE, 1, 1);
        p.ask.price = PRICE - 1; // cheaper for the buyer
        p.bid.price = PRICE - 1;
        _expectSkip(p, Marketplace.SkipReason.AskBadSignature);

        p = _signedPair(tokenId, PRICE, 1, 1);
        p.bid.price = PRICE * 2; // more for the seller
        p.ask.price = PRICE * 2;
        _expectSkip(p, Marketplace.SkipReason.AskBadSignature);

        p = _signedPair(tokenId, PRICE, 1, 1);
        p.tokenId = other; // another item
        _expectSkip(p, Marketplace.SkipReason.AskBadSignature);

        p = _signedPair(tokenId, PRICE, 1, 1);
        p.collectionBid = true; // turn a token bid into a collection bid
        _expectSkip(p, Marketplace.SkipReason.BidBadSignature);

        p = _signedPair(tokenId, PRICE, 1, 1);
        p.bid.expiry = EXPIRY + 1; // stretch a term
        _expectSkip(p, Marketplace.SkipReason.BidBadSignature);

        p = _signedPair(tokenId, PRICE, 1, 1);
        p.bid.maker = makeAddr("operator's friend"); // redirect the item
        _expectSkip(p, Marketplace.SkipReason.BidBadSignature);

        assertEq(uint256(_settleOne(honest)), 0, "the honest pair still settles");
    }

    /*//////////////////////////////////////////////////////////////
                             DIRECT FILLS
    //////////////////////////////////////////////////////////////*/

    function test_acceptAsk_takerPaysFromWallet() public {
        address taker = makeAddr("taker");
        usd.mint(taker, PRICE);
        vm.prank(taker);
        usd.approve(address(market), PRICE);
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        bytes memory signature = _sign(sellerKey, ask);

        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.Deposited(taker, address(usd), PRICE);
        _expectTrade(market.hashOrder(ask), bytes32(0), tokenId, seller, taker, PRICE);
        vm.prank(taker);
        market.acceptAsk(ask, signature);

        (,,,, uint256 proceeds) = _expectedSplit(PRICE);
        assertEq(registry.ownerOf(tokenId), taker, "item");
        assertEq(usd.balanceOf(taker), 0, "paid from the wallet");
        assertEq(_ledger(taker), 0, "deposit spent in the same call");
        assertEq(_ledger(seller), proceeds, "seller credited");
        assertEq(uint256(market.nonceState(seller, 1)), uint256(Marketplace.NonceState.Filled), "filled");
    }

    function test_acceptAsk_revertsWithTheSkipReason() public {
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        bytes memory signature = _sign(sellerKey, ask);
        vm.warp(EXPIRY);
        vm.expectRevert(
            abi.encodeWithSelector(Marketplace.NotFillable.selector, Marketplace.SkipReason.AskExpired)
        );
        vm.prank(buyer);
        market.acceptAsk(ask, signature);
    }

    function test_acceptAsk_revertsForABid() public {
        Marketplace.Order memory bid = _bid(buyer, tokenId, PRICE, 1);
        bytes memory signature = _sign(buyerKey, bid);
        vm.expectRevert(Marketplace.InvalidOrder.selector);
        vm.prank(seller);
        market.acceptAsk(bid, signature);
    }

    function test_acceptAsk_revertsWhenItemCannotMove() public {
        address taker = makeAddr("taker");
        usd.mint(taker, PRICE);
        vm.prank(taker);
        usd.approve(address(market), PRICE);
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        bytes memory signature = _sign(sellerKey, ask);
        vm.prank(seller);
        registry.setApprovalForAll(address(market), false);
        vm.expectRevert(
            abi.encodeWithSelector(Marketplace.NotFillable.selector, Marketplace.SkipReason.ItemNotApproved)
        );
        vm.prank(taker);
        market.acceptAsk(ask, signature);
    }

    function test_acceptBid_tokenBid() public {
        Marketplace.Order memory bid = _bid(buyer, tokenId, PRICE, 1);
        bytes memory signature = _sign(buyerKey, bid);
        _expectTrade(bytes32(0), market.hashOrder(bid), tokenId, seller, buyer, PRICE);
        vm.prank(seller);
        market.acceptBid(bid, signature, tokenId);
        assertEq(registry.ownerOf(tokenId), buyer, "item");
        assertEq(_ledger(buyer), 1000e6 - PRICE, "paid from the bidding pool");
    }

    function test_acceptBid_collectionBidTakesAnyToken() public {
        uint256 other = _mintWork(seller);
        Marketplace.Order memory bid = _collectionBid(buyer, PRICE, 1);
        bytes memory signature = _sign(buyerKey, bid);
        vm.prank(seller);
        market.acceptBid(bid, signature, other);
        assertEq(registry.ownerOf(other), buyer, "item");
    }

    function test_acceptBid_revertsForTheWrongToken() public {
        uint256 other = _mintWork(seller);
        Marketplace.Order memory bid = _bid(buyer, tokenId, PRICE, 1);
        bytes memory signature = _sign(buyerKey, bid);
        vm.expectRevert(Marketplace.InvalidOrder.selector);
        vm.prank(seller);
        market.acceptBid(bid, signature, other);

        Marketplace.Order memory collectionBid = _collectionBid(buyer, PRICE, 2);
        collectionBid.tokenId = tokenId; // collection bids sign token id 0
        signature = _sign(buyerKey, collectionBid);
        vm.expectRevert(Marketplace.InvalidOrder.selector);
        vm.prank(seller);
        market.acceptBid(collectionBid, signature, tokenId);
    }

    function test_acceptBid_revertsWhenUnfunded() public {
        Marketplace.Order memory bid = _bid(buyer, tokenId, 1000e6 + 1, 1);
        bytes memory signature = _sign(buyerKey, bid);
        vm.expectRevert(
            abi.encodeWithSelector(Marketplace.NotFillable.selector, Marketplace.SkipReason.BuyerUnfunded)
        );
        vm.prank(seller);
        market.acceptBid(bid, signature, tokenId);
    }

    /*//////////////////////////////////////////////////////////////
                             CANCELLATION
    //////////////////////////////////////////////////////////////*/

    function test_cancel_emitsAndVoids() public {
        Marketplace.Order[] memory orders = new Marketplace.Order[](2);
        orders[0] = _ask(seller, tokenId, PRICE, 1);
        orders[1] = _ask(seller, tokenId, PRICE * 2, 2);
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.OrderCancelled(market.hashOrder(orders[0]), seller, 1);
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.OrderCancelled(market.hashOrder(orders[1]), seller, 2);
        vm.prank(seller);
        market.cancel(orders);
        assertEq(
            uint256(market.nonceState(seller, 2)), uint256(Marketplace.NonceState.Cancelled), "cancelled"
        );
    }

    function test_cancel_onlyByTheMaker() public {
        Marketplace.Order[] memory orders = new Marketplace.Order[](1);
        orders[0] = _ask(seller, tokenId, PRICE, 1);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.NotMaker.selector, buyer, seller));
        vm.prank(buyer);
        market.cancel(orders);
    }

    function test_cancel_ofAFilledOrderChangesNothing() public {
        _settleOne(_signedPair(tokenId, PRICE, 1, 1));
        Marketplace.Order[] memory orders = new Marketplace.Order[](1);
        orders[0] = _ask(seller, tokenId, PRICE, 1);
        vm.recordLogs();
        vm.prank(seller);
        market.cancel(orders);
        assertEq(vm.getRecordedLogs().length, 0, "no event");
        assertEq(
            uint256(market.nonceState(seller, 1)), uint256(Marketplace.NonceState.Filled), "still filled"
        );
    }

    function test_incrementCounter() public {
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.CounterIncremented(seller, 1);
        vm.prank(seller);
        assertEq(market.incrementCounter(), 1, "returns the new counter");
        assertEq(market.counterOf(seller), 1, "stored");
    }

    /*//////////////////////////////////////////////////////////////
                                LEDGER
    //////////////////////////////////////////////////////////////*/

    function test_deposit_and_withdraw() public {
        address alice = makeAddr("alice");
        usd.mint(alice, 50e6);
        vm.startPrank(alice);
        usd.approve(address(market), 50e6);
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.Deposited(alice, address(usd), 50e6);
        market.deposit(address(usd), 50e6);
        assertEq(_ledger(alice), 50e6, "deposited");

        address to = makeAddr("cold wallet");
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.Withdrawn(alice, address(usd), to, 20e6);
        market.withdraw(address(usd), 20e6, to);
        vm.stopPrank();
        assertEq(_ledger(alice), 30e6, "left");
        assertEq(usd.balanceOf(to), 20e6, "sent");
    }

    function test_deposit_onlyAllowedCurrencies() public {
        vm.expectRevert(abi.encodeWithSelector(Marketplace.CurrencyNotAllowed.selector, address(0xdead)));
        market.deposit(address(0xdead), 1);
    }

    function test_depositWithPermit() public {
        (address alice, uint256 aliceKey) = makeAddrAndKey("alice");
        usd.mint(alice, 10e6);
        bytes32 permitHash = keccak256(
            abi.encode(
                keccak256(
                    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
                ),
                alice,
                address(market),
                10e6,
                0,
                block.timestamp + 1
            )
        );
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(aliceKey, keccak256(abi.encodePacked("\x19\x01", usd.DOMAIN_SEPARATOR(), permitHash)));
        vm.prank(alice);
        market.depositWithPermit(address(usd), 10e6, block.timestamp + 1, v, r, s);
        assertEq(_ledger(alice), 10e6, "deposited without an approve");
    }

    function test_withdraw_revertsAboveBalance() public {
        vm.expectRevert(abi.encodeWithSelector(Marketplace.InsufficientBalance.selector, 1000e6, 1000e6 + 1));
        vm.prank(buyer);
        market.withdraw(address(usd), 1000e6 + 1, buyer);
    }

    function test_withdraw_worksWhilePausedAndDelisted() public {
        vm.startPrank(admin);
        market.pause();
        market.setCurrency(address(usd), false);
        vm.stopPrank();
        vm.prank(buyer);
        market.withdraw(address(usd), 1000e6, buyer);
        assertEq(usd.balanceOf(buyer), 1000e6, "funds can always leave");
    }

    function test_withdraw_rejectsZeroRecipient() public {
        vm.expectRevert(Marketplace.ZeroAddress.selector);
        vm.prank(buyer);
        market.withdraw(address(usd), 1, address(0));
    }

    /*//////////////////////////////////////////////////////////////
                                 ADMIN
    //////////////////////////////////////////////////////////////*/

    function test_admin_feeWithinHardCap() public {
        vm.startPrank(admin);
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.ProtocolFeeSet(feeRecipient, 1000);
        market.setProtocolFee(feeRecipient, 1000);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.InvalidFee.selector, 1001, feeRecipient));
        market.setProtocolFee(feeRecipient, 1001);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.InvalidFee.selector, 1, address(0)));
        market.setProtocolFee(address(0), 1);
        market.setProtocolFee(address(0), 0);
        vm.stopPrank();
        (address recipient, uint16 bps) = market.protocolFee();
        assertEq(recipient, address(0), "no recipient");
        assertEq(uint256(bps), 0, "no fee");
    }

    function test_admin_currenciesAndOperators() public {
        vm.startPrank(admin);
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.CurrencySet(address(0xbeef), true);
        market.setCurrency(address(0xbeef), true);
        vm.expectEmit(true, true, true, true, address(market));
        emit Marketplace.OperatorSet(operator, false);
        market.setOperator(operator, false);
        vm.expectRevert(Marketplace.ZeroAddress.selector);
        market.setOperator(address(0), true);
        vm.stopPrank();
        assertTrue(market.isCurrencyAllowed(address(0xbeef)), "allowed");
        assertFalse(market.isOperator(operator), "revoked");
    }

    function test_admin_onlyOwner() public {
        bytes memory unauthorized =
            abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, operator);
        vm.startPrank(operator);
        vm.expectRevert(unauthorized);
        market.setProtocolFee(operator, 0);
        vm.expectRevert(unauthorized);
        market.setCurrency(address(usd), false);
        vm.expectRevert(unauthorized);
        market.setOperator(operator, true);
        vm.expectRevert(unauthorized);
        market.pause();
        vm.stopPrank();
    }

    function test_admin_pauseStopsTradingAndDeposits() public {
        vm.prank(admin);
        market.pause();
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        bytes memory signature = _sign(sellerKey, ask);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        market.acceptAsk(ask, signature);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        market.deposit(address(usd), 1);
        vm.prank(admin);
        market.unpause();
        assertFalse(market.paused(), "resumed");
    }

    function test_admin_twoStepOwnership() public {
        address next = makeAddr("next admin");
        vm.prank(admin);
        market.transferOwnership(next);
        assertEq(market.owner(), admin, "pending only");
        assertEq(market.pendingOwner(), next, "pending owner");
        vm.prank(next);
        market.acceptOwnership();
        assertEq(market.owner(), next, "accepted");
    }

    function test_constructor_rejectsFeeAboveCap() public {
        vm.expectRevert(abi.encodeWithSelector(Marketplace.InvalidFee.selector, 1001, feeRecipient));
        new Marketplace(admin, registry, feeRecipient, 1001);
    }

    function test_ledgerMatchesTokenBalance() public {
        _settleOne(_signedPair(tokenId, PRICE, 1, 1));
        uint256 sum = _ledger(buyer) + _ledger(seller) + _ledger(feeRecipient) + _ledger(creator)
            + _ledger(contributorA) + _ledger(contributorB);
        assertEq(sum, IERC20(address(usd)).balanceOf(address(market)), "every credit is backed");
    }
}
