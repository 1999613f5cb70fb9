// One projection of chain.* facts through the same runner as the market's projections (real
// PostgreSQL and Kafka): the chain codec decodes, a redelivered fact or retraction and a fact
// republished after its retraction change nothing (dedupe by message id, checkpoint in the
// same transaction as the rows), and bytes that are no chain fact are dead-lettered with the
// chain codec's own reason while the partition goes on.
import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { Pool } from 'pg';
import pino from 'pino';
import { EntitySchema, type DataSource } from 'typeorm';
import {
  chainFact,
  retractionOf,
  toJsonArgs,
  type ChainFactEnvelope,
} from '@atelier/chain-messages';
import {
  createKafka,
  DEAD_LETTER_HEADERS,
  EnvelopeProducer,
  ensureTopics,
  type OutgoingEnvelope,
} from '@atelier/kafka';
import { waitFor } from '@atelier/testing';
import {
  chainFacts,
  createProjectionDataSource,
  KafkaProjector,
  ProjectionStore,
  type Projection,
} from './index';

const logger = pino({
  name: 'chain-projection-int',
  level: process.env['TEST_LOG_LEVEL'] ?? 'fatal',
});
const run = randomUUID().slice(0, 8);
const schema = `chainproj_${run}`;
const databaseUrl = process.env['GATEWAY_DATABASE_URL']!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface TokenHolder {
  tokenKey: string;
  holder: string;
  transfers: number;
}

const TokenHolderEntity = new EntitySchema<TokenHolder>({
  name: 'TokenHolder',
  tableName: 'token_holders',
  columns: {
    tokenKey: { name: 'token_key', type: 'text', primary: true },
    holder: { type: 'text' },
    transfers: { type: 'integer' },
  },
});

/**
 * Who holds each token, and how many believed transfers it went through: the count is not
 * idempotent on purpose, so a fact applied twice (or resurrected after its retraction) shows.
 */
const tokenHolders: Projection<ChainFactEnvelope> = {
  name: 'token-holders',
  format: chainFacts,
  entities: [TokenHolderEntity],
  async apply(fact, tx) {
    const table = tx.connection.getMetadata(TokenHolderEntity).tablePath;
    const key = `${fact.address}:${String(fact.args['tokenId'])}`;
    const to = String(fact.args['to']);
    const from = String(fact.args['from']);
    if (fact.kind === 'fact') {
      await tx.query(
        `INSERT INTO ${table} AS t (token_key, holder, transfers) VALUES ($1, $2, 1)
         ON CONFLICT (token_key) DO UPDATE SET holder = EXCLUDED.holder, transfers = t.transfers + 1`,
        [key, to],
      );
    } else {
      await tx.query(
        `UPDATE ${table} SET holder = $2, transfers = transfers - 1 WHERE token_key = $1`,
        [key, from],
      );
    }
  },
};

const registry = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
const alice = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const bob = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc';
const zero = `0x${'0'.repeat(40)}`;
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const transfer = (block: number, from: string, to: string, tokenId: bigint) =>
  chainFact({
    chainId: 31337,
    contract: 'ArtworkRegistry',
    address: registry,
    event: 'Transfer',
    blockNumber: block,
    blockHash: hash(1000 + block),
    blockTimestamp: 1_700_000_000 + block,
    transactionHash: hash(block),
    transactionIndex: 0,
    logIndex: 0,
    args: toJsonArgs({ from, to, tokenId }),
  });

let pool: Pool;
let kafka: Kafka;
let ds: DataSource;
let producer: EnvelopeProducer<ChainFactEnvelope>;
let projector: KafkaProjector<ChainFactEnvelope>;
const topic = `int.${run}.chain.artwork-registry`;

beforeAll(async () => {
  pool = new Pool({ connectionString: databaseUrl, max: 2 });
  kafka = createKafka({
    clientId: `chain-projection-int-${run}`,
    brokers: process.env['KAFKA_BROKERS']!.split(','),
    logger,
  });
  await ensureTopics(kafka, [{ topic, partitions: 2, replicationFactor: 1 }]);
  producer = new EnvelopeProducer(kafka, chainFacts.codec, logger);
  await producer.connect();
  ds = await createProjectionDataSource({ url: databaseUrl, schema, projections: [tokenHolders] });
});

afterAll(async () => {
  await projector?.stop();
  await ds?.destroy();
  await producer.disconnect();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
  const admin = kafka.admin();
  await admin.connect();
  await admin
    .deleteTopics({ topics: [topic, projector?.deadLetterTopic].filter(Boolean) as string[] })
    .catch(() => undefined);
  await admin.disconnect();
});

it('projects chain facts exactly once through the market runner: redeliveries, a reorg and a poison message', async () => {
  const mint = transfer(1, zero, alice, 7n);
  const dropped = transfer(2, alice, bob, 7n); // its block leaves the canonical chain
  const otherMint = transfer(3, zero, bob, 8n);
  const send = (facts: readonly ChainFactEnvelope[]) =>
    producer.publish(
      facts.map((envelope): OutgoingEnvelope<ChainFactEnvelope> => ({ topic, envelope })),
    );

  await send([mint, dropped, otherMint]);
  await send([dropped]); // redelivered (a relay that crashed between ack and checkpoint)
  await send([retractionOf(dropped)]);
  await send([dropped, retractionOf(dropped)]); // republished after its retraction
  await producer.sendRaw([
    { topic, messages: [{ key: `${registry}:7`, value: 'not a chain fact' }] },
  ]);
  const afterPoison = transfer(4, alice, alice, 7n);
  await send([afterPoison]);

  projector = new KafkaProjector(
    kafka,
    new ProjectionStore(ds, schema),
    tokenHolders,
    {
      topics: [topic],
      groupId: `int-${run}-token-holders`,
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      maxAttempts: 2,
      retryBackoffMs: 10,
    },
    logger,
  );
  await projector.start();
  await waitFor('every message handled', async () =>
    projector.stats.applied + projector.stats.duplicates >= 8 ? true : undefined,
  );
  await sleep(300);

  // mint, dropped, otherMint, the retraction and afterPoison applied; the three copies skipped.
  expect(projector.stats).toMatchObject({ applied: 5, duplicates: 3, deadLettered: 0, gaps: 0 });
  const { rows } = await pool.query<TokenHolder & { token_key: string }>(
    `SELECT token_key, holder, transfers FROM "${schema}".token_holders ORDER BY token_key`,
  );
  expect(rows).toEqual([
    { token_key: `${registry}:7`, holder: alice, transfers: 2 }, // mint and afterPoison
    { token_key: `${registry}:8`, holder: bob, transfers: 1 },
  ]);

  // The poison message is in the group's dead-letter topic with the chain codec's reason.
  const dead: IHeaders[] = [];
  const reader = kafka.consumer({ groupId: `int-${run}-chain-dlq`, maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topics: [projector.deadLetterTopic], fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void dead.push(message.headers ?? {}) });
  await waitFor('the dead letter', async () => (dead.length >= 1 ? true : undefined));
  await reader.disconnect();
  expect(dead[0]![DEAD_LETTER_HEADERS.errorCode]?.toString()).toBe('CHAIN_FACT.NOT_JSON');
  expect(dead[0]![DEAD_LETTER_HEADERS.originalTopic]?.toString()).toBe(topic);
});
