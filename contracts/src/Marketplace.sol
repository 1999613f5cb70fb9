// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {ArtworkRegistry} from "./ArtworkRegistry.sol";
import {BatchDecoder} from "./lib/BatchDecoder.sol";
import {NonceBitmap} from "./lib/NonceBitmap.sol";

/// @title Marketplace
/// @notice Atelier's order settlement: EIP-712 signed asks, token bids and collection bids for ERC-721
///         works, paid in an allow-listed ERC-20 stablecoin. An operator settles many matched (ask, bid)
///         pairs per transaction with {settleBatch}; takers fill single orders with {acceptAsk} and
///         {acceptBid}. Every sale price is split into protocol fee, creator royalty (ERC-2981, any
///         collection), the training-data contributors' shares (Atelier works) and the seller's proceeds.
/// @dev Design (docs/decisions/0006-settlement-netting.md, docs/contracts.md):
///      - Money is an internal ledger per (account, currency). Buyers' bids are funded by deposits (a
///        bidding pool); every payee is credited and withdraws when it likes. A batch makes no token
///        transfer at all. Fee, royalty and attribution credits are summed per payee in transient storage
///        and written once per call, with one {RoyaltyCredited} / {AttributionCredited} per payee; buyers'
///        and sellers' slots are written in place (warm after the first trade, which the EVM nets).
///      - {settleBatch} takes packed calldata with an address table (each distinct address once): calldata
///        is paid per byte, and ABI encoding would triple it.
///      - Order state is two bits per (maker, nonce), 128 nonces per storage word ({NonceBitmap}: open, filled,
///        cancelled); a per-maker counter cancels everything signed under an older counter. Two orders
///        signed with the same nonce exclude each other: at most one of them ever fills.
///      - The operator supplies nothing but signed terms: both order hashes are rebuilt from the pair, the
///        price is the ask's (the bid's price is the buyer's ceiling), the payees come from the fee
///        configuration and the collection. A pair that cannot settle is skipped with a reason and leaves no
///        trace; the others settle.
///      - Items move with `transferFrom` (no receiver callback). Every value-moving entry point is
///        `nonReentrant` (transient storage), so a malicious collection, currency or wallet cannot re-enter.
///      - Currencies must be plain ERC-20s: fee-on-transfer or rebasing tokens break the ledger's equality
///        with the contract's token balance and must never be allow-listed.
contract Marketplace is EIP712, Ownable2Step, Pausable, ReentrancyGuardTransient, NonceBitmap {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice What an order offers (the `kind` field of {Order}).
    enum OrderKind {
        Ask,
        TokenBid,
        CollectionBid
    }

    /// @notice The state of one (maker, nonce).
    enum NonceState {
        Open,
        Filled,
        Cancelled
    }

    /// @notice Why a pair was skipped ({PairSkipped}) or a direct fill reverted ({NotFillable}). For every
    ///         per-side reason, the bid's value is the ask's plus one.
    enum SkipReason {
        None,
        BidBelowAsk,
        SelfTrade,
        CurrencyNotAllowed,
        AskNotStarted,
        BidNotStarted,
        AskExpired,
        BidExpired,
        AskBadSignature,
        BidBadSignature,
        AskCounterStale,
        BidCounterStale,
        AskCancelled,
        BidCancelled,
        AskFilled,
        BidFilled,
        BuyerUnfunded,
        SellerNotOwner,
        ItemNotApproved,
        ItemTransferFailed
    }

    /// @notice The EIP-712 message a maker signs (primary type `Order`, domain "Atelier Marketplace" / "1").
    /// @param maker Signer: the seller of an ask, the buyer of a bid (an EOA or an EIP-1271 wallet).
    /// @param kind {OrderKind} as a number (0 ask, 1 token bid, 2 collection bid).
    /// @param collection ERC-721 contract.
    /// @param tokenId The token (asks and token bids); must be 0 for a collection bid.
    /// @param currency Allow-listed ERC-20 the price is paid in.
    /// @param price An ask's exact price, a bid's highest price, in currency base units.
    /// @param start First second (unix time) the order is valid.
    /// @param expiry First second it is no longer valid.
    /// @param counter The maker's counter when signing; raising the counter cancels the order.
    /// @param nonce Maker-chosen number, unique per live order: its state bit marks the order filled or
    ///        cancelled (the order's salt). Sequential nonces share storage words and are cheapest.
    struct Order {
        address maker;
        uint8 kind;
        address collection;
        uint256 tokenId;
        address currency;
        uint256 price;
        uint64 start;
        uint64 expiry;
        uint256 counter;
        uint256 nonce;
    }

    /// @dev Working record of one trade. Field order matters: {TradeSettled} is logged straight from memory,
    ///      topics from the first three words, data from `tokenId` through `sellerProceeds`. Then: where a batch
    ///      pair's signatures lie in calldata (`offset << 16 | length`), the EIP-712 domain separator (read once
    ///      per call) and where the batch's address table lies (`offset << 16 | count`).
    struct Trade {
        bytes32 askHash;
        bytes32 bidHash;
        address collection;
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
        uint256 askSignature;
        uint256 bidSignature;
        bytes32 domainSeparator;
        uint256 addressTable;
    }

    /// @dev Protocol fee, packed in one slot.
    struct FeeConfig {
        address recipient;
        uint16 bps;
    }

    /*//////////////////////////////////////////////////////////////
                            CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice A direct fill cannot proceed, for the same reasons a batch would skip the pair.
    error NotFillable(SkipReason reason);

    /// @notice The order's kind does not fit the entry point (an ask to {acceptBid}, or an unknown kind), or a
    ///         collection bid names a token id other than 0, or a token bid names another token.
    error InvalidOrder();

    /// @notice `msg.sender` is not an operator.
    error NotOperator(address account);

    /// @notice `msg.sender` is not the maker of an order it tries to cancel.
    error NotMaker(address account, address maker);

    /// @notice The currency is not allow-listed.
    error CurrencyNotAllowed(address currency);

    /// @notice A packed batch whose length does not match its contents, with an address index out of its table,
    ///         or with unknown flags.
    error MalformedBatch();

    /// @notice A withdrawal larger than the balance.
    error InsufficientBalance(uint256 balance, uint256 amount);

    /// @notice A protocol fee above {MAX_FEE_BPS}, or a non-zero fee without recipient.
    error InvalidFee(uint256 bps, address recipient);

    /// @notice The zero address where an account is required.
    error ZeroAddress();

    /*//////////////////////////////////////////////////////////////
                                EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice A trade settled. The buyer's balance fell by `price`; the fee recipient, `royaltyReceiver`, the
    ///         work's contributors and the seller were credited `protocolFee`, `royalty`, `attribution` (each
    ///         contributor `floor(price * bps / 10_000)`, bps as minted) and `sellerProceeds`, which add up to
    ///         `price` exactly. Royalty and attribution credits are also reported per payee by
    ///         {RoyaltyCredited} and {AttributionCredited}, netted over the call.
    /// @param askHash EIP-712 hash of the ask; zero for {acceptBid}, whose taker (the seller) signed nothing.
    /// @param bidHash EIP-712 hash of the bid; zero for {acceptAsk}, whose taker (the buyer) signed nothing.
    event TradeSettled(
        bytes32 indexed askHash,
        bytes32 indexed bidHash,
        address indexed collection,
        uint256 tokenId,
        address seller,
        address buyer,
        address currency,
        uint256 price,
        uint256 protocolFee,
        address royaltyReceiver,
        uint256 royalty,
        uint256 attribution,
        uint256 sellerProceeds
    );

    /// @notice `receiver`'s balance of `currency` rose by `amount` of creator royalties: its total over the trades
    ///         of this call ({settleBatch}: one event per distinct receiver and currency, after the batch's
    ///         {TradeSettled} events; a direct fill: right after its {TradeSettled}).
    event RoyaltyCredited(address indexed receiver, address indexed currency, uint256 amount);

    /// @notice Training-data `contributor`'s balance of `currency` rose by `amount`: its attribution shares over
    ///         the trades of this call, netted like {RoyaltyCredited}.
    event AttributionCredited(address indexed contributor, address indexed currency, uint256 amount);

    /// @notice Pair `index` of the batch was not settled and changed nothing; the hashes are the orders the
    ///         pair stands for (whether or not their signatures were valid).
    event PairSkipped(
        uint256 indexed index, bytes32 indexed askHash, bytes32 indexed bidHash, SkipReason reason
    );

    /// @notice A {settleBatch} call finished: `settled` pairs traded, `skipped` were skipped.
    event BatchSettled(address indexed operator, uint256 settled, uint256 skipped);

    /// @notice The maker cancelled the order; its nonce is now {NonceState.Cancelled}.
    event OrderCancelled(bytes32 indexed orderHash, address indexed maker, uint256 nonce);

    /// @notice The maker raised its counter to `counter`: every order signed under a lower one is void.
    event CounterIncremented(address indexed maker, uint256 counter);

    /// @notice `account`'s balance of `currency` rose by `amount` paid in (a deposit, or the taker's payment
    ///         in {acceptAsk}).
    event Deposited(address indexed account, address indexed currency, uint256 amount);

    /// @notice `account` withdrew `amount` of `currency` to `to`.
    event Withdrawn(address indexed account, address indexed currency, address to, uint256 amount);

    /// @notice The protocol fee is now `bps` of each price, credited to `recipient`.
    event ProtocolFeeSet(address indexed recipient, uint16 bps);

    /// @notice `currency` was added to (`allowed`) or removed from the allow-list.
    event CurrencySet(address indexed currency, bool allowed);

    /// @notice `operator` gained (`allowed`) or lost the right to call {settleBatch}.
    event OperatorSet(address indexed operator, bool allowed);

    /*//////////////////////////////////////////////////////////////
                              CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice EIP-712 type hash of {Order}.
    bytes32 public constant ORDER_TYPEHASH = keccak256(
        "Order(address maker,uint8 kind,address collection,uint256 tokenId,address currency,uint256 price,"
        "uint64 start,uint64 expiry,uint256 counter,uint256 nonce)"
    );

    /// @notice Hard cap of the protocol fee: 10%.
    uint256 public constant MAX_FEE_BPS = 1000;

    /// @notice Cap of the royalty paid on any collection: 10% (a larger ERC-2981 answer is cut to it).
    uint256 public constant MAX_ROYALTY_BPS = 1000;

    /// @notice Gas given to each view call into a foreign collection (`royaltyInfo`, and `ownerOf` and the
    ///         approvals when finding out why a transfer failed). A `royaltyInfo` that fails pays no royalty.
    uint256 public constant QUERY_GAS = 50_000;

    uint256 private constant _BPS = 10_000;
    uint256 private constant _ROYALTY = 0;
    uint256 private constant _ATTRIBUTION = 1;
    uint256 private constant _FEE = 2;
    /// @dev Transient storage: the count of credit entries of the current call, then two words per entry
    ///      (`kind << 160 | account`, currency); each entry's running total lives at `keccak256(entry words)`.
    ///      See {_accrue}.
    uint256 private constant _CREDITS_SLOT = uint256(keccak256("atelier.marketplace.credits")) - 1;
    uint256 private constant _ASK = 0;
    uint256 private constant _TOKEN_BID = 1;
    uint256 private constant _COLLECTION_BID = 2;
    uint256 private constant _SIDE_ASK = 0;
    uint256 private constant _SIDE_BID = 1;

    /// @notice Atelier's registry: its works also pay their training-data contributors.
    ArtworkRegistry public immutable registry;

    /*//////////////////////////////////////////////////////////////
                               STORAGE
    //////////////////////////////////////////////////////////////*/

    FeeConfig private _fee;

    /// @notice Whether a currency may be traded and deposited.
    mapping(address currency => bool) public isCurrencyAllowed;

    /// @notice Whether an account may call {settleBatch}.
    mapping(address account => bool) public isOperator;

    /// @notice Each maker's current counter.
    mapping(address maker => uint256) public counterOf;

    mapping(address account => mapping(address currency => uint256)) private _balances;

    /*//////////////////////////////////////////////////////////////
                             CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param initialOwner Admin (fee, currencies, operators, pause); transfers are two-step.
    /// @param registry_ Atelier's ArtworkRegistry.
    /// @param feeRecipient Credited with the protocol fee.
    /// @param feeBps Protocol fee; at most {MAX_FEE_BPS}.
    constructor(address initialOwner, ArtworkRegistry registry_, address feeRecipient, uint16 feeBps)
        EIP712("Atelier Marketplace", "1")
        Ownable(initialOwner)
    {
        if (address(registry_) == address(0)) revert ZeroAddress();
        registry = registry_;
        _setProtocolFee(feeRecipient, feeBps);
    }

    /*//////////////////////////////////////////////////////////////
                           BATCH SETTLEMENT
    //////////////////////////////////////////////////////////////*/

    /// @notice Settles matched (ask, bid) pairs; a pair that cannot settle is skipped ({PairSkipped}) and the
    ///         rest go on.
    /// @dev Per pair: the item moves seller -> buyer, the buyer's balance pays the ask's price, and the split
    ///      is credited. Both order hashes are rebuilt from the pair, so nothing the operator passes can change
    ///      a price, a payee or an item without voiding a signature. A collection or wallet that burns all gas
    ///      makes the whole call fail; the operator simulates first and drops such pairs.
    ///      `batch` is packed (big-endian, no padding; libs/contracts/abi `encodeSettlementBatch` writes it), each
    ///      distinct address once: `count:uint16 addressCount:uint16 addresses:address[addressCount]`, then
    ///      `count` pairs, each `collection:uint16 tokenId:uint256 currency:uint16 flags:uint8` followed by the
    ///      ask side and the bid side, each `maker:uint16 price:uint128 start:uint64 expiry:uint64 counter:uint64
    ///      nonce:uint256 signatureLength:uint16 signature:bytes`; a `uint16` address is an index into the table.
    ///      `flags` bit 0 marks a collection bid (its order has `tokenId` 0); the other bits must be zero. About
    ///      320 bytes per pair plus 20 per distinct address, against ~930 per pair ABI-encoded.
    /// @param batch The packed pairs.
    /// @return reasons Per pair, {SkipReason.None} if it settled, else why it was skipped.
    function settleBatch(bytes calldata batch)
        external
        nonReentrant
        whenNotPaused
        returns (SkipReason[] memory reasons)
    {
        if (!isOperator[msg.sender]) revert NotOperator(msg.sender);
        (uint256 cursor, uint256 end, uint256 count) = BatchDecoder.bounds(batch);
        FeeConfig memory fee = _fee;
        Trade memory trade;
        trade.domainSeparator = _domainSeparatorV4();
        (cursor, trade.addressTable) = BatchDecoder.addressTable(cursor, end);
        Order memory ask;
        Order memory bid;
        reasons = new SkipReason[](count);
        uint256 skipped;
        for (uint256 i; i < count; ++i) {
            cursor = BatchDecoder.decodePair(cursor, ask, bid, trade);
            if (cursor > end) revert MalformedBatch();
            SkipReason reason = _settlePair(ask, bid, trade, fee);
            if (reason != SkipReason.None) {
                reasons[i] = reason;
                ++skipped;
                emit PairSkipped(i, trade.askHash, trade.bidHash, reason);
            }
        }
        if (cursor != end) revert MalformedBatch();
        _creditAll();
        emit BatchSettled(msg.sender, count - skipped, skipped);
    }

    /*//////////////////////////////////////////////////////////////
                             DIRECT FILLS
    //////////////////////////////////////////////////////////////*/

    /// @notice Buys the item of `ask` at its price; `msg.sender` pays from its wallet (approve the price to
    ///         this contract first) and receives the item.
    /// @dev The payment shows on the ledger as {Deposited} by the taker, spent by the {TradeSettled} that
    ///      follows, so the ledger rules are the same for every trade. Reverts with {NotFillable} for the same
    ///      reasons a batch would skip the pair.
    function acceptAsk(Order calldata ask, bytes calldata signature) external nonReentrant whenNotPaused {
        Order memory order = ask;
        if (order.kind != _ASK) revert InvalidOrder();
        Trade memory trade;
        trade.domainSeparator = _domainSeparatorV4();
        trade.askHash = _hashOrder(order, trade.domainSeparator);
        _describe(trade, order, order.maker, msg.sender, order.tokenId);

        SkipReason reason = _checkTrade(trade);
        if (reason == SkipReason.None) reason = _checkOrder(order, trade.askHash, signature, _SIDE_ASK);
        if (reason != SkipReason.None) revert NotFillable(reason);

        _setNonceState(order.maker, order.nonce, _NONCE_FILLED);
        emit Deposited(msg.sender, trade.currency, trade.price);
        (uint256 terms, uint256 contributors) = _split(trade);
        _payout(trade, _fee, terms, contributors);
        _creditAll();

        IERC20(trade.currency).safeTransferFrom(msg.sender, address(this), trade.price);
        reason = _transferItem(trade.collection, trade.seller, msg.sender, trade.tokenId);
        if (reason != SkipReason.None) revert NotFillable(reason);
    }

    /// @notice Sells `tokenId` into `bid` at the bid's price; `msg.sender` must own the token and have approved
    ///         this contract. The bid's maker pays from its balance here.
    /// @param tokenId The token sold: the bid's own for a token bid, any token of the collection for a
    ///        collection bid (which must be signed with token id 0).
    function acceptBid(Order calldata bid, bytes calldata signature, uint256 tokenId)
        external
        nonReentrant
        whenNotPaused
    {
        Order memory order = bid;
        uint256 kind = order.kind;
        if (kind == _TOKEN_BID ? order.tokenId != tokenId : (kind != _COLLECTION_BID || order.tokenId != 0)) {
            revert InvalidOrder();
        }
        Trade memory trade;
        trade.domainSeparator = _domainSeparatorV4();
        trade.bidHash = _hashOrder(order, trade.domainSeparator);
        _describe(trade, order, msg.sender, order.maker, tokenId);

        SkipReason reason = _checkTrade(trade);
        if (reason == SkipReason.None) reason = _checkOrder(order, trade.bidHash, signature, _SIDE_BID);
        if (reason == SkipReason.None && _balances[trade.buyer][trade.currency] < trade.price) {
            reason = SkipReason.BuyerUnfunded;
        }
        if (reason != SkipReason.None) revert NotFillable(reason);

        _setNonceState(order.maker, order.nonce, _NONCE_FILLED);
        _balances[trade.buyer][trade.currency] -= trade.price;
        (uint256 terms, uint256 contributors) = _split(trade);
        _payout(trade, _fee, terms, contributors);
        _creditAll();

        reason = _transferItem(trade.collection, msg.sender, trade.buyer, tokenId);
        if (reason != SkipReason.None) revert NotFillable(reason);
    }

    /*//////////////////////////////////////////////////////////////
                        CANCELLATION (MAKERS)
    //////////////////////////////////////////////////////////////*/

    /// @notice Cancels orders of `msg.sender`. An order whose nonce is already filled or cancelled is left as
    ///         it is (no event).
    function cancel(Order[] calldata orders) external nonReentrant {
        for (uint256 i; i < orders.length; ++i) {
            Order memory order = orders[i];
            if (order.maker != msg.sender) revert NotMaker(msg.sender, order.maker);
            if (_nonceState(msg.sender, order.nonce) != _NONCE_OPEN) continue;
            _setNonceState(msg.sender, order.nonce, _NONCE_CANCELLED);
            emit OrderCancelled(_hashOrder(order, _domainSeparatorV4()), msg.sender, order.nonce);
        }
    }

    /// @notice Raises `msg.sender`'s counter by one, voiding every order it signed under the old counter.
    function incrementCounter() external nonReentrant returns (uint256 counter) {
        counter = ++counterOf[msg.sender];
        emit CounterIncremented(msg.sender, counter);
    }

    /*//////////////////////////////////////////////////////////////
                          BALANCES (LEDGER)
    //////////////////////////////////////////////////////////////*/

    /// @notice Adds `amount` of `currency` from `msg.sender`'s wallet to its balance (which funds its bids).
    function deposit(address currency, uint256 amount) external nonReentrant whenNotPaused {
        _deposit(currency, amount);
    }

    /// @notice {deposit} with an EIP-2612 permit instead of a prior approval. A permit that fails (for example
    ///         because someone already submitted it) is ignored; the transfer then needs the allowance.
    function depositWithPermit(
        address currency,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant whenNotPaused {
        try IERC20Permit(currency).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _deposit(currency, amount);
    }

    /// @notice Sends `amount` of `msg.sender`'s balance of `currency` to `to`. Works while paused and for
    ///         currencies no longer allow-listed, so funds can always leave.
    function withdraw(address currency, uint256 amount, address to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        uint256 balance = _balances[msg.sender][currency];
        if (amount > balance) revert InsufficientBalance(balance, amount);
        unchecked {
            _balances[msg.sender][currency] = balance - amount;
        }
        emit Withdrawn(msg.sender, currency, to, amount);
        IERC20(currency).safeTransfer(to, amount);
    }

    /*//////////////////////////////////////////////////////////////
                                 ADMIN
    //////////////////////////////////////////////////////////////*/

    /// @notice Sets the protocol fee (at most {MAX_FEE_BPS}) and who is credited with it.
    function setProtocolFee(address recipient, uint16 bps) external onlyOwner {
        _setProtocolFee(recipient, bps);
    }

    /// @notice Adds or removes a currency. Only plain ERC-20s: never fee-on-transfer or rebasing tokens.
    function setCurrency(address currency, bool allowed) external onlyOwner {
        if (currency == address(0)) revert ZeroAddress();
        isCurrencyAllowed[currency] = allowed;
        emit CurrencySet(currency, allowed);
    }

    /// @notice Grants or revokes the operator role ({settleBatch}).
    function setOperator(address operator, bool allowed) external onlyOwner {
        if (operator == address(0)) revert ZeroAddress();
        isOperator[operator] = allowed;
        emit OperatorSet(operator, allowed);
    }

    /// @notice Stops trading and deposits; withdrawals and cancellations still work.
    function pause() external onlyOwner {
        _pause();
    }

    /// @notice Resumes trading and deposits.
    function unpause() external onlyOwner {
        _unpause();
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice The EIP-712 digest of `order`: what its maker signs, and its id in events.
    function hashOrder(Order calldata order) external view returns (bytes32) {
        return _hashOrder(order, _domainSeparatorV4());
    }

    /// @notice The EIP-712 domain separator (name "Atelier Marketplace", version "1", this chain, this contract).
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice Whether `maker`'s `nonce` is open, filled or cancelled.
    function nonceState(address maker, uint256 nonce) external view returns (NonceState) {
        return NonceState(_nonceState(maker, nonce));
    }

    /// @notice `account`'s balance of `currency` in the ledger (deposits and credits, less spending).
    function balanceOf(address account, address currency) external view returns (uint256) {
        return _balances[account][currency];
    }

    /// @notice The protocol fee: who is credited and how many basis points of each price.
    function protocolFee() external view returns (address recipient, uint16 bps) {
        FeeConfig memory fee = _fee;
        return (fee.recipient, fee.bps);
    }

    /// @notice The orders and signatures a packed `batch` stands for, as {settleBatch} reads them; for tools
    ///         that build batches to check their encoding.
    function decodeBatch(bytes calldata batch)
        external
        pure
        returns (
            Order[] memory asks,
            bytes[] memory askSignatures,
            Order[] memory bids,
            bytes[] memory bidSignatures
        )
    {
        (uint256 cursor, uint256 end, uint256 count) = BatchDecoder.bounds(batch);
        asks = new Order[](count);
        bids = new Order[](count);
        askSignatures = new bytes[](count);
        bidSignatures = new bytes[](count);
        Trade memory trade;
        (cursor, trade.addressTable) = BatchDecoder.addressTable(cursor, end);
        for (uint256 i; i < count; ++i) {
            cursor = BatchDecoder.decodePair(cursor, asks[i], bids[i], trade);
            if (cursor > end) revert MalformedBatch();
            askSignatures[i] = BatchDecoder.signatureAt(trade.askSignature);
            bidSignatures[i] = BatchDecoder.signatureAt(trade.bidSignature);
        }
        if (cursor != end) revert MalformedBatch();
    }

    /*//////////////////////////////////////////////////////////////
                         SETTLEMENT INTERNALS
    //////////////////////////////////////////////////////////////*/

    /// @dev Validates and settles one decoded pair into `trade`; returns why it was skipped, or None. Every check
    ///      runs before the item moves and every write after, so a skipped pair changes nothing.
    function _settlePair(Order memory ask, Order memory bid, Trade memory trade, FeeConfig memory fee)
        private
        returns (SkipReason reason)
    {
        trade.askHash = _hashOrder(ask, trade.domainSeparator);
        trade.bidHash = _hashOrder(bid, trade.domainSeparator);
        _describe(trade, ask, ask.maker, bid.maker, ask.tokenId);

        if (bid.price < ask.price) return SkipReason.BidBelowAsk;
        reason = _checkTrade(trade);
        if (reason != SkipReason.None) return reason;
        reason = _checkOrder(ask, trade.askHash, BatchDecoder.signatureAt(trade.askSignature), _SIDE_ASK);
        if (reason != SkipReason.None) return reason;
        reason = _checkOrder(bid, trade.bidHash, BatchDecoder.signatureAt(trade.bidSignature), _SIDE_BID);
        if (reason != SkipReason.None) return reason;
        if (_balances[trade.buyer][trade.currency] < trade.price) return SkipReason.BuyerUnfunded;

        // The one state-changing interaction, under the reentrancy guard: nothing above wrote, and nothing below
        // can fail. It also brings the split, in memory given back once the trade is credited.
        uint256 freeMemory = _freeMemory();
        uint256 terms;
        uint256 contributors;
        (reason, terms, contributors) = _moveItem(trade);
        if (reason != SkipReason.None) return reason;

        _setNonceState(trade.seller, ask.nonce, _NONCE_FILLED);
        _setNonceState(trade.buyer, bid.nonce, _NONCE_FILLED);
        _balances[trade.buyer][trade.currency] -= trade.price;
        _payout(trade, fee, terms, contributors);
        _releaseMemory(freeMemory);
    }

    /// @dev Fills the trade's item, parties and price from `order` (price, currency, collection).
    function _describe(Trade memory trade, Order memory order, address seller, address buyer, uint256 tokenId)
        private
        pure
    {
        trade.collection = order.collection;
        trade.tokenId = tokenId;
        trade.seller = seller;
        trade.buyer = buyer;
        trade.currency = order.currency;
        trade.price = order.price;
    }

    /// @dev Checks that need no signature: distinct parties and an allow-listed currency.
    function _checkTrade(Trade memory trade) private view returns (SkipReason) {
        if (trade.seller == trade.buyer) return SkipReason.SelfTrade;
        if (!isCurrencyAllowed[trade.currency]) return SkipReason.CurrencyNotAllowed;
        return SkipReason.None;
    }

    /// @dev One order's own checks, cheapest first; `side` is 0 for the ask, 1 for the bid (the bid's reason
    ///      codes are the ask's plus one).
    function _checkOrder(Order memory order, bytes32 orderHash, bytes calldata signature, uint256 side)
        private
        view
        returns (SkipReason)
    {
        // Orders are valid over [start, expiry) in block time; a proposer's few seconds of leeway are harmless.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < order.start) return _sided(SkipReason.AskNotStarted, side);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp >= order.expiry) return _sided(SkipReason.AskExpired, side);
        address maker = order.maker;
        if (!_isValidSignature(maker, orderHash, signature)) return _sided(SkipReason.AskBadSignature, side);
        if (counterOf[maker] != order.counter) return _sided(SkipReason.AskCounterStale, side);
        uint256 state = _nonceState(maker, order.nonce);
        if (state == _NONCE_CANCELLED) return _sided(SkipReason.AskCancelled, side);
        if (state == _NONCE_FILLED) return _sided(SkipReason.AskFilled, side);
        return SkipReason.None;
    }

    function _sided(SkipReason askReason, uint256 side) private pure returns (SkipReason) {
        return SkipReason(uint8(askReason) + side);
    }

    /// @dev ECDSA first (no account access for EOAs), EIP-1271 only when that fails and the maker has code.
    ///      OpenZeppelin's ECDSA rejects malleable (high-s) signatures.
    function _isValidSignature(address maker, bytes32 orderHash, bytes calldata signature)
        private
        view
        returns (bool)
    {
        if (signature.length == 65) {
            (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecoverCalldata(orderHash, signature);
            if (error == ECDSA.RecoverError.NoError && recovered == maker) return true;
        }
        return maker.code.length != 0
            && SignatureChecker.isValidERC1271SignatureNowCalldata(maker, orderHash, signature);
    }

    /// @dev Moves the item seller -> buyer and returns the split as {_split} does. An Atelier work moves with
    ///      {ArtworkRegistry-transferFromWithSplit}, one call that also answers the split; any other collection is
    ///      asked for its ERC-2981 royalty first, then moved with `transferFrom`.
    function _moveItem(Trade memory trade)
        private
        returns (SkipReason reason, uint256 terms, uint256 contributors)
    {
        if (trade.collection != address(registry)) {
            (terms, contributors) = _split(trade);
            return
                (
                    _transferItem(trade.collection, trade.seller, trade.buyer, trade.tokenId),
                    terms,
                    contributors
                );
        }
        address target = address(registry);
        address from = trade.seller;
        address to = trade.buyer;
        uint256 tokenId = trade.tokenId;
        bytes4 selector = ArtworkRegistry.transferFromWithSplit.selector;
        bool ok;
        assembly ("memory-safe") {
            let mask := 0xffffffffffffffffffffffffffffffffffffffff
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 0x04), and(from, mask))
            mstore(add(m, 0x24), and(to, mask))
            mstore(add(m, 0x44), tokenId)
            ok := call(gas(), target, 0, m, 0x64, 0x00, 0x00)
            if ok {
                // Our own registry answers (terms, 0x40, count, words...) in the standard encoding.
                returndatacopy(m, 0x00, returndatasize())
                mstore(0x40, add(m, returndatasize()))
                terms := mload(m)
                contributors := add(m, 0x40)
            }
        }
        if (!ok) reason = _diagnoseTransfer(target, from, tokenId);
    }

    /// @dev Who shares `trade.price` besides fee and seller. For an Atelier work: the registry's terms word
    ///      and a memory pointer to its contributor words (`[count][word]...`, see {ArtworkRegistry-splitOf}),
    ///      copied into memory the caller may give back. For any other collection: its ERC-2981 receiver and
    ///      amount (already capped) as `terms` = receiver and `contributors` = amount; no contributors.
    function _split(Trade memory trade) private view returns (uint256 terms, uint256 contributors) {
        if (trade.collection != address(registry)) {
            (address receiver, uint256 amount) = _foreignRoyalty(trade.collection, trade.tokenId, trade.price);
            return (uint256(uint160(receiver)), amount);
        }
        address target = address(registry);
        uint256 tokenId = trade.tokenId;
        bytes4 selector = ArtworkRegistry.splitOf.selector;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, tokenId)
            if iszero(staticcall(gas(), target, 0x00, 0x24, 0x00, 0x00)) { revert(0x00, 0x00) }
            // Our own registry answers (terms, 0x40, count, words...) in the standard encoding.
            let m := mload(0x40)
            returndatacopy(m, 0x00, returndatasize())
            mstore(0x40, add(m, returndatasize()))
            terms := mload(m)
            contributors := add(m, 0x40)
        }
    }

    /// @dev Splits `trade.price`, logs {TradeSettled}, then credits every payee: the seller at once, the others
    ///      through {_accrue}. Each part is rounded down; the dust stays with the seller. No part can underflow
    ///      the price: fee, royalty and attribution are each capped at 10%.
    function _payout(Trade memory trade, FeeConfig memory fee, uint256 terms, uint256 contributors) private {
        uint256 price = trade.price;
        bool atelier = trade.collection == address(registry);
        uint256 count;
        if (atelier) {
            assembly ("memory-safe") {
                count := mload(contributors)
            }
        }

        uint256 protocolFee_ = price * fee.bps / _BPS;
        uint256 royalty = atelier ? price * ((terms >> 160) & 0xffff) / _BPS : contributors;
        uint256 attribution;
        for (uint256 i; i < count; ++i) {
            attribution += price * (_contributorWord(contributors, i) >> 160) / _BPS;
        }
        uint256 proceeds = price - protocolFee_ - royalty - attribution;
        trade.protocolFee = protocolFee_;
        // Unpacking: the receiver is the low 160 bits of `terms` by layout.
        // forge-lint: disable-next-line(unsafe-typecast)
        trade.royaltyReceiver = royalty != 0 ? address(uint160(terms)) : address(0);
        trade.royalty = royalty;
        trade.attribution = attribution;
        trade.sellerProceeds = proceeds;
        _emitTradeSettled(trade);

        address currency = trade.currency;
        if (protocolFee_ != 0) _accrue(_FEE, fee.recipient, currency, protocolFee_);
        if (royalty != 0) _accrue(_ROYALTY, trade.royaltyReceiver, currency, royalty);
        for (uint256 i; i < count; ++i) {
            uint256 word = _contributorWord(contributors, i);
            uint256 share = price * (word >> 160) / _BPS;
            // Unpacking: the contributor is the low 160 bits of its word by layout.
            // forge-lint: disable-next-line(unsafe-typecast)
            if (share != 0) _accrue(_ATTRIBUTION, address(uint160(word)), currency, share);
        }
        // Sellers rarely repeat within a batch: their proceeds go straight to the ledger.
        if (proceeds != 0) _balances[trade.seller][currency] += proceeds;
    }

    /// @dev Adds `amount` (non-zero) to the call's running credit of (`kind`, `account`, `currency`), opening an
    ///      entry the first time. Fee, royalty and attribution credits are netted this way: each payee's ledger
    ///      slot is written once per call, by {_creditAll}. Until then a payee cannot spend what the call credited
    ///      it (a bid is funded from the balance before the call), which only makes funding checks stricter.
    function _accrue(uint256 kind, address account, address currency, uint256 amount) private {
        uint256 slot = _CREDITS_SLOT;
        assembly ("memory-safe") {
            // Addresses are masked: Solidity may hand a narrow value to assembly with dirty high bits.
            let mask := 0xffffffffffffffffffffffffffffffffffffffff
            currency := and(currency, mask)
            mstore(0x00, or(shl(160, kind), and(account, mask)))
            mstore(0x20, currency)
            let key := keccak256(0x00, 0x40)
            let total := tload(key)
            if iszero(total) {
                let n := tload(slot)
                tstore(slot, add(n, 1))
                let entry := add(slot, add(1, shl(1, n)))
                tstore(entry, mload(0x00))
                tstore(add(entry, 1), currency)
            }
            tstore(key, add(total, amount))
        }
    }

    /// @dev Writes each netted credit of the call to the ledger, emits {RoyaltyCredited} or {AttributionCredited}
    ///      for it (fee credits show in {TradeSettled} only), in first-credit order, and clears the accumulators
    ///      (a second call in the same transaction starts from zero).
    function _creditAll() private {
        uint256 slot = _CREDITS_SLOT;
        uint256 n;
        assembly ("memory-safe") {
            n := tload(slot)
            tstore(slot, 0)
        }
        for (uint256 i; i < n; ++i) {
            uint256 head;
            address currency;
            uint256 total;
            assembly ("memory-safe") {
                let entry := add(slot, add(1, shl(1, i)))
                head := tload(entry)
                currency := tload(add(entry, 1))
                mstore(0x00, head)
                mstore(0x20, currency)
                let key := keccak256(0x00, 0x40)
                total := tload(key)
                tstore(key, 0)
            }
            // Unpacking: the account is the low 160 bits of the entry's head word.
            // forge-lint: disable-next-line(unsafe-typecast)
            address account = address(uint160(head));
            _balances[account][currency] += total;
            uint256 kind = head >> 160;
            if (kind == _ROYALTY) emit RoyaltyCredited(account, currency, total);
            else if (kind == _ATTRIBUTION) emit AttributionCredited(account, currency, total);
        }
    }

    /// @dev Contributor word `i` of a split read by {_split}.
    function _contributorWord(uint256 contributors, uint256 i) private pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := mload(add(contributors, shl(5, add(i, 1))))
        }
    }

    /// @dev ERC-2981 of any other collection: a failed or malformed answer pays nothing, and the amount is
    ///      cut to {MAX_ROYALTY_BPS}.
    function _foreignRoyalty(address collection, uint256 tokenId, uint256 price)
        private
        view
        returns (address receiver, uint256 amount)
    {
        (bool ok, uint256 rawReceiver, uint256 rawAmount) =
            _query(collection, abi.encodeWithSelector(0x2a55205a, tokenId, price)); // royaltyInfo(uint256,uint256)
        if (!ok || rawReceiver == 0 || rawReceiver >> 160 != 0) return (address(0), 0);
        // Checked just above: `rawReceiver >> 160 == 0`.
        // forge-lint: disable-next-line(unsafe-typecast)
        receiver = address(uint160(rawReceiver));
        uint256 cap = price * MAX_ROYALTY_BPS / _BPS;
        amount = rawAmount > cap ? cap : rawAmount;
    }

    /// @dev Moves the item with `transferFrom` (no receiver callback); on failure, finds out why.
    function _transferItem(address collection, address from, address to, uint256 tokenId)
        private
        returns (SkipReason)
    {
        if (collection.code.length == 0) return SkipReason.ItemTransferFailed;
        bool ok;
        assembly ("memory-safe") {
            let mask := 0xffffffffffffffffffffffffffffffffffffffff
            let m := mload(0x40)
            mstore(m, shl(224, 0x23b872dd)) // transferFrom(address,address,uint256)
            mstore(add(m, 0x04), and(from, mask))
            mstore(add(m, 0x24), and(to, mask))
            mstore(add(m, 0x44), tokenId)
            ok := call(gas(), collection, 0, m, 0x64, 0x00, 0x00)
        }
        if (ok) return SkipReason.None;
        return _diagnoseTransfer(collection, from, tokenId);
    }

    /// @dev Off the happy path: not the owner, else not approved, else the collection itself refused.
    function _diagnoseTransfer(address collection, address from, uint256 tokenId)
        private
        view
        returns (SkipReason)
    {
        (bool ok, uint256 owner,) = _query(collection, abi.encodeCall(IERC721.ownerOf, (tokenId)));
        if (!ok || owner != uint256(uint160(from))) return SkipReason.SellerNotOwner;
        (bool okAll, uint256 all,) =
            _query(collection, abi.encodeCall(IERC721.isApprovedForAll, (from, address(this))));
        (bool okOne, uint256 one,) = _query(collection, abi.encodeCall(IERC721.getApproved, (tokenId)));
        bool approved = (okAll && all == 1) || (okOne && one == uint256(uint160(address(this))));
        return approved ? SkipReason.ItemTransferFailed : SkipReason.ItemNotApproved;
    }

    /// @dev A view call into an untrusted contract: at most {QUERY_GAS}, at most two words read back (no return
    ///      bomb), never reverts. `ok` means it succeeded and returned at least one word; `word1` is zero unless
    ///      it returned two. The words are raw: the caller validates them.
    function _query(address target, bytes memory data)
        private
        view
        returns (bool ok, uint256 word0, uint256 word1)
    {
        assembly ("memory-safe") {
            ok := staticcall(QUERY_GAS, target, add(data, 0x20), mload(data), 0x00, 0x40)
            ok := and(ok, gt(returndatasize(), 0x1f))
            if ok {
                word0 := mload(0x00)
                if gt(returndatasize(), 0x3f) { word1 := mload(0x20) }
            }
        }
    }

    /// @dev Logs {TradeSettled} straight from `trade`'s memory: its words 3..12 are the event's data, in order.
    function _emitTradeSettled(Trade memory trade) private {
        bytes32 topic0 = TradeSettled.selector;
        assembly ("memory-safe") {
            log4(
                add(trade, 0x60),
                0x140,
                topic0,
                mload(trade),
                mload(add(trade, 0x20)),
                mload(add(trade, 0x40))
            )
        }
    }

    /*//////////////////////////////////////////////////////////////
                             ORDER HASHES
    //////////////////////////////////////////////////////////////*/

    /// @dev EIP-712 digest of `order` (`keccak256("\x19\x01" || domainSeparator || hashStruct(order))`): its
    ///      ten words follow the type hash as they lie in memory. `domainSeparator` is `_domainSeparatorV4()`,
    ///      read once per call.
    function _hashOrder(Order memory order, bytes32 domainSeparator) private pure returns (bytes32 digest) {
        bytes32 typehash = ORDER_TYPEHASH;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, typehash)
            mcopy(add(m, 0x20), order, 0x140)
            let structHash := keccak256(m, 0x160)
            mstore(m, 0x1901)
            mstore(add(m, 0x20), domainSeparator)
            mstore(add(m, 0x40), structHash)
            digest := keccak256(add(m, 0x1e), 0x42)
        }
    }

    function _freeMemory() private pure returns (uint256 pointer) {
        assembly ("memory-safe") {
            pointer := mload(0x40)
        }
    }

    /// @dev Gives back memory allocated since `pointer` was read; nothing allocated since is used afterwards.
    function _releaseMemory(uint256 pointer) private pure {
        assembly ("memory-safe") {
            mstore(0x40, pointer)
        }
    }

    /*//////////////////////////////////////////////////////////////
                             ADMIN INTERNALS
    //////////////////////////////////////////////////////////////*/

    function _setProtocolFee(address recipient, uint16 bps) private {
        if (bps > MAX_FEE_BPS || (bps != 0 && recipient == address(0))) revert InvalidFee(bps, recipient);
        _fee = FeeConfig(recipient, bps);
        emit ProtocolFeeSet(recipient, bps);
    }

    function _deposit(address currency, uint256 amount) private {
        if (!isCurrencyAllowed[currency]) revert CurrencyNotAllowed(currency);
        IERC20(currency).safeTransferFrom(msg.sender, address(this), amount);
        _balances[msg.sender][currency] += amount;
        emit Deposited(msg.sender, currency, amount);
    }
}
