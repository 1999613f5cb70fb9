// The settlement worker on the real stack (anvil, PostgreSQL, Kafka): TradeMatched published to
// market.* as the gateway's outbox writes it is settled on chain by one settleBatch from the
// worker's operator key; a pair whose seller revoked approval after matching is excluded by the
// simulation with its reason while the rest settle; and a worker SIGKILLed before submit, right
// after it recorded BatchSubmitted (before broadcasting), after the broadcast and after the
// receipt, then restarted, settles every trade exactly once: one transaction from the
// operator, one TradeSettled per pair.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer, type AddressInfo } from 'node:net';
import { parseEventLogs } from 'viem';
import { marketplaceAbi } from '@atelier/contracts-abi';
import { PostgresEventStore } from '@atelier/event-store';
import { EventSourcedRepository } from '@atelier/eventsourcing';
import { createPool } from '@atelier/persistence';
import { createHttpApp } from '@atelier/platform';
import {
  settlementAggregate,
  settlementId,
  type SettlementState,
} from '@atelier/settlement-domain';
import { repoRoot, waitFor } from '@atelier/testing';
import { loadSettlementConfig } from '../src/config';
import { settlementApp } from '../src/settlement.app';
import {
  approveMarketplaceOff,
  client,
  logger,
  makeBuyer,
  makeOperator,
  makeSeller,
  marketplace,
  matchedTrade,
  ownerOf,
  publishMarket,
  registry,
} from './settlement.support';

const id = randomBytes(4).toString('hex');
const pool = createPool(process.env['SETTLEMENT_DATABASE_URL']!, 'settlement-int');

/** A port nobody listens on now (the app and the child workers need one each). */
const freePort = () =>
  new Promise<string>((ok) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => ok(String(port)));
    });
  });

const ADMIN_TOKEN = `admin-${id}-${id}`;
const schemas: string[] = [];
const envFor = async (name: string, key: string) => ({
  EVENT_STORE_SCHEMA: ((s) => (schemas.push(s), s))(`es_settle_${name}_${id}`),
  SETTLEMENT_OPERATOR_KEY: key,
  SETTLEMENT_PORT: await freePort(),
  SETTLEMENT_BATCH_SIZE: '50',
  SETTLEMENT_BATCH_WINDOW_MS: '500',
  SETTLEMENT_CONFIRMATIONS: '1',
  SETTLEMENT_POLL_MS: '100',
  // No indexer relay follows the test chain here: the receipt confirms.
  SETTLEMENT_CONFIRM_FROM: 'receipt',
  SETTLEMENT_MARKET_TOPIC_PREFIX: `int.settle.${name}.${id}.market`,
  SETTLEMENT_TOPIC_PREFIX: `int.settle.${name}.${id}.settlement`,
  SETTLEMENT_GROUP: `int.settle.${name}.${id}`,
  SETTLEMENT_TOPIC_PARTITIONS: '1',
  SETTLEMENT_ADMIN_TOKEN: ADMIN_TOKEN,
  LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
});

async function stateOf(schema: string, operator: string): Promise<SettlementState> {
  const store = new PostgresEventStore({ pool, schema, listen: false });
  await store.migrate();
  const repo = new EventSourcedRepository(settlementAggregate, store);
  return (await repo.load(settlementId(operator))).state;
}

const confirmedTrades = (s: SettlementState) =>
  [...s.trades.values()].filter((t) => t.status !== 'batched').length;

afterAll(async () => {
  for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await pool.end();
});

describe('settlement worker (in process)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let operator: { address: `0x${string}`; key: `0x${string}` };
  let env: Awaited<ReturnType<typeof envFor>>;

  beforeAll(async () => {
    operator = await makeOperator('operator a');
    env = await envFor('a', operator.key);
    const config = loadSettlementConfig({ ...process.env, ...env });
    ({ app } = await createHttpApp(settlementApp, config, logger));
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    await waitFor(
      'the consumer',
      async () => {
        const h = (await (await fetch(`${base}/health`)).json()) as {
          details?: { settlement?: { states?: { consumer?: string } } };
        };
        return h.details?.settlement?.states?.consumer === 'running' ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
  });

  afterAll(async () => {
    await app?.close();
  });

  it('settles matched trades by settleBatch and excludes a pair whose maker revoked approval', async () => {
    const a = await makeSeller('seller a', 2);
    const b = await makeSeller('seller b', 1);
    const buyer = await makeBuyer('buyer a', 10n * 10_000_000n);
    const trades = [
      await matchedTrade(a.seller, buyer, a.tokens[0]!),
      await matchedTrade(b.seller, buyer, b.tokens[0]!),
      await matchedTrade(a.seller, buyer, a.tokens[1]!),
    ];
    // Seller b changes its mind after the match.
    await approveMarketplaceOff(b.seller);
    await publishMarket(`${env.SETTLEMENT_MARKET_TOPIC_PREFIX}.market`, trades);

    const s = await waitFor(
      'the batch confirmed',
      async () => {
        const st = await stateOf(env.EVENT_STORE_SCHEMA, operator.address);
        return confirmedTrades(st) === 3 ? st : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const [t1, t2, t3] = trades.map((t) => s.trades.get(t.data.tradeId)!);
    expect(t1!.status).toBe('settled');
    expect(t3!.status).toBe('settled');
    expect(t2!.status).toBe('excluded');
    const batch = s.batches.get(t1!.batchId)!;
    expect(batch.excluded).toEqual([
      {
        tradeId: trades[1]!.data.tradeId,
        reason: 'ItemNotApproved',
        collection: registry.toLowerCase(),
      },
    ]);
    expect(batch.status).toBe('confirmed');
    expect(await ownerOf(a.tokens[0]!)).toBe(buyer.address);
    expect(await ownerOf(a.tokens[1]!)).toBe(buyer.address);
    expect(await ownerOf(b.tokens[0]!)).toBe(b.seller.address);

    // One transaction, two TradeSettled, from our operator.
    const receipt = await client.getTransactionReceipt({ hash: batch.confirmed!.transactionHash });
    expect(receipt.from.toLowerCase()).toBe(operator.address.toLowerCase());
    const settled = parseEventLogs({
      abi: marketplaceAbi,
      logs: receipt.logs,
      eventName: 'TradeSettled',
    });
    expect(settled).toHaveLength(2);

    const health = (await (await fetch(`${base}/health`)).json()) as {
      details: { settlement: Record<string, unknown> };
    };
    expect(health.details.settlement).toMatchObject({ pendingTrades: 0, paused: false });
    expect(health.details.settlement['operatorBalanceEth']).toBeGreaterThan(0);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/atelier_settlement_gas_per_trade_count\{[^}]*\} 1\n/);
    expect(metrics).toMatch(/atelier_settlement_batch_size_sum\{[^}]*\} 2\n/);
  });

  it('pauses and resumes through the admin endpoint, with the token only', async () => {
    const post = (path: string, token?: string) =>
      fetch(`${base}/admin/${path}`, {
        method: 'POST',
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    const refused = await post('pause', 'wrong-token-wrong-token');
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('SETTLEMENT.ADMIN_UNAUTHORIZED');
    expect(await (await post('pause', ADMIN_TOKEN)).json()).toEqual({ paused: true });
    const paused = (await (await fetch(`${base}/health`)).json()) as {
      details: { settlement: { paused: boolean } };
    };
    expect(paused.details.settlement.paused).toBe(true);
    expect(await (await post('resume', ADMIN_TOKEN)).json()).toEqual({ paused: false });
  });
});

describe('settlement worker, SIGKILLed and restarted', () => {
  const children: ChildProcess[] = [];
  let stderr = '';
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  });

  const startWorker = (env: Record<string, string>): ChildProcess => {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', resolve(repoRoot, 'apps/settlement/src/main.ts')],
      { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    children.push(child);
    return child;
  };
  const exited = (c: ChildProcess) =>
    new Promise<NodeJS.Signals | number | null>((ok) => {
      if (c.exitCode !== null || c.signalCode !== null) ok(c.signalCode ?? c.exitCode);
      else c.once('exit', (code, signal) => ok(signal ?? code));
    });

  const FAULTS = [
    'kill-after-simulation-recorded',
    'kill-after-submission-recorded',
    'kill-after-broadcast',
    'kill-before-confirmation-recorded',
  ] as const;
  it.each([
    ['kill-after-simulation-recorded', 'before submit'],
    ['kill-after-submission-recorded', 'right after BatchSubmitted, before the broadcast'],
    ['kill-after-broadcast', 'after the broadcast'],
    ['kill-before-confirmation-recorded', 'after the receipt, before BatchConfirmed'],
  ] as const)('%s (%s): after a restart every trade settles exactly once', async (fault, _when) => {
    const operator = await makeOperator(`operator ${fault}`);
    // Short names: schema names end up in 63-character PostgreSQL identifiers.
    const env = await envFor(`k${FAULTS.indexOf(fault)}`, operator.key);
    const s = await makeSeller(`seller ${fault}`, 2);
    const buyer = await makeBuyer(`buyer ${fault}`, 10n * 10_000_000n);
    const trades = [
      await matchedTrade(s.seller, buyer, s.tokens[0]!),
      await matchedTrade(s.seller, buyer, s.tokens[1]!),
    ];
    const nonceBefore = await client.getTransactionCount({ address: operator.address });

    const first = startWorker({ ...env, SETTLEMENT_TEST_FAULT: fault });
    // The worker creates its topic on start; publish once it is there.
    await waitFor(
      'the market topic',
      async () => {
        try {
          await publishMarket(`${env.SETTLEMENT_MARKET_TOPIC_PREFIX}.market`, trades);
          return true;
        } catch (e) {
          logger.debug({ err: e, stderr }, 'publish failed; retrying');
          return undefined;
        }
      },
      { timeoutMs: 60_000 },
    );
    expect(await exited(first)).toBe('SIGKILL');

    const killed = await stateOf(env.EVENT_STORE_SCHEMA, operator.address);
    const statuses = [...killed.batches.values()].map((b) => b.status);
    const sentBefore = await client.getTransactionCount({ address: operator.address });
    if (fault === 'kill-after-simulation-recorded') {
      expect(statuses).toEqual(['simulated']);
      expect(sentBefore).toBe(nonceBefore);
    } else if (fault === 'kill-after-submission-recorded') {
      expect(statuses).toEqual(['submitted']);
      expect(sentBefore).toBe(nonceBefore); // recorded, never sent
    } else {
      expect(statuses).toEqual(['submitted']);
      expect(sentBefore).toBe(nonceBefore + 1); // sent and mined (anvil automines)
    }

    const second = startWorker(env);
    const done = await waitFor(
      'the batch confirmed after the restart',
      async () => {
        const st = await stateOf(env.EVENT_STORE_SCHEMA, operator.address);
        return confirmedTrades(st) === 2 ? st : undefined;
      },
      { timeoutMs: 60_000 },
    );
    second.kill('SIGTERM');
    await exited(second);

    const batches = [...done.batches.values()];
    expect(batches.map((b) => b.status)).toEqual(['confirmed']);
    const batch = batches[0]!;
    expect(batch.transactions).toHaveLength(1);
    expect(batch.confirmed!.transactionHash).toBe(batch.transactions[0]!.hash);
    if (fault !== 'kill-after-simulation-recorded')
      expect(batch.transactions[0]!.hash).toBe(
        [...killed.batches.values()][0]!.transactions[0]!.hash,
      );
    expect(await client.getTransactionCount({ address: operator.address })).toBe(nonceBefore + 1);
    const logs = await client.getContractEvents({
      address: marketplace,
      abi: marketplaceAbi,
      eventName: 'TradeSettled',
      fromBlock: batch.confirmed!.block - 5n,
    });
    for (const t of trades)
      expect(logs.filter((l) => l.args.askHash === t.data.ask.hash)).toHaveLength(1);
    for (const t of trades) expect(done.trades.get(t.data.tradeId)!.settledCount).toBe(1);
    expect(await ownerOf(s.tokens[0]!)).toBe(buyer.address);
    expect(await ownerOf(s.tokens[1]!)).toBe(buyer.address);
  });
});
