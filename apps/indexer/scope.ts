// Which stablecoin facts concern the marketplace: the token is shared with the rest of the
// world, and only its traffic to, from or through the Marketplace belongs to Atelier's history.
export interface ScopedEvent {
  readonly args: unknown;
  readonly transaction: { readonly to: string | null };
}

/**
 * True when an argument names the Marketplace (a transfer to or from it, an approval of it) or
 * the transaction was sent to it (settleBatch, a direct fill, a deposit or withdrawal pull
 * tokens between third parties). Transfers the Marketplace causes through another contract
 * (a smart wallet calling it) are not seen; see docs/indexer.md.
 */
export function concernsMarketplace(event: ScopedEvent, marketplace: string): boolean {
  const m = marketplace.toLowerCase();
  if (event.transaction.to?.toLowerCase() === m) return true;
  const args = event.args;
  const values = Array.isArray(args)
    ? args
    : typeof args === 'object' && args !== null
      ? Object.values(args)
      : [];
  return values.some((v) => typeof v === 'string' && v.toLowerCase() === m);
}
