// The tracker's guard against a lagging orders read model. The tracker answers most of its
// questions (which markets a maker trades in, which order a hash is, which trade a skipped pair
// was) from that model, which a projector fills from Kafka asynchronously: after a broker
// restart or a gateway crash it may be seconds behind the event store. A miss there is not an
// answer: "no trade of ours pairs these orders" may only mean "its TradeMatched is not
// projected yet", and deciding on it loses the fact for good (Kafka commits the chunk).
//
// Any chain fact about something of ours happened after we stored it: the settlement worker
// only submits a pair once its TradeMatched left the event store, and a maker's order was
// stored before anything on chain could use it. So the store's head when a chunk arrives is at
// or past everything its facts can concern: once the read model has applied every market up to
// that head, its answers about the chunk's facts are complete. `mark` notes each market
// stream's last position in the store; `reach` waits (bounded) until the read model has applied
// each market up to it, and throws ReadModelBehindError if it does not in time, so the chunk is
// handed over again rather than mis-decided.
//
// The markets are those the read model lists: a market whose very first event is not projected
// yet is not waited for (no trade of it can be settled before its orders were even listed).
import { CodedError, type Address } from '@atelier/kernel';
import type { EventStore } from '@atelier/eventsourcing';

/** What the guard asks of the orders read model (OrdersReader meets it structurally). */
export interface ReadModelPositions {
  /** Every collection with a market. */
  markets(): Promise<readonly Address[]>;
  /** True once every named market has applied its events up to `position` (global). */
  positionReached(position: bigint, collections: readonly Address[]): Promise<boolean>;
}

/** Each market's last global position in the event store when the mark was taken. */
export type StoreMark = ReadonlyMap<Address, bigint>;

export interface ReadModelCatchUpOptions {
  /** How long `reach` waits before it gives up, ms. Default 20,000. */
  readonly waitMs?: number;
  /** Pause between two looks at the read model, ms. Default 50. */
  readonly pollMs?: number;
}

/** The read model has not applied the store's events up to the mark in time: retry later. */
export class ReadModelBehindError extends CodedError<'READ_MODEL.BEHIND'> {
  override readonly name = 'ReadModelBehindError';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ReadModelCatchUp {
  private readonly waitMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly readModel: ReadModelPositions,
    /** The store's stream name of a collection's market (the repository's `streamName`). */
    private readonly streamOf: (collection: Address) => string,
    options: ReadModelCatchUpOptions = {},
  ) {
    this.waitMs = options.waitMs ?? 20_000;
    this.pollMs = options.pollMs ?? 50;
  }

  /** The last position of every market's stream in the store, now. */
  async mark(): Promise<StoreMark> {
    const markets = await this.readModel.markets();
    const heads = await Promise.all(
      markets.map(async (c) => {
        const [last] = await this.store.readStream(this.streamOf(c), {
          direction: 'backwards',
          maxCount: 1,
        });
        return [c, last?.position] as const;
      }),
    );
    const mark = new Map<Address, bigint>();
    for (const [c, p] of heads) if (p !== undefined) mark.set(c, p);
    return mark;
  }

  /** Resolves once the read model applied every market up to `mark`; throws when it does not
   *  within the bound. */
  async reach(mark: StoreMark): Promise<void> {
    const pending = new Map(mark);
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const reached = await Promise.all(
        [...pending].map(async ([c, p]) => [c, await this.readModel.positionReached(p, [c])]),
      );
      for (const [c, ok] of reached) if (ok) pending.delete(c as Address);
      if (pending.size === 0) return;
      if (Date.now() >= deadline)
        throw new ReadModelBehindError(
          'READ_MODEL.BEHIND',
          `the orders read model has not applied ${pending.size} market(s) up to the store's head within ${this.waitMs} ms`,
          {
            behind: Object.fromEntries([...pending].map(([c, p]) => [c, p.toString()])),
            waitedMs: this.waitMs,
          },
        );
      await sleep(this.pollMs);
    }
  }
}
