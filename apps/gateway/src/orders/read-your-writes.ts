// Read-your-writes over the asynchronous orders read model. A write answers the global position
// of its last event; a read given `?minPosition=` waits (bounded, READ_YOUR_WRITES_WAIT_MS) until
// the read model applied the market stream that event belongs to (found in the event store, so a
// client never has to name it), and answers 409 READ_MODEL.BEHIND when it did not in time: the
// state asked for is not there yet and a retry may find it. Every read also says which position
// it reflects.
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EVENT_STORE } from '@atelier/cqrs';
import type { EventStore } from '@atelier/eventsourcing';
import { categoryOf, type Address } from '@atelier/kernel';
import { MARKET_CATEGORY } from '@atelier/market-domain';
import {
  collectionOfStream,
  MarketStreamEntity,
  type OrdersReader,
} from '@atelier/market-projections';
import { tablePath } from '@atelier/projections';
import { ORDERS_READ_MODEL, ORDERS_READER } from '../market/market.tokens';
import { OrdersApiError } from './orders.errors';

export const READ_YOUR_WRITES_WAIT_MS = Symbol('atelier.gateway.ReadYourWritesWaitMs');

const POLL_MS = 25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Injectable()
export class ReadYourWrites {
  private readonly streams: string;

  constructor(
    @Inject(ORDERS_READER) private readonly reader: OrdersReader,
    @Inject(ORDERS_READ_MODEL) private readonly dataSource: DataSource,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_YOUR_WRITES_WAIT_MS) private readonly waitMs: number,
  ) {
    this.streams = tablePath(dataSource, MarketStreamEntity);
  }

  /** Returns once the read model reached `minPosition` (no-op without one), else throws 409. */
  async reach(minPosition: bigint | undefined, collection?: Address): Promise<void> {
    if (minPosition === undefined || minPosition === 0n) return;
    const deadline = Date.now() + this.waitMs;
    let collections: Address[] | undefined = collection ? [collection] : undefined;
    for (;;) {
      if (!collections) collections = await this.streamAt(minPosition);
      if (collections && (await this.reader.positionReached(minPosition, collections))) return;
      if (Date.now() >= deadline)
        throw new OrdersApiError(
          'READ_MODEL.BEHIND',
          `the read model has not reached position ${minPosition} within ${this.waitMs} ms; retry`,
          { minPosition: minPosition.toString(), waitedMs: this.waitMs },
        );
      await sleep(POLL_MS);
    }
  }

  /** The market of the event at `position`; [] (any market) for an event of another kind;
   *  undefined while no event is stored there yet. */
  private async streamAt(position: bigint): Promise<Address[] | undefined> {
    const [event] = await this.store.readAll({ after: position - 1n, maxCount: 1 });
    if (!event || event.position !== position) return event ? [] : undefined;
    return categoryOf(event.streamName) === MARKET_CATEGORY
      ? [collectionOfStream(event.streamName) as Address]
      : [];
  }

  /** The position the read model reflects for `collection` (or its newest of any market). */
  async position(collection?: Address): Promise<string | null> {
    const rows: { p: string | null }[] = collection
      ? await this.dataSource.query(
          `SELECT position::text AS p FROM ${this.streams} WHERE collection = $1`,
          [collection],
        )
      : await this.dataSource.query(`SELECT MAX(position)::text AS p FROM ${this.streams}`);
    return rows[0]?.p ?? null;
  }
}
