// Settlement and the market end to end, on the real stack: two trades matched by the market
// aggregate (SubmitOrder through its repository on the gateway's PostgreSQL store), relayed by
// the real gateway (child process: outbox relay -> market.<schema>.market) to the settlement
// worker; one seller revoked its approval after the match. The good trade settles on chain;
// the bad pair is excluded by simulation, published as BatchSimulated on settlement.*, and the
// gateway's settlement consumer releases it in the market with its reason (TradeReleased).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PostgresEventStore } from '@atelier/event-store';
import { EventSourcedRepository } from '@atelier/eventsourcing';
import { asAddress, asOrderHash } from '@atelier/kernel';
import {
  marketAggregate,
  marketId,
  type Observations,
  type SignedOrder,
} from '@atelier/market-domain';
import { createPool } from '@atelier/persistence';
import { createHttpApp } from '@atelier/platform';
import { settlementAggregate, settlementId } from '@atelier/settlement-domain';
import { repoRoot, waitFor } from '@atelier/testing';
import { createOrder } from '@atelier/chain-actions';
import { loadSettlementConfig } from '../src/config';
import { settlementApp } from '../src/settlement.app';
import {
  PRICE,
  approveMarketplaceOff,
  client,
  deployment,
  logger,
  makeBuyer,
  makeOperator,
  makeSeller,
  ownerOf,
  registry,
  usd,
} from './settlement.support';

const id = randomBytes(4).toString('hex');
const gatewaySchema = `es_settle_mkt_${id}`;
const settlementSchema = `es_settle_w_${id}`;
const settlementPrefix = `int.settle.m.${id}.settlement`;
const gatewayPool = createPool(process.env['GATEWAY_DATABASE_URL']!, 'settlement-market-int');
const settlementPool = createPool(process.env['SETTLEMENT_DATABASE_URL']!, 'settlement-market-int');

const freePort = () =>
  new Promise<string>((ok) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => ok(String(port)));
    });
  });

let gateway: ChildProcess | undefined;
let gatewayErr = '';
let app: NestFastifyApplication | undefined;

afterAll(async () => {
  await app?.close();
  if (gateway && gateway.exitCode === null) {
    gateway.kill('SIGTERM');
    await new Promise((ok) => gateway?.once('exit', ok));
  }
  for (const [pool, schema] of [
    [gatewayPool, gatewaySchema],
    [settlementPool, settlementSchema],
  ] as const) {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
  }
});

const toSigned = (o: Awaited<ReturnType<typeof createOrder>>): SignedOrder => ({
  hash: asOrderHash(o.hash),
  signature: o.signature,
  order: {
    ...o.order,
    maker: asAddress(o.order.maker),
    collection: asAddress(o.order.collection),
    currency: asAddress(o.order.currency),
  },
});

it('settles the good trade and releases the pair whose maker revoked approval in the market', async () => {
  const operator = await makeOperator('operator m');
  const gatewayPort = await freePort();
  gateway = spawn(
    process.execPath,
    ['-r', '@swc-node/register', resolve(repoRoot, 'apps/gateway/src/main.ts')],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        GATEWAY_PORT: gatewayPort,
        EVENT_STORE_SCHEMA: gatewaySchema,
        READ_MODEL_SCHEMA: `rm_settle_mkt_${id}`,
        ACCESS_SCHEMA: `ac_settle_mkt_${id}`,
        PIPELINE_CHAIN_TOPIC_PREFIX: `int.settle.m.${id}.chain`,
        PIPELINE_SETTLEMENT_TOPIC: `${settlementPrefix}.${settlementSchema}.settlement`,
        PIPELINE_TOPIC_PARTITIONS: '1',
        LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  gateway.stderr?.on('data', (d: Buffer) => {
    gatewayErr += d.toString();
  });

  const config = loadSettlementConfig({
    ...process.env,
    EVENT_STORE_SCHEMA: settlementSchema,
    SETTLEMENT_OPERATOR_KEY: operator.key,
    SETTLEMENT_PORT: await freePort(),
    SETTLEMENT_BATCH_WINDOW_MS: '500',
    SETTLEMENT_POLL_MS: '100',
    // No indexer relay follows the test chain here: the receipt confirms.
    SETTLEMENT_CONFIRM_FROM: 'receipt',
    SETTLEMENT_MARKET_TOPIC_PREFIX: `market.${gatewaySchema}`,
    SETTLEMENT_TOPIC_PREFIX: settlementPrefix,
    SETTLEMENT_GROUP: `int.settle.m.${id}`,
    SETTLEMENT_TOPIC_PARTITIONS: '1',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
  });
  ({ app } = await createHttpApp(settlementApp, config, logger));
  await app.listen({ port: 0, host: '127.0.0.1' });

  await waitFor(
    'the gateway pipeline ready',
    async () => {
      const r = await fetch(`http://127.0.0.1:${gatewayPort}/health/ready`).catch(() => null);
      return r?.status === 200 ? true : undefined;
    },
    { timeoutMs: 120_000 },
  ).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n${gatewayErr.slice(-3000)}`);
  });

  const gwStore = new PostgresEventStore({
    pool: gatewayPool,
    schema: gatewaySchema,
    listen: false,
  });
  await gwStore.migrate();
  const repo = new EventSourcedRepository(marketAggregate, gwStore, { retryJitterMs: 0 });

  // Two sellers with a work each, one buyer; the market matches both pairs.
  const a = await makeSeller('seller m1', 1);
  const b = await makeSeller('seller m2', 1);
  const buyer = await makeBuyer('buyer m', 10n * PRICE);
  const collection = asAddress(registry);
  const now = (await client.getBlock()).timestamp;
  const common = {
    domain: deployment.domain(),
    collection: registry,
    currency: usd,
    price: PRICE,
    now,
    lifetime: 3600n,
  };
  const fee = { recipient: null, bps: 0, block: 1n };
  const submit = async (o: SignedOrder, observed: Observations, royalty: boolean) => {
    const r = await repo.handleAll(
      marketId(collection),
      [
        {
          type: 'SubmitOrder',
          collection,
          order: o,
          royalty: royalty
            ? { kind: 'atelier', royaltyReceiver: o.order.maker, royaltyBps: 0, contributors: [] }
            : null,
          observed,
          now: BigInt(Math.floor(Date.now() / 1000)),
          at: new Date().toISOString(),
        },
      ],
      { correlationId: randomUUID(), actor: 'spec' },
    );
    if (!r.outcomes[0]?.ok) throw new Error(`refused: ${JSON.stringify(r.outcomes[0])}`);
    return r;
  };
  let n = 100n;
  for (const s of [a, b]) {
    const tokenId = s.tokens[0]!;
    const ask = toSigned(await createOrder(s.seller, { ...common, tokenId, kind: 0, nonce: n++ }));
    const bid = toSigned(await createOrder(buyer, { ...common, tokenId, kind: 1, nonce: n++ }));
    await submit(
      ask,
      { fee, tokens: [{ tokenId, owner: asAddress(s.seller.address), approved: true, block: 1n }] },
      true,
    );
    await submit(
      bid,
      {
        fee,
        funds: [
          {
            maker: asAddress(buyer.address),
            currency: asAddress(usd),
            balance: 10n * PRICE,
            block: 1n,
          },
        ],
      },
      false,
    );
  }
  const matched = (await gwStore.readStream(`market-${collection}`))
    .filter((e) => e.type === 'TradeMatched')
    .map((e) => e.data as { tradeId: string; seller: string });
  expect(matched).toHaveLength(2);
  const good = matched.find((t) => t.seller === a.seller.address.toLowerCase());
  const bad = matched.find((t) => t.seller === b.seller.address.toLowerCase());
  // After the match, seller b takes its approval back.
  await approveMarketplaceOff(b.seller);

  // The bad pair is released in the market with its reason, by the gateway.
  const released = await waitFor(
    'TradeReleased in the market',
    async () => {
      const e = (await gwStore.readStream(`market-${collection}`)).find(
        (x) => x.type === 'TradeReleased',
      );
      return e?.data as { tradeId: string; reason: string } | undefined;
    },
    { timeoutMs: 90_000 },
  );
  expect(released).toMatchObject({ tradeId: bad!.tradeId, reason: 'ItemNotApproved' });

  // The good one settled on chain, recorded in the settlement stream.
  const swStore = new PostgresEventStore({
    pool: settlementPool,
    schema: settlementSchema,
    listen: false,
  });
  const s = await waitFor(
    'the good trade settled',
    async () => {
      const st = (
        await new EventSourcedRepository(settlementAggregate, swStore).load(
          settlementId(operator.address),
        )
      ).state;
      return st.trades.get(good!.tradeId)?.status === 'settled' ? st : undefined;
    },
    { timeoutMs: 60_000 },
  );
  expect(s.trades.get(bad!.tradeId)?.status).toBe('excluded');
  expect(await ownerOf(a.tokens[0]!)).toBe(buyer.address);
  expect(await ownerOf(b.tokens[0]!)).toBe(b.seller.address);
});
