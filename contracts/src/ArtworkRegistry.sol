// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title ArtworkRegistry
/// @notice Atelier's ERC-721 of AI-generated works. Minting records each work's provenance (creator,
///         model id and hash, prompt hash, seed, C2PA manifest hash and URI, parent works, training-data
///         contributors with their shares) and its ERC-2981 royalty; none of it can change afterwards.
/// @dev What lives where:
///      - Storage keeps what contracts need to read: the creator, a commitment to the whole provenance
///        record (`provenanceHash`), the royalty and the contributors (the Marketplace splits every sale
///        with them). Parents, model, prompt, seed and manifest live only in the {ArtworkMinted} event
///        and under the commitment: an indexer rebuilds provenance and lineage from events alone, and
///        anyone can check a record against the chain with {hashProvenance}.
///      - The sale split is packed for the Marketplace's hot path: one word per work (royalty receiver,
///        royalty bps, contributor count) and one word per contributor (account, bps); {splitOf} returns
///        those words as they are stored.
///      Minting is open: `msg.sender` is the creator. Caps: {MAX_ROYALTY_BPS}, {MAX_PARENTS},
///      {MAX_CONTRIBUTORS}, {MAX_ATTRIBUTION_BPS} (see docs/contracts.md).
contract ArtworkRegistry is ERC721, IERC2981, Ownable2Step {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice A training-data contributor credited on every sale of the work.
    /// @param account Who is paid.
    /// @param bps Share of each sale price, in basis points (1 = 0.01%).
    struct Contribution {
        address account;
        uint16 bps;
    }

    /// @notice The immutable record of how a work was made, as given at mint.
    /// @param modelId Human-readable model identifier (e.g. "stabilityai/sdxl-base-1.0").
    /// @param modelHash Hash of the model weights.
    /// @param promptHash Hash of the prompt (the prompt itself may stay private).
    /// @param seed Generation seed.
    /// @param manifestHash Hash of the C2PA content-credential manifest.
    /// @param manifestURI Where the manifest can be fetched.
    /// @param parents Token ids of the works this one derives from (lineage); at most {MAX_PARENTS}, no repeats.
    /// @param contributors Training-data contributors; at most {MAX_CONTRIBUTORS}, shares summing to at most
    ///        {MAX_ATTRIBUTION_BPS}.
    struct Provenance {
        string modelId;
        bytes32 modelHash;
        bytes32 promptHash;
        uint256 seed;
        bytes32 manifestHash;
        string manifestURI;
        uint256[] parents;
        Contribution[] contributors;
    }

    /// @dev Per-work storage. `terms` packs royalty receiver (bits 0-159), royalty bps (160-175), the
    ///      contributor count (176-183) and, in bit 255, whether a single-token approval is set (see
    ///      {_approve}); each `contributors` word packs account (0-159) and bps (160-175).
    struct Work {
        uint256 terms;
        address creator;
        bytes32 provenanceHash;
        uint256[16] contributors;
    }

    /*//////////////////////////////////////////////////////////////
                            CUSTOM ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice The royalty exceeds {MAX_ROYALTY_BPS}.
    error RoyaltyTooHigh(uint256 bps, uint256 max);

    /// @notice More parents than {MAX_PARENTS}.
    error TooManyParents(uint256 count, uint256 max);

    /// @notice A parent token id that was never minted.
    error UnknownParent(uint256 parentId);

    /// @notice The same parent appears twice.
    error DuplicateParent(uint256 parentId);

    /// @notice More contributors than {MAX_CONTRIBUTORS}.
    error TooManyContributors(uint256 count, uint256 max);

    /// @notice A contributor with the zero address or a zero share.
    error InvalidContributor(uint256 index);

    /// @notice The same contributor appears twice.
    error DuplicateContributor(address account);

    /// @notice The contributors' shares sum to more than {MAX_ATTRIBUTION_BPS}.
    error AttributionTooHigh(uint256 totalBps, uint256 max);

    /*//////////////////////////////////////////////////////////////
                                EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice A work was minted; with ERC-721's `Transfer(0, owner, tokenId)` this is all an indexer needs
    ///         to rebuild the work, its provenance, its lineage and its sale split.
    /// @param tokenId The new work (ids count up from 1).
    /// @param creator Who minted it (`msg.sender`).
    /// @param owner Who received it.
    /// @param provenanceHash `keccak256(abi.encode(creator, provenance))`, also kept in storage.
    /// @param royaltyReceiver ERC-2981 royalty receiver (the creator unless another was given).
    /// @param royaltyBps ERC-2981 royalty in basis points of each sale price.
    /// @param provenance The full provenance record.
    event ArtworkMinted(
        uint256 indexed tokenId,
        address indexed creator,
        address indexed owner,
        bytes32 provenanceHash,
        address royaltyReceiver,
        uint16 royaltyBps,
        Provenance provenance
    );

    /// @notice The base of every `tokenURI` changed (metadata is served off chain, keyed by token id).
    event BaseURIUpdated(string baseURI);

    /*//////////////////////////////////////////////////////////////
                              CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Highest royalty a work may carry: 10%.
    uint256 public constant MAX_ROYALTY_BPS = 1000;

    /// @notice Most parent works one work may name.
    uint256 public constant MAX_PARENTS = 8;

    /// @notice Most training-data contributors one work may credit.
    uint256 public constant MAX_CONTRIBUTORS = 16;

    /// @notice Highest total contributor share: 10% of each sale price.
    uint256 public constant MAX_ATTRIBUTION_BPS = 1000;

    uint256 private constant _BPS_SHIFT = 160;
    uint256 private constant _COUNT_SHIFT = 176;
    uint256 private constant _APPROVAL_FLAG = 1 << 255;

    /*//////////////////////////////////////////////////////////////
                               STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @notice Number of works minted so far; also the id of the newest one.
    uint256 public totalMinted;

    string private _baseTokenURI;

    mapping(uint256 tokenId => Work) private _works;

    /*//////////////////////////////////////////////////////////////
                             CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param initialOwner May set the metadata base URI; nothing else (provenance and splits are immutable).
    constructor(address initialOwner) ERC721("Atelier Artworks", "ATLR") Ownable(initialOwner) {}

    /*//////////////////////////////////////////////////////////////
                                MINTING
    //////////////////////////////////////////////////////////////*/

    /// @notice Mints a new work to `to` with `msg.sender` as its creator.
    /// @dev No receiver callback (`_mint`, not `_safeMint`): nothing runs between the checks and the writes.
    /// @param to Receiver of the token.
    /// @param provenance The provenance record; validated against the caps.
    /// @param royaltyReceiver ERC-2981 receiver; `address(0)` means the creator.
    /// @param royaltyBps ERC-2981 royalty; at most {MAX_ROYALTY_BPS}.
    /// @return tokenId The new token id.
    function mint(address to, Provenance calldata provenance, address royaltyReceiver, uint16 royaltyBps)
        external
        returns (uint256 tokenId)
    {
        if (royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(royaltyBps, MAX_ROYALTY_BPS);
        if (royaltyReceiver == address(0)) royaltyReceiver = msg.sender;

        tokenId = totalMinted + 1;
        _checkParents(provenance.parents, tokenId);
        Work storage work = _works[tokenId];
        uint256 count = _storeContributors(work, provenance.contributors);

        bytes32 provenanceHash = keccak256(abi.encode(msg.sender, provenance));
        totalMinted = tokenId;
        work.terms =
            uint256(uint160(royaltyReceiver)) | (uint256(royaltyBps) << _BPS_SHIFT) | (count << _COUNT_SHIFT);
        work.creator = msg.sender;
        work.provenanceHash = provenanceHash;

        _mint(to, tokenId);
        emit ArtworkMinted(tokenId, msg.sender, to, provenanceHash, royaltyReceiver, royaltyBps, provenance);
    }

    /*//////////////////////////////////////////////////////////////
                               TRANSFERS
    //////////////////////////////////////////////////////////////*/

    /// @notice `transferFrom`, answering the work's sale split ({splitOf}) as well: a marketplace settles a sale
    ///         with one call into the registry instead of two. Same authorization as `transferFrom`.
    /// @dev The split is read first, so the transfer finds the work's `terms` word warm (see {_approve}).
    function transferFromWithSplit(address from, address to, uint256 tokenId)
        external
        returns (uint256 terms, uint256[] memory contributors)
    {
        (terms, contributors) = splitOf(tokenId);
        transferFrom(from, to, tokenId);
    }

    /*//////////////////////////////////////////////////////////////
                                 ADMIN
    //////////////////////////////////////////////////////////////*/

    /// @notice Sets the prefix of every `tokenURI` (`<base><tokenId>`); empty turns token URIs off.
    function setBaseURI(string calldata baseURI) external onlyOwner {
        _baseTokenURI = baseURI;
        emit BaseURIUpdated(baseURI);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice The sale split of `tokenId` as stored, for the Marketplace's hot path.
    /// @return terms Royalty receiver (bits 0-159), royalty bps (160-175), contributor count (176-183); zero
    ///         for a token that was never minted.
    /// @return contributors One word per contributor: account (bits 0-159), bps (160-175).
    function splitOf(uint256 tokenId) public view returns (uint256 terms, uint256[] memory contributors) {
        Work storage work = _works[tokenId];
        terms = work.terms & ~_APPROVAL_FLAG;
        uint256 count = terms >> _COUNT_SHIFT;
        contributors = new uint256[](count);
        // On every sale's path: plain loads of `work.contributors[0..count)` (count <= 16 by construction).
        assembly ("memory-safe") {
            let from := add(work.slot, 3)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                mstore(add(contributors, shl(5, add(i, 1))), sload(add(from, i)))
            }
        }
    }

    /// @notice The training-data contributors of `tokenId` and their shares (empty if never minted).
    function contributorsOf(uint256 tokenId) external view returns (Contribution[] memory contributors) {
        Work storage work = _works[tokenId];
        uint256 count = (work.terms >> _COUNT_SHIFT) & 0xff;
        contributors = new Contribution[](count);
        for (uint256 i; i < count; ++i) {
            uint256 word = work.contributors[i];
            // Unpacking: account in bits 0-159, bps in 160-175 (stored from a uint16).
            // forge-lint: disable-next-line(unsafe-typecast)
            contributors[i] = Contribution(address(uint160(word)), uint16(word >> _BPS_SHIFT));
        }
    }

    /// @notice Who minted `tokenId` (zero if never minted).
    function creatorOf(uint256 tokenId) external view returns (address) {
        return _works[tokenId].creator;
    }

    /// @notice The commitment to `tokenId`'s provenance (zero if never minted); compare with {hashProvenance}.
    function provenanceHashOf(uint256 tokenId) external view returns (bytes32) {
        return _works[tokenId].provenanceHash;
    }

    /// @notice The commitment a mint by `creator` with `provenance` stores.
    function hashProvenance(address creator, Provenance calldata provenance) external pure returns (bytes32) {
        return keccak256(abi.encode(creator, provenance));
    }

    /// @inheritdoc IERC2981
    /// @dev Rounds down; (0, 0) for a token that was never minted.
    function royaltyInfo(uint256 tokenId, uint256 salePrice)
        external
        view
        returns (address receiver, uint256 royaltyAmount)
    {
        uint256 terms = _works[tokenId].terms;
        // Unpacking: the receiver is the low 160 bits of `terms` by layout.
        // forge-lint: disable-next-line(unsafe-typecast)
        receiver = address(uint160(terms));
        royaltyAmount = salePrice * ((terms >> _BPS_SHIFT) & 0xffff) / 10_000;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, IERC165) returns (bool) {
        return interfaceId == type(IERC2981).interfaceId || super.supportsInterface(interfaceId);
    }

    /*//////////////////////////////////////////////////////////////
                               INTERNALS
    //////////////////////////////////////////////////////////////*/

    function _baseURI() internal view override returns (string memory) {
        return _baseTokenURI;
    }

    /// @dev Tracks in the work's `terms` word whether a single-token approval is set, so that a transfer of a
    ///      token without one (the usual case: marketplaces hold operator approvals) skips OpenZeppelin's
    ///      clearing of the approval slot, a cold storage access. A Marketplace sale reads `terms` just before
    ///      the transfer ({transferFromWithSplit}, or {splitOf} first), so the check is warm there. Every
    ///      approval write goes through here: `approve` (`emitEvent`), and the clearing inside `_update` on
    ///      transfer (`to == 0`, no auth, no event).
    function _approve(address to, uint256 tokenId, address auth, bool emitEvent) internal override {
        Work storage work = _works[tokenId];
        uint256 terms = work.terms;
        if (to == address(0)) {
            if (terms & _APPROVAL_FLAG != 0) {
                work.terms = terms & ~_APPROVAL_FLAG;
            } else if (!emitEvent && auth == address(0)) {
                return; // a transfer, and no approval to clear
            }
        } else if (terms & _APPROVAL_FLAG == 0) {
            work.terms = terms | _APPROVAL_FLAG;
        }
        super._approve(to, tokenId, auth, emitEvent);
    }

    /// @dev Parents must be minted before the child (ids below `childId`) and distinct.
    function _checkParents(uint256[] calldata parents, uint256 childId) private pure {
        uint256 count = parents.length;
        if (count > MAX_PARENTS) revert TooManyParents(count, MAX_PARENTS);
        for (uint256 i; i < count; ++i) {
            uint256 parent = parents[i];
            if (parent == 0 || parent >= childId) revert UnknownParent(parent);
            for (uint256 j; j < i; ++j) {
                if (parents[j] == parent) revert DuplicateParent(parent);
            }
        }
    }

    /// @dev Validates the contributors against the caps and writes one packed word each.
    function _storeContributors(Work storage work, Contribution[] calldata contributors)
        private
        returns (uint256 count)
    {
        count = contributors.length;
        if (count > MAX_CONTRIBUTORS) revert TooManyContributors(count, MAX_CONTRIBUTORS);
        uint256 total;
        for (uint256 i; i < count; ++i) {
            address account = contributors[i].account;
            uint256 bps = contributors[i].bps;
            if (account == address(0) || bps == 0) revert InvalidContributor(i);
            for (uint256 j; j < i; ++j) {
                if (contributors[j].account == account) revert DuplicateContributor(account);
            }
            total += bps;
            work.contributors[i] = uint256(uint160(account)) | (bps << _BPS_SHIFT);
        }
        if (total > MAX_ATTRIBUTION_BPS) revert AttributionTooHigh(total, MAX_ATTRIBUTION_BPS);
    }
}
