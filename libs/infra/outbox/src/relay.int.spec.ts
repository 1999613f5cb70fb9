// The outbox relay against the real PostgreSQL event store and the real broker: events reach
// the topic the routing table names for their category (market.<category>), keyed by stream, in order, with their id in a header; the checkpoint
// moves only after Kafka acked, so a crash in between republishes (never skips); a restart
// resumes from the checkpoint; and only one relay of a name publishes at a time.
import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { Pool } from 'pg';
import pino from 'pino';
import { PostgresEventStore } from '@atelier/event-store';
import { ANY, type NewEvent } from '@atelier/eventsourcing';
import { createKafka } from '@atelier/kafka';
import { HEADERS, decodeEnvelope, marketRoutes, categoryOf } from '@atelier/market-messages';
import { waitFor } from '@atelier/testing';
import { OutboxRelay, OutboxRelayCheckpoints, type OutboxRelayOptions } from './index';

const logger = pino({ name: 'relay-int', level: process.env['TEST_LOG_LEVEL'] ?? 'fatal' });
const run = randomUUID().slice(0, 8);
const schemas: string[] = [];
const databaseUrl = process.env['GATEWAY_DATABASE_URL']!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pool: Pool;
/** Each test has its own event store (and relay checkpoint table) in its own schema. */
let store: PostgresEventStore;
let schema: string;
let kafka: Kafka;
const topics = new Set<string>();

const event = (n: number): NewEvent => ({
  id: randomUUID(),
  type: 'CounterIncremented',
  schemaVersion: 2,
  data: { n },
  metadata: {
    correlationId: `corr-${n}`,
    causationId: null,
    actor: 'system:test',
    occurredAt: '2025-06-01T12:00:00.000Z',
  },
});

/** A prefix per test, so each test reads only its own topics. */
function relayOptions(prefix: string, name: string): OutboxRelayOptions {
  const routes = marketRoutes(['artwork', 'orderbook'], prefix);
  for (const topic of Object.values(routes)) topics.add(topic);
  return {
    name,
    batchSize: 50,
    pollIntervalMs: 20,
    standbyPollMs: 100,
    routes,
    topics: { partitions: 3, replicationFactor: 1 },
  };
}

const relay = (
  prefix: string,
  name: string,
  checkpoints = new OutboxRelayCheckpoints({ connection: databaseUrl, schema }, logger),
) => new OutboxRelay({ source: store, kafka, checkpoints, logger }, relayOptions(prefix, name));

async function append(streams: readonly string[], perStream: number): Promise<void> {
  for (let i = 0; i < perStream; i++)
    for (const s of streams) await store.append(s, [event(i)], { expectedRevision: ANY });
}

async function head(): Promise<bigint> {
  const { rows } = await pool.query<{ p: string | null }>(
    `SELECT max(position)::text AS p FROM "${schema}".events`,
  );
  return BigInt(rows[0]!.p ?? 0);
}

/** Runs `r` until it has published up to the log's head, then stops it cleanly. */
async function runUntilCaughtUp(r: OutboxRelay, what: string): Promise<void> {
  const running = r.run();
  const target = await head();
  await waitFor(what, async () => (r.status().position === target ? true : undefined));
  await r.stop();
  await running;
}

interface Read {
  readonly topic: string;
  readonly key: string;
  readonly headers: IHeaders;
  readonly streamName: string;
  readonly revision: bigint;
  readonly eventId: string;
}

/** Every message of the given topics (a throwaway group from the beginning). */
async function readTopics(names: readonly string[], expected: number): Promise<Read[]> {
  const seen: Read[] = [];
  const c = kafka.consumer({ groupId: `relay-int-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await c.connect();
  await c.subscribe({ topics: [...names], fromBeginning: true });
  await c.run({
    eachMessage: async ({ topic, message }) => {
      const e = decodeEnvelope(message.value);
      seen.push({
        topic,
        key: message.key!.toString(),
        headers: message.headers ?? {},
        streamName: e.streamName,
        revision: e.streamRevision,
        eventId: e.eventId,
      });
    },
  });
  try {
    await waitFor(
      `${expected} messages`,
      async () => (seen.length >= expected ? true : undefined),
      { timeoutMs: 20_000 },
    );
    await sleep(300); // a surplus would show now
    return seen;
  } finally {
    await c.disconnect();
  }
}

const revisionsByStream = (reads: readonly Read[]) => {
  const by = new Map<string, bigint[]>();
  for (const r of reads) by.set(r.streamName, [...(by.get(r.streamName) ?? []), r.revision]);
  return by;
};

beforeEach(async () => {
  schema = `relay_${run}_${schemas.length}`;
  schemas.push(schema);
  store = new PostgresEventStore({ pool, schema, listen: false, notify: false });
  await store.migrate();
});

afterEach(() => store.close());

beforeAll(async () => {
  pool = new Pool({ connectionString: databaseUrl, max: 4 });
  kafka = createKafka({
    clientId: `relay-int-${run}`,
    brokers: process.env['KAFKA_BROKERS']!.split(','),
    logger,
  });
});

afterAll(async () => {
  for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await pool.end();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [...topics] }).catch(() => undefined);
  await admin.disconnect();
});

it('publishes each event to market.<category>, keyed by stream, in order, then resumes from its checkpoint', async () => {
  const prefix = `int.${run}.a.market`;
  const streams = ['artwork-1', 'artwork-2', 'orderbook-0xaa', 'orderbook-0xbb'];
  await append(streams, 30);

  await runUntilCaughtUp(relay(prefix, 'resume'), 'relay caught up');

  await append(streams, 5); // while no relay runs
  const second = relay(prefix, 'resume');
  await runUntilCaughtUp(second, 'relay caught up again');
  expect(second.status().published).toBe(20); // only what the first had not published

  const reads = await readTopics([`${prefix}.artwork`, `${prefix}.orderbook`], 140);
  expect(reads).toHaveLength(140);
  for (const r of reads) {
    expect(r.topic).toBe(`${prefix}.${categoryOf(r.streamName)}`);
    expect(r.key).toBe(r.streamName);
    expect(r.headers[HEADERS.eventId]?.toString()).toBe(r.eventId);
  }
  for (const [, revisions] of revisionsByStream(reads))
    expect(revisions).toEqual(Array.from({ length: 35 }, (_, i) => BigInt(i)));
});

it('republishes, never skips, a batch whose checkpoint write was lost after Kafka acked', async () => {
  const prefix = `int.${run}.b.market`;
  const streams = ['artwork-x', 'artwork-y'];
  await append(streams, 40); // 80 events: two batches of 50 and 30

  class CrashAfterAck extends OutboxRelayCheckpoints {
    saves = 0;
    override async save(name: string, position: bigint): Promise<void> {
      if (++this.saves === 2) throw new Error('simulated crash between ack and checkpoint');
      await super.save(name, position);
    }
  }
  const crashing = relay(
    prefix,
    'crash',
    new CrashAfterAck({ connection: databaseUrl, schema }, logger),
  );
  await expect(crashing.run()).rejects.toThrow('simulated crash');
  expect(crashing.status().published).toBe(50); // the second batch was acked but not checkpointed

  const restarted = relay(prefix, 'crash');
  await runUntilCaughtUp(restarted, 'caught up after the crash');
  expect(restarted.status().published).toBe(30); // it started from the last checkpoint

  const reads = await readTopics([`${prefix}.artwork`], 110);
  expect(reads).toHaveLength(110); // 80 events + the 30 of the unacknowledged-checkpoint batch
  expect(new Set(reads.map((r) => r.eventId)).size).toBe(80); // every event is there; duplicates carry the same id
  for (const [, revisions] of revisionsByStream(reads)) {
    // in order per stream, with the republished tail repeated after the first copy
    expect([...new Set(revisions)]).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i)));
    for (let i = 1; i < revisions.length; i++)
      if (revisions[i]! < revisions[i - 1]!)
        expect(revisions[i - 1]! - revisions[i]!).toBeLessThan(40n);
  }
});

it('lets one relay of a name publish at a time; a standby takes over when the leader goes', async () => {
  const prefix = `int.${run}.c.market`;
  await append(['artwork-lead'], 3);
  const leader = relay(prefix, 'ha');
  const standby = relay(prefix, 'ha');
  const runningLeader = leader.run();
  await waitFor('leader leads', async () => (leader.status().leading ? true : undefined));
  const runningStandby = standby.run();
  await sleep(400);
  expect(standby.status()).toMatchObject({ leading: false, published: 0 });

  await leader.stop();
  await runningLeader;
  await append(['artwork-lead'], 2);
  const target = await head();
  await waitFor('standby took over and caught up', async () =>
    standby.status().position === target ? true : undefined,
  );
  expect(standby.status()).toMatchObject({ leading: true, published: 2 });
  await standby.stop();
  await runningStandby;
});

it('stops, publishing nothing of the batch, at an event whose category has no route', async () => {
  const prefix = `int.${run}.d.market`;
  await append(['artwork-ok', 'ledger-unrouted'], 1);
  const r = relay(prefix, 'unrouted');
  await expect(r.run()).rejects.toMatchObject({
    code: 'RELAY.UNROUTED_CATEGORY',
    details: { category: 'ledger', streamName: 'ledger-unrouted' },
  });
  expect(r.status()).toMatchObject({ published: 0, position: undefined });
});
