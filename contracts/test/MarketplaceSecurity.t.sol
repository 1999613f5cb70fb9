// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {Marketplace} from "../src/Marketplace.sol";
import {ContractWallet} from "./mocks/ContractWallet.sol";
import {MockCollection} from "./mocks/MockCollection.sol";
import {ReentrantCollection} from "./mocks/ReentrantCollection.sol";
import {ReentrantToken} from "./mocks/ReentrantToken.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

/// @notice Hostile parties: re-entry through a malicious collection or currency, malleable signatures,
///         EIP-1271 wallets, foreign collections with hostile ERC-2981 answers, a chain fork, approvals.
contract MarketplaceSecurityTest is MarketFixture {
    /// @dev secp256k1 group order.
    uint256 private constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    uint256 private tokenId;

    function setUp() public override {
        super.setUp();
        tokenId = _mintWork(seller);
        _fund(buyer, 1000e6);
    }

    function _reentryError() private pure returns (bytes memory) {
        return abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
    }

    /*//////////////////////////////////////////////////////////////
                               RE-ENTRY
    //////////////////////////////////////////////////////////////*/

    /// @dev A pair on the malicious collection, whose transferFrom re-enters with `payload`.
    function _armedPair(ReentrantCollection evil, bytes memory payload) private returns (Pair memory) {
        evil.mint(seller, 1);
        vm.prank(seller);
        evil.setApprovalForAll(address(market), true);
        evil.arm(address(market), payload);
        Marketplace.Order memory ask = _order(seller, ASK, address(evil), 1, PRICE, 1);
        Marketplace.Order memory bid = _order(buyer, TOKEN_BID, address(evil), 1, PRICE, 1);
        return _pair(ask, _sign(sellerKey, ask), bid, _sign(buyerKey, bid));
    }

    function test_reentry_collectionIntoSettleBatch_fails() public {
        ReentrantCollection evil = new ReentrantCollection();
        vm.prank(admin);
        market.setOperator(address(evil), true); // even an operator cannot re-enter
        Pair memory inner = _signedPair(tokenId, PRICE, 7, 7);
        Pair memory outer = _armedPair(evil, abi.encodeCall(Marketplace.settleBatch, (_encode(_one(inner)))));

        assertEq(uint256(_settleOne(outer)), 0, "the outer trade settles");
        assertTrue(evil.attempted(), "re-entry attempted");
        assertFalse(evil.reentered(), "re-entry failed");
        assertEq(evil.reentryError(), _reentryError(), "by the guard");
        assertEq(registry.ownerOf(tokenId), seller, "the inner pair did not settle");
    }

    function test_reentry_collectionIntoWithdraw_fails() public {
        ReentrantCollection evil = new ReentrantCollection();
        Pair memory outer =
            _armedPair(evil, abi.encodeCall(Marketplace.withdraw, (address(usd), 1, address(evil))));
        _settleOne(outer);
        assertFalse(evil.reentered(), "re-entry failed");
        assertEq(evil.reentryError(), _reentryError(), "by the guard");
    }

    function test_reentry_collectionIntoCancel_failsDuringAcceptAsk() public {
        ReentrantCollection evil = new ReentrantCollection();
        evil.mint(seller, 1);
        vm.prank(seller);
        evil.setApprovalForAll(address(market), true);
        Marketplace.Order memory ask = _order(seller, ASK, address(evil), 1, PRICE, 1);
        bytes memory signature = _sign(sellerKey, ask);
        evil.arm(address(market), abi.encodeCall(Marketplace.cancel, (new Marketplace.Order[](0))));

        address taker = makeAddr("taker");
        usd.mint(taker, PRICE);
        vm.startPrank(taker);
        usd.approve(address(market), PRICE);
        market.acceptAsk(ask, signature);
        vm.stopPrank();
        assertFalse(evil.reentered(), "re-entry failed inside a direct fill too");
    }

    function test_reentry_currencyIntoWithdraw_fails() public {
        ReentrantToken evil = new ReentrantToken();
        vm.prank(admin);
        market.setCurrency(address(evil), true); // allow-listed by mistake
        address alice = makeAddr("alice");
        evil.mint(alice, 100);
        vm.startPrank(alice);
        evil.approve(address(market), 100);
        market.deposit(address(evil), 100);
        vm.stopPrank();

        evil.arm(address(market), abi.encodeCall(Marketplace.withdraw, (address(evil), 50, address(evil))));
        vm.prank(alice);
        market.withdraw(address(evil), 50, alice);

        assertTrue(evil.attempted(), "re-entry attempted");
        assertFalse(evil.reentered(), "re-entry failed");
        assertEq(evil.reentryError(), _reentryError(), "by the guard");
        assertEq(market.balanceOf(alice, address(evil)), 50, "withdrew once");
        assertEq(evil.balanceOf(address(market)), 50, "ledger still backed");
    }

    /*//////////////////////////////////////////////////////////////
                              SIGNATURES
    //////////////////////////////////////////////////////////////*/

    function test_malleableSignature_isRejected() public {
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        Marketplace.Order memory bid = _bid(buyer, tokenId, PRICE, 1);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(sellerKey, market.hashOrder(ask));
        // The same signer recovers from (r, n - s, v ^ 1); OpenZeppelin's ECDSA refuses the high-s twin.
        bytes memory twin = abi.encodePacked(r, bytes32(N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        assertEq(
            ecrecover(market.hashOrder(ask), v == 27 ? 28 : 27, r, bytes32(N - uint256(s))),
            seller,
            "twin recovers"
        );
        Pair memory pair = _pair(ask, twin, bid, _sign(buyerKey, bid));
        assertEq(uint256(_settleOne(pair)), uint256(Marketplace.SkipReason.AskBadSignature), "rejected");
    }

    function test_contractWallet_tradesWithEip1271() public {
        (address signer, uint256 signerKey) = makeAddrAndKey("collective treasurer");
        ContractWallet wallet = new ContractWallet(signer);
        usd.mint(address(wallet), PRICE);
        vm.startPrank(signer);
        wallet.execute(address(usd), abi.encodeCall(usd.approve, (address(market), PRICE)));
        wallet.execute(address(market), abi.encodeCall(Marketplace.deposit, (address(usd), PRICE)));
        vm.stopPrank();

        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        Marketplace.Order memory bid = _bid(address(wallet), tokenId, PRICE, 1);
        Pair memory pair = _pair(ask, _sign(sellerKey, ask), bid, _sign(signerKey, bid));
        assertEq(uint256(_settleOne(pair)), 0, "the wallet's bid settles");
        assertEq(registry.ownerOf(tokenId), address(wallet), "the wallet owns the work");

        // ...and sells it back through an ask the wallet signs the same way.
        vm.prank(signer);
        wallet.execute(address(registry), abi.encodeCall(registry.setApprovalForAll, (address(market), true)));
        Marketplace.Order memory walletAsk = _ask(address(wallet), tokenId, PRICE, 2);
        Marketplace.Order memory buyerBid = _bid(buyer, tokenId, PRICE, 2);
        pair = _pair(walletAsk, _sign(signerKey, walletAsk), buyerBid, _sign(buyerKey, buyerBid));
        assertEq(uint256(_settleOne(pair)), 0, "the wallet's ask settles");
    }

    function test_contractWallet_rejectsOtherSigners() public {
        (address signer,) = makeAddrAndKey("collective treasurer");
        (, uint256 strangerKey) = makeAddrAndKey("stranger");
        ContractWallet wallet = new ContractWallet(signer);
        Marketplace.Order memory ask = _ask(seller, tokenId, PRICE, 1);
        Marketplace.Order memory bid = _bid(address(wallet), tokenId, PRICE, 1);
        Pair memory pair = _pair(ask, _sign(sellerKey, ask), bid, _sign(strangerKey, bid));
        assertEq(uint256(_settleOne(pair)), uint256(Marketplace.SkipReason.BidBadSignature), "rejected");
    }

    function test_signatureBoundToChainId() public {
        Pair memory pair = _signedPair(tokenId, PRICE, 1, 1);
        vm.chainId(1); // a fork with another chain id: the domain separator follows block.chainid
        assertEq(uint256(_settleOne(pair)), uint256(Marketplace.SkipReason.AskBadSignature), "no replay");
    }

    /*//////////////////////////////////////////////////////////////
                     FOREIGN COLLECTIONS (ERC-2981)
    //////////////////////////////////////////////////////////////*/

    function _foreignSale(MockCollection.RoyaltyMode mode, uint256 bps, uint256 nonce)
        private
        returns (MockCollection c)
    {
        c = new MockCollection();
        c.mint(seller, 1);
        c.setRoyalty(mode, creator, bps);
        vm.prank(seller);
        c.setApprovalForAll(address(market), true);
        Marketplace.Order memory ask = _order(seller, ASK, address(c), 1, PRICE, nonce);
        Marketplace.Order memory bid = _order(buyer, TOKEN_BID, address(c), 1, PRICE, nonce);
        assertEq(
            uint256(_settleOne(_pair(ask, _sign(sellerKey, ask), bid, _sign(buyerKey, bid)))), 0, "settles"
        );
        assertEq(c.ownerOf(1), buyer, "item moved");
    }

    function test_foreign_royaltyPaidAndNoContributors() public {
        _foreignSale(MockCollection.RoyaltyMode.Normal, 700, 1);
        uint256 fee = PRICE * FEE_BPS / 10_000;
        assertEq(_ledger(creator), PRICE * 700 / 10_000, "7% royalty");
        assertEq(_ledger(contributorA), 0, "no contributors outside the registry");
        assertEq(_ledger(seller), PRICE - fee - PRICE * 700 / 10_000, "seller");
    }

    function test_foreign_royaltyCutToCap() public {
        _foreignSale(MockCollection.RoyaltyMode.Normal, 5000, 1);
        assertEq(_ledger(creator), PRICE / 10, "cut to 10%");
    }

    function test_foreign_hostileRoyaltyAnswersPayNothing() public {
        MockCollection.RoyaltyMode[5] memory modes = [
            MockCollection.RoyaltyMode.Missing,
            MockCollection.RoyaltyMode.Reverts,
            MockCollection.RoyaltyMode.BurnsGas,
            MockCollection.RoyaltyMode.ReturnBomb,
            MockCollection.RoyaltyMode.DirtyReceiver
        ];
        for (uint256 i; i < modes.length; ++i) {
            uint256 before = _ledger(creator);
            _fund(buyer, PRICE);
            _foreignSale(modes[i], 500, i + 1);
            assertEq(_ledger(creator), before, "no royalty, and the trade still settles");
        }
    }

    /*//////////////////////////////////////////////////////////////
                         REGISTRY APPROVALS
    //////////////////////////////////////////////////////////////*/

    function test_singleTokenApproval_isClearedBySale() public {
        address helper = makeAddr("helper");
        vm.prank(seller);
        registry.approve(helper, tokenId);
        assertEq(registry.getApproved(tokenId), helper, "approved");
        _settleOne(_signedPair(tokenId, PRICE, 1, 1));
        assertEq(registry.getApproved(tokenId), address(0), "cleared on transfer");
        (uint256 terms,) = registry.splitOf(tokenId);
        assertEq(terms >> 255, 0, "flag not exposed");
    }

    function test_singleTokenApproval_worksForTheMarket() public {
        vm.startPrank(seller);
        registry.setApprovalForAll(address(market), false);
        registry.approve(address(market), tokenId);
        vm.stopPrank();
        assertEq(uint256(_settleOne(_signedPair(tokenId, PRICE, 1, 1))), 0, "per-token approval is enough");
        assertEq(registry.getApproved(tokenId), address(0), "and is used up");
    }
}
