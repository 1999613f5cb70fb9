// Anti-corruption layer: a market.* envelope -> the trade settlement needs, or null for any
// other event. The payload is decoded with the market's own codec (zod-validated), so a
// malformed TradeMatched is an error at the boundary, never a half-read trade.
import type { EventEnvelope } from '@atelier/market-messages';
import { marketEventCodec, type SignedOrder } from '@atelier/market-domain';
import type { JsonObject } from '@atelier/eventsourcing';
import type { Hex, SettlementOrder, SettlementTrade } from '@atelier/settlement-domain';

const order = (o: SignedOrder): SettlementOrder => ({
  hash: o.hash as Hex,
  signature: o.signature,
  order: {
    maker: o.order.maker as Hex,
    kind: o.order.kind,
    collection: o.order.collection as Hex,
    tokenId: o.order.tokenId,
    currency: o.order.currency as Hex,
    price: o.order.price,
    start: o.order.start,
    expiry: o.order.expiry,
    counter: o.order.counter,
    nonce: o.order.nonce,
  },
});

export function tradeOf(envelope: EventEnvelope): SettlementTrade | null {
  if (envelope.type !== 'TradeMatched') return null;
  const event = marketEventCodec.decode({
    type: envelope.type,
    schemaVersion: envelope.version,
    data: envelope.data as JsonObject,
  });
  if (event.type !== 'TradeMatched') return null;
  const d = event.data;
  return {
    tradeId: d.tradeId,
    collection: d.collection as Hex,
    tokenId: d.tokenId,
    price: d.price,
    ask: order(d.ask),
    bid: order(d.bid),
    matchedAt: d.matchedAt,
  };
}
