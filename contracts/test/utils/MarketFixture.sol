// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ArtworkRegistry} from "../../src/ArtworkRegistry.sol";
import {Marketplace} from "../../src/Marketplace.sol";
import {TestStablecoin} from "../../src/TestStablecoin.sol";
import {Test} from "./Test.sol";

/// @notice Shared setup of the marketplace tests: the three contracts as deploy.ts wires them, named actors,
///         works with a royalty and two contributors, and helpers that sign orders the way a maker's client does
///         (EIP-712 digest from the contract, secp256k1 signature r || s || v).
abstract contract MarketFixture is Test {
    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    uint16 internal constant FEE_BPS = 250; // 2.5%
    uint16 internal constant ROYALTY_BPS = 500; // 5%
    uint16 internal constant SHARE_A_BPS = 150; // 1.5%
    uint16 internal constant SHARE_B_BPS = 100; // 1%
    uint256 internal constant PRICE = 100e6; // 100 tUSD
    uint256 internal constant T0 = 1_750_000_000;
    uint64 internal constant EXPIRY = uint64(T0 + 30 days);

    uint8 internal constant ASK = 0;
    uint8 internal constant TOKEN_BID = 1;
    uint8 internal constant COLLECTION_BID = 2;

    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @dev One side of a matched pair as the tests build it (the packed batch encodes these fields).
    struct Side {
        address maker;
        uint256 price;
        uint64 start;
        uint64 expiry;
        uint256 counter;
        uint256 nonce;
        bytes signature;
    }

    /// @dev A matched pair: the shared fields once, then each side (see Marketplace.settleBatch).
    struct Pair {
        address collection;
        uint256 tokenId;
        address currency;
        bool collectionBid;
        Side ask;
        Side bid;
    }

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    TestStablecoin internal usd;
    ArtworkRegistry internal registry;
    Marketplace internal market;

    address internal admin;
    address internal operator;
    address internal feeRecipient;
    address internal creator;
    address internal contributorA;
    address internal contributorB;
    address internal seller;
    uint256 internal sellerKey;
    address internal buyer;
    uint256 internal buyerKey;

    /*//////////////////////////////////////////////////////////////
                                 SETUP
    //////////////////////////////////////////////////////////////*/

    function setUp() public virtual {
        vm.chainId(31_337);
        vm.warp(T0);
        admin = makeAddr("admin");
        operator = makeAddr("operator");
        feeRecipient = makeAddr("feeRecipient");
        creator = makeAddr("creator");
        contributorA = makeAddr("contributorA");
        contributorB = makeAddr("contributorB");
        (seller, sellerKey) = makeAddrAndKey("seller");
        (buyer, buyerKey) = makeAddrAndKey("buyer");

        usd = new TestStablecoin();
        registry = new ArtworkRegistry(admin);
        market = new Marketplace(admin, registry, feeRecipient, FEE_BPS);
        vm.startPrank(admin);
        market.setCurrency(address(usd), true);
        market.setOperator(operator, true);
        vm.stopPrank();

        vm.prank(seller);
        registry.setApprovalForAll(address(market), true);
    }

    /*//////////////////////////////////////////////////////////////
                                 WORKS
    //////////////////////////////////////////////////////////////*/

    /// @dev A provenance record with the two standard contributors and no parents.
    function _provenance() internal view returns (ArtworkRegistry.Provenance memory p) {
        p.modelId = "stabilityai/sdxl-base-1.0";
        p.modelHash = keccak256("sdxl weights");
        p.promptHash = keccak256("a lighthouse in the fog, oil on canvas");
        p.seed = 42;
        p.manifestHash = keccak256("c2pa manifest");
        p.manifestURI = "ipfs://bafy-manifest";
        p.contributors = new ArtworkRegistry.Contribution[](2);
        p.contributors[0] = ArtworkRegistry.Contribution(contributorA, SHARE_A_BPS);
        p.contributors[1] = ArtworkRegistry.Contribution(contributorB, SHARE_B_BPS);
    }

    /// @dev `creator` mints a work (5% royalty to itself, two contributors) to `to`.
    function _mintWork(address to) internal returns (uint256 tokenId) {
        vm.prank(creator);
        tokenId = registry.mint(to, _provenance(), address(0), ROYALTY_BPS);
    }

    /*//////////////////////////////////////////////////////////////
                                 ORDERS
    //////////////////////////////////////////////////////////////*/

    function _order(
        address maker,
        uint8 kind,
        address collection,
        uint256 tokenId,
        uint256 price,
        uint256 nonce
    ) internal view returns (Marketplace.Order memory o) {
        o.maker = maker;
        o.kind = kind;
        o.collection = collection;
        o.tokenId = tokenId;
        o.currency = address(usd);
        o.price = price;
        o.start = uint64(block.timestamp);
        o.expiry = EXPIRY;
        o.counter = market.counterOf(maker);
        o.nonce = nonce;
    }

    function _ask(address maker, uint256 tokenId, uint256 price, uint256 nonce)
        internal
        view
        returns (Marketplace.Order memory)
    {
        return _order(maker, ASK, address(registry), tokenId, price, nonce);
    }

    function _bid(address maker, uint256 tokenId, uint256 price, uint256 nonce)
        internal
        view
        returns (Marketplace.Order memory)
    {
        return _order(maker, TOKEN_BID, address(registry), tokenId, price, nonce);
    }

    function _collectionBid(address maker, uint256 price, uint256 nonce)
        internal
        view
        returns (Marketplace.Order memory)
    {
        return _order(maker, COLLECTION_BID, address(registry), 0, price, nonce);
    }

    /// @dev What a maker's wallet returns for eth_signTypedData_v4 over `order`: r || s || v.
    function _sign(uint256 key, Marketplace.Order memory order) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, market.hashOrder(order));
        return abi.encodePacked(r, s, v);
    }

    function _side(Marketplace.Order memory o, bytes memory signature) internal pure returns (Side memory) {
        return Side(o.maker, o.price, o.start, o.expiry, o.counter, o.nonce, signature);
    }

    /// @dev The settlement pair for two signed orders (the ask decides collection, token and currency).
    function _pair(
        Marketplace.Order memory ask,
        bytes memory askSig,
        Marketplace.Order memory bid,
        bytes memory bidSig
    ) internal pure returns (Pair memory) {
        return Pair({
            collection: ask.collection,
            tokenId: ask.tokenId,
            currency: ask.currency,
            collectionBid: bid.kind == COLLECTION_BID,
            ask: _side(ask, askSig),
            bid: _side(bid, bidSig)
        });
    }

    /// @dev The standard matched pair: `seller` asks `price` for `tokenId`, `buyer` bids the same on it.
    function _signedPair(uint256 tokenId, uint256 price, uint256 askNonce, uint256 bidNonce)
        internal
        view
        returns (Pair memory)
    {
        Marketplace.Order memory ask = _ask(seller, tokenId, price, askNonce);
        Marketplace.Order memory bid = _bid(buyer, tokenId, price, bidNonce);
        return _pair(ask, _sign(sellerKey, ask), bid, _sign(buyerKey, bid));
    }

    function _one(Pair memory pair) internal pure returns (Pair[] memory pairs) {
        pairs = new Pair[](1);
        pairs[0] = pair;
    }

    function _settle(Pair[] memory pairs) internal returns (Marketplace.SkipReason[] memory) {
        vm.prank(operator);
        return market.settleBatch(_encode(pairs));
    }

    function _settleOne(Pair memory pair) internal returns (Marketplace.SkipReason) {
        return _settle(_one(pair))[0];
    }

    /// @dev The packed batch `settleBatch` takes (layout in its NatSpec; the TypeScript twin is
    ///      `encodeSettlementBatch` in libs/contracts/abi): an address table, then the pairs.
    function _encode(Pair[] memory pairs) internal pure returns (bytes memory batch) {
        address[] memory table = new address[](4 * pairs.length);
        uint256 size;
        bytes memory body;
        for (uint256 i; i < pairs.length; ++i) {
            Pair memory p = pairs[i];
            uint16 collection;
            uint16 currency;
            (collection, size) = _index(table, size, p.collection);
            (currency, size) = _index(table, size, p.currency);
            bytes memory ask;
            bytes memory bid;
            (ask, size) = _encodeSide(table, size, p.ask);
            (bid, size) = _encodeSide(table, size, p.bid);
            body = abi.encodePacked(
                body, collection, p.tokenId, currency, uint8(p.collectionBid ? 1 : 0), ask, bid
            );
        }
        batch = abi.encodePacked(uint16(pairs.length), uint16(size));
        for (uint256 i; i < size; ++i) {
            batch = abi.encodePacked(batch, table[i]);
        }
        batch = abi.encodePacked(batch, body);
    }

    function _index(address[] memory table, uint256 size, address a) private pure returns (uint16, uint256) {
        for (uint256 i; i < size; ++i) {
            if (table[i] == a) return (uint16(i), size);
        }
        table[size] = a;
        return (uint16(size), size + 1);
    }

    function _encodeSide(address[] memory table, uint256 size, Side memory s)
        private
        pure
        returns (bytes memory encoded, uint256)
    {
        uint16 maker;
        (maker, size) = _index(table, size, s.maker);
        encoded = abi.encodePacked(
            maker,
            uint128(s.price),
            s.start,
            s.expiry,
            uint64(s.counter),
            s.nonce,
            uint16(s.signature.length),
            s.signature
        );
        return (encoded, size);
    }

    /*//////////////////////////////////////////////////////////////
                                 MONEY
    //////////////////////////////////////////////////////////////*/

    /// @dev Mints `amount` tUSD to `account` and deposits it into its marketplace balance.
    function _fund(address account, uint256 amount) internal {
        usd.mint(account, amount);
        vm.startPrank(account);
        usd.approve(address(market), amount);
        market.deposit(address(usd), amount);
        vm.stopPrank();
    }

    function _ledger(address account) internal view returns (uint256) {
        return market.balanceOf(account, address(usd));
    }

    /// @dev The split the contract must credit for `price` on a standard work.
    function _expectedSplit(uint256 price)
        internal
        pure
        returns (uint256 fee, uint256 royalty, uint256 shareA, uint256 shareB, uint256 proceeds)
    {
        fee = price * FEE_BPS / 10_000;
        royalty = price * ROYALTY_BPS / 10_000;
        shareA = price * SHARE_A_BPS / 10_000;
        shareB = price * SHARE_B_BPS / 10_000;
        proceeds = price - fee - royalty - shareA - shareB;
    }
}
