// The whole path under crashes: events appended to the log → outbox relay → Kafka market.*
// topics → projector → read model in PostgreSQL. The relay and the projector run as child
// processes and are killed with SIGKILL several times while thousands of events flow, then
// restarted. Afterwards every event must have been projected exactly once, in stream order,
// and both must still stop cleanly on SIGTERM.
//
// The log is the real PostgreSQL event store (@atelier/event-store), written by four
// concurrent writers, so the relay also relies on its "no skipped event" read guarantee.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import type { Kafka } from 'kafkajs';
import { NO_STREAM, type ExpectedRevision } from '@atelier/eventsourcing';
import pino from 'pino';
import { createKafka } from '@atelier/kafka';
import { repoRoot, waitFor } from '@atelier/testing';
import { countEvents, openTestStore, testEvent, type TestStore } from './testing/store';

const logger = pino({ name: 'exactly-once-int', level: process.env['TEST_LOG_LEVEL'] ?? 'fatal' });
const run = randomUUID().slice(0, 8);
const schema = `eo_${run}`;
const storeSchema = `eo_${run}_es`;
const prefix = `int.${run}.market`;
const partitions = 3;
const topics = [`${prefix}.artwork`, `${prefix}.orderbook`];
const groupId = `int-${run}-projector`;
const databaseUrl = process.env['GATEWAY_DATABASE_URL']!;
const logDir = join(repoRoot, '.data', 'test-results', `exactly-once-${run}`);
const workers = resolve(__dirname, 'testing/workers.ts');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const STREAMS = [
  ...Array.from({ length: 20 }, (_, i) => `artwork-${i}`),
  ...Array.from({ length: 20 }, (_, i) => `orderbook-0x${i.toString(16)}`),
];
const TOTAL = 4000;

let pool: Pool;
let kafka: Kafka;
let es: TestStore;
const children = new Set<ChildProcess>();
let starts = 0;

function startWorker(role: 'relay' | 'projector'): ChildProcess {
  const out = openSync(join(logDir, `${role}-${++starts}.log`), 'a');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', workers, role], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PG_SCHEMA: schema,
      EVENT_STORE_SCHEMA: storeSchema,
      RELAY_CHECKPOINT_DELAY_MS: '100',
      TOPIC_PREFIX: prefix,
      TOPICS: topics.join(','),
      GROUP_ID: groupId,
      PARTITIONS: String(partitions),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

async function kill9(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await exited(child);
}

async function projected(): Promise<number> {
  const { rows } = await pool
    .query<{ n: string | null }>(`SELECT sum(events)::text AS n FROM "${schema}".stream_counters`)
    .catch(() => ({ rows: [{ n: '0' }] }));
  return Number(rows[0]?.n ?? 0);
}

async function relayed(): Promise<number> {
  const { rows } = await pool
    .query<{ p: string }>(
      `SELECT position::text AS p FROM "${schema}".outbox_relay_checkpoints WHERE relay = 'market'`,
    )
    .catch(() => ({ rows: [] as Array<{ p: string }> }));
  return Number(rows[0]?.p ?? 0);
}

async function topicMessages(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let n = 0;
    for (const t of topics)
      for (const p of await admin.fetchTopicOffsets(t)) n += Number(p.high) - Number(p.low);
    return n;
  } finally {
    await admin.disconnect();
  }
}

/** What a failed run needs to be understood: every checkpoint next to Kafka's offsets. */
async function diagnostics(): Promise<string> {
  const q = async (sql: string) =>
    (await pool.query(sql).catch((e: Error) => ({ rows: [e.message] }))).rows;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await Promise.all(
      topics.map(async (t) => ({ t, o: await admin.fetchTopicOffsets(t) })),
    );
    const group = await admin.fetchOffsets({ groupId, topics });
    return JSON.stringify(
      {
        written: await countEvents(pool, storeSchema),
        relayed: await relayed(),
        projected: await projected(),
        checkpoints: await q(
          `SELECT * FROM "${schema}".projection_checkpoints ORDER BY source, partition`,
        ),
        topicOffsets: offsets.map(({ t, o }) => ({
          t,
          o: o.map((p) => `${p.partition}:${p.low}-${p.high}`),
        })),
        groupOffsets: group.map((g) => ({
          t: g.topic,
          o: g.partitions.map((p) => `${p.partition}:${p.offset}`),
        })),
        logs: logDir,
      },
      null,
      1,
    );
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  mkdirSync(logDir, { recursive: true });
  pool = new Pool({ connectionString: databaseUrl, max: 3 });
  await pool.query(`CREATE SCHEMA "${schema}"`);
  es = openTestStore(databaseUrl, storeSchema, 4);
  await es.store.migrate();
  kafka = createKafka({
    clientId: `eo-${run}`,
    brokers: process.env['KAFKA_BROKERS']!.split(','),
    logger,
  });
});

afterAll(async () => {
  await Promise.all([...children].map(kill9));
  if (process.env['KEEP_TEST_STATE'] === '1')
    return void console.log(`kept schema ${schema} and topics ${topics.join(', ')}`);
  await es.close();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.query(`DROP SCHEMA IF EXISTS "${storeSchema}" CASCADE`);
  await pool.end();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [...topics, `${groupId}.dlq`] }).catch(() => undefined);
  await admin.disconnect();
});

it('projects every event exactly once, in stream order, through repeated SIGKILLs of relay and projector', async () => {
  let relay = startWorker('relay');
  let projector = startWorker('projector');

  // Four concurrent writers, each owning a quarter of the streams, appending two events at a
  // time with optimistic concurrency, paced to last about as long as the chaos (~20 s: each
  // projector restart waits out the killed member's session).
  const WRITERS = 4;
  const writers = Array.from({ length: WRITERS }, async (_, w) => {
    const mine = STREAMS.filter((_, i) => i % WRITERS === w);
    const revision = new Map<string, ExpectedRevision>(mine.map((s) => [s, NO_STREAM]));
    for (let n = 0; n < TOTAL / WRITERS / 2; n++) {
      const stream = mine[n % mine.length]!;
      const result = await es.store.append(
        stream,
        [testEvent({ n: 2 * n }), testEvent({ n: 2 * n + 1 })],
        { expectedRevision: revision.get(stream)! },
      );
      revision.set(stream, result.nextExpectedRevision);
      await sleep(35);
    }
  });
  const writer = Promise.all(writers);

  // The chaos: kill each worker three times, each time only after it made progress since its start.
  const kills = { relay: 0, projector: 0 };
  for (let round = 0; round < 3; round++) {
    const relayedBefore = await relayed();
    await waitFor(
      'relay progress',
      async () => ((await relayed()) > relayedBefore + 150 ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    await kill9(relay);
    kills.relay++;
    relay = startWorker('relay');

    const projectedBefore = await projected();
    await waitFor(
      'projector progress',
      async () => ((await projected()) > projectedBefore + 150 ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    await kill9(projector);
    kills.projector++;
    projector = startWorker('projector');
  }
  await writer;

  await waitFor(
    `all ${TOTAL} events projected`,
    async () => ((await projected()) >= TOTAL ? true : undefined),
    { timeoutMs: 60_000, intervalMs: 250 },
  ).catch(async (e: unknown) => {
    throw new Error(`${(e as Error).message}\n${await diagnostics()}`);
  });
  await sleep(1000); // a late duplicate would show up now

  // Exactly once, in order: per stream, one count per appended event and no out-of-order arrival.
  const { rows } = await pool.query<{
    stream_name: string;
    events: number;
    last_revision: string;
    out_of_order: number;
  }>(
    `SELECT stream_name, events, last_revision::text, out_of_order FROM "${schema}".stream_counters ORDER BY stream_name`,
  );
  const perStream = TOTAL / STREAMS.length;
  expect(rows).toHaveLength(STREAMS.length);
  for (const r of rows)
    expect(r).toEqual({
      stream_name: r.stream_name,
      events: perStream,
      last_revision: String(perStream - 1),
      out_of_order: 0,
    });
  const { rows: positions } = await pool.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM "${schema}".projection_stream_positions WHERE projection = 'stream-counter' AND revision = $1`,
    [perStream - 1],
  );
  expect(Number(positions[0]!.n)).toBe(STREAMS.length);
  expect(kills).toEqual({ relay: 3, projector: 3 });

  // At least once on the wire (a relay killed between ack and checkpoint republishes), once in the read model.
  const onTheWire = await topicMessages();
  expect(onTheWire).toBeGreaterThanOrEqual(TOTAL);
  console.log(
    `exactly-once: ${TOTAL} events, ${onTheWire} messages on Kafka (${onTheWire - TOTAL} republished by killed relays), projected ${await projected()}`,
  );

  // Both still stop cleanly: SIGTERM finishes the in-flight work and exits 0.
  relay.kill('SIGTERM');
  projector.kill('SIGTERM');
  const [r, p] = await Promise.all([exited(relay), exited(projector)]);
  expect(r).toEqual({ code: 0, signal: null });
  expect(p).toEqual({ code: 0, signal: null });
  rmSync(logDir, { recursive: true, force: true }); // the workers' logs are kept only when the test fails
}, 120_000);
