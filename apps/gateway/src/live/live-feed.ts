// LiveFeed: the live changes of one gateway process, fanned out to its subscribers (SSE
// clients and GraphQL subscriptions alike, through a LiveSink each).
//
// - Market feeds (books, trades): ONE subscription per process to the event store's `market`
//   category, started near the head (the orders read model's position: everything at or below
//   it was delivered through the store's safe bound, so nothing older can still commit). Each
//   event is decoded once and handed to every subscriber whose filter it matches. A client that
//   resumes (`Last-Event-ID` = a global position) is attached at the tail's position T at once
//   (live changes after T queue for it) and alone reads (its id, T] from the store, then gets
//   its queue: no gap, no duplicate. An id ahead of T (a client coming from a gateway further
//   along) skips the tail's events up to it. Every event the tail reads goes first to
//   MarketTail (market-tail.ts), where the in-memory order books follow the same tail.
// - The ledger feed: ONE poller per process over the chain-ledgers read model, which is fed
//   from Kafka chain.* by read-projectors.ts. Its version is the sum over that projection's
//   checkpoints of (offset + 1), the messages it has taken: offsets only grow and each applied
//   chunk moves one (a first message, at offset 0, adds its partition's row), so "has anything
//   been applied since" is one indexed read; then the subscribed accounts' ledgers are read and each
//   subscriber is sent its account's ledger when it differs from what it was last sent.
// - Bounded: a subscriber that leaves more than its buffer unread is ended with
//   LIVE.SLOW_CONSUMER (its last frame says so) while the others go on; a catching-up client is
//   paced by its own reading instead (it asked for history), but live changes that queue behind
//   its catch-up are bounded too.
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EVENT_STORE } from '@atelier/cqrs';
import type { EventStore, RecordedEvent } from '@atelier/eventsourcing';
import {
  LEDGERS_PROJECTION,
  MarketStreamEntity,
  type LedgersReader,
  type OrdersReader,
} from '@atelier/market-projections';
import type { Logger } from '@atelier/observability';
import { ProjectionStore, tablePath } from '@atelier/projections';
import { ORDERS_READ_MODEL, ORDERS_READER } from '../market/market.tokens';
import { CHAIN_READ_MODEL, LEDGERS_READER } from '../read/read.tokens';
import type { LiveOptions } from './live.config';
import { MarketTail } from './market-tail';
import { LiveError, type LiveEnd } from './live.errors';
import {
  MARKET_CATEGORY,
  MarketChangeDecoder,
  cursorOf,
  isAfter,
  matches,
  type ChangeCursor,
  sideOfKind,
  type LedgerChange,
  type LedgerFilter,
  type LiveChange,
  type LiveFilter,
  type MarketLookup,
} from './live-changes';

export const LIVE_OPTIONS = Symbol('atelier.gateway.LIVE_OPTIONS');
export const LIVE_LOGGER = Symbol('atelier.gateway.LIVE_LOGGER');

/** Where a subscriber's changes go: an SSE response, a GraphQL subscription's iterator. */
export interface LiveSink {
  send(change: LiveChange): void;
  /** True when the client has left more unread than its buffer allows. */
  overLimit(): boolean;
  /** True when the client has left more than half of that unread. */
  pressed(): boolean;
  /** Resolves when the client has taken what it was sent, or the sink has closed. */
  drained(): Promise<void>;
  /** Ends the feed; with `end` when the gateway ends it (the client is told why). */
  end(end?: LiveEnd): void;
  readonly closed: boolean;
  /** Called once when the client goes away or the feed ends. */
  onClose(listener: () => void): void;
}

export interface LiveSubscription {
  /** Ends the subscription from the client's side. */
  close(): void;
}

class Subscriber {
  catchingUp = false;
  /** Live changes that arrived while catching up (already filtered), bounded. */
  pending: LiveChange[] = [];
  /** Market feeds: deliver only changes after this one. */
  skipThrough: ChangeCursor = { position: 0n, index: 0 };
  /** Ledger feed: what was sent last (JSON of the currencies), null before the first. */
  lastSent: string | null = null;
  ended = false;
  constructor(
    readonly filter: LiveFilter,
    readonly sink: LiveSink,
    readonly after: ChangeCursor | null,
  ) {}
}

export interface LiveStats {
  readonly subscribers: number;
  readonly tailPosition: string | null;
  readonly lookups: number;
  readonly cutOff: number;
  /** Changes handed to subscribers since start (catch-ups included). */
  readonly delivered: number;
  readonly ledgerVersion: string | null;
}

/** Reads back orders and trades from the orders read model, once it has reached the event. */
export class ReadModelLookup implements MarketLookup {
  constructor(
    private readonly reader: OrdersReader,
    private readonly waitMs = 2_000,
  ) {}

  private async reached(collection: string, position: bigint): Promise<void> {
    // The read model has applied the event itself: it holds everything of the market before it.
    const deadline = Date.now() + this.waitMs;
    while (Date.now() < deadline) {
      if (await this.reader.positionReached(position, [collection as never])) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async order(hash: string, collection: string, position: bigint) {
    let o = await this.reader.get(hash as never);
    if (!o) {
      await this.reached(collection, position);
      o = await this.reader.get(hash as never);
    }
    if (!o) return null;
    return {
      hash,
      collection,
      tokenId: o.tokenId.toString(),
      side: sideOfKind(o.kind),
      maker: o.maker.toLowerCase(),
      currency: o.currency.toLowerCase(),
      price: o.price.toString(),
    };
  }

  async trade(tradeId: string, collection: string, position: bigint) {
    let t = await this.reader.trade(tradeId);
    if (!t) {
      await this.reached(collection, position);
      t = await this.reader.trade(tradeId);
    }
    if (!t) return null;
    return {
      tradeId,
      collection,
      tokenId: t.tokenId.toString(),
      seller: t.seller.toLowerCase(),
      buyer: t.buyer.toLowerCase(),
      currency: t.currency.toLowerCase(),
      price: t.price.toString(),
      askHash: t.askHash.toLowerCase(),
      bidHash: t.bidHash.toLowerCase(),
    };
  }
}

const CATCH_UP_PAGE = 500;
const RESTART_DELAY_MS = 1_000;
/** Changes the tail hands out between two I/O turns (see settle()). */
const YIELD_EVERY = 64;

@Injectable()
export class LiveFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly market = new Set<Subscriber>();
  private readonly ledgers = new Map<string, Set<Subscriber>>();
  private readonly decoder: MarketChangeDecoder;
  private readonly abort = new AbortController();
  /** Last position the tail handed out; null until it knows where it starts. */
  private position: bigint | null = null;
  private started: Promise<void> | null = null;
  private readonly startedWaiters: Array<() => void> = [];
  private tail: Promise<void> | null = null;
  private ledgerLoop: Promise<void> | null = null;
  private ledgerVersion: bigint | null = null;
  private readonly catchUps = new Set<Promise<void>>();
  private cutOff = 0;
  private sinceYield = 0;
  private delivered = 0;
  private count = 0;
  /** The chain read model's checkpoints: the ledgers' progress says when to look for changes. */
  private readonly chainProgress: ProjectionStore;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ORDERS_READER) orders: OrdersReader,
    @Inject(ORDERS_READ_MODEL) private readonly ordersReadModel: DataSource,
    @Inject(LEDGERS_READER) private readonly ledgerReader: LedgersReader,
    @Inject(CHAIN_READ_MODEL) chainReadModel: DataSource,
    @Inject(LIVE_OPTIONS) private readonly options: LiveOptions,
    @Inject(LIVE_LOGGER) private readonly logger: Logger,
    // The same tail, offered to the order-book cache (read/), so it opens none of its own.
    @Inject(MarketTail) private readonly marketTail: MarketTail,
  ) {
    this.decoder = new MarketChangeDecoder(new ReadModelLookup(orders), options.cacheSize);
    this.chainProgress = new ProjectionStore(chainReadModel, options.readModelSchema);
  }

  onApplicationBootstrap(): void {
    this.tail = this.runTail();
    this.ledgerLoop = this.runLedgers();
  }

  stats(): LiveStats {
    return {
      subscribers: this.count,
      tailPosition: this.position?.toString() ?? null,
      lookups: this.decoder.lookups,
      cutOff: this.cutOff,
      delivered: this.delivered,
      ledgerVersion: this.ledgerVersion?.toString() ?? null,
    };
  }

  /** Throws LIVE.TOO_MANY_SUBSCRIBERS when the process serves its maximum already. */
  admit(): void {
    if (this.count >= this.options.maxSubscribers)
      throw new LiveError(
        'LIVE.TOO_MANY_SUBSCRIBERS',
        `this gateway serves ${this.options.maxSubscribers} live feeds already; retry later or elsewhere`,
        { max: this.options.maxSubscribers },
      );
  }

  /**
   * Starts a client's feed: changes matching `filter` after `after` (its last id; null: from
   * now on). Refuses with LIVE.TOO_MANY_SUBSCRIBERS when the process serves its maximum.
   */
  async subscribe(
    filter: LiveFilter,
    after: ChangeCursor | null,
    sink: LiveSink,
  ): Promise<LiveSubscription> {
    this.admit();
    const sub = new Subscriber(filter, sink, after);
    this.count++;
    sink.onClose(() => this.remove(sub));
    if (filter.feed === 'ledgers') this.addLedger(sub, filter);
    else await this.addMarket(sub, after);
    return { close: () => this.end(sub) };
  }

  // ---- market feeds ----------------------------------------------------------------------------

  private async addMarket(sub: Subscriber, after: ChangeCursor | null): Promise<void> {
    if (this.position === null)
      await new Promise<void>((resolve) => this.startedWaiters.push(resolve));
    if (sub.ended || sub.sink.closed) return;
    // Every change of the events up to the tail's position has been handed out.
    const at: ChangeCursor = { position: this.position!, index: Number.MAX_SAFE_INTEGER };
    this.market.add(sub);
    if (after === null || !isAfter(at, after)) {
      sub.skipThrough = after ?? at;
      return;
    }
    sub.skipThrough = at;
    sub.catchingUp = true;
    const run = this.catchUp(sub, after, at.position).finally(() => this.catchUps.delete(run));
    this.catchUps.add(run);
  }

  /** Reads (after, upTo] from the store for one resuming client, then hands it its queue. */
  private async catchUp(sub: Subscriber, after: ChangeCursor, upTo: bigint): Promise<void> {
    // The event of `after` itself is read again for its changes past `after.index`.
    let cursor = after.position - 1n;
    try {
      while (cursor < upTo && !sub.ended) {
        const batch = await this.store.readAll({
          after: cursor,
          maxCount: CATCH_UP_PAGE,
          category: MARKET_CATEGORY,
        });
        if (batch.length === 0) break;
        for (const event of batch) {
          if (event.position > upTo || sub.ended) {
            cursor = upTo;
            break;
          }
          cursor = event.position;
          for (const change of await this.decoder.decode(event)) {
            if (!isAfter(cursorOf(change.position), after) || !matches(sub.filter, change))
              continue;
            sub.sink.send(change);
            this.delivered++;
            // History is paced by the client's own reading, not cut off.
            if (sub.sink.pressed()) await sub.sink.drained();
          }
        }
      }
      if (sub.ended) return;
      // Then what queued meanwhile, paced the same way; the tail keeps queueing (bounded)
      // until the queue is empty, and only then hands this client its changes directly.
      while (sub.pending.length > 0 && !sub.ended) {
        const queued = sub.pending;
        sub.pending = [];
        for (const change of queued) {
          sub.sink.send(change);
          this.delivered++;
          if (sub.sink.pressed()) await sub.sink.drained();
        }
      }
      sub.catchingUp = false;
    } catch (err) {
      if (sub.ended) return;
      this.logger.error({ err, filter: sub.filter }, 'live catch-up failed; ending the feed');
      this.end(sub, { code: 'LIVE.SOURCE_FAILED', message: 'reading the history failed' });
    }
  }

  private async startPosition(): Promise<bigint> {
    // The read model's position was delivered through the store's safe bound: no event at or
    // below it can still commit, so the tail misses nothing by starting after it. An empty (or
    // rebuilding) model starts the tail at 0: slower to reach the head, never wrong.
    const table = tablePath(this.ordersReadModel, MarketStreamEntity);
    const rows: { p: string | null }[] = await this.ordersReadModel.query(
      `SELECT MAX(position)::text AS p FROM ${table}`,
    );
    return BigInt(rows[0]?.p ?? '0');
  }

  private async runTail(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        if (this.position === null) {
          this.position = await this.startPosition();
          for (const wake of this.startedWaiters.splice(0)) wake();
        }
        this.marketTail.started(this.position);
        for await (const event of this.store.subscribe({
          category: MARKET_CATEGORY,
          after: this.position,
          signal,
        }))
          await this.dispatch(event);
      } catch (err) {
        this.marketTail.stopped();
        if (signal.aborted) return;
        this.logger.error({ err }, 'live tail of the market log failed; restarting it');
        for (const sub of [...this.market])
          if (!sub.catchingUp)
            this.end(sub, { code: 'LIVE.SOURCE_FAILED', message: 'the market log tail failed' });
        await new Promise((r) => setTimeout(r, RESTART_DELAY_MS));
      }
    }
  }

  private async dispatch(event: RecordedEvent): Promise<void> {
    // The book cache first: it applies the event in memory at once, whatever the decode awaits.
    this.marketTail.publish(event);
    let changes: LiveChange[] = [];
    if (this.market.size > 0) changes = await this.decoder.decode(event);
    else this.decoder.remember(event);
    // Subscribers are read after the decode: one attached meanwhile was attached at the
    // previous position and must get this event.
    const pressed = new Set<Subscriber>();
    for (const change of changes) {
      const at = cursorOf(change.position);
      for (const sub of this.market) {
        if (sub.ended || !isAfter(at, sub.skipThrough) || !matches(sub.filter, change)) continue;
        if (sub.catchingUp) {
          sub.pending.push(change);
          if (sub.pending.length > this.options.clientBufferEvents) this.slow(sub);
          continue;
        }
        sub.sink.send(change);
        this.delivered++;
        if (sub.sink.pressed()) pressed.add(sub);
      }
    }
    this.position = event.position;
    await this.settle([...pressed], changes.length > 0);
  }

  /**
   * The store hands the tail its events in batches, and a batch written at once would look like
   * a slow client to a socket that had no turn to send it. So the tail yields one I/O turn every
   * so often, and whenever a client is past half its buffer; a client still past its whole
   * buffer after that turn is cut off. Memory per client stays within its buffer plus a batch
   * of at most YIELD_EVERY changes.
   */
  private async settle(pressed: readonly Subscriber[], sent: boolean): Promise<void> {
    if (sent) this.sinceYield++;
    if (pressed.length === 0 && this.sinceYield < YIELD_EVERY) return;
    this.sinceYield = 0;
    await new Promise((resolve) => setImmediate(resolve));
    for (const sub of pressed) if (!sub.ended && sub.sink.overLimit()) this.slow(sub);
  }

  // ---- the ledger feed -------------------------------------------------------------------------

  private addLedger(sub: Subscriber, filter: LedgerFilter): void {
    const subs = this.ledgers.get(filter.account) ?? new Set();
    subs.add(sub);
    this.ledgers.set(filter.account, subs);
  }

  private async runLedgers(): Promise<void> {
    const signal = this.abort.signal;
    let failing = false;
    while (!signal.aborted) {
      if (this.ledgers.size > 0)
        try {
          await this.ledgerTick();
          failing = false;
        } catch (err) {
          if (!failing) this.logger.error({ err }, 'live ledger poll failed; retrying');
          failing = true;
        }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.options.ledgerPollMs);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
    }
  }

  private async ledgerTick(): Promise<void> {
    const version = await this.chainProgress.progress(LEDGERS_PROJECTION);
    const moved = version !== this.ledgerVersion;
    this.ledgerVersion = version;
    const block = await this.ledgerReader.position();
    for (const [account, subs] of this.ledgers) {
      const fresh = [...subs].filter((s) => s.lastSent === null);
      if (!moved && fresh.length === 0) continue;
      const ledger = await this.ledgerReader.ledger(account);
      const currencies = ledger.currencies.map((c) => ({ ...c, credited: { ...c.credited } }));
      const json = JSON.stringify(currencies);
      const change: LedgerChange = {
        feed: 'ledgers',
        type: 'ledger-updated',
        position: version.toString(),
        account,
        block,
        currencies,
      };
      for (const sub of subs) {
        if (sub.ended) continue;
        const first = sub.lastSent === null;
        // A client resuming at this version (or past it: another gateway) has this state.
        const has = first
          ? sub.after !== null && sub.after.position >= version
          : sub.lastSent === json;
        sub.lastSent = json;
        if (has) continue;
        sub.sink.send(change);
        this.delivered++;
        await this.settle(sub.sink.pressed() ? [sub] : [], true);
      }
    }
  }

  // ---- ends ------------------------------------------------------------------------------------

  private slow(sub: Subscriber): void {
    this.cutOff++;
    this.logger.warn({ filter: sub.filter }, 'live client too slow; cutting it off');
    this.end(sub, {
      code: 'LIVE.SLOW_CONSUMER',
      message: 'the client left more unread than its buffer allows; reconnect with its last id',
    });
  }

  private end(sub: Subscriber, end?: LiveEnd): void {
    if (sub.ended) return;
    this.remove(sub);
    sub.sink.end(end);
  }

  private remove(sub: Subscriber): void {
    if (sub.ended) return;
    sub.ended = true;
    sub.pending = [];
    this.count--;
    this.market.delete(sub);
    if (sub.filter.feed === 'ledgers') {
      const subs = this.ledgers.get(sub.filter.account);
      subs?.delete(sub);
      if (subs?.size === 0) this.ledgers.delete(sub.filter.account);
    }
  }

  /** Ends every feed (they reconnect elsewhere with their last id) and stops the tails. */
  async beforeApplicationShutdown(): Promise<void> {
    const all = [...this.market, ...[...this.ledgers.values()].flatMap((s) => [...s])];
    for (const sub of all)
      this.end(sub, { code: 'LIVE.SHUTDOWN', message: 'the gateway is shutting down' });
    this.abort.abort();
    this.marketTail.stopped();
    for (const wake of this.startedWaiters.splice(0)) wake();
    await Promise.allSettled([this.tail, this.ledgerLoop, ...this.catchUps]);
  }
}
