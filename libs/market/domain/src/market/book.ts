// The market state's maps, readable the same way whether they are the aggregate's own (folded
// by `evolve`, mutated in place) or a decision's draft over them (an overlay that records what
// a command would change without touching the state it decides against).
//
// Why not immutable copies per event: one market is one stream, and a busy collection holds
// tens of thousands of orders; copying its maps on every event makes a replay quadratic. So
// `evolve` mutates the state it is given and returns it, `initialState` is a fresh value on
// every read, and `decide` works on an `Overlay`, never on the state itself (a unit spec checks
// that deciding leaves the state untouched).

import type { Address, OrderHash } from '@atelier/kernel';

export interface MapLike<K, V> {
  get(key: K): V | undefined;
  has(key: K): boolean;
  set(key: K, value: V): unknown;
  delete(key: K): unknown;
  values(): Iterable<V>;
}

/** Marks a key the overlay deleted (map values are never undefined, so `get` can tell). */
const GONE: unique symbol = Symbol('deleted');

/** `Overlay.readKey` before any read. */
const NOTHING_READ: unique symbol = Symbol('nothing read');

/** Slots a draft's list keeps from one decision to the next; a longer one (a decision that
 *  touched many orders) is let go, so a draft kept for reuse holds no large list. */
const KEPT_SLOTS = 256;

export const keepSmall = (list: unknown[]): void => {
  if (list.length > KEPT_SLOTS) list.length = 0;
};

/** Overlays hold up to this many writes in two arrays, searched linearly; a Map beyond. */
const SMALL = 8;

/**
 * A map that reads through to `base` and keeps every write to itself, `GONE` for deletions. A
 * decision writes a few keys of a few maps (a submit: the order), so the writes sit in one short
 * flat list (key, value, key, value...) until there are more than `SMALL` of them, then in a
 * Map. The list is kept from one decision to the next (a draft is restarted, see decide.ts):
 * `n` says how much of it this decision wrote, so no list is made per decision. Either way the
 * writes keep a Map's order (a key written again stays in place; written after a delete, or
 * deleted, it goes to the end), so `commit` replays them in the order a fold event by event
 * would make them.
 */
export class Overlay<K, V> implements MapLike<K, V> {
  private readonly kv: (K | V | typeof GONE)[] = [];
  /** Slots of `kv` this decision wrote (two per key). */
  private n = 0;
  private local: Map<K, V | typeof GONE> | undefined;
  /** Keys `local` holds that were deleted from the base and set again: deleted first at commit. */
  private dropped: K[] | undefined;
  /** The last key read from the base, and what it held: a decision reads the same key again
   *  (a submit checks its hash is new, then folds the order in), and a big map's miss is a
   *  walk through memory the cache no longer holds. The base never changes under a draft. */
  private readKey: K | typeof NOTHING_READ = NOTHING_READ;
  private readValue: V | undefined;

  constructor(private base: ReadonlyMap<K, V>) {}

  /** Forgets every write and read, for a new decision over `base`. */
  reset(base: ReadonlyMap<K, V>): void {
    this.base = base;
    this.n = 0;
    keepSmall(this.kv);
    this.local = this.dropped = undefined;
    this.readKey = NOTHING_READ;
    this.readValue = undefined;
  }

  private read(key: K): V | undefined {
    if (key === this.readKey) return this.readValue;
    this.readKey = key;
    return (this.readValue = this.base.get(key));
  }

  /** What this overlay wrote for `key` last, if anything. */
  private written(key: K): V | typeof GONE | undefined {
    if (this.local !== undefined) return this.local.get(key);
    const kv = this.kv;
    for (let i = this.n - 2; i >= 0; i -= 2) if (kv[i] === key) return kv[i + 1] as V | typeof GONE;
    return undefined;
  }

  get(key: K): V | undefined {
    const v = this.written(key);
    if (v !== undefined) return v === GONE ? undefined : v;
    return this.read(key);
  }

  has(key: K): boolean {
    const v = this.written(key);
    if (v !== undefined) return v !== GONE;
    return this.read(key) !== undefined;
  }

  /**
   * Records a write. `toEnd` (a delete, or a set after one) is a new pair after the others, so
   * `commit` deletes then sets again, as a fold would, and the key ends up last in the base; any
   * other write to a key written before replaces its last value in place.
   */
  private write(key: K, value: V | typeof GONE, toEnd: boolean): void {
    if (this.local === undefined) {
      const kv = this.kv;
      const n = this.n;
      if (!toEnd)
        for (let i = n - 2; i >= 0; i -= 2)
          if (kv[i] === key) {
            kv[i + 1] = value;
            return;
          }
      if (n < 2 * SMALL) {
        kv[n] = key;
        kv[n + 1] = value;
        this.n = n + 2;
        return;
      }
      const local = (this.local = new Map());
      for (let j = 0; j < n; j += 2) this.keep(local, kv[j] as K, kv[j + 1] as V | typeof GONE);
    }
    this.keep(this.local, key, value);
  }

  /** A write kept in `local` (one entry per key): a key set after its delete is dropped first. */
  private keep(local: Map<K, V | typeof GONE>, key: K, value: V | typeof GONE): void {
    const was = local.get(key);
    if (was === GONE && value !== GONE) (this.dropped ??= []).push(key);
    if (was !== undefined && (was === GONE || value === GONE)) local.delete(key);
    local.set(key, value);
  }

  set(key: K, value: V): this {
    // A key set again after a delete goes to the end, as a fresh write does.
    this.write(key, value, this.written(key) === GONE);
    return this;
  }

  delete(key: K): boolean {
    const had = this.has(key);
    this.write(key, GONE, true);
    return had;
  }

  /** Writes what this overlay changed into its base (the decision was folded as it was drafted). */
  commit(): void {
    const base = this.base as unknown as Map<K, V>;
    if (this.local !== undefined) {
      if (this.dropped !== undefined) for (const key of this.dropped) base.delete(key);
      this.local.forEach((value, key) => {
        if (value === GONE) base.delete(key);
        else base.set(key, value);
      });
    } else {
      const kv = this.kv;
      for (let i = 0; i < this.n; i += 2) {
        const value = kv[i + 1] as V | typeof GONE;
        if (value === GONE) base.delete(kv[i] as K);
        else base.set(kv[i] as K, value);
      }
    }
  }

  *values(): Iterable<V> {
    for (const [key, value] of this.base) if (this.written(key) === undefined) yield value;
    if (this.local !== undefined) {
      for (const value of this.local.values()) if (value !== GONE) yield value;
      return;
    }
    const kv = this.kv.slice(0, this.n);
    // Each key's last write only.
    for (let i = 0; i < kv.length; i += 2) {
      let last = true;
      for (let j = i + 2; j < kv.length && last; j += 2) if (kv[j] === kv[i]) last = false;
      if (last && kv[i + 1] !== GONE) yield kv[i + 1] as V;
    }
  }
}

/*//////////////////////////////////////////////////////////////
                         BY MAKER'S NONCE
//////////////////////////////////////////////////////////////*/

/** A map keyed by a maker's nonce (what the order holding it, or the chain, says of it). */
export interface NonceMapLike<V> {
  get(maker: Address, nonce: bigint): V | undefined;
  set(maker: Address, nonce: bigint, value: V): void;
  delete(maker: Address, nonce: bigint): void;
}

/** A nonce as an inner key: a small integer as itself (no hashing, no allocation). */
const nonceSlot = (nonce: bigint): number | bigint =>
  nonce >= 0n && nonce <= 0x3fffffffn ? Number(nonce) : nonce;

/**
 * One small map per maker, keyed by the nonce. Every submit reads and writes its maker's nonce;
 * keyed by a `maker:nonce` string in one map of every order, that was a fresh string to build and
 * hash, and a miss then an insert in a table as big as the book. Here the maker's address (one
 * string object per maker, its hash kept) finds a table of that maker's nonces, read by number.
 */
export class NonceMap<V> implements NonceMapLike<V> {
  private readonly makers = new Map<Address, Map<number | bigint, V>>();

  get(maker: Address, nonce: bigint): V | undefined {
    return this.makers.get(maker)?.get(nonceSlot(nonce));
  }

  set(maker: Address, nonce: bigint, value: V): void {
    let slots = this.makers.get(maker);
    if (slots === undefined) this.makers.set(maker, (slots = new Map()));
    slots.set(nonceSlot(nonce), value);
  }

  delete(maker: Address, nonce: bigint): void {
    const slots = this.makers.get(maker);
    if (slots === undefined) return;
    slots.delete(nonceSlot(nonce));
    if (slots.size === 0) this.makers.delete(maker);
  }

  /** Every entry as (maker, nonce, value), makers in first-write order. */
  *entries(): Iterable<[Address, bigint, V]> {
    for (const [maker, slots] of this.makers)
      for (const [slot, value] of slots) yield [maker, BigInt(slot), value];
  }

  clone(): NonceMap<V> {
    const copy = new NonceMap<V>();
    for (const [maker, slots] of this.makers) copy.makers.set(maker, new Map(slots));
    return copy;
  }
}

/**
 * A draft's view of a `NonceMap`: its writes (flat: maker, nonce, value or `GONE`) in a short
 * list, read newest first, replayed in order by `commit`. A decision writes a nonce or two.
 */
export class NonceMapOverlay<V> implements NonceMapLike<V> {
  /** Kept from one decision to the next; `n` slots of it are this decision's. */
  private readonly writes: (Address | bigint | V | typeof GONE)[] = [];
  private n = 0;

  constructor(private base: NonceMapLike<V>) {}

  /** Forgets every write, for a new decision over `base`. */
  reset(base: NonceMapLike<V>): void {
    this.base = base;
    this.n = 0;
    keepSmall(this.writes);
  }

  get(maker: Address, nonce: bigint): V | undefined {
    const w = this.writes;
    for (let i = this.n - 3; i >= 0; i -= 3)
      if (w[i] === maker && w[i + 1] === nonce) {
        const v = w[i + 2] as V | typeof GONE;
        return v === GONE ? undefined : v;
      }
    return this.base.get(maker, nonce);
  }

  private write(maker: Address, nonce: bigint, value: V | typeof GONE): void {
    const w = this.writes;
    const n = this.n;
    w[n] = maker;
    w[n + 1] = nonce;
    w[n + 2] = value;
    this.n = n + 3;
  }

  set(maker: Address, nonce: bigint, value: V): void {
    this.write(maker, nonce, value);
  }

  delete(maker: Address, nonce: bigint): void {
    this.write(maker, nonce, GONE);
  }

  commit(): void {
    const w = this.writes;
    for (let i = 0; i < this.n; i += 3) {
      const v = w[i + 2] as V | typeof GONE;
      if (v === GONE) this.base.delete(w[i] as Address, w[i + 1] as bigint);
      else this.base.set(w[i] as Address, w[i + 1] as bigint, v);
    }
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

/**
 * Each key's hashes in a plain array. An order is indexed once, when accepted, and leaves when
 * closed for good (rare: a cancel, a replacement, an expiry), so appends dominate: an array push
 * touches one array end, where a Set insert probes and grows a hash table (several times the
 * cost on a busy market). A removal scans the key's array and moves its last hash into the gap:
 * readers take the hashes as a set (they re-derive and sort what they find).
 */
export class ListIndex<K> implements HashIndex<K> {
  private readonly lists = new Map<K, OrderHash[]>();

  add(key: K, hash: OrderHash): void {
    const list = this.lists.get(key);
    if (list) list.push(hash);
    else this.lists.set(key, [hash]);
  }

  remove(key: K, hash: OrderHash): void {
    const list = this.lists.get(key);
    if (!list) return;
    const at = list.indexOf(hash);
    if (at < 0) return;
    const last = list.pop()!;
    if (at < list.length) list[at] = last;
    if (list.length === 0) this.lists.delete(key);
  }

  get(key: K): Iterable<OrderHash> {
    return this.lists.get(key) ?? [];
  }

  clone(): ListIndex<K> {
    const copy = new ListIndex<K>();
    for (const [key, list] of this.lists) copy.lists.set(key, list.slice());
    return copy;
  }
}

/**
 * A draft's view of an index: the base's entries plus what the draft added. Only an accepted
 * order is indexed, one per submit, so the draft's adds are read from its short op list.
 */
export class IndexOverlay<K> implements HashIndex<K> {
  /** Every add and remove in order (flat: op, key, hash), replayed on the base by `commit`;
   *  kept from one decision to the next, `n` slots of it this decision's. */
  private readonly ops: (boolean | K | OrderHash)[] = [];
  private n = 0;

  constructor(private base: HashIndex<K>) {}

  /** Forgets every write, for a new decision over `base`. */
  reset(base: HashIndex<K>): void {
    this.base = base;
    this.n = 0;
    keepSmall(this.ops);
  }

  private op(add: boolean, key: K, hash: OrderHash): void {
    const ops = this.ops;
    const n = this.n;
    ops[n] = add;
    ops[n + 1] = key;
    ops[n + 2] = hash;
    this.n = n + 3;
  }

  add(key: K, hash: OrderHash): void {
    this.op(true, key, hash);
  }

  remove(key: K, hash: OrderHash): void {
    // Reads keep the superset (see HashIndex); the base changes only at commit.
    this.op(false, key, hash);
  }

  commit(): void {
    const ops = this.ops;
    for (let i = 0; i < this.n; i += 3) {
      if (ops[i] === true) this.base.add(ops[i + 1] as K, ops[i + 2] as OrderHash);
      else this.base.remove(ops[i + 1] as K, ops[i + 2] as OrderHash);
    }
  }

  *get(key: K): Iterable<OrderHash> {
    yield* this.base.get(key);
    const ops = this.ops;
    for (let i = 0; i < this.n; i += 3)
      if (ops[i] === true && ops[i + 1] === key) yield ops[i + 2] as OrderHash;
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
  /**
   * The first entry in rank order that `visit` takes, unless it stops first. With `bound`,
   * entries priced beyond it (above for ascending, below for descending) may end the scan
   * without a visit: a shortcut for a visitor that stops there anyway.
   */
  best(key: K, visit: Visit, bound?: bigint): Ranked | undefined;
}

/** Is `a` ranked before `b`? */
const rankedBefore = (a: Ranked, b: Ranked, descending: boolean): boolean =>
  a.order.price !== b.order.price
    ? descending
      ? a.order.price > b.order.price
      : a.order.price < b.order.price
    : a.seq < b.seq;

/** Below this magnitude a double converts from (and to) a bigint exactly. */
const EXACT = 2 ** 53;

/** A `gone` set this large, and over half the heap, is swept out (see `RankedList.remove`). */
const SWEEP = 32;

/**
 * One key's entries as a binary heap in rank order: the best entry at the root, each entry
 * ranked before its children. Three parallel arrays hold it — `ps` each entry's price as a double,
 * `seqs` its arrival, `entries` the entry — so sifting compares numbers read side by side, never
 * a bigint behind a pointer: `Number` rounds monotonically, so distinct doubles order as the
 * prices do, and equal doubles below 2^53 are equal prices (only above it are the exact bigints
 * read). An insert is a push and a sift up (O(1) expected, O(log n) at worst, no array moved);
 * removing the best is a sift down. Any other removal is lazy: the seq joins `gone`, the entry
 * stays until it surfaces at the root (then it is dropped) or `gone` grows past half the heap
 * (then it is swept out, O(n) amortised over those removals). A removed entry added back (an
 * order that is fillable again keeps its time) is simply taken out of `gone`.
 *
 * A scan (`best`) visits entries in rank order by taking the root off, one at a time, and puts
 * back the ones it passed over: what the heap holds is unchanged, only its layout may differ.
 */
class RankedList {
  private ps: number[] = [];
  private seqs: number[] = [];
  private entries: Ranked[] = [];
  /** Seqs removed but still in the heap (each is in it exactly once). */
  private gone: Set<number> | undefined;

  constructor(private readonly descending: boolean) {}

  /** Entries held (removed ones excepted). */
  get size(): number {
    return this.entries.length - (this.gone === undefined ? 0 : this.gone.size);
  }

  /** Is the entry (p, seq, price) ranked before the one in slot `j`? */
  private before(p: number, seq: number, price: bigint, j: number): boolean {
    const q = this.ps[j]!;
    if (p !== q) return this.descending ? p > q : p < q;
    if (!(Math.abs(p) < EXACT)) {
      const other = this.entries[j]!.order.price;
      if (price !== other) return this.descending ? price > other : price < other;
    }
    return seq < this.seqs[j]!;
  }

  /** Places (p, seq, entry) at `k` or above it, moving lesser parents down. */
  private siftUp(k: number, p: number, seq: number, entry: Ranked): void {
    const { ps, seqs, entries } = this;
    const price = entry.order.price;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.before(p, seq, price, parent)) break;
      ps[k] = ps[parent]!;
      seqs[k] = seqs[parent]!;
      entries[k] = entries[parent]!;
      k = parent;
    }
    ps[k] = p;
    seqs[k] = seq;
    entries[k] = entry;
  }

  /** Places (p, seq, entry) at `k` or below it, moving better children up; `n` slots in use. */
  private siftDown(k: number, n: number, p: number, seq: number, entry: Ranked): void {
    const { ps, seqs, entries } = this;
    const price = entry.order.price;
    for (;;) {
      let child = 2 * k + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.before(ps[right]!, seqs[right]!, entries[right]!.order.price, child))
        child = right;
      if (this.before(p, seq, price, child)) break;
      ps[k] = ps[child]!;
      seqs[k] = seqs[child]!;
      entries[k] = entries[child]!;
      k = child;
    }
    ps[k] = p;
    seqs[k] = seq;
    entries[k] = entry;
  }

  /** Takes the root off. */
  private pop(): void {
    const { ps, seqs, entries } = this;
    const n = entries.length - 1;
    const p = ps[n]!;
    const seq = seqs[n]!;
    const entry = entries[n]!;
    ps.length = seqs.length = entries.length = n;
    if (n > 0) this.siftDown(0, n, p, seq, entry);
  }

  insert(entry: Ranked): void {
    const gone = this.gone;
    // Removed but still in the heap, at its rank (price and seq never change for an order).
    if (gone !== undefined && gone.size > 0 && gone.delete(entry.seq)) return;
    const price = entry.order.price;
    this.siftUp(this.entries.length, Number(price), entry.seq, entry);
  }

  /** Removes `entry` (by seq; it must be held); true when the list holds nothing after. */
  remove(entry: Ranked): boolean {
    const n = this.entries.length;
    if (n === 0) return true;
    if (this.seqs[0] === entry.seq) this.pop();
    else {
      const gone = (this.gone ??= new Set());
      gone.add(entry.seq);
      if (gone.size >= SWEEP && 2 * gone.size >= n) this.sweep();
    }
    return this.size === 0;
  }

  /** Drops every removed entry and rebuilds the heap from the rest (O(n)). */
  private sweep(): void {
    const gone = this.gone!;
    const { ps, seqs, entries } = this;
    let m = 0;
    for (let i = 0; i < entries.length; i++) {
      if (gone.has(seqs[i]!)) continue;
      ps[m] = ps[i]!;
      seqs[m] = seqs[i]!;
      entries[m] = entries[i]!;
      m++;
    }
    ps.length = seqs.length = entries.length = m;
    gone.clear();
    for (let k = (m >> 1) - 1; k >= 0; k--) this.siftDown(k, m, ps[k]!, seqs[k]!, entries[k]!);
  }

  /**
   * The first entry `visit` takes, in rank order; entries priced beyond `bound` (above it for
   * asks, below for bids) end the scan unvisited, read from the doubles alone: a double beyond
   * the bound's is a price beyond it.
   */
  best(visit: Visit, bound: bigint | undefined): Ranked | undefined {
    const bounded = bound !== undefined;
    const limit = bounded ? Number(bound) : NaN;
    const descending = this.descending;
    const { ps, seqs, entries } = this;
    let passed: Ranked[] | undefined;
    let found: Ranked | undefined;
    while (entries.length > 0) {
      const gone = this.gone;
      if (gone !== undefined && gone.size > 0 && gone.delete(seqs[0]!)) {
        this.pop(); // removed earlier: drop it now it surfaced
        continue;
      }
      if (bounded && (descending ? ps[0]! < limit : ps[0]! > limit)) break;
      const entry = entries[0]!;
      const verdict = visit(entry);
      if (verdict === TAKE) {
        found = entry;
        break;
      }
      if (verdict === STOP) break;
      (passed ??= []).push(entry);
      this.pop();
    }
    if (passed !== undefined)
      for (let i = 0; i < passed.length; i++) {
        const entry = passed[i]!;
        this.siftUp(entries.length, Number(entry.order.price), entry.seq, entry);
      }
    return found;
  }

  clone(): RankedList {
    const copy = new RankedList(this.descending);
    copy.ps = this.ps.slice();
    copy.seqs = this.seqs.slice();
    copy.entries = this.entries.slice();
    if (this.gone !== undefined) copy.gone = new Set(this.gone);
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

  best(key: K, visit: Visit, bound?: bigint): Ranked | undefined {
    return this.#lists.get(key)?.best(visit, bound);
  }

  clone(): SortedIndex<K> {
    const copy = new SortedIndex<K>(this.descending);
    for (const [key, list] of this.#lists) copy.#lists.set(key, list.clone());
    return copy;
  }
}

/** Decisions with at most this many ranked ops have add/remove pairs cancelled at commit. */
const SHORT_DECISION = 16;

/** A draft's view of a ranked index: the base's entries plus what the draft added. */
export class RankedOverlay<K> implements RankedIndex<K> {
  private added: Map<K, Ranked[]> | undefined;
  /** Every add and remove in order (flat: op, key, entry), replayed on the base by `commit`;
   *  op undefined once cancelled out. Kept from one decision to the next, `n` slots of it this
   *  decision's. */
  private readonly ops: (boolean | undefined | K | Ranked)[] = [];
  private n = 0;

  constructor(
    private base: RankedIndex<K>,
    private readonly descending: boolean,
  ) {}

  /** Forgets every write, for a new decision over `base`. */
  reset(base: RankedIndex<K>): void {
    this.base = base;
    this.n = 0;
    keepSmall(this.ops);
    this.added = undefined;
  }

  private op(add: boolean, key: K, entry: Ranked): void {
    const ops = this.ops;
    const n = this.n;
    ops[n] = add;
    ops[n + 1] = key;
    ops[n + 2] = entry;
    this.n = n + 3;
  }

  commit(): void {
    const ops = this.ops;
    // An order that became fillable and traded in the same decision was added and removed
    // again: the pair leaves the base as it was, so neither is replayed (a short list only; a
    // long decision replays everything).
    const n = this.n;
    if (n <= 3 * SHORT_DECISION)
      for (let j = 3; j < n; j += 3) {
        if (ops[j] !== false) continue;
        const seq = (ops[j + 2] as Ranked).seq;
        for (let i = 0; i < j; i += 3)
          if (ops[i] === true && ops[i + 1] === ops[j + 1] && (ops[i + 2] as Ranked).seq === seq) {
            ops[i] = ops[j] = undefined;
            break;
          }
      }
    for (let i = 0; i < n; i += 3) {
      if (ops[i] === true) this.base.add(ops[i + 1] as K, ops[i + 2] as Ranked);
      else if (ops[i] === false) this.base.remove(ops[i + 1] as K, ops[i + 2] as Ranked);
    }
  }

  add(key: K, entry: Ranked): void {
    this.op(true, key, entry);
    if (this.added !== undefined) this.addTo(this.added, key, entry);
  }

  private addTo(added: Map<K, Ranked[]>, key: K, entry: Ranked): void {
    const list = added.get(key);
    if (list) list.push(entry);
    else added.set(key, [entry]);
  }

  remove(key: K, entry: Ranked): void {
    // Reads keep the superset (see RankedIndex); the base changes only at commit.
    this.op(false, key, entry);
  }

  best(key: K, visit: Visit, bound?: bigint): Ranked | undefined {
    let found = this.base.best(key, visit, bound);
    const { ops, n } = this;
    if (n === 0) return found;
    // A short decision's adds are read from its op list; a long one's by key, from a map made
    // on the first read (a decision that makes many orders fillable then scans for each).
    if (this.added === undefined && n > 3 * SHORT_DECISION) {
      const added = (this.added = new Map());
      for (let i = 0; i < n; i += 3)
        if (ops[i] === true) this.addTo(added, ops[i + 1] as K, ops[i + 2] as Ranked);
    }
    if (this.added !== undefined) {
      for (const entry of this.added.get(key) ?? []) found = this.better(entry, found, visit);
    } else
      for (let i = 0; i < n; i += 3)
        if (ops[i] === true && ops[i + 1] === key)
          found = this.better(ops[i + 2] as Ranked, found, visit);
    return found;
  }

  /** `entry` when the visitor takes it and it ranks before `found`, else `found`. */
  private better(entry: Ranked, found: Ranked | undefined, visit: Visit): Ranked | undefined {
    return visit(entry) === TAKE &&
      (found === undefined || rankedBefore(entry, found, this.descending))
      ? entry
      : found;
  }
}
