// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ArtworkRegistry} from "../src/ArtworkRegistry.sol";
import {Marketplace} from "../src/Marketplace.sol";
import {TestStablecoin} from "../src/TestStablecoin.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {FuzzSelector, Test, Vm} from "./utils/Test.sol";

/// @notice Drives the market with random mints, deposits, withdrawals, batches (valid and broken pairs),
///         direct fills, cancellations and counter raises, and checks every {Marketplace.TradeSettled} as
///         it happens. Ghost counters record any violation for the invariants to assert.
contract MarketHandler is Test {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    struct Actor {
        address account;
        uint256 key;
    }

    /// @dev The data words of {Marketplace.TradeSettled}, in order.
    struct TradeData {
        uint256 tokenId;
        address seller;
        address buyer;
        address currency;
        uint256 price;
        uint256 protocolFee;
        address royaltyReceiver;
        uint256 royalty;
        uint256 attribution;
        uint256 sellerProceeds;
    }

    struct Signed {
        address maker;
        uint256 counter;
        uint256 nonce;
    }

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    Marketplace private immutable market;
    ArtworkRegistry private immutable registry;
    TestStablecoin private immutable usd;
    address private immutable operator;

    Actor[] private actors;
    address[] private creators;
    address[] private contributors;
    address[] public accounts; // every account that can hold a ledger balance
    uint256[] private works;
    mapping(address maker => uint256) private nextNonce;
    mapping(bytes32 orderHash => Signed) private signed;
    bytes32[] private signedHashes;

    // Ghosts.
    mapping(bytes32 orderHash => uint256) public fills;
    mapping(address maker => mapping(uint256 nonce => bool)) private cancelledNonce;
    uint256 public trades;
    uint256 public skips;
    uint256 public splitMismatches;
    uint256 public capViolations;
    uint256 public doubleFills;
    uint256 public deadFills;

    constructor(
        Marketplace market_,
        ArtworkRegistry registry_,
        TestStablecoin usd_,
        address operator_,
        address fee
    ) {
        market = market_;
        registry = registry_;
        usd = usd_;
        operator = operator_;
        accounts.push(fee);
        for (uint256 i; i < 4; ++i) {
            (address account, uint256 key) = makeAddrAndKey(string.concat("maker", vm.toString(i)));
            actors.push(Actor(account, key));
            accounts.push(account);
            vm.prank(account);
            registry.setApprovalForAll(address(market), true);
        }
        for (uint256 i; i < 3; ++i) {
            creators.push(makeAddr(string.concat("creator", vm.toString(i))));
            accounts.push(creators[i]);
        }
        for (uint256 i; i < 4; ++i) {
            contributors.push(makeAddr(string.concat("contributor", vm.toString(i))));
            accounts.push(contributors[i]);
        }
    }

    function accountCount() external view returns (uint256) {
        return accounts.length;
    }

    /*//////////////////////////////////////////////////////////////
                                ACTIONS
    //////////////////////////////////////////////////////////////*/

    function mint(uint256 actorSeed, uint16 royaltyBps, uint256 contributorSeed) public {
        ArtworkRegistry.Provenance memory p;
        p.modelId = "model";
        uint256 count = contributorSeed % 4;
        p.contributors = new ArtworkRegistry.Contribution[](count);
        for (uint256 i; i < count; ++i) {
            uint16 bps = uint16(bound(uint256(keccak256(abi.encode(contributorSeed, i))), 1, 333));
            p.contributors[i] = ArtworkRegistry.Contribution(contributors[(contributorSeed % 4 + i) % 4], bps);
        }
        vm.prank(creators[royaltyBps % 3]);
        works.push(
            registry.mint(_actor(actorSeed).account, p, address(0), uint16(bound(royaltyBps, 0, 1000)))
        );
    }

    function deposit(uint256 actorSeed, uint256 amount) public {
        Actor memory a = _actor(actorSeed);
        amount = bound(amount, 1, 1e12);
        usd.mint(a.account, amount);
        vm.startPrank(a.account);
        usd.approve(address(market), amount);
        market.deposit(address(usd), amount);
        vm.stopPrank();
    }

    function withdraw(uint256 accountSeed, uint256 amount) external {
        address account = accounts[accountSeed % accounts.length];
        uint256 balance = market.balanceOf(account, address(usd));
        if (balance == 0) return;
        vm.prank(account);
        market.withdraw(address(usd), bound(amount, 1, balance), account);
    }

    /// @notice A batch of up to 3 pairs over random works; some are broken (expired, badly signed, stale
    ///         nonce) and must be skipped, the rest settle.
    function settle(uint256 seed) external {
        if (works.length == 0) mint(seed, uint16(seed >> 8), seed >> 16);
        uint256 count = 1 + seed % 3;
        MarketFixture.Pair[] memory pairs = new MarketFixture.Pair[](count);
        for (uint256 k; k < count; ++k) {
            pairs[k] = _randomPair(uint256(keccak256(abi.encode(seed, k))));
        }
        vm.recordLogs();
        vm.prank(operator);
        market.settleBatch(_encode(pairs));
        _check(vm.getRecordedLogs());
    }

    function acceptAsk(uint256 seed) external {
        if (works.length == 0) return;
        uint256 tokenId = works[seed % works.length];
        (bool known, Actor memory owner) = _ownerActor(tokenId);
        Actor memory taker = _actor(seed >> 8);
        if (!known || taker.account == owner.account) return;
        uint256 price = bound(seed >> 16, 1, 1e9);
        Marketplace.Order memory ask = _order(owner, 0, tokenId, price, seed);
        bytes memory signature = _sign(owner.key, ask);
        usd.mint(taker.account, price);
        vm.startPrank(taker.account);
        usd.approve(address(market), price);
        vm.recordLogs();
        try market.acceptAsk(ask, signature) {
            _check(vm.getRecordedLogs());
        } catch {}
        vm.stopPrank();
    }

    function cancel(uint256 seed) external {
        if (signedHashes.length == 0) return;
        bytes32 hash = signedHashes[seed % signedHashes.length];
        Signed memory s = signed[hash];
        Marketplace.Order[] memory orders = new Marketplace.Order[](1);
        orders[0].maker = s.maker;
        orders[0].nonce = s.nonce;
        bool open = market.nonceState(s.maker, s.nonce) == Marketplace.NonceState.Open;
        vm.prank(s.maker);
        market.cancel(orders);
        if (open) cancelledNonce[s.maker][s.nonce] = true;
    }

    function incrementCounter(uint256 actorSeed) external {
        vm.prank(_actor(actorSeed).account);
        market.incrementCounter();
    }

    /*//////////////////////////////////////////////////////////////
                                CHECKS
    //////////////////////////////////////////////////////////////*/

    /// @dev Every trade: parts add up to the price, within caps; no order fills twice; no cancelled or
    ///      counter-invalidated order fills.
    function _check(Vm.Log[] memory logs) private {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(market)) continue;
            bytes32 topic = logs[i].topics[0];
            if (topic == Marketplace.PairSkipped.selector) ++skips;
            if (topic != Marketplace.TradeSettled.selector) continue;
            ++trades;
            TradeData memory t = abi.decode(logs[i].data, (TradeData));
            if (t.protocolFee + t.royalty + t.attribution + t.sellerProceeds != t.price) ++splitMismatches;
            if (t.protocolFee > t.price / 10 || t.royalty > t.price / 10 || t.attribution > t.price / 10) {
                ++capViolations;
            }
            _fill(logs[i].topics[1]);
            _fill(logs[i].topics[2]);
        }
    }

    function _fill(bytes32 orderHash) private {
        if (orderHash == bytes32(0)) return;
        if (++fills[orderHash] > 1) ++doubleFills;
        Signed memory s = signed[orderHash];
        if (cancelledNonce[s.maker][s.nonce] || s.counter < market.counterOf(s.maker)) ++deadFills;
    }

    /*//////////////////////////////////////////////////////////////
                                ORDERS
    //////////////////////////////////////////////////////////////*/

    function _randomPair(uint256 seed) private returns (MarketFixture.Pair memory pair) {
        uint256 tokenId = works[seed % works.length];
        (bool known, Actor memory seller) = _ownerActor(tokenId);
        if (!known) seller = _actor(seed);
        Actor memory buyer = _actor((seed >> 8) + 1);
        uint256 price = bound(seed >> 16, 1, 1e9);
        if ((seed >> 80) % 3 != 0) deposit((seed >> 8) + 1, price); // usually funded, sometimes not
        bool collectionBid = (seed >> 48) % 4 == 0;
        Marketplace.Order memory ask = _order(seller, 0, tokenId, price, seed >> 56);
        Marketplace.Order memory bid =
            _order(buyer, collectionBid ? 2 : 1, collectionBid ? 0 : tokenId, price, seed >> 64);
        uint256 flaw = (seed >> 72) % 8;
        if (flaw == 0) ask.expiry = uint64(block.timestamp); // expired
        if (flaw == 1) bid.price = price - 1; // below the ask (or free when price is 1... still skipped)
        bytes memory askSig = _sign(flaw == 2 ? buyer.key : seller.key, ask);
        bytes memory bidSig = _sign(buyer.key, bid);
        pair = MarketFixture.Pair({
            collection: address(registry),
            tokenId: tokenId,
            currency: address(usd),
            collectionBid: collectionBid,
            ask: MarketFixture.Side(
                ask.maker, ask.price, ask.start, ask.expiry, ask.counter, ask.nonce, askSig
            ),
            bid: MarketFixture.Side(
                bid.maker, bid.price, bid.start, bid.expiry, bid.counter, bid.nonce, bidSig
            )
        });
    }

    /// @dev A fresh order of `a`, or (1 time in 4) one reusing an earlier nonce, which may be filled or cancelled.
    function _order(Actor memory a, uint8 kind, uint256 tokenId, uint256 price, uint256 seed)
        private
        returns (Marketplace.Order memory o)
    {
        uint256 nonce = nextNonce[a.account];
        if (seed % 4 == 0 && nonce > 0) nonce = (seed >> 2) % nonce;
        else nextNonce[a.account] = nonce + 1;
        o = Marketplace.Order({
            maker: a.account,
            kind: kind,
            collection: address(registry),
            tokenId: tokenId,
            currency: address(usd),
            price: price,
            start: uint64(block.timestamp),
            expiry: uint64(block.timestamp + 1 days),
            counter: market.counterOf(a.account),
            nonce: nonce
        });
        bytes32 hash = market.hashOrder(o);
        if (signed[hash].maker == address(0)) signedHashes.push(hash);
        signed[hash] = Signed(a.account, o.counter, nonce);
    }

    function _sign(uint256 key, Marketplace.Order memory o) private view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, market.hashOrder(o));
        return abi.encodePacked(r, s, v);
    }

    function _actor(uint256 seed) private view returns (Actor memory) {
        return actors[seed % actors.length];
    }

    function _ownerActor(uint256 tokenId) private view returns (bool, Actor memory) {
        address owner = registry.ownerOf(tokenId);
        for (uint256 i; i < actors.length; ++i) {
            if (actors[i].account == owner) return (true, actors[i]);
        }
        return (false, actors[0]);
    }

    /// @dev Same packing as MarketFixture._encode (the handler is not a fixture, so it has its own copy).
    function _encode(MarketFixture.Pair[] memory pairs) private pure returns (bytes memory batch) {
        address[] memory table = new address[](4 * pairs.length);
        uint256 size;
        bytes memory body;
        for (uint256 i; i < pairs.length; ++i) {
            MarketFixture.Pair memory p = pairs[i];
            uint16 collection;
            uint16 currency;
            uint16 askMaker;
            uint16 bidMaker;
            (collection, size) = _index(table, size, p.collection);
            (currency, size) = _index(table, size, p.currency);
            (askMaker, size) = _index(table, size, p.ask.maker);
            (bidMaker, size) = _index(table, size, p.bid.maker);
            body = abi.encodePacked(
                body,
                abi.encodePacked(collection, p.tokenId, currency, uint8(p.collectionBid ? 1 : 0)),
                _side(askMaker, p.ask),
                _side(bidMaker, p.bid)
            );
        }
        batch = abi.encodePacked(uint16(pairs.length), uint16(size));
        for (uint256 i; i < size; ++i) {
            batch = abi.encodePacked(batch, table[i]);
        }
        batch = abi.encodePacked(batch, body);
    }

    function _side(uint16 maker, MarketFixture.Side memory s) private pure returns (bytes memory) {
        return abi.encodePacked(
            maker,
            uint128(s.price),
            s.start,
            s.expiry,
            uint64(s.counter),
            s.nonce,
            uint16(s.signature.length),
            s.signature
        );
    }

    function _index(address[] memory table, uint256 size, address a) private pure returns (uint16, uint256) {
        for (uint256 i; i < size; ++i) {
            if (table[i] == a) return (uint16(i), size);
        }
        table[size] = a;
        return (uint16(size), size + 1);
    }
}

/// @notice Invariants of the market under random use: conservation of value (the ledger is always backed
///         by the tokens the contract holds, and every trade's parts add up to its price), caps, single fills,
///         and dead orders staying dead.
contract MarketplaceInvariantTest is MarketFixture {
    MarketHandler private handler;

    function setUp() public override {
        super.setUp();
        handler = new MarketHandler(market, registry, usd, operator, feeRecipient);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = MarketHandler.mint.selector;
        selectors[1] = MarketHandler.deposit.selector;
        selectors[2] = MarketHandler.withdraw.selector;
        selectors[3] = MarketHandler.settle.selector;
        selectors[4] = MarketHandler.acceptAsk.selector;
        selectors[5] = MarketHandler.cancel.selector;
        selectors[6] = MarketHandler.incrementCounter.selector;
        targetSelector(FuzzSelector(address(handler), selectors));
    }

    /// @notice Conservation: the tokens the market holds equal the sum of every ledger balance.
    function invariant_ledgerIsBackedByTokens() public view {
        uint256 sum;
        for (uint256 i; i < handler.accountCount(); ++i) {
            sum += market.balanceOf(handler.accounts(i), address(usd));
        }
        assertEq(usd.balanceOf(address(market)), sum, "ledger == tokens held");
    }

    /// @notice Conservation per trade: fee + royalty + contributors + seller == price, to the unit.
    function invariant_everyTradeSplitsExactly() public view {
        assertEq(handler.splitMismatches(), 0, "split mismatches");
    }

    function invariant_capsHold() public view {
        assertEq(handler.capViolations(), 0, "cap violations");
    }

    function invariant_noOrderFillsTwice() public view {
        assertEq(handler.doubleFills(), 0, "double fills");
    }

    function invariant_cancelledOrInvalidatedOrdersNeverFill() public view {
        assertEq(handler.deadFills(), 0, "dead orders filled");
    }

    /// @dev Printed with -vv: how much trading the run actually did.
    function afterInvariant() public {
        emit log_named_uint("trades settled", handler.trades());
        emit log_named_uint("pairs skipped", handler.skips());
    }
}
