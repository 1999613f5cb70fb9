// @atelier/chain-actions: the one viem library for Atelier's Marketplace orders. Hashing,
// signing and verifying orders and off-chain cancels (ECDSA and EIP-1271, as the contract
// judges them), building and minting works, encoding settlement batches, funding and approving,
// and reading the market's chain state at one block through multicall. One action per file,
// plain functions over a viem client (CONVENTIONS.md "Chain code"); errors are ChainActionError.
export * from './errors';
export * from './typed-data';
export * from './market-state';
export type { ReadTarget } from './market-reads';
export * from './hash-order';
export * from './sign-order';
export * from './verify-order-signature';
export * from './hash-cancel';
export * from './sign-cancel';
export * from './verify-cancel-signature';
export * from './verify-signature';
export { type TypedDataSigner, signerAddress } from './signer';
export * from './read-intake-state';
export * from './read-observations';
export * from './write-and-wait';
export * from './build-mint';
export * from './mint-artwork';
export * from './approve-marketplace';
export * from './deposit';
export * from './encode-settle-batch';
export * from './settle-batch';
export * from './create-order';
export * from './connect-deployment';
