// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness. Event ids are the event
// store's idempotency key and carry a unique index; time-ordered ids land at the right edge
// of that index instead of on random pages, which keeps appends cheap (docs/event-store.md).
// Within one millisecond a counter in the random bits keeps ids from one process increasing.
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(16 * 256);
let poolOffset = pool.length;
let lastMs = -1;
let counter = 0;

function random16(): Buffer {
  if (poolOffset + 16 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  return out;
}

export function uuidv7(now: number = Date.now()): string {
  const b = Buffer.from(random16());
  if (now === lastMs) {
    counter = (counter + 1) & 0xfff;
  } else {
    lastMs = now;
    counter = b.readUInt16BE(6) & 0x7ff; // start low enough to leave room to count up
  }
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | (counter >> 8);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The millisecond timestamp inside a UUIDv7. */
export const uuidv7Time = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
