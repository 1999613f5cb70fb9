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

/** A map that reads through to `base` and keeps every write to itself. */
export class Overlay<K, V> implements MapLike<K, V> {
  private readonly local = new Map<K, V>();
  private readonly deleted = new Set<K>();

  constructor(private readonly base: ReadonlyMap<K, V>) {}

  get(key: K): V | undefined {
    if (this.local.has(key)) return this.local.get(key);
    if (this.deleted.has(key)) return undefined;
    return this.base.get(key);
  }

  has(key: K): boolean {
    return this.local.has(key) || (!this.deleted.has(key) && this.base.has(key));
  }

  set(key: K, value: V): this {
    this.deleted.delete(key);
    this.local.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    const had = this.has(key);
    this.local.delete(key);
    this.deleted.add(key);
    return had;
  }

  *values(): Iterable<V> {
    for (const [key, value] of this.base) {
      if (!this.local.has(key) && !this.deleted.has(key)) yield value;
    }
    yield* this.local.values();
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

  constructor(private readonly base: HashIndex<K>) {}

  add(key: K, hash: OrderHash): void {
    const list = this.added.get(key);
    if (list) list.push(hash);
    else this.added.set(key, [hash]);
  }

  remove(): void {
    // A superset is enough (see HashIndex); the base is not the draft's to change.
  }

  *get(key: K): Iterable<OrderHash> {
    yield* this.base.get(key);
    yield* this.added.get(key) ?? [];
  }
}
