// Reading Ponder's progress. Ponder 0.16 keeps, per chain, three checkpoints in
// `<schema>._ponder_checkpoint` (written in the same transaction as the rows they cover):
// `latest` (indexed so far) and `finalized` (below it Ponder never reorgs). A checkpoint is a
// 75-digit string: block timestamp (10), chain id (16), block number (16), transaction index
// (16), event type (1), event index (16). A checkpoint that ends a block carries the maximum
// transaction index; any other one sits inside its block, which is then not complete yet.
// This is Ponder's internal format (pinned ponder@0.16.10); the relay checks it on start.
const LENGTH = 75;
const BLOCK_END_TX_INDEX = '9'.repeat(16);

export interface DecodedCheckpoint {
  readonly chainId: number;
  readonly blockNumber: number;
  readonly blockTimestamp: number;
  /** The highest block whose every event is covered by the checkpoint. */
  readonly completeBlock: number;
}

export function decodePonderCheckpoint(checkpoint: string): DecodedCheckpoint {
  if (checkpoint.length !== LENGTH || !/^[0-9]+$/.test(checkpoint)) {
    throw new Error(
      `unexpected Ponder checkpoint '${checkpoint}' (expected ${LENGTH} digits); the relay reads ponder@0.16's format`,
    );
  }
  const blockTimestamp = Number(checkpoint.slice(0, 10));
  const chainId = Number(checkpoint.slice(10, 26));
  const blockNumber = Number(checkpoint.slice(26, 42));
  const transactionIndex = checkpoint.slice(42, 58);
  return {
    chainId,
    blockNumber,
    blockTimestamp,
    completeBlock: transactionIndex === BLOCK_END_TX_INDEX ? blockNumber : blockNumber - 1,
  };
}
