// The pipeline inside the real gateway (real PostgreSQL, Kafka and anvil): events appended to
// the event store reach the orders read model through the outbox relay and Kafka, and a rebuild
// from the store equals what arrived live; a chain fact on chain.* (a Withdrawn, then a
// Deposited, published as the chain relay would with chainFactCodec, after the real transaction
// on anvil) moves a bid from fillable to no-balance and back, through the fillability tracker
// re-reading the real Marketplace ledger; /health/ready names the pipeline.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  http,
  parseEther,
  type Address as ViemAddress,
  type Hex,
} from 'viem';
import { mnemonicToAccount, type HDAccount } from 'viem/accounts';
import { marketplaceAbi, testStablecoinAbi } from '@atelier/contracts-abi';
import {
  chainFact,
  chainFactCodec,
  chainTopic,
  type ChainFactEnvelope,
} from '@atelier/chain-messages';
import { EVENT_STORE } from '@atelier/cqrs';
import { EventSourcedRepository, type EventStore } from '@atelier/eventsourcing';
import { createKafka, EnvelopeProducer } from '@atelier/kafka';
import { asAddress, asOrderHash, type Address } from '@atelier/kernel';
import {
  marketAggregate,
  marketId,
  OrderKind,
  type Observations,
  type SignedOrder,
} from '@atelier/market-domain';
import { ordersProjection, type OrdersReader } from '@atelier/market-projections';
import { createHttpApp } from '@atelier/platform';
import { createProjectionDataSource, ProjectionStore, replayFromStore } from '@atelier/projections';
import { waitFor } from '@atelier/testing';
import { gatewayApp } from '../gateway.app';
import { ORDERS_READ_MODEL, ORDERS_READER } from '../market/market.tokens';

const MNEMONIC = 'test test test test test test test test test test test junk';
const id = randomBytes(4).toString('hex');
const schemas = {
  eventStore: `es_pipe_${id}`,
  readModel: `rm_pipe_${id}`,
  access: `ac_pipe_${id}`,
};
const chainPrefix = `int.pipe.${id}.chain`;
const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
const deployments = JSON.parse(readFileSync(process.env['ATELIER_DEPLOYMENTS']!, 'utf8')) as {
  chainId: number;
  contracts: Record<string, { address: ViemAddress }>;
};
const usd = asAddress(deployments.contracts['TestStablecoin']!.address);
const marketplace = asAddress(deployments.contracts['Marketplace']!.address);
// A collection of our own: the market needs no contract to take bids.
const collection = asAddress(`0x${randomBytes(20).toString('hex')}`);

let app: NestFastifyApplication;
let base: string;
let store: EventStore;
let reader: OrdersReader;
let readModel: DataSource;
let markets: ReturnType<typeof repo>;
let producer: EnvelopeProducer<ChainFactEnvelope>;
const extra: DataSource[] = [];

const repo = (s: EventStore) =>
  new EventSourcedRepository(marketAggregate, s, { retryJitterMs: 0 });

// ---- the chain, as an outside client ----------------------------------------------------------
const chain = defineChain({
  id: deployments.chainId,
  name: 'anvil (test)',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [process.env['RPC_URL']!] } },
});
const client = createPublicClient({ chain, transport: http(process.env['RPC_URL']!) });
const testClient = createTestClient({
  chain,
  transport: http(process.env['RPC_URL']!),
  mode: 'anvil',
});

async function send(
  from: HDAccount,
  calls: readonly {
    address: ViemAddress;
    abi: readonly unknown[];
    functionName: string;
    args: readonly unknown[];
  }[],
) {
  const wallet = createWalletClient({
    account: from,
    chain,
    transport: http(process.env['RPC_URL']!),
  });
  const receipts = [];
  for (const call of calls) {
    const hash = await wallet.writeContract({
      ...(call as Parameters<typeof wallet.writeContract>[0]),
      gas: 1_000_000n,
    });
    const r = await client.waitForTransactionReceipt({ hash });
    if (r.status !== 'success') throw new Error(`reverted: ${hash}`);
    receipts.push(r);
  }
  return receipts.at(-1)!;
}

/** The fact the chain relay would publish for the receipt's Marketplace log. */
async function publishFact(
  event: 'Deposited' | 'Withdrawn',
  receipt: {
    blockNumber: bigint;
    blockHash: Hex;
    transactionHash: Hex;
    transactionIndex: number;
    logs: readonly { logIndex: number }[];
  },
  args: Record<string, string>,
) {
  const block = await client.getBlock({ blockNumber: receipt.blockNumber });
  const fact = chainFact({
    chainId: deployments.chainId,
    contract: 'Marketplace',
    address: marketplace,
    event,
    blockNumber: Number(receipt.blockNumber),
    blockHash: receipt.blockHash,
    blockTimestamp: Number(block.timestamp),
    transactionHash: receipt.transactionHash,
    transactionIndex: receipt.transactionIndex,
    logIndex: receipt.logs.at(-1)!.logIndex,
    args,
  });
  await producer.publish([{ topic: chainTopic('Marketplace', chainPrefix), envelope: fact }]);
}

// ---- orders, as the intake would decide them ----------------------------------------------------
let n = 0;
const bidOf = (maker: Address, price: bigint, tokenId = 1n): SignedOrder => ({
  hash: asOrderHash(`0x${randomBytes(32).toString('hex')}`),
  signature: `0x${'11'.repeat(65)}`,
  order: {
    maker,
    kind: OrderKind.TokenBid,
    collection,
    tokenId,
    currency: usd,
    price,
    start: 0n,
    expiry: BigInt(Math.floor(Date.now() / 1000)) + 3600n,
    counter: 0n,
    nonce: BigInt(++n),
  },
});

async function submit(o: SignedOrder, observed: Observations) {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const r = await markets.handleAll(
    marketId(collection),
    [
      {
        type: 'SubmitOrder',
        collection,
        order: o,
        royalty: null,
        observed: { fee: { recipient: null, bps: 0, block: 1n }, ...observed },
        now,
        at: new Date().toISOString(),
      },
    ],
    { correlationId: randomUUID(), actor: 'spec' },
  );
  if (!r.outcomes[0]?.ok) throw new Error(`refused: ${JSON.stringify(r.outcomes[0])}`);
  return r.position!;
}

/** Polls until `probe` is true. */
const until = (what: string, probe: () => Promise<boolean>, timeoutMs = 90_000) =>
  waitFor(what, async () => ((await probe()) ? true : undefined), { timeoutMs });

async function rows(ds: DataSource, schema: string) {
  const q = async (table: string, order: string) =>
    JSON.parse(
      JSON.stringify(await ds.query(`SELECT * FROM "${schema}".${table} ORDER BY ${order}`)),
    );
  return {
    orders: await q('market_orders', 'hash'),
    trades: await q('market_trades', 'trade_id'),
    streams: await q('market_streams', 'stream_name'),
  };
}

beforeAll(async () => {
  const config = {
    ...gatewayApp.loadConfig(),
    LOG_LEVEL: 'silent' as const,
    EVENT_STORE_SCHEMA: schemas.eventStore,
    READ_MODEL_SCHEMA: schemas.readModel,
    ACCESS_SCHEMA: schemas.access,
    PIPELINE_CHAIN_TOPIC_PREFIX: chainPrefix,
    PIPELINE_TOPIC_PARTITIONS: 2,
  };
  ({ app } = await createHttpApp(gatewayApp, config));
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
  store = app.get<EventStore>(EVENT_STORE);
  reader = app.get<OrdersReader>(ORDERS_READER);
  readModel = app.get<DataSource>(ORDERS_READ_MODEL);
  markets = repo(store);
  const kafka = createKafka({
    clientId: `pipeline-int-${id}`,
    brokers: config.KAFKA_BROKERS,
    logger,
  });
  producer = new EnvelopeProducer(kafka, chainFactCodec, logger);
  await producer.connect();
}, 60_000);

afterAll(async () => {
  await producer?.disconnect();
  await app?.close();
  for (const ds of extra) await ds.destroy();
  const { Pool } = await import('pg');
  const pool = new Pool({ connectionString: process.env['GATEWAY_DATABASE_URL'], max: 1 });
  for (const s of Object.values(schemas)) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await pool.end();
});

describe('gateway pipeline', () => {
  it('is ready once the relay, the projector and the tracker run', async () => {
    await until('the pipeline up in /health/ready', async () => {
      const r = await fetch(`${base}/health/ready`);
      const body = (await r.json()) as { details?: Record<string, { status: string }> };
      return r.status === 200 && body.details?.['pipeline']?.status === 'up';
    });
  }, 120_000);

  it('events appended to the store reach the read model through the outbox and Kafka; a rebuild equals them', async () => {
    const buyer = asAddress(`0x${randomBytes(20).toString('hex')}`);
    const bids = [bidOf(buyer, 100n), bidOf(buyer, 5_000n, 2n)];
    let position = 0n;
    for (const b of bids)
      position = await submit(b, {
        funds: [{ maker: buyer, currency: usd, balance: 1_000n, block: 1n }],
      });
    await until('the read model at the last append', () =>
      reader.positionReached(position, [collection]),
    );
    expect((await reader.get(bids[0]!.hash))?.status).toBe('fillable');
    expect((await reader.get(bids[1]!.hash))?.status).toBe('no-balance');
    expect((await reader.list({ maker: buyer })).items.map((o) => o.hash)).toEqual(
      [...bids].reverse().map((b) => b.hash),
    );

    // The same projection replayed from the store's position 0 into a schema of its own.
    const schema = `${schemas.readModel}_rebuilt`;
    const projection = ordersProjection();
    const ds = await createProjectionDataSource({
      url: process.env['GATEWAY_DATABASE_URL']!,
      schema,
      projections: [projection],
    });
    extra.push(ds);
    const rebuilt = new ProjectionStore(ds, schema);
    await rebuilt.ensureSchema();
    await replayFromStore(rebuilt, projection, store);
    expect(await rows(ds, schema)).toEqual(await rows(readModel, schemas.readModel));
    await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }, 150_000);

  it('a Withdrawn fact moves a funded bid to no-balance, a Deposited fact back to fillable', async () => {
    const account = mnemonicToAccount(MNEMONIC, {
      addressIndex: 2_000 + randomBytes(3).readUIntBE(0, 3),
    });
    await testClient.setBalance({ address: account.address, value: parseEther('10') });
    const buyer = asAddress(account.address);
    const amount = 1_000n;
    await send(account, [
      {
        address: usd as ViemAddress,
        abi: testStablecoinAbi,
        functionName: 'mint',
        args: [account.address, amount * 2n],
      },
      {
        address: usd as ViemAddress,
        abi: testStablecoinAbi,
        functionName: 'approve',
        args: [marketplace, amount * 2n],
      },
      {
        address: marketplace as ViemAddress,
        abi: marketplaceAbi,
        functionName: 'deposit',
        args: [usd, amount],
      },
    ]);
    const bid = bidOf(buyer, 600n, 3n);
    const position = await submit(bid, {
      funds: [{ maker: buyer, currency: usd, balance: amount, block: 1n }],
    });
    await until('the read model at the last append', () =>
      reader.positionReached(position, [collection]),
    );
    expect((await reader.get(bid.hash))?.status).toBe('fillable');

    const withdrawn = await send(account, [
      {
        address: marketplace as ViemAddress,
        abi: marketplaceAbi,
        functionName: 'withdraw',
        args: [usd, amount, account.address],
      },
    ]);
    await publishFact('Withdrawn', withdrawn, {
      account: buyer,
      currency: usd,
      to: buyer,
      amount: amount.toString(),
    });
    await until(
      'the bid no-balance',
      async () => (await reader.get(bid.hash))?.status === 'no-balance',
    );

    const deposited = await send(account, [
      {
        address: marketplace as ViemAddress,
        abi: marketplaceAbi,
        functionName: 'deposit',
        args: [usd, amount],
      },
    ]);
    await publishFact('Deposited', deposited, {
      account: buyer,
      currency: usd,
      amount: amount.toString(),
    });
    await until(
      'the bid fillable again',
      async () => (await reader.get(bid.hash))?.status === 'fillable',
    );
    // In the market stream: fillable -> no-balance -> fillable, each with the balance read.
    const events = await store.readStream(`market-${marketId(collection)}`);
    const changes = events
      .filter(
        (e) => e.type === 'OrderStatusChanged' && (e.data as { hash: string }).hash === bid.hash,
      )
      .map((e) => (e.data as { status: string }).status);
    expect(changes).toEqual(['no-balance', 'fillable']);
    const balances = events
      .filter((e) => e.type === 'FundsObserved' && (e.data as { maker: string }).maker === buyer)
      .map((e) => (e.data as { balance: string }).balance);
    expect(balances).toEqual(['1000', '0', '1000']);
  }, 240_000);
});
