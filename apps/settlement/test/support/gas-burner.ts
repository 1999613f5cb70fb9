// A hostile ERC-721 for the bisection spec: it holds tokens and approvals like any collection,
// but its transferFrom loops until the gas it was given is gone. The Marketplace forwards all
// but 1/64 of its gas into transferFrom, so on a chain whose block gas limit leaves too little
// in that 1/64 for the rest of the batch, one such pair makes the whole settleBatch revert.
// Compiled here with the solc npm package (as the indexer specs compile their spray contract),
// so contracts/ keeps only the product's contracts and their forge tests.
import solc from 'solc';
import { parseAbi, type Hex } from 'viem';

const SOURCE = `// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;
/// An ERC-721 whose transfers never end: they burn every unit of gas they are given.
contract GasBurnerCollection {
  mapping(uint256 => address) public ownerOf;
  mapping(address => mapping(address => bool)) public isApprovedForAll;
  event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
  function mint(address to, uint256 tokenId) external {
    ownerOf[tokenId] = to;
    emit Transfer(address(0), to, tokenId);
  }
  function setApprovalForAll(address operator, bool approved) external {
    isApprovedForAll[msg.sender][operator] = approved;
  }
  function getApproved(uint256) external pure returns (address) { return address(0); }
  function transferFrom(address, address, uint256) external {
    uint256 spin;
    while (true) { unchecked { ++spin; } }
  }
}`;

export const gasBurnerAbi = parseAbi([
  'function mint(address to, uint256 tokenId)',
  'function setApprovalForAll(address operator, bool approved)',
  'function ownerOf(uint256 tokenId) view returns (address)',
]);

export function gasBurnerBytecode(): Hex {
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: { 'GasBurner.sol': { content: SOURCE } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          outputSelection: { '*': { '*': ['evm.bytecode.object'] } },
        },
      }),
    ),
  ) as {
    contracts?: {
      'GasBurner.sol': { GasBurnerCollection: { evm: { bytecode: { object: string } } } };
    };
    errors?: { severity: string; message: string }[];
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0 || !out.contracts)
    throw new Error(
      `GasBurnerCollection does not compile: ${errors.map((e) => e.message).join('; ')}`,
    );
  return `0x${out.contracts['GasBurner.sol'].GasBurnerCollection.evm.bytecode.object}`;
}
