// The order books of this gateway process, in memory (docs/read-api.md, "Order books"): one
// LiveOrderBook per collection asked for, loaded from the orders read model on its first read
// and then advanced by the process's one tail of the market log (live/market-tail.ts), with
// each answer (per token, currency and levels) built once per book change, and again only when
// time crosses the start or expiry of an order it read (`validUntil`); the answer of each
// second (the book's time is the second of the read, as the SQL reader's) is stamped from it once
// and shared by every read of that second.
//
// Positions: a book loaded at its stream's position P (the read model's) is brought to the
// tail's position T before it serves: the events of its market in (P, T] are read from the store
// (when the read model is behind the tail) and those arriving meanwhile are applied after. A
// book therefore holds every event of its market up to the tail's position; `reached(min)` says
// a `?minMarketPosition=` is met without a wait. Each gateway instance keeps its own books
// from the same log. While the tail does not run (boot, a failure) there are no books: the
// routes read the SQL reader, as they did before.
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { EVENT_STORE } from '@atelier/cqrs';
import type { EventStore, RecordedEvent } from '@atelier/eventsourcing';
import { MARKET_CATEGORY, marketEventCodec, type MarketEvent } from '@atelier/market-domain';
import { collectionOfStream, LiveOrderBook } from '@atelier/market-projections';
import { MarketTail } from '../live/market-tail';
import { ORDERS_READ_MODEL } from '../market/market.tokens';

/** Books kept at most (least recently read dropped first), and answers per book. */
const MAX_BOOKS = 2_000;
const MAX_ANSWERS_PER_BOOK = 256;
/** Store pages read to bring a freshly loaded book to the tail before giving up on it. */
const CATCH_UP_PAGES = 40;
const CATCH_UP_PAGE = 500;

interface Answer<T, S> {
  readonly version: number;
  /** The second it was built at, and the first at which it may read otherwise (null: never). */
  readonly builtAt: bigint;
  readonly validUntil: bigint | null;
  readonly value: T;
  /** The last second's stamped answer. */
  stamped?: { readonly at: bigint; readonly out: S };
}

class Entry {
  book: LiveOrderBook | null = null;
  loading: Promise<LiveOrderBook | null> | null = null;
  /** Events of this market that arrived while it loads. */
  buffer: RecordedEvent[] | null = null;
  version = 0;
  readonly answers = new Map<string, Answer<unknown, unknown>>();
}

/** What `build` makes of a book read at a second: the value, and until when it holds. */
export interface Built<T> {
  readonly value: T;
  readonly validUntil: bigint | null;
}

const decode = (e: RecordedEvent): MarketEvent =>
  marketEventCodec.decode({
    type: e.type,
    schemaVersion: e.schemaVersion,
    data: e.data as Parameters<typeof marketEventCodec.decode>[0]['data'],
  });

/** Applies a stored event; one the codec refuses makes the book unknown (read it again). */
function applyTo(book: LiveOrderBook, e: RecordedEvent): ReturnType<LiveOrderBook['apply']> {
  try {
    return book.apply(decode(e), e.position);
  } catch {
    return 'unknown';
  }
}

@Injectable()
export class OrderBookCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  /** The last event of each market the tail handed out (bounded by the markets there are). */
  private readonly lastSeen = new Map<string, bigint>();
  /** The entry read last, which is the last of `entries` (see entryOf). */
  private lastRead: Entry | null = null;
  private unlisten: (() => void) | null = null;
  /** Loads and answers built, for the spec and the metrics of a curious operator. */
  readonly stats = { loads: 0, reloads: 0, builds: 0, hits: 0 };

  constructor(
    @Inject(ORDERS_READ_MODEL) private readonly dataSource: DataSource,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MarketTail) private readonly tail: MarketTail,
  ) {}

  onApplicationBootstrap(): void {
    this.unlisten = this.tail.listen({
      event: (e) => this.onEvent(e),
      // The books may have missed events; what the tail handed out before stays true.
      reset: () => {
        this.entries.clear();
        this.lastRead = null;
      },
    });
  }

  onApplicationShutdown(): void {
    this.unlisten?.();
  }

  /** True when every market event up to `min` is in the books (the tail handed it out). */
  reached(min: bigint): boolean {
    const at = this.tail.position;
    return at !== null && at >= min;
  }

  /**
   * The answer for `key` at second `at`: `build` makes the collection's book's value once per
   * book change (again when `at` reaches its `validUntil`), `stamp` makes that value the answer of
   * second `at` once per second (`input` is handed to both, so callers pass module-level
   * functions, not a closure per read). Null while the process has no tail (read SQL instead).
   */
  async answer<I, T, S>(
    collection: string,
    key: string,
    at: bigint,
    input: I,
    build: (book: LiveOrderBook, input: I, at: bigint) => Built<T>,
    stamp: (value: T, at: bigint) => S,
  ): Promise<S | null> {
    const entry = this.entryOf(collection);
    const book = entry.book ?? (await this.ensure(collection, entry));
    if (!book) return null;
    return this.answerOf(entry, book, key, at, input, build, stamp);
  }

  /**
   * The same answer without waiting, when the collection's book is in memory (the usual read);
   * null when it is not loaded yet (then `answer`, which loads it, or reads SQL).
   */
  answerNow<I, T, S>(
    collection: string,
    key: string,
    at: bigint,
    input: I,
    build: (book: LiveOrderBook, input: I, at: bigint) => Built<T>,
    stamp: (value: T, at: bigint) => S,
  ): S | null {
    const entry = this.entryOf(collection);
    const book = entry.book;
    return book ? this.answerOf(entry, book, key, at, input, build, stamp) : null;
  }

  private answerOf<I, T, S>(
    entry: Entry,
    book: LiveOrderBook,
    key: string,
    at: bigint,
    input: I,
    build: (book: LiveOrderBook, input: I, at: bigint) => Built<T>,
    stamp: (value: T, at: bigint) => S,
  ): S {
    const cached = entry.answers.get(key) as Answer<T, S> | undefined;
    let answer: Answer<T, S>;
    if (
      cached &&
      cached.version === entry.version &&
      entry.book === book &&
      cached.builtAt <= at &&
      (cached.validUntil === null || at < cached.validUntil)
    ) {
      this.stats.hits++;
      answer = cached;
    } else {
      this.stats.builds++;
      const built = build(book, input, at);
      answer = { version: entry.version, builtAt: at, ...built };
      if (entry.book === book) {
        if (entry.answers.size >= MAX_ANSWERS_PER_BOOK) entry.answers.clear();
        entry.answers.set(key, answer);
      }
    }
    if (answer.stamped?.at !== at) answer.stamped = { at, out: stamp(answer.value, at) };
    return answer.stamped.out;
  }

  private entryOf(collection: string): Entry {
    let entry = this.entries.get(collection);
    if (entry) {
      // Most recently read last: the first one is the one to drop (already last when it was the
      // last one read, the usual case: no reinsertion then).
      if (entry !== this.lastRead) {
        this.entries.delete(collection);
        this.entries.set(collection, entry);
        this.lastRead = entry;
      }
      return entry;
    }
    entry = new Entry();
    this.entries.set(collection, entry);
    this.lastRead = entry;
    if (this.entries.size > MAX_BOOKS) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return entry;
  }

  private ensure(collection: string, entry: Entry): Promise<LiveOrderBook | null> {
    if (this.tail.position === null) return Promise.resolve(null);
    entry.loading ??= this.load(collection, entry).finally(() => {
      entry.loading = null;
    });
    return entry.loading;
  }

  private async load(collection: string, entry: Entry): Promise<LiveOrderBook | null> {
    const from = this.tail.position;
    if (from === null) return null;
    this.stats.loads++;
    entry.buffer = [];
    try {
      const seen = this.lastSeen.get(collection) ?? 0n;
      let book: LiveOrderBook | null = await LiveOrderBook.load(this.dataSource, collection);
      // The read model is behind the tail for this market: the events in between, from the store
      // (only up to the tail's position: past it, the store may still commit an earlier event).
      if (BigInt(book.position ?? '0') < seen) book = await this.catchUp(book, collection, from);
      for (const e of entry.buffer) {
        if (!book) break;
        if (applyTo(book, e) === 'unknown') book = null;
      }
      if (this.tail.position === null || !this.entries.has(collection)) return book;
      entry.book = book;
      entry.version++;
      entry.answers.clear();
      return book;
    } finally {
      entry.buffer = null;
    }
  }

  private async catchUp(
    book: LiveOrderBook,
    collection: string,
    upTo: bigint,
  ): Promise<LiveOrderBook | null> {
    const stream = `${MARKET_CATEGORY}-${collection}`;
    let cursor = BigInt(book.position ?? '0');
    for (let page = 0; page < CATCH_UP_PAGES && cursor < upTo; page++) {
      const batch = await this.store.readAll({
        after: cursor,
        maxCount: CATCH_UP_PAGE,
        category: MARKET_CATEGORY,
      });
      if (batch.length === 0) return book;
      for (const e of batch) {
        if (e.position > upTo) return book;
        cursor = e.position;
        if (e.streamName === stream && applyTo(book, e) === 'unknown') return null;
      }
    }
    return cursor >= upTo ? book : null;
  }

  private onEvent(e: RecordedEvent): void {
    let collection: string;
    try {
      collection = collectionOfStream(e.streamName);
    } catch {
      return;
    }
    this.lastSeen.set(collection, e.position);
    const entry = this.entries.get(collection);
    if (!entry) return;
    if (entry.buffer) {
      entry.buffer.push(e);
      return;
    }
    if (!entry.book) return;
    const outcome = applyTo(entry.book, e);
    if (outcome === 'already') return;
    if (outcome === 'unknown') {
      this.stats.reloads++;
      entry.book = null;
    }
    entry.version++;
    entry.answers.clear();
  }
}
