// Upcasting: old stored payloads become the current schema on the way out of the store, so
// deciders and projections only ever see the newest version of each event type, and stored
// events are never rewritten. The registry is applied by every adapter's read path.
import type { EventMetadata } from './event';
import { UpcastError } from './errors';
import { isJsonObject, type JsonObject } from './json';

export interface UpcastInput {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: JsonObject;
  readonly metadata: EventMetadata;
}

export interface UpcastOutput {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: JsonObject;
}

/** Turns (type, fromVersion) into a newer version, or into another type (a rename). */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(event: UpcastInput): UpcastOutput;
}

const MAX_STEPS = 64;

export class UpcasterRegistry {
  private readonly byKey = new Map<string, Upcaster>();

  constructor(upcasters: readonly Upcaster[] = []) {
    this.register(...upcasters);
  }

  register(...upcasters: readonly Upcaster[]): this {
    for (const u of upcasters) {
      const key = `${u.type}@${u.fromVersion}`;
      if (this.byKey.has(key)) throw new Error(`duplicate upcaster for ${key}`);
      this.byKey.set(key, u);
    }
    return this;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The event at its newest known version; the same object when nothing applies. */
  upcast<E extends UpcastInput>(event: E): E {
    if (this.byKey.size === 0) return event;
    let current: E = event;
    for (let step = 0; step < MAX_STEPS; step++) {
      const u = this.byKey.get(`${current.type}@${current.schemaVersion}`);
      if (!u) return current;
      let out: UpcastOutput;
      try {
        out = u.upcast(current);
      } catch (cause) {
        throw new UpcastError(
          `upcasting ${current.type} v${current.schemaVersion} failed`,
          { type: current.type, schemaVersion: current.schemaVersion },
          { cause },
        );
      }
      const progressed = out.type !== current.type || out.schemaVersion > current.schemaVersion;
      if (!progressed || !Number.isInteger(out.schemaVersion) || !isJsonObject(out.data))
        throw new UpcastError(
          `upcaster for ${current.type} v${current.schemaVersion} must move to a newer version or another type`,
          {
            type: current.type,
            schemaVersion: current.schemaVersion,
          },
        );
      current = { ...current, type: out.type, schemaVersion: out.schemaVersion, data: out.data };
    }
    throw new UpcastError(
      `upcasting ${event.type} v${event.schemaVersion} did not finish in ${MAX_STEPS} steps`,
      {
        type: event.type,
        schemaVersion: event.schemaVersion,
      },
    );
  }
}

export const noUpcasters = new UpcasterRegistry();
