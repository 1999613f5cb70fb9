// Bulk submission beyond the API's cap: the gateway takes at most 1,000 orders per request
// (413 ORDERS.TOO_MANY above), so a longer list is sent as consecutive chunks, in order (orders
// sharing a nonce replace each other in arrival order, so chunks are never sent concurrently),
// and the per-order answers are merged back with `index` counting over the whole list.

/** The gateway's MAX_ORDERS_PER_SUBMIT (the OpenAPI document's maxItems of `orders`). */
export const MAX_ORDERS_PER_REQUEST = 1_000;
/** The gateway's MAX_HASHES_PER_CANCEL: order hashes one signed cancel may name. */
export const MAX_HASHES_PER_CANCEL = 1_000;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size ${size}`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** What one bulk answer holds, as far as merging is concerned. */
export interface BulkAnswer<R extends { index: number; accepted: boolean }> {
  readonly results: readonly R[];
  readonly accepted: number;
  readonly refused: number;
  readonly position: string | null;
}

const later = (a: string | null, b: string | null): string | null =>
  a === null ? b : b === null ? a : BigInt(a) >= BigInt(b) ? a : b;

/**
 * The answers of consecutive chunks as one answer: results in input order with `index` offset by
 * the sizes of the chunks before, counts summed, and the highest position (the one to read your
 * writes of all of them at).
 */
export function mergeBulkAnswers<R extends { index: number; accepted: boolean }>(
  answers: readonly { readonly size: number; readonly answer: BulkAnswer<R> }[],
): BulkAnswer<R> {
  const results: R[] = [];
  let offset = 0;
  let position: string | null = null;
  for (const { size, answer } of answers) {
    if (answer.results.length !== size)
      throw new Error(`a chunk of ${size} orders got ${answer.results.length} results`);
    for (const r of answer.results) results.push({ ...r, index: r.index + offset });
    offset += size;
    position = later(position, answer.position);
  }
  const accepted = results.filter((r) => r.accepted).length;
  return { results, accepted, refused: results.length - accepted, position };
}
