// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {ArtworkRegistry} from "../src/ArtworkRegistry.sol";
import {Test} from "./utils/Test.sol";

/// @notice Unit and fuzz tests of the registry: provenance recorded once and for good, lineage, caps on
///         royalty, parents and contributors, ERC-2981, the packed split the marketplace reads.
contract ArtworkRegistryTest is Test {
    ArtworkRegistry private registry;
    address private admin;
    address private creator;
    address private collector;
    address private contributorA;
    address private contributorB;

    function setUp() public {
        admin = makeAddr("admin");
        creator = makeAddr("creator");
        collector = makeAddr("collector");
        contributorA = makeAddr("contributorA");
        contributorB = makeAddr("contributorB");
        registry = new ArtworkRegistry(admin);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _provenance() private view returns (ArtworkRegistry.Provenance memory p) {
        p.modelId = "stabilityai/sdxl-base-1.0";
        p.modelHash = keccak256("weights");
        p.promptHash = keccak256("prompt");
        p.seed = 7;
        p.manifestHash = keccak256("manifest");
        p.manifestURI = "ipfs://manifest";
        p.contributors = new ArtworkRegistry.Contribution[](2);
        p.contributors[0] = ArtworkRegistry.Contribution(contributorA, 150);
        p.contributors[1] = ArtworkRegistry.Contribution(contributorB, 100);
    }

    function _mint(ArtworkRegistry.Provenance memory p) private returns (uint256) {
        vm.prank(creator);
        return registry.mint(collector, p, address(0), 500);
    }

    function _contributors(uint256 count, uint16 bps)
        private
        pure
        returns (ArtworkRegistry.Contribution[] memory c)
    {
        c = new ArtworkRegistry.Contribution[](count);
        for (uint256 i; i < count; ++i) {
            c[i] = ArtworkRegistry.Contribution(address(uint160(0x1000 + i)), bps);
        }
    }

    /*//////////////////////////////////////////////////////////////
                                MINTING
    //////////////////////////////////////////////////////////////*/

    function test_mint_recordsProvenanceRoyaltyAndSplit() public {
        ArtworkRegistry.Provenance memory p = _provenance();
        uint256 id = _mint(p);

        assertEq(id, 1, "first id");
        assertEq(registry.totalMinted(), 1, "total");
        assertEq(registry.ownerOf(id), collector, "owner");
        assertEq(registry.creatorOf(id), creator, "creator");
        assertEq(registry.provenanceHashOf(id), keccak256(abi.encode(creator, p)), "commitment");
        assertEq(registry.provenanceHashOf(id), registry.hashProvenance(creator, p), "hashProvenance");

        (address receiver, uint256 amount) = registry.royaltyInfo(id, 1000e6);
        assertEq(receiver, creator, "royalty receiver defaults to creator");
        assertEq(amount, 50e6, "5% royalty");

        ArtworkRegistry.Contribution[] memory c = registry.contributorsOf(id);
        assertEq(c.length, 2, "contributors");
        assertEq(c[0].account, contributorA, "contributor 0");
        assertEq(uint256(c[0].bps), 150, "share 0");
        assertEq(c[1].account, contributorB, "contributor 1");

        (uint256 terms, uint256[] memory words) = registry.splitOf(id);
        assertEq(terms, uint256(uint160(creator)) | (500 << 160) | (2 << 176), "packed terms");
        assertEq(words[0], uint256(uint160(contributorA)) | (150 << 160), "packed contributor 0");
        assertEq(words[1], uint256(uint160(contributorB)) | (100 << 160), "packed contributor 1");
    }

    function test_mint_emitsEverythingNeededOffChain() public {
        ArtworkRegistry.Provenance memory p = _provenance();
        bytes32 commitment = keccak256(abi.encode(creator, p));

        vm.expectEmit(true, true, true, true, address(registry));
        emit IERC721.Transfer(address(0), collector, 1);
        vm.expectEmit(true, true, true, true, address(registry));
        emit ArtworkRegistry.ArtworkMinted(1, creator, collector, commitment, creator, 500, p);
        _mint(p);
    }

    function test_mint_explicitRoyaltyReceiver() public {
        address splitter = makeAddr("splitter");
        vm.prank(creator);
        uint256 id = registry.mint(collector, _provenance(), splitter, 1000);
        (address receiver, uint256 amount) = registry.royaltyInfo(id, 999);
        assertEq(receiver, splitter, "receiver");
        assertEq(amount, 99, "rounds down");
    }

    function test_mint_lineage() public {
        uint256 a = _mint(_provenance());
        uint256 b = _mint(_provenance());
        ArtworkRegistry.Provenance memory child = _provenance();
        child.parents = new uint256[](2);
        child.parents[0] = b;
        child.parents[1] = a;
        uint256 c = _mint(child);
        assertEq(registry.provenanceHashOf(c), keccak256(abi.encode(creator, child)), "parents are committed");
    }

    function test_mint_noContributorsNoRoyalty() public {
        ArtworkRegistry.Provenance memory p = _provenance();
        p.contributors = new ArtworkRegistry.Contribution[](0);
        vm.prank(creator);
        uint256 id = registry.mint(collector, p, address(0), 0);
        (uint256 terms, uint256[] memory words) = registry.splitOf(id);
        assertEq(words.length, 0, "no contributors");
        assertEq(terms >> 160, 0, "no royalty, count 0");
    }

    function test_views_unmintedTokenIsEmpty() public view {
        (address receiver, uint256 amount) = registry.royaltyInfo(99, 1e6);
        assertEq(receiver, address(0), "receiver");
        assertEq(amount, 0, "amount");
        (uint256 terms, uint256[] memory words) = registry.splitOf(99);
        assertEq(terms, 0, "terms");
        assertEq(words.length, 0, "words");
        assertEq(registry.creatorOf(99), address(0), "creator");
    }

    /*//////////////////////////////////////////////////////////////
                                 CAPS
    //////////////////////////////////////////////////////////////*/

    function test_mint_revertsAboveRoyaltyCap() public {
        vm.expectRevert(abi.encodeWithSelector(ArtworkRegistry.RoyaltyTooHigh.selector, 1001, 1000));
        vm.prank(creator);
        registry.mint(collector, _provenance(), address(0), 1001);
    }

    function test_mint_revertsWithTooManyParents() public {
        for (uint256 i; i < 9; ++i) {
            _mint(_provenance());
        }
        ArtworkRegistry.Provenance memory p = _provenance();
        p.parents = new uint256[](9);
        for (uint256 i; i < 9; ++i) {
            p.parents[i] = i + 1;
        }
        vm.expectRevert(abi.encodeWithSelector(ArtworkRegistry.TooManyParents.selector, 9, 8));
        _mint(p);
    }

    function test_mint_revertsWithUnknownParent() public {
        ArtworkRegistry.Provenance memory p = _provenance();
        p.parents = new uint256[](1);
        p.parents[0] = 1; // the child itself would be id 1
        vm.expectRevert(abi.encodeWithSelector(ArtworkRegistry.UnknownParent.selector, 1));
        _mint(p);

        p.parents[0] = 0;
        vm.expectRevert(abi.encodeWithSelector(ArtworkRegistry.UnknownParent.selector, 0));
        _mint(p);
    }

    function test_mint_revertsWithDuplicateParent() public {
        _mint(_provenance());
        ArtworkRegistry.Provenance memory p = _provenance();
        p.parents = new uint256[](2);
        p.parents[0] = 1;
        p.parents[1] = 1;
        vm.expectRevert(abi.encodeWithSelector(ArtworkRegistry.DuplicateParent.selector, 1));
        _mint(p);
    }

    function test_mint_revertsWithTooManyContributors() public {
        ArtworkRegistry.Provenance memory p = _provenance();
        p.contributors = _contributors(17, 1);
        vm.expectRevert(abi.encodeWithSelector(ArtworkRegistry.TooManyContributors.selector, 17, 16));
        _mint(p);
    }

    function test_mint_sixteenContributorsAtTheCap() public {
        ArtworkRegistry.Provenance memory p = _provenance();
        p.contributors = _contributors(16, 62); // 992 bps
        uint256 id = _mint(p);
        assertEq(registry.contributorsOf(id).length, 16, "all stored");
    }

    function test_mint_revertsWithInvalidContributor() public {
        ArtworkRegistry.Provenance memory p = _provenance();
        p.contributors[1].account = address(0);
        vm.expectRevert(abi.encodeWithSelector(ArtworkRegistry.InvalidContributor.selector, 1));
        _mint(p);

        p = _provenance();
        p.contributors[0].bps = 0;
        vm.expectRevert(abi.encodeWithSelector(ArtworkRegistry.InvalidContributor.selector, 0));
        _mint(p);
    }

    function test_mint_revertsWithDuplicateContributor() public {
        ArtworkRegistry.Provenance memory p = _provenance();
        p.contributors[1].account = contributorA;
        vm.expectRevert(abi.encodeWithSelector(ArtworkRegistry.DuplicateContributor.selector, contributorA));
        _mint(p);
    }

    function test_mint_revertsAboveAttributionCap() public {
        ArtworkRegistry.Provenance memory p = _provenance();
        p.contributors[0].bps = 901;
        vm.expectRevert(abi.encodeWithSelector(ArtworkRegistry.AttributionTooHigh.selector, 1001, 1000));
        _mint(p);
    }

    /// @notice Any accepted mint stays within every cap; anything above one reverts.
    function testFuzz_mint_capsHold(uint16 royaltyBps, uint8 count, uint16 bps) public {
        royaltyBps = uint16(bound(royaltyBps, 0, 1500));
        count = uint8(bound(count, 0, 20));
        bps = uint16(bound(bps, 1, 1200));
        ArtworkRegistry.Provenance memory p = _provenance();
        p.contributors = _contributors(count, bps);
        bool valid = royaltyBps <= 1000 && count <= 16 && uint256(count) * bps <= 1000;

        vm.prank(creator);
        if (!valid) vm.expectRevert();
        registry.mint(collector, p, address(0), royaltyBps);
        if (!valid) return;

        (uint256 terms, uint256[] memory words) = registry.splitOf(1);
        assertLe((terms >> 160) & 0xffff, registry.MAX_ROYALTY_BPS(), "royalty cap");
        uint256 total;
        for (uint256 i; i < words.length; ++i) {
            total += words[i] >> 160;
        }
        assertLe(words.length, registry.MAX_CONTRIBUTORS(), "count cap");
        assertLe(total, registry.MAX_ATTRIBUTION_BPS(), "attribution cap");
        assertEq(total, uint256(count) * bps, "stored shares");
    }

    /// @notice The ERC-2981 answer is the stored bps of the price, rounded down, never above 10%.
    function testFuzz_royaltyInfo(uint256 price, uint16 royaltyBps) public {
        price = bound(price, 0, type(uint128).max);
        royaltyBps = uint16(bound(royaltyBps, 0, 1000));
        vm.prank(creator);
        uint256 id = registry.mint(collector, _provenance(), address(0), royaltyBps);
        (, uint256 amount) = registry.royaltyInfo(id, price);
        assertEq(amount, price * royaltyBps / 10_000, "amount");
        assertLe(amount, price / 10, "at most 10%");
    }

    /*//////////////////////////////////////////////////////////////
                          INTERFACES AND ADMIN
    //////////////////////////////////////////////////////////////*/

    function test_supportsInterface() public view {
        assertTrue(registry.supportsInterface(type(IERC721).interfaceId), "ERC-721");
        assertTrue(registry.supportsInterface(type(IERC721Metadata).interfaceId), "metadata");
        assertTrue(registry.supportsInterface(type(IERC2981).interfaceId), "ERC-2981");
        assertTrue(registry.supportsInterface(type(IERC165).interfaceId), "ERC-165");
        assertFalse(registry.supportsInterface(0xffffffff), "not 0xffffffff");
    }

    function test_tokenURI_followsBaseURI() public {
        uint256 id = _mint(_provenance());
        assertEq(registry.tokenURI(id), "", "empty by default");
        vm.expectEmit(address(registry));
        emit ArtworkRegistry.BaseURIUpdated("https://atelier.example/works/");
        vm.prank(admin);
        registry.setBaseURI("https://atelier.example/works/");
        assertEq(registry.tokenURI(id), "https://atelier.example/works/1", "base + id");
    }

    function test_setBaseURI_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, creator));
        vm.prank(creator);
        registry.setBaseURI("x");
    }

    function test_ownership_isTwoStep() public {
        address next = makeAddr("next");
        vm.prank(admin);
        registry.transferOwnership(next);
        assertEq(registry.owner(), admin, "still the old owner");
        vm.prank(next);
        registry.acceptOwnership();
        assertEq(registry.owner(), next, "new owner");
    }
}
