// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

import {TestStablecoin} from "../src/TestStablecoin.sol";
import {Test, Vm} from "./utils/Test.sol";

/// @notice Unit and fuzz tests of the local stablecoin: metadata, chain-gated minting, EIP-2612 permit.
contract TestStablecoinTest is Test {
    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    bytes32 private constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    uint256 private constant ONE_TUSD = 1e6;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    TestStablecoin private token;
    address private owner;
    uint256 private ownerKey;
    address private spender;

    /*//////////////////////////////////////////////////////////////
                                 SETUP
    //////////////////////////////////////////////////////////////*/

    function setUp() public {
        vm.chainId(31_337);
        token = new TestStablecoin();
        (owner, ownerKey) = makeAddrAndKey("owner");
        (spender,) = makeAddrAndKey("spender");
    }

    /*//////////////////////////////////////////////////////////////
                                METADATA
    //////////////////////////////////////////////////////////////*/

    function test_metadata() public view {
        assertEq(token.name(), "Atelier Test USD", "name");
        assertEq(token.symbol(), "tUSD", "symbol");
        assertEq(uint256(token.decimals()), 6, "decimals");
        assertEq(token.totalSupply(), 0, "initial supply");
    }

    function test_eip712Domain() public view {
        (, string memory name, string memory version, uint256 chainId, address verifyingContract,,) =
            token.eip712Domain();
        assertEq(name, "Atelier Test USD", "domain name");
        assertEq(version, "1", "domain version");
        assertEq(chainId, 31_337, "domain chain id");
        assertEq(verifyingContract, address(token), "verifying contract");
    }

    /*//////////////////////////////////////////////////////////////
                                MINTING
    //////////////////////////////////////////////////////////////*/

    function test_mint_byAnyoneOnAnvil() public {
        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Transfer(address(0), owner, 250 * ONE_TUSD);

        vm.prank(spender);
        token.mint(owner, 250 * ONE_TUSD);

        assertEq(token.balanceOf(owner), 250 * ONE_TUSD, "balance");
        assertEq(token.totalSupply(), 250 * ONE_TUSD, "supply");
    }

    function test_mint_onDevChain1337() public {
        vm.chainId(1337);
        assertTrue(token.isLocalChain(), "1337 is local");
        token.mint(owner, ONE_TUSD);
        assertEq(token.balanceOf(owner), ONE_TUSD, "balance");
    }

    function testFuzz_mint(address caller, address to, uint256 first, uint256 second) public {
        vm.assume(to != address(0));
        first = bound(first, 0, type(uint128).max);
        second = bound(second, 0, type(uint128).max);

        vm.startPrank(caller);
        token.mint(to, first);
        token.mint(to, second);
        vm.stopPrank();

        assertEq(token.balanceOf(to), first + second, "balance adds up");
        assertEq(token.totalSupply(), first + second, "supply adds up");
    }

    function test_mint_revertsOnMainnet() public {
        vm.chainId(1);
        assertFalse(token.isLocalChain(), "mainnet is not local");
        vm.expectRevert(abi.encodeWithSelector(TestStablecoin.MintingDisabledOnChain.selector, 1));
        token.mint(owner, ONE_TUSD);
    }

    function testFuzz_mint_revertsOffLocalChains(uint64 chainId, address to, uint256 amount) public {
        vm.assume(chainId != 31_337 && chainId != 1337 && chainId != 0);
        vm.chainId(chainId);

        vm.expectRevert(
            abi.encodeWithSelector(TestStablecoin.MintingDisabledOnChain.selector, uint256(chainId))
        );
        token.mint(to, amount);
    }

    function test_mint_toZeroAddressReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        token.mint(address(0), ONE_TUSD);
    }

    /*//////////////////////////////////////////////////////////////
                                 PERMIT
    //////////////////////////////////////////////////////////////*/

    function test_permit_setsAllowanceAndSpends() public {
        token.mint(owner, 100 * ONE_TUSD);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(ownerKey, owner, spender, 40 * ONE_TUSD, 0, deadline);

        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Approval(owner, spender, 40 * ONE_TUSD);
        token.permit(owner, spender, 40 * ONE_TUSD, deadline, v, r, s);

        assertEq(token.allowance(owner, spender), 40 * ONE_TUSD, "allowance");
        assertEq(token.nonces(owner), 1, "nonce consumed");

        vm.prank(spender);
        assertTrue(token.transferFrom(owner, spender, 40 * ONE_TUSD), "transferFrom returns true");
        assertEq(token.balanceOf(spender), 40 * ONE_TUSD, "spender received");
        assertEq(token.allowance(owner, spender), 0, "allowance spent");
    }

    function testFuzz_permit(uint256 privateKey, address to, uint256 value, uint256 deadline) public {
        privateKey = boundPrivateKey(privateKey);
        deadline = bound(deadline, block.timestamp, type(uint256).max);
        address signer = vm.addr(privateKey);
        vm.assume(to != address(0));

        (uint8 v, bytes32 r, bytes32 s) = _signPermit(privateKey, signer, to, value, 0, deadline);
        token.permit(signer, to, value, deadline, v, r, s);

        assertEq(token.allowance(signer, to), value, "allowance");
        assertEq(token.nonces(signer), 1, "nonce");
    }

    function test_permit_replayReverts() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(ownerKey, owner, spender, ONE_TUSD, 0, deadline);
        token.permit(owner, spender, ONE_TUSD, deadline, v, r, s);

        // The nonce is now 1, so the same signature recovers to some other address.
        bytes32 replayDigest = _permitDigest(owner, spender, ONE_TUSD, 1, deadline);
        address recovered = ecrecover(replayDigest, v, r, s);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, owner));
        token.permit(owner, spender, ONE_TUSD, deadline, v, r, s);
    }

    function test_permit_expiredReverts() public {
        vm.warp(1_700_000_000);
        uint256 deadline = block.timestamp + 10 minutes;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(ownerKey, owner, spender, ONE_TUSD, 0, deadline);

        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        token.permit(owner, spender, ONE_TUSD, deadline, v, r, s);
    }

    function test_permit_atDeadlineSucceeds() public {
        uint256 deadline = block.timestamp + 10 minutes;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(ownerKey, owner, spender, ONE_TUSD, 0, deadline);
        vm.warp(deadline);
        token.permit(owner, spender, ONE_TUSD, deadline, v, r, s);
        assertEq(token.allowance(owner, spender), ONE_TUSD, "allowance");
    }

    function test_permit_wrongSignerReverts() public {
        (address mallory, uint256 malloryKey) = makeAddrAndKey("mallory");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(malloryKey, owner, spender, ONE_TUSD, 0, deadline);

        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, mallory, owner));
        token.permit(owner, spender, ONE_TUSD, deadline, v, r, s);
    }

    function test_permit_signatureBoundToChainId() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(ownerKey, owner, spender, ONE_TUSD, 0, deadline);

        vm.chainId(1337);
        bytes32 otherDigest = _permitDigest(owner, spender, ONE_TUSD, 0, deadline);
        address recovered = ecrecover(otherDigest, v, r, s);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, owner));
        token.permit(owner, spender, ONE_TUSD, deadline, v, r, s);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _permitDigest(address holder, address to, uint256 value, uint256 nonce, uint256 deadline)
        private
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, holder, to, value, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }

    function _signPermit(
        uint256 key,
        address holder,
        address to,
        uint256 value,
        uint256 nonce,
        uint256 deadline
    ) private view returns (uint8 v, bytes32 r, bytes32 s) {
        return vm.sign(key, _permitDigest(holder, to, value, nonce, deadline));
    }
}

/// @notice Drives the token with random mints and transfers among a fixed set of actors.
contract TestStablecoinHandler {
    Vm private constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    TestStablecoin public immutable token;
    address[] public actors;
    uint256 public ghostMinted;

    constructor(TestStablecoin token_) {
        token = token_;
        for (uint256 i = 1; i <= 4; i++) {
            actors.push(vm.addr(i));
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function mint(uint256 actorSeed, uint256 amount) external {
        amount = amount % 1e15;
        token.mint(actors[actorSeed % actors.length], amount);
        ghostMinted += amount;
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = actors[fromSeed % actors.length];
        address to = actors[toSeed % actors.length];
        uint256 balance = token.balanceOf(from);
        if (balance == 0) return;
        vm.prank(from);
        require(token.transfer(to, amount % (balance + 1)), "transfer returned false");
    }
}

/// @notice Supply accounting holds under any sequence of mints and transfers.
contract TestStablecoinInvariantTest is Test {
    TestStablecoin private token;
    TestStablecoinHandler private handler;

    function setUp() public {
        vm.chainId(31_337);
        token = new TestStablecoin();
        handler = new TestStablecoinHandler(token);
        targetContract(address(handler));
    }

    function invariant_supplyEqualsMinted() public view {
        assertEq(token.totalSupply(), handler.ghostMinted(), "supply == minted");
    }

    function invariant_balancesSumToSupply() public view {
        uint256 sum;
        uint256 n = handler.actorCount();
        for (uint256 i; i < n; i++) {
            sum += token.balanceOf(handler.actors(i));
        }
        assertEq(sum, token.totalSupply(), "sum(balances) == supply");
    }
}
