// An order of the read model as the API shows it: every bigint as a decimal string.
import type { OrderView } from '@atelier/market-projections';

export interface OrderJson {
  hash: string;
  collection: string;
  maker: string;
  kind: number;
  tokenId: string;
  currency: string;
  price: string;
  start: string;
  expiry: string;
  counter: string;
  nonce: string;
  signature: string;
  status: string;
  reason: string | null;
  tradeId: string | null;
  acceptedAt: string;
  updatedAt: string;
}

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
