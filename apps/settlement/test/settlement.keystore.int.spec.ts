// The operator key from an encrypted keystore, on the real stack, with every log line captured at
// debug level (kafkajs included): a worker opening the keystore with its password from a file
// settles a trade from the keystore's address; a worker process given the password in env comes
// up as that operator; a wrong password stops the process with SETTLEMENT.KEYSTORE_BAD_PASSWORD.
// In none of them does the password or the private key appear in anything the process wrote.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPool } from '@atelier/persistence';
import { repoRoot, waitFor } from '@atelier/testing';
import { encryptKeystore } from '../src/worker/keystore';
import {
  client,
  makeBuyer,
  makeOperator,
  makeSeller,
  matchedTrade,
  ownerOf,
  publishMarket,
} from './settlement.support';
import { freePort } from './support/private-anvil';
import { startWorker, type WorkerHarness } from './support/worker-harness';

const pool = createPool(process.env['SETTLEMENT_DATABASE_URL']!, 'settlement-keystore-int');
const dir = mkdtempSync(join(tmpdir(), 'atelier-keystore-int-'));
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-keystore-secret`;
let worker: WorkerHarness | undefined;
const schemas: string[] = [];

afterAll(async () => {
  await worker?.close();
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
});

/** The secrets in every form a log could carry them. */
const leaks = (text: string, key: string): string[] =>
  [PASSWORD, key.slice(2), key.slice(2).toUpperCase(), JSON.stringify(PASSWORD)].filter((s) =>
    text.includes(s),
  );

describe('operator key from an encrypted keystore', () => {
  let operator: { address: `0x${string}`; key: `0x${string}` };
  const keystore = join(dir, 'operator.json');
  const passwordFile = join(dir, 'password.txt');

  beforeAll(async () => {
    operator = await makeOperator('keystore operator');
    writeFileSync(
      keystore,
      JSON.stringify(encryptKeystore(operator.key, PASSWORD, { n: 2 ** 14 })),
    );
    writeFileSync(passwordFile, `${PASSWORD}\n`);
  });

  it('settles from the keystore address (password from a file); no secret in the logs', async () => {
    worker = await startWorker(pool, 'ks', {
      SETTLEMENT_OPERATOR_KEYSTORE: keystore,
      SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD_FILE: passwordFile,
      LOG_LEVEL: 'debug',
    });
    const s = await makeSeller('keystore seller', 1);
    const buyer = await makeBuyer('keystore buyer', 2n * 10_000_000n);
    const trade = await matchedTrade(s.seller, buyer, s.tokens[0]!);
    await publishMarket(worker.marketTopic, [trade]);
    const st = await waitFor(
      'the trade settled',
      async () => {
        const state = await worker!.state(operator.address);
        return state.trades.get(trade.data.tradeId)?.status === 'settled' ? state : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const batch = st.batches.get(st.trades.get(trade.data.tradeId)!.batchId)!;
    const receipt = await client.getTransactionReceipt({ hash: batch.confirmed!.transactionHash });
    expect(receipt.from.toLowerCase()).toBe(operator.address.toLowerCase());
    expect(await ownerOf(s.tokens[0]!)).toBe(buyer.address);
    const health = (await (await fetch(`${worker.base}/health`)).json()) as {
      details: { settlement: { operator: string } };
    };
    expect(health.details.settlement.operator).toBe(operator.address);

    const text = worker.logs.join('\n');
    expect(worker.logs.length).toBeGreaterThan(20); // debug lines were really captured
    expect(text).toContain('batch submitted');
    expect(leaks(text, operator.key)).toEqual([]);
  });

  const runMain = async (env: Record<string, string>, untilHealthy: boolean) => {
    const port = String(await freePort());
    const name = `ksp${Math.random().toString(36).slice(2, 8)}`;
    schemas.push(`es_settle_${name}`);
    const base: NodeJS.ProcessEnv = { ...process.env };
    delete base['SETTLEMENT_OPERATOR_KEY'];
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', resolve(repoRoot, 'apps/settlement/src/main.ts')],
      {
        cwd: repoRoot,
        env: {
          ...base,
          EVENT_STORE_SCHEMA: `es_settle_${name}`,
          SETTLEMENT_MARKET_TOPIC_PREFIX: `int.settle.${name}.market`,
          SETTLEMENT_TOPIC_PREFIX: `int.settle.${name}.settlement`,
          SETTLEMENT_GROUP: `int.settle.${name}`,
          SETTLEMENT_TOPIC_PARTITIONS: '1',
          SETTLEMENT_PORT: port,
          SETTLEMENT_CONFIRM_FROM: 'receipt',
          LOG_LEVEL: 'debug',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | string | null>((ok) =>
      child.once('exit', (code, signal) => ok(signal ?? code)),
    );
    let health: { details: { settlement: Record<string, unknown> } } | undefined;
    if (untilHealthy) {
      health = await waitFor(
        'the worker process',
        async () => {
          const r = await fetch(`http://127.0.0.1:${port}/health`);
          return r.ok ? ((await r.json()) as typeof health) : undefined;
        },
        { timeoutMs: 60_000 },
      );
      child.kill('SIGTERM');
    }
    const code = await exited;
    return { code, out, health };
  };

  it('a worker process with the password in env starts as that operator; nothing leaks', async () => {
    const r = await runMain(
      { SETTLEMENT_OPERATOR_KEYSTORE: keystore, SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD: PASSWORD },
      true,
    );
    expect(r.health?.details.settlement['operator']).toBe(operator.address);
    expect(r.out).toContain('settlement listening');
    expect(leaks(r.out, operator.key)).toEqual([]);
  });

  it('a wrong password stops the process with SETTLEMENT.KEYSTORE_BAD_PASSWORD; nothing leaks', async () => {
    const wrong = `${PASSWORD}-wrong`;
    const r = await runMain(
      { SETTLEMENT_OPERATOR_KEYSTORE: keystore, SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD: wrong },
      false,
    );
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('SETTLEMENT.KEYSTORE_BAD_PASSWORD');
    expect(r.out).not.toContain(wrong);
    expect(leaks(r.out, operator.key)).toEqual([]);
  });
});
