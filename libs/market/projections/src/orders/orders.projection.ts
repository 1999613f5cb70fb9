// The orders projection: market events (market.* envelopes, payload as marketEventCodec stores
// it) -> market_orders, market_trades and market_streams. It mirrors what the market's evolve
// does to an order's status and trade, nothing more: statuses are announced by the decider
// (OrderStatusChanged), except the ones a trade sets (reserved on TradeMatched and
// TradeUnsettled, filled on TradeSettled), which evolve sets without an announcement.
//
// Every write is guarded by the row's `last_position`: an event at or below the position that
// last changed a row is a no-op, so applying any event twice, or a whole history twice, leaves
// the rows as they were (the runner dedupes too, by stream revision; this makes the projection
// safe on its own).
import type { EntityManager } from 'typeorm';
import { marketEventCodec, MARKET_CATEGORY, type MarketEvent } from '@atelier/market-domain';
import type { EventEnvelope } from '@atelier/market-messages';
import { marketEvents, type Projection } from '@atelier/projections';
import {
  MarketOrderEntity,
  MarketStreamEntity,
  MarketTradeEntity,
  ORDERS_READ_MODEL_ENTITIES,
} from './orders.entities';

export const ORDERS_PROJECTION = 'market-orders';

/** `"schema"."table"` of an entity in the data source `tx` belongs to. */
export function tableOf(tx: EntityManager, entity: (typeof ORDERS_READ_MODEL_ENTITIES)[number]) {
  return tx.connection
    .getMetadata(entity)
    .tablePath.split('.')
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join('.');
}

/** The collection of a market stream (`market-<collection>`). */
export function collectionOfStream(streamName: string): string {
  const prefix = `${MARKET_CATEGORY}-`;
  if (!streamName.startsWith(prefix))
    throw new Error(`${streamName} is not a market stream (${prefix}<collection>)`);
  return streamName.slice(prefix.length);
}

/** Decodes an envelope's payload with the market's own codec (validated, bigints restored). */
export function marketEventOf(envelope: EventEnvelope): MarketEvent {
  return marketEventCodec.decode({
    type: envelope.type,
    schemaVersion: envelope.version,
    data: envelope.data as Parameters<typeof marketEventCodec.decode>[0]['data'],
  });
}

const json = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

export function ordersProjection(name: string = ORDERS_PROJECTION): Projection<EventEnvelope> {
  return {
    name,
    format: marketEvents,
    entities: ORDERS_READ_MODEL_ENTITIES,
    apply: (envelope, tx) => applyMarketEvent(envelope, tx),
  };
}

export async function applyMarketEvent(envelope: EventEnvelope, tx: EntityManager): Promise<void> {
  const orders = tableOf(tx, MarketOrderEntity);
  const trades = tableOf(tx, MarketTradeEntity);
  const streams = tableOf(tx, MarketStreamEntity);
  const event = marketEventOf(envelope);
  const pos = envelope.globalPosition.toString();
  const at = envelope.occurredAt.toISOString();
  const collection = collectionOfStream(envelope.streamName);

  /** Sets fields of the given orders, unless a later event already changed them. */
  const updateOrders = async (
    hashes: readonly string[],
    set: { status?: string; reason: string | null; tradeId: string | null },
  ) => {
    const status = set.status ?? null;
    await tx.query(
      `UPDATE ${orders} SET status = COALESCE($2, status), reason = $3, trade_id = $4,
         updated_at = $5, last_position = $6
       WHERE hash = ANY($1::text[]) AND last_position < $6`,
      [hashes, status, set.reason, set.tradeId, at, pos],
    );
  };
  /** The trade row, when its last change is older than this event. */
  const tradeBefore = async (tradeId: string) => {
    const rows: { ask_hash: string; bid_hash: string; status: string }[] = await tx.query(
      `SELECT ask_hash, bid_hash, status FROM ${trades} WHERE trade_id = $1 AND last_position < $2`,
      [tradeId, pos],
    );
    return rows[0];
  };

  switch (event.type) {
    case 'OrderAccepted': {
      const d = event.data;
      const o = d.order;
      await tx.query(
        `INSERT INTO ${orders} (hash, collection, maker, kind, token_id, currency, price, start,
           expiry, counter, nonce, signature, status, reason, trade_id, seq, accepted_at,
           accepted_position, updated_at, last_position)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,NULL,$15,$16,$17,$18,$17)
         ON CONFLICT (hash) DO NOTHING`,
        [
          d.hash,
          d.collection,
          o.maker,
          o.kind,
          o.tokenId.toString(),
          o.currency,
          o.price.toString(),
          o.start.toString(),
          o.expiry.toString(),
          o.counter.toString(),
          o.nonce.toString(),
          d.signature,
          d.status,
          d.reason,
          d.seq,
          d.acceptedAt,
          pos,
          at,
        ],
      );
      break;
    }
    case 'OrderStatusChanged': {
      const d = event.data;
      await tx.query(
        `UPDATE ${orders} SET status = $2, reason = $3, updated_at = $4, last_position = $5
         WHERE hash = $1 AND last_position < $5`,
        [d.hash, d.status, d.reason, at, pos],
      );
      break;
    }
    case 'TradeMatched': {
      const d = event.data;
      await tx.query(
        `INSERT INTO ${trades} (trade_id, collection, ask_hash, bid_hash, buyer, seller, currency,
           token_id, price, split, status, tx_hash, block, reason, matched_at, updated_at, last_position)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10::jsonb,'matched',NULL,NULL,NULL,$11,$12,$13)
         ON CONFLICT (trade_id) DO NOTHING`,
        [
          d.tradeId,
          d.collection,
          d.ask.hash,
          d.bid.hash,
          d.buyer,
          d.seller,
          d.currency,
          d.tokenId.toString(),
          d.price.toString(),
          json(d.split),
          d.matchedAt,
          at,
          pos,
        ],
      );
      await updateOrders([d.ask.hash, d.bid.hash], {
        status: 'reserved',
        reason: `trade ${d.tradeId}`,
        tradeId: d.tradeId,
      });
      break;
    }
    case 'TradeSettled': {
      const d = event.data;
      const trade = await tradeBefore(d.tradeId);
      if (!trade || trade.status !== 'matched') break; // evolve ignores it too
      await tx.query(
        `UPDATE ${trades} SET status = 'settled', tx_hash = $2, block = $3, reason = NULL,
           updated_at = $4, last_position = $5 WHERE trade_id = $1`,
        [d.tradeId, d.transactionHash, d.block.toString(), at, pos],
      );
      // The order keeps the trade that filled it (as the aggregate does).
      await updateOrders([trade.ask_hash, trade.bid_hash], {
        status: 'filled',
        reason: null,
        tradeId: d.tradeId,
      });
      break;
    }
    case 'TradeUnsettled': {
      const d = event.data;
      const trade = await tradeBefore(d.tradeId);
      if (!trade || trade.status !== 'settled') break;
      await tx.query(
        `UPDATE ${trades} SET status = 'matched', tx_hash = NULL, block = NULL, reason = $2,
           updated_at = $3, last_position = $4 WHERE trade_id = $1`,
        [d.tradeId, d.reason, at, pos],
      );
      await updateOrders([trade.ask_hash, trade.bid_hash], {
        status: 'reserved',
        reason: `trade ${d.tradeId}`,
        tradeId: d.tradeId,
      });
      break;
    }
    case 'TradeReleased': {
      const d = event.data;
      const trade = await tradeBefore(d.tradeId);
      if (!trade || trade.status !== 'matched') break;
      await tx.query(
        `UPDATE ${trades} SET status = 'released', reason = $2, updated_at = $3, last_position = $4
         WHERE trade_id = $1`,
        [d.tradeId, d.reason, at, pos],
      );
      // The status stays 'reserved' until the decider's OrderStatusChanged that follows.
      await tx.query(
        `UPDATE ${orders} SET trade_id = NULL, updated_at = $2, last_position = $3
         WHERE hash = ANY($1::text[]) AND last_position < $3`,
        [[trade.ask_hash, trade.bid_hash], at, pos],
      );
      break;
    }
    case 'CancelRecorded':
    case 'TokenObserved':
    case 'FundsObserved':
    case 'CounterObserved':
    case 'NonceObserved':
    case 'ProtocolFeeObserved':
      break; // what the chain said: no row of this model changes (statuses follow as events)
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
  await tx.query(
    `INSERT INTO ${streams} (stream_name, collection, position) VALUES ($1, $2, $3)
     ON CONFLICT (stream_name) DO UPDATE SET position = GREATEST(${streams}.position, EXCLUDED.position)`,
    [envelope.streamName, collection, pos],
  );
}
