// An order of the read model as the API shows it: every bigint as a decimal string.
import type { MarketOrderRow, OrderView } from '@atelier/market-projections';

/** The stored order row without its bookkeeping, with its times as ISO-8601 strings. */
export type OrderJson = Omit<
  MarketOrderRow,
  'seq' | 'acceptedPosition' | 'lastPosition' | 'acceptedAt' | 'updatedAt'
> & { acceptedAt: string; updatedAt: string };

export const orderJson = (o: OrderView): OrderJson => ({
  hash: o.hash,
  collection: o.collection,
  maker: o.maker,
  kind: o.kind,
  tokenId: o.tokenId.toString(),
  currency: o.currency,
  price: o.price.toString(),
  start: o.start.toString(),
  expiry: o.expiry.toString(),
  counter: o.counter.toString(),
  nonce: o.nonce.toString(),
  signature: o.signature,
  status: o.status,
  reason: o.reason,
  tradeId: o.tradeId,
  acceptedAt: o.acceptedAt,
  updatedAt: o.updatedAt,
});
