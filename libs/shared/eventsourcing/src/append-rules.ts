// Checks every adapter applies before an append, and the one rule for telling an exact
// retry from a conflict, so the adapters cannot drift apart on either.
import type { AppendResult, NewEvent } from './event';
import { IdempotencyConflictError, InvalidAppendError } from './errors';
import { isJsonObject } from './json';
import { isValidExpectedRevision, type ExpectedRevision } from './revision';
import { parseStreamName } from '@atelier/kernel';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TYPE = /^[A-Za-z][A-Za-z0-9_.:-]{0,199}$/;
/** One append's size limit: keeps a single transaction (and a KurrentDB write) bounded. */
export const MAX_EVENTS_PER_APPEND = 10_000;

export function validateAppend(
  streamName: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): void {
  const fail = (problem: string): never => {
    throw new InvalidAppendError(streamName, problem);
  };
  if (!parseStreamName(streamName).ok)
    fail(`'${streamName}' is not a valid stream name (<category>-<id>)`);
  if (!isValidExpectedRevision(expected)) fail(`invalid expected revision ${String(expected)}`);
  if (events.length === 0) fail('no events');
  if (events.length > MAX_EVENTS_PER_APPEND) fail(`more than ${MAX_EVENTS_PER_APPEND} events`);
  const ids = new Set<string>();
  for (const [i, e] of events.entries()) {
    if (typeof e.id !== 'string' || !UUID.test(e.id))
      fail(`event ${i}: id must be a lower-case UUID`);
    if (ids.has(e.id)) fail(`event ${i}: id ${e.id} appears twice in the batch`);
    ids.add(e.id);
    if (typeof e.type !== 'string' || !TYPE.test(e.type))
      fail(`event ${i}: invalid type '${String(e.type)}'`);
    if (!Number.isInteger(e.schemaVersion) || e.schemaVersion < 1 || e.schemaVersion > 32_767)
      fail(`event ${i}: schemaVersion must be an integer in 1..32767`);
    if (!isJsonObject(e.data)) fail(`event ${i}: data must be a JSON object`);
    const m: unknown = e.metadata;
    if (!isJsonObject(m)) return fail(`event ${i}: metadata must be an object`);
    for (const key of ['correlationId', 'actor', 'occurredAt'] as const) {
      const v = m[key];
      if (typeof v !== 'string' || v.length === 0) fail(`event ${i}: metadata.${key} is required`);
    }
    if (m['causationId'] !== null && typeof m['causationId'] !== 'string')
      fail(`event ${i}: metadata.causationId must be a string or null`);
    for (const [k, v] of Object.entries(m)) {
      if (v !== null && typeof v !== 'string') fail(`event ${i}: metadata.${k} must be a string`);
    }
    if (Number.isNaN(Date.parse(String(m['occurredAt']))))
      fail(`event ${i}: metadata.occurredAt is not a date`);
  }
}

/** Where an already-stored event id sits. */
export interface StoredIdLocation {
  readonly id: string;
  readonly streamName: string;
  readonly revision: bigint;
  readonly position: bigint;
}

/**
 * Given the stored locations of any of an append's ids: an exact retry (every id stored, in
 * this stream, at consecutive revisions, in the same order) yields the original result; any
 * other overlap is a conflict; no overlap yields undefined (a genuinely new append).
 */
export function classifyRetry(
  streamName: string,
  events: readonly Pick<NewEvent, 'id'>[],
  found: readonly StoredIdLocation[],
): AppendResult | undefined {
  if (found.length === 0) return undefined;
  const byId = new Map(found.map((f) => [f.id, f]));
  const existingIds = events.filter((e) => byId.has(e.id)).map((e) => e.id);
  if (existingIds.length !== events.length)
    throw new IdempotencyConflictError(
      streamName,
      existingIds,
      `${existingIds.length} of ${events.length} ids already stored`,
    );
  const located = events.map((e) => byId.get(e.id)!);
  const first = located[0]!;
  for (const [i, loc] of located.entries()) {
    if (loc.streamName !== streamName)
      throw new IdempotencyConflictError(
        streamName,
        existingIds,
        `id ${loc.id} is stored in stream ${loc.streamName}`,
      );
    if (loc.revision !== first.revision + BigInt(i))
      throw new IdempotencyConflictError(
        streamName,
        existingIds,
        'ids are stored in another order',
      );
  }
  const last = located[located.length - 1]!;
  return { nextExpectedRevision: last.revision, position: last.position };
}
