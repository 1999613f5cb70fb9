// The market state's maps, readable the same way whether they are the aggregate's own (folded
// by `evolve`, mutated in place) or a decision's draft over them (an overlay that records what
// a command would change without touching the state it decides against).
//
// Why not immutable copies per event: one market is one stream, and a busy collection holds
// tens of thousands of orders; copying its maps on every event makes a replay quadratic. So
// `evolve` mutates the state it is given and returns it, `initialState` is a fresh value on
// every read, and `decide` works on an `Overlay`, never on the state itself (a unit spec checks
// that deciding leaves the state untouched).

import type { OrderHash } from '@atelier/kernel';

export interface MapLike<K, V> {
  get(key: K): V | undefined;
  has(key: K): boolean;
  set(key: K, value: V): unknown;
  delete(key: K): unknown;
  values(): Iterable<V>;
}

/** Marks a key the overlay deleted (map values are never undefined, so `get` can tell). */
const GONE: unique symbol = Symbol('deleted');

/**
 * A map that reads through to `base` and keeps every write to itself. One local map, made on the
 * first write, with `GONE` for deletions: a decision writes to few of its maps, and each read is
 * one lookup here before the base's.
 */
export class Overlay<K, V> implements MapLike<K, V> {
  private local: Map<K, V | typeof GONE> | undefined;

  constructor(private readonly base: ReadonlyMap<K, V>) {}

  get(key: K): V | undefined {
    if (this.local !== undefined) {
      const v = this.local.get(key);
      if (v !== undefined) return v === GONE ? undefined : v;
    }
    return this.base.get(key);
  }

  has(key: K): boolean {
    if (this.local !== undefined) {
      const v = this.local.get(key);
      if (v !== undefined) return v !== GONE;
    }
    return this.base.has(key);
  }

  set(key: K, value: V): this {
    this.local ??= new Map();
    // A key set again after a delete goes to the end, as a fresh write does.
    if (this.local.get(key) === GONE) this.local.delete(key);
    this.local.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    const had = this.has(key);
    this.local ??= new Map();
    this.local.delete(key);
    this.local.set(key, GONE);
    return had;
  }

  /** Writes what this overlay changed into its base (the decision was folded as it was drafted). */
  commit(): void {
    if (this.local === undefined) return;
    const base = this.base as unknown as Map<K, V>;
    for (const [key, value] of this.local) {
      if (value === GONE) base.delete(key);
      else base.set(key, value);
    }
  }

  *values(): Iterable<V> {
    const local = this.local;
    for (const [key, value] of this.base) if (!local?.has(key)) yield value;
    if (local) for (const value of local.values()) if (value !== GONE) yield value;
  }
}

/**
 * Orders by a key (maker, token): which orders a change can concern. An index may hold more
 * than it must (a decision's draft never removes), never less: a caller re-derives each order
 * it finds, so an extra entry costs a lookup and a missing one would be a missed update.
 */
export interface HashIndex<K> {
  add(key: K, hash: OrderHash): void;
  remove(key: K, hash: OrderHash): void;
  get(key: K): Iterable<OrderHash>;
}

export class SetIndex<K> implements HashIndex<K> {
  private readonly sets = new Map<K, Set<OrderHash>>();

  add(key: K, hash: OrderHash): void {
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = new Set()));
    set.add(hash);
  }

  remove(key: K, hash: OrderHash): void {
    const set = this.sets.get(key);
    if (!set) return;
    set.delete(hash);
    if (set.size === 0) this.sets.delete(key);
  }

  get(key: K): Iterable<OrderHash> {
    return this.sets.get(key) ?? [];
  }

  clone(): SetIndex<K> {
    const copy = new SetIndex<K>();
    for (const [key, set] of this.sets) copy.sets.set(key, new Set(set));
    return copy;
  }
}

/** A draft's view of an index: the base's entries plus what the draft added. */
export class IndexOverlay<K> implements HashIndex<K> {
  private readonly added = new Map<K, OrderHash[]>();
  /** Every add and remove in order, replayed on the base by `commit`. */
  private readonly ops: [boolean, K, OrderHash][] = [];

  constructor(private readonly base: HashIndex<K>) {}

  add(key: K, hash: OrderHash): void {
    this.ops.push([true, key, hash]);
    const list = this.added.get(key);
    if (list) list.push(hash);
    else this.added.set(key, [hash]);
  }

  remove(key: K, hash: OrderHash): void {
    // Reads keep the superset (see HashIndex); the base changes only at commit.
    this.ops.push([false, key, hash]);
  }

  commit(): void {
    for (const [add, key, hash] of this.ops) {
      if (add) this.base.add(key, hash);
      else this.base.remove(key, hash);
    }
  }

  *get(key: K): Iterable<OrderHash> {
    yield* this.base.get(key);
    yield* this.added.get(key) ?? [];
  }
}

/*//////////////////////////////////////////////////////////////
                          RANKED INDEXES
//////////////////////////////////////////////////////////////*/

/** What a ranked index orders by: price, then arrival (seq, unique in a market). */
export interface Ranked {
  readonly hash: OrderHash;
  readonly seq: number;
  readonly order: { readonly price: bigint };
}

/** What a scan's visitor answers for an entry: take it, pass over it, or stop (none further can do). */
export const TAKE = 1;
export const SKIP = 0;
export const STOP = -1;
export type Visit = (entry: Ranked) => typeof TAKE | typeof SKIP | typeof STOP;

/**
 * Orders by a key in matching rank: price ascending (asks) or descending (bids), then earliest.
 * Matching reads the best entry a visitor takes instead of every order on a token, so a deep
 * book costs a submit O(log n), not O(n). Like `HashIndex`, a view may hold more than the
 * fillable orders (a draft never removes), never fewer: the visitor re-reads each entry.
 */
export interface RankedIndex<K> {
  add(key: K, entry: Ranked): void;
  remove(key: K, entry: Ranked): void;
  /** The first entry in rank order that `visit` takes, unless it stops first. */
  best(key: K, visit: Visit): Ranked | undefined;
}

/** Is `a` ranked before `b`? */
const rankedBefore = (a: Ranked, b: Ranked, descending: boolean): boolean =>
  a.order.price !== b.order.price
    ? descending
      ? a.order.price > b.order.price
      : a.order.price < b.order.price
    : a.seq < b.seq;

/**
 * An entry with its price as a double: comparing doubles is what keeps a scan or insert cheap
 * (bigint comparisons are calls). `Number` rounds monotonically, so distinct doubles order as
 * the prices do; equal doubles fall back to the exact bigints.
 */
class Slot {
  readonly p: number;
  constructor(readonly entry: Ranked) {
    this.p = Number(entry.order.price);
  }
}

const slotBefore = (a: Slot, b: Slot, descending: boolean): boolean =>
  a.p !== b.p ? (descending ? a.p > b.p : a.p < b.p) : rankedBefore(a.entry, b.entry, descending);

/** Chunks bound the cost of an insert or removal in one long list (all asks of a collection). */
const CHUNK = 512;

/** One key's entries, sorted, in chunks of at most 2 * CHUNK. */
class RankedList {
  chunks: Slot[][] = [];

  constructor(private readonly descending: boolean) {}

  /** Index of the first chunk whose last entry is not before `x` (the last chunk if none). */
  private chunkOf(x: Slot): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.chunks[mid]!;
      if (slotBefore(chunk[chunk.length - 1]!, x, this.descending)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first entry of `chunk` not before `x`. */
  private positionIn(chunk: readonly Slot[], x: Slot): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (slotBefore(chunk[mid]!, x, this.descending)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(entry: Ranked): void {
    const x = new Slot(entry);
    if (this.chunks.length === 0) {
      this.chunks.push([x]);
      return;
    }
    const ci = this.chunkOf(x);
    const chunk = this.chunks[ci]!;
    chunk.splice(this.positionIn(chunk, x), 0, x);
    if (chunk.length > 2 * CHUNK)
      this.chunks.splice(ci, 1, chunk.slice(0, CHUNK), chunk.slice(CHUNK));
  }

  /** Removes `entry` (found by price and seq); true when the list is empty after. */
  remove(entry: Ranked): boolean {
    if (this.chunks.length === 0) return true;
    const x = new Slot(entry);
    const ci = this.chunkOf(x);
    const chunk = this.chunks[ci]!;
    const at = this.positionIn(chunk, x);
    if (chunk[at]?.entry.seq === entry.seq) {
      chunk.splice(at, 1);
      if (chunk.length === 0) this.chunks.splice(ci, 1);
    }
    return this.chunks.length === 0;
  }

  best(visit: Visit): Ranked | undefined {
    for (const chunk of this.chunks)
      for (let i = 0; i < chunk.length; i++) {
        const entry = chunk[i]!.entry;
        const verdict = visit(entry);
        if (verdict === TAKE) return entry;
        if (verdict === STOP) return undefined;
      }
    return undefined;
  }

  clone(): RankedList {
    const copy = new RankedList(this.descending);
    copy.chunks = this.chunks.map((c) => c.slice());
    return copy;
  }
}

export class SortedIndex<K> implements RankedIndex<K> {
  readonly #lists = new Map<K, RankedList>();

  /** `descending`: highest price first (bids); else lowest first (asks). Then earliest. */
  constructor(readonly descending: boolean) {}

  add(key: K, entry: Ranked): void {
    let list = this.#lists.get(key);
    if (!list) this.#lists.set(key, (list = new RankedList(this.descending)));
    list.insert(entry);
  }

  remove(key: K, entry: Ranked): void {
    const list = this.#lists.get(key);
    if (list?.remove(entry)) this.#lists.delete(key);
  }

  best(key: K, visit: Visit): Ranked | undefined {
    return this.#lists.get(key)?.best(visit);
  }

  clone(): SortedIndex<K> {
    const copy = new SortedIndex<K>(this.descending);
    for (const [key, list] of this.#lists) copy.#lists.set(key, list.clone());
    return copy;
  }
}

/** A draft's view of a ranked index: the base's entries plus what the draft added. */
export class RankedOverlay<K> implements RankedIndex<K> {
  private added: Map<K, Ranked[]> | undefined;
  /** Every add and remove in order, replayed on the base by `commit`. */
  private ops: [boolean, K, Ranked][] | undefined;

  constructor(
    private readonly base: RankedIndex<K>,
    private readonly descending: boolean,
  ) {}

  commit(): void {
    for (const [add, key, entry] of this.ops ?? []) {
      if (add) this.base.add(key, entry);
      else this.base.remove(key, entry);
    }
  }

  add(key: K, entry: Ranked): void {
    (this.ops ??= []).push([true, key, entry]);
    this.added ??= new Map();
    const list = this.added.get(key);
    if (list) list.push(entry);
    else this.added.set(key, [entry]);
  }

  remove(key: K, entry: Ranked): void {
    // Reads keep the superset (see RankedIndex); the base changes only at commit.
    (this.ops ??= []).push([false, key, entry]);
  }

  best(key: K, visit: Visit): Ranked | undefined {
    let found = this.base.best(key, visit);
    for (const entry of this.added?.get(key) ?? [])
      if (
        visit(entry) === TAKE &&
        (found === undefined || rankedBefore(entry, found, this.descending))
      )
        found = entry;
    return found;
  }
}
