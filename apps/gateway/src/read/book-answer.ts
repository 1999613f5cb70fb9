// One order book answer for both edges (REST's JSON, GraphQL's OrderBook): from the in-memory
// books of the process (OrderBookCache) when the tail runs, else from the SQL reader as before,
// in the same shape either way. `minMarketPosition` is met as soon as the tail has handed out
// that position (the books hold every market event up to it: at once, or within 500 ms);
// otherwise the orders read model is waited for as before (409 READ_MODEL.BEHIND in time), then
// the books if the tail got there meanwhile, else the SQL reader (which has it).
import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import {
  DEFAULT_BOOK_LEVELS,
  type BookQuery as ReaderQuery,
  type LiveOrderBook,
  type OrderBook,
  type OrderBooksReader,
} from '@atelier/market-projections';
import { OrderBookCache, type Built } from './order-book-cache';
import { ReadPositions } from './read-positions';
import { bookJson } from './read-market.views';
import { ORDER_BOOKS_READER } from './read.tokens';

export type BookAnswer = z.input<typeof bookJson>;

export interface BookRequest {
  readonly collection: string;
  /** A token's book; undefined for the collection's. */
  readonly tokenId?: string | undefined;
  readonly currency?: string | undefined;
  readonly levels?: number | undefined;
  readonly minMarketPosition?: bigint | undefined;
}

/** The cache key of a book answer: token, currency and levels (the collection is the entry). */
const keyOf = (r: BookRequest): string =>
  `${r.tokenId ?? ''}|${r.currency ?? ''}|${r.levels ?? DEFAULT_BOOK_LEVELS}`;

/** How long a `minMarketPosition` waits for the tail first (then the orders model, then SQL). */
const TAIL_WAIT_MS = 500;

/** The reader's book as the routes answer it (copies: the reader's arrays are read-only). */
function answerOf(
  book: OrderBook,
  at: bigint,
  levels: number,
  position: string | null,
): BookAnswer {
  return {
    collection: book.collection,
    tokenId: book.tokenId,
    at: at.toString(),
    levels,
    currencies: book.currencies.map(({ tokenBids, ...c }) => ({
      ...c,
      asks: { ...c.asks, levels: [...c.asks.levels] },
      bids: { ...c.bids, levels: [...c.bids.levels] },
      ...(tokenBids ? { tokenBids: { ...tokenBids, levels: [...tokenBids.levels] } } : {}),
    })),
    position: { market: position },
  };
}

export interface BookResult {
  readonly answer: BookAnswer;
  /** The answer serialized, shared by the reads of one book version and second. */
  json(): string;
  /** The same as UTF-8 bytes (what REST sends: encoded once, not per response). */
  bytes(): Buffer;
}

/** A result whose JSON and bytes are made on first use, once. */
function resultOf(answer: BookAnswer): BookResult {
  let json: string | undefined;
  let bytes: Buffer | undefined;
  return {
    answer,
    json: () => (json ??= JSON.stringify(answer)),
    bytes: () => (bytes ??= Buffer.from((json ??= JSON.stringify(answer)), 'utf8')),
  };
}

/** A book's answer at the second it is read (the cache's build: once per book change). */
function buildAnswer(book: LiveOrderBook, r: BookRequest, at: bigint): Built<BookAnswer> {
  const levels = r.levels ?? DEFAULT_BOOK_LEVELS;
  const query: ReaderQuery & { now: bigint } = {
    levels,
    now: at,
    ...(r.currency ? { currency: r.currency } : {}),
  };
  const timed =
    r.tokenId === undefined
      ? book.timedCollectionBook(query)
      : book.timedTokenBook(r.tokenId, query);
  return {
    value: answerOf(timed.book, at, levels, book.position),
    validUntil: timed.validUntil,
  };
}

/** The same book at a later second: only its time differs (the cache's stamp: once a second). */
const stampAnswer = (value: BookAnswer, second: bigint): BookResult =>
  resultOf({ ...value, at: second.toString() });

@Injectable()
export class BookAnswers {
  /** The current second, as a number and as the bigint the books take (made once a second). */
  private second = -1;
  private secondAt = 0n;

  constructor(
    @Inject(ORDER_BOOKS_READER) private readonly reader: OrderBooksReader,
    private readonly positions: ReadPositions,
    private readonly cache: OrderBookCache,
  ) {}

  async get(r: BookRequest): Promise<BookResult> {
    const now = this.now(r);
    if (now) return now;
    const min = r.minMarketPosition ?? 0n;
    if (min > 0n && !(await this.tailReaches(min))) {
      // The tail is late (or not running): the orders model's wait, as before, then SQL.
      await this.positions.orders(min);
      if (!(await this.tailReaches(min))) return this.fromSql(r);
    }
    const at = this.currentSecond();
    const cached = await this.cache.answer(r.collection, keyOf(r), at, r, buildAnswer, stampAnswer);
    return cached ?? this.fromSql(r);
  }

  /**
   * The answer without waiting when it can be had so (the usual read: the book is in memory and
   * any `minMarketPosition` is handed out already), the same `get` gives then; else null.
   */
  now(r: BookRequest): BookResult | null {
    const min = r.minMarketPosition;
    if (min !== undefined && min > 0n && !this.cache.reached(min)) return null;
    return this.cache.answerNow(
      r.collection,
      keyOf(r),
      this.currentSecond(),
      r,
      buildAnswer,
      stampAnswer,
    );
  }

  /** The book's time: the second of the read, as the SQL reader's. */
  private currentSecond(): bigint {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.secondAt = BigInt(second);
    }
    return this.secondAt;
  }

  /** Waits (TAIL_WAIT_MS at most) for the tail to hand out `min`; the tail is usually first. */
  private async tailReaches(min: bigint): Promise<boolean> {
    const until = Date.now() + TAIL_WAIT_MS;
    while (!this.cache.reached(min) && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 10));
    return this.cache.reached(min);
  }

  /** The SQL reader's answer (no tail in this process yet, or it has not reached `min`). */
  private async fromSql(r: BookRequest): Promise<BookResult> {
    await this.positions.orders(r.minMarketPosition);
    const position = await this.reader.position(r.collection);
    const levels = r.levels ?? DEFAULT_BOOK_LEVELS;
    const at = BigInt(Math.floor(Date.now() / 1000));
    const options = { levels, now: at, ...(r.currency ? { currency: r.currency } : {}) };
    const book =
      r.tokenId === undefined
        ? await this.reader.collectionBook(r.collection, options)
        : await this.reader.tokenBook(r.collection, r.tokenId, options);
    return resultOf(answerOf(book, at, levels, position));
  }
}
