// The identity of a chain fact: the log's place in one block of one chain. A block hash names
// exactly one block, so the id survives re-indexing, restarts and re-sends unchanged, and a
// reorg that moves the same transaction into another block yields a different id (the old
// one is retracted, the new one published).
export const FACT_ID = /^([1-9][0-9]*):(0x[0-9a-f]{64}):(0|[1-9][0-9]*)$/;

/** `${chainId}:${blockHash}:${logIndex}`, block hash in lowercase hex. */
export function factId(chainId: number, blockHash: string, logIndex: number): string {
  return `${chainId}:${blockHash.toLowerCase()}:${logIndex}`;
}

/** The id of the message that retracts a fact: distinct, so dedupe-by-id keeps both. */
export function retractionId(id: string): string {
  return `${id}:retracted`;
}

export function parseFactId(id: string): { chainId: number; blockHash: string; logIndex: number } {
  const m = FACT_ID.exec(id);
  if (!m) throw new Error(`'${id}' is not a chain fact id (chainId:blockHash:logIndex)`);
  return { chainId: Number(m[1]), blockHash: m[2]!, logIndex: Number(m[3]) };
}
