// The market state's maps, readable the same way whether they are the aggregate's own (folded
// by `evolve`, mutated in place) or a decision's draft over them (an overlay that records what
// a command would change without touching the state it decides against).
//
// Why not immutable copies per event: one market is one stream, and a busy collection holds
// tens of thousands of orders; copying its maps on every event makes a replay quadratic. So
// `evolve` mutates the state it is given and returns it, `initialState` is a fresh value on
// every read, and `decide` works on an `Overlay`, never on the state itself (a unit spec checks
// that deciding leaves the state untouched).

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
