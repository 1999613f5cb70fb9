// Which market events concern a key's makers, and what the stream tells about each. An
// OrderAccepted or TradeMatched names its makers; a later OrderStatusChanged names only the
// order's hash and TradeSettled/Released/Unsettled only the trade id, so the filter remembers
// the hashes and trade ids of its makers as it reads the log forwards. The stored data enters
// through zod (only the fields read here); the payload sent is the stored JSON (bigints as
// decimal strings), without the counterparty's signature on a trade.
import { z } from 'zod';
import type { RecordedEvent } from '@atelier/eventsourcing';

export const STREAMED_TYPES = [
  'OrderAccepted',
  'OrderStatusChanged',
  'TradeMatched',
  'TradeSettled',
  'TradeReleased',
  'TradeUnsettled',
] as const;
export type StreamedType = (typeof STREAMED_TYPES)[number];

const hex = z.string().transform((s) => s.toLowerCase());
const accepted = z.object({ hash: hex, order: z.object({ maker: hex }) });
const statusChanged = z.object({ hash: hex });
const signed = z.object({ hash: hex, order: z.object({ maker: hex }) });
const matched = z.object({ tradeId: z.string(), ask: signed, bid: signed }).catchall(z.unknown());
const tradeEvent = z.object({ tradeId: z.string() });

/** One message of the stream: the SSE `event:` is `type`, the `id:` is `position`. */
export interface OrderStreamMessage {
  readonly type: StreamedType;
  readonly position: bigint;
  readonly data: Record<string, unknown>;
}

export class OrderEventFilter {
  private readonly orders = new Set<string>();
  private readonly trades = new Set<string>();
  private readonly makers: ReadonlySet<string> | null;

  /** @param makers the key's makers (any case); null: every maker. */
  constructor(makers: readonly string[] | null) {
    this.makers = makers && new Set(makers.map((m) => m.toLowerCase()));
  }

  private mine(maker: string): boolean {
    return this.makers === null || this.makers.has(maker);
  }

  /** The message for `event` when it concerns the makers, else null; remembers what it must. */
  accept(event: RecordedEvent): OrderStreamMessage | null {
    const collection = event.streamName.slice('market-'.length);
    const message = (type: StreamedType, data: Record<string, unknown>): OrderStreamMessage => ({
      type,
      position: event.position,
      data: { type, position: event.position.toString(), collection, ...data },
    });
    switch (event.type) {
      case 'OrderAccepted': {
        const d = accepted.safeParse(event.data);
        if (!d.success || !this.mine(d.data.order.maker)) return null;
        this.orders.add(d.data.hash);
        return message('OrderAccepted', { ...event.data });
      }
      case 'OrderStatusChanged': {
        const d = statusChanged.safeParse(event.data);
        if (!d.success || !this.orders.has(d.data.hash)) return null;
        return message('OrderStatusChanged', { ...event.data });
      }
      case 'TradeMatched': {
        const d = matched.safeParse(event.data);
        if (!d.success) return null;
        // The signed orders stay out: the counterparty's signature is not this key's to hold.
        const rest: Record<string, unknown> = { ...event.data };
        delete rest['ask'];
        delete rest['bid'];
        if (!this.mine(d.data.ask.order.maker) && !this.mine(d.data.bid.order.maker)) return null;
        this.trades.add(d.data.tradeId);
        return message('TradeMatched', {
          ...rest,
          askHash: d.data.ask.hash,
          bidHash: d.data.bid.hash,
          askMaker: d.data.ask.order.maker,
          bidMaker: d.data.bid.order.maker,
        });
      }
      case 'TradeSettled':
      case 'TradeReleased':
      case 'TradeUnsettled': {
        const d = tradeEvent.safeParse(event.data);
        if (!d.success || !this.trades.has(d.data.tradeId)) return null;
        return message(event.type, { ...event.data });
      }
      default:
        return null;
    }
  }
}

/** An SSE frame: `id`, `event`, one `data` line (JSON has no raw newlines). */
export const sseFrame = (m: OrderStreamMessage): string =>
  `id: ${m.position}\nevent: ${m.type}\ndata: ${JSON.stringify(m.data)}\n\n`;
