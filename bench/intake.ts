// `npm run bench:intake`: signed orders accepted per second over HTTP by the gateway's
// POST /v1/orders, with everything intake does (field checks, EIP-712 hash, signature recovery,
// one multicall of chain state at a block, the market decision and its append to the event
// store, the access layer's per-key rate limit and quota in PostgreSQL), on the bench stack.
//
// Two scenarios, each compared with bare signature recovery (viem `recoverTypedDataAddress`)
// over the same signed orders in the same run, in this process:
//   spread  100 ERC-721 collections (contracts/test/mocks/MockCollection.sol deployed 100 times
//           with viem, so every collection is its own market stream), orders shuffled across
//           them, sent in bulk requests by a few clients;
//   hot     one collection, 64 concurrent clients.
// A quarter of the orders are asks (each on its own token, minted to a seller who approved the
// Marketplace), the rest token bids and a few collection bids by funded buyers, priced so that
// nothing crosses: every order is accepted `fillable` (anything else is reported and fails the
// run). Orders are signed before the clock starts; the collections are deployed by a fresh
// account each run, so their market streams start empty even on a reused event store. The API key
// (high rate limit and quota) is made with the operator command `npm run keys` and revoked after.
// Latency is per HTTP request (a bulk request's, in bulk scenarios).
// Goal (issue 9): ratio >= 0.3 for both.
import { seededRandom } from '@atelier/kernel';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type Abi,
  type Hex,
  type PrivateKeyAccount,
  erc721Abi,
  keccak256,
  parseEther,
  parseGwei,
  recoverTypedDataAddress,
  toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import {
  type CreateOrderReturnType,
  connectDeployment,
  createOrder,
  deposit,
} from '@atelier/chain-actions';
import { OrderKind, orderTypedData, testStablecoinAbi } from '@atelier/contracts-abi';

import { benchEnv, benchRoot, percentile, round } from './lib/harness';

/*//////////////////////////////////////////////////////////////
                             SETTINGS
//////////////////////////////////////////////////////////////*/

const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const SPREAD = {
  collections: num('BENCH_COLLECTIONS', 100),
  orders: num('BENCH_ORDERS', 4_000),
  clients: num('BENCH_SPREAD_CLIENTS', 8),
  perRequest: num('BENCH_SPREAD_BULK', 100),
};
const HOT = {
  collections: 1,
  orders: num('BENCH_ORDERS', 4_000),
  clients: num('BENCH_HOT_CLIENTS', 64),
  perRequest: num('BENCH_HOT_BULK', 10),
};
/** Requests of each scenario sent before its clock starts (JIT, connections, stream loads). */
const WARMUP_SHARE = 0.05;
const ASK_SHARE = 0.25;
const COLLECTION_BID_SHARE = 0.05;
const SELLERS = 10;
const BUYERS = 32;
const TUSD = 1_000_000n;
const GOAL = 0.3;

const log = (msg: string): void => console.log(`[bench:intake] ${msg}`);
/** Fees far above anvil's base fee: set-up transactions sent in bulk fill blocks and raise the
 *  base fee, and one priced at send time could otherwise wait in the pool for ever. */
const FEES = { maxFeePerGas: parseGwei('1000'), maxPriorityFeePerGas: parseGwei('1') } as const;

/*//////////////////////////////////////////////////////////////
                              CHAIN
//////////////////////////////////////////////////////////////*/

const env = benchEnv();
const gateway = `http://127.0.0.1:${env.GATEWAY_PORT}`;
const deployment = connectDeployment({
  rpcUrl: env.RPC_URL,
  deployments: env.ATELIER_DEPLOYMENTS,
  name: 'anvil (bench)',
  timeout: 120_000,
});
const { client, testClient, wallet } = deployment;
const usd = deployment.address('TestStablecoin');
const market = deployment.address('Marketplace');
const domain = deployment.domain();

/** Fresh accounts every run (the seed is the clock), so addresses never meet an old stream. */
const runSeed = `${Date.now()}`;
const account = (role: string, i: number): PrivateKeyAccount =>
  privateKeyToAccount(keccak256(toHex(`atelier bench:intake ${runSeed} ${role} ${i}`)));

/** Sends many transactions of one account without waiting for each (explicit nonces), in
 *  windows, then waits for the last receipt of each window: anvil mines them in nonce order. */
async function sendAll(
  from: PrivateKeyAccount,
  calls: readonly { address: Hex; abi: Abi; functionName: string; args: readonly unknown[] }[],
): Promise<void> {
  const w = wallet(from);
  let nonce = await client.getTransactionCount({ address: from.address, blockTag: 'pending' });
  for (let i = 0; i < calls.length; i += 200) {
    const hashes = await Promise.all(
      calls.slice(i, i + 200).map((c, j) =>
        w.writeContract({
          ...c,
          nonce: nonce + j,
          gas: 300_000n,
          ...FEES,
        } as unknown as Parameters<typeof w.writeContract>[0]),
      ),
    );
    nonce += hashes.length;
    const receipt = await mined(hashes.at(-1)!);
    if (receipt.status !== 'success') throw new Error(`a set-up transaction of ${from.address} reverted`); // prettier-ignore
  }
}

/** The receipt of `hash`. anvil's automine mines a block when a transaction arrives, holding
 *  only what fits its gas limit; the rest waits for the next arrival, so mine one when needed. */
async function mined(hash: Hex) {
  for (let attempt = 0; attempt < 600; attempt++) {
    const receipt = await client.getTransactionReceipt({ hash }).catch(() => null);
    if (receipt) return receipt;
    await testClient.mine({ blocks: 1 });
  }
  throw new Error(`transaction ${hash} was never mined`);
}

function mockCollectionArtifact(): { abi: Abi; bytecode: Hex } {
  const contracts = join(benchRoot, '..', 'contracts');
  const file = join(contracts, 'out', 'MockCollection.sol', 'MockCollection.json');
  if (!existsSync(file)) execFileSync('forge', ['build'], { cwd: contracts, stdio: 'inherit' });
  const artifact = JSON.parse(readFileSync(file, 'utf8')) as {
    abi: Abi;
    bytecode: { object: Hex };
  };
  return { abi: artifact.abi, bytecode: artifact.bytecode.object };
}

/*//////////////////////////////////////////////////////////////
                              MARKET
//////////////////////////////////////////////////////////////*/

interface Plan {
  readonly name: 'spread' | 'hot';
  readonly collections: readonly Hex[];
  readonly orders: number;
  readonly clients: number;
  readonly perRequest: number;
}

interface Parties {
  readonly sellers: readonly PrivateKeyAccount[];
  readonly buyers: readonly PrivateKeyAccount[];
}

/** Deploys the collections, mints their asked tokens to sellers (collection c, token t belongs
 *  to seller (c + t) % SELLERS) and has every seller approve the Marketplace on each. */
async function prepareCollections(
  deployer: PrivateKeyAccount,
  count: number,
  tokensEach: number,
  sellers: readonly PrivateKeyAccount[],
): Promise<Hex[]> {
  const { abi, bytecode } = mockCollectionArtifact();
  const w = wallet(deployer);
  let nonce = await client.getTransactionCount({ address: deployer.address, blockTag: 'pending' });
  const hashes = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      w.deployContract({ abi, bytecode, nonce: nonce + i, gas: 3_000_000n, ...FEES }),
    ),
  );
  nonce += count;
  const collections: Hex[] = [];
  for (const hash of hashes) {
    const receipt = await mined(hash);
    if (!receipt.contractAddress) throw new Error('a MockCollection deployment failed');
    collections.push(receipt.contractAddress);
  }
  const owner = (c: number, t: number) => sellers[(c + t) % sellers.length]!;
  await sendAll(
    deployer,
    collections.flatMap((address, c) =>
      Array.from({ length: tokensEach }, (_, t) => ({
        address,
        abi,
        functionName: 'mint',
        args: [owner(c, t).address, BigInt(t + 1)],
      })),
    ),
  );
  await Promise.all(
    sellers.map((s) =>
      sendAll(
        s,
        collections.map((address) => ({
          address,
          abi: erc721Abi,
          functionName: 'setApprovalForAll',
          args: [market, true],
        })),
      ),
    ),
  );
  return collections;
}

async function fundParties(deployer: PrivateKeyAccount): Promise<Parties> {
  const sellers = Array.from({ length: SELLERS }, (_, i) => account('seller', i));
  const buyers = Array.from({ length: BUYERS }, (_, i) => account('buyer', i));
  for (const a of [deployer, ...sellers, ...buyers])
    await testClient.setBalance({ address: a.address, value: parseEther('1000000') });
  const funding = 1_000_000_000n * TUSD; // far above any bid
  await sendAll(
    deployer,
    buyers.map((b) => ({
      address: usd,
      abi: testStablecoinAbi as Abi,
      functionName: 'mint',
      args: [b.address, funding],
    })),
  );
  await Promise.all(
    buyers.map((b) => deposit(wallet(b), { marketplace: market, currency: usd, amount: funding })),
  );
  return { sellers, buyers };
}

const nonces = new Map<string, bigint>();
const nextNonce = (maker: string): bigint => {
  const n = nonces.get(maker) ?? 0n;
  nonces.set(maker, n + 1n);
  return n;
};

/** Signs the scenario's orders, shuffled: asks at 1,000-1,999 tUSD on distinct tokens, token
 *  bids at 100-899 on asked tokens, collection bids at 50-99: none crosses. */
async function signOrders(
  plan: Plan,
  tokensEach: number,
  { sellers, buyers }: Parties,
): Promise<CreateOrderReturnType[]> {
  const random = seededRandom(plan.name === 'spread' ? 1 : 2);
  const now = (await client.getBlock()).timestamp;
  const perCollection = Math.ceil(plan.orders / plan.collections.length);
  const specs: Parameters<typeof createOrder>[] = [];
  for (const [c, collection] of plan.collections.entries()) {
    for (let k = 0; k < perCollection && specs.length < plan.orders; k++) {
      const isAsk = k < tokensEach;
      const collectionBid = !isAsk && random() < COLLECTION_BID_SHARE / (1 - ASK_SHARE);
      const tokenIndex = isAsk ? k : Math.floor(random() * tokensEach);
      const maker = isAsk
        ? sellers[(c + tokenIndex) % sellers.length]!
        : buyers[Math.floor(random() * buyers.length)]!;
      const units = isAsk
        ? 1_000 + Math.floor(random() * 1_000)
        : collectionBid
          ? 50 + Math.floor(random() * 50)
          : 100 + Math.floor(random() * 800);
      specs.push([
        maker,
        {
          domain,
          collection,
          currency: usd,
          kind: isAsk
            ? OrderKind.Ask
            : collectionBid
              ? OrderKind.CollectionBid
              : OrderKind.TokenBid,
          tokenId: collectionBid ? 0n : BigInt(tokenIndex + 1),
          price: BigInt(units) * TUSD,
          nonce: nextNonce(maker.address),
          now,
          lifetime: 86_400n,
        },
      ]);
    }
  }
  for (let i = specs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [specs[i], specs[j]] = [specs[j]!, specs[i]!];
  }
  const signed: CreateOrderReturnType[] = [];
  for (const [signer, parameters] of specs) signed.push(await createOrder(signer, parameters));
  return signed;
}

/*//////////////////////////////////////////////////////////////
                             MEASURE
//////////////////////////////////////////////////////////////*/

/** Bare ECDSA recovery of every order's signer, one after the other, as fast as viem goes. */
async function baseline(orders: readonly CreateOrderReturnType[]): Promise<number> {
  const started = performance.now();
  for (const { order, signature } of orders) {
    const signer = await recoverTypedDataAddress({ ...orderTypedData(order, domain), signature });
    if (signer !== order.maker) throw new Error(`recovered ${signer}, not ${order.maker}`);
  }
  return orders.length / ((performance.now() - started) / 1000);
}

const json = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

interface Drive {
  readonly seconds: number;
  readonly latenciesMs: number[];
  readonly accepted: number;
  readonly refused: Record<string, number>;
}

/** `clients` workers take the next request body until none is left. */
async function drive(bodies: readonly string[], clients: number, token: string): Promise<Drive> {
  const latenciesMs: number[] = [];
  const refused: Record<string, number> = {};
  let accepted = 0;
  let next = 0;
  const bulk = bodies[0]?.startsWith('{"orders"') ?? false;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const t0 = performance.now();
        const res = await fetch(`${gateway}/v1/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
        });
        const answer = (await res.json()) as {
          code?: string;
          results?: { accepted: boolean; status?: string; code?: string }[];
        };
        latenciesMs.push(performance.now() - t0);
        if (!answer.results) {
          const code = answer.code ?? `HTTP ${res.status}`;
          refused[code] = (refused[code] ?? 0) + (bulk ? JSON.parse(body).orders.length : 1);
          continue;
        }
        for (const r of answer.results) {
          if (r.accepted && r.status === 'fillable') accepted++;
          else {
            const code = r.code ?? `status ${r.status}`;
            refused[code] = (refused[code] ?? 0) + 1;
          }
        }
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latenciesMs, accepted, refused };
}

interface ScenarioResult {
  readonly scenario: string;
  readonly ordersPerSec: number;
  readonly baselineRecoveriesPerSec: number;
  readonly ratio: number;
  readonly goal: string;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly clients: number;
  readonly collections: number;
  readonly orders: number;
  readonly ordersPerRequest: number;
  readonly requests: number;
  readonly warmupOrders: number;
  readonly refused: Record<string, number>;
}

async function scenario(plan: Plan, parties: Parties, token: string): Promise<ScenarioResult> {
  const tokensEach = Math.ceil((plan.orders / plan.collections.length) * ASK_SHARE);
  log(`${plan.name}: signing ${plan.orders} orders on ${plan.collections.length} collection(s)`);
  const signed = await signOrders(plan, tokensEach, parties);
  const bodies: string[] = [];
  for (let i = 0; i < signed.length; i += plan.perRequest) {
    const chunk = signed.slice(i, i + plan.perRequest).map(({ order, signature }) => ({ order, signature })); // prettier-ignore
    bodies.push(plan.perRequest === 1 ? json(chunk[0]) : json({ orders: chunk }));
  }
  const warmup = Math.max(1, Math.round(bodies.length * WARMUP_SHARE));
  const warm = await drive(bodies.slice(0, warmup), Math.min(plan.clients, warmup), token);
  const timedOrders = signed.length - Math.min(signed.length, warmup * plan.perRequest);

  log(`${plan.name}: bare recovery of the same ${signed.length} signatures`);
  const recoveries = await baseline(signed);
  log(`${plan.name}: ${bodies.length - warmup} requests, ${plan.clients} clients, ${plan.perRequest}/request`); // prettier-ignore
  const run = await drive(bodies.slice(warmup), plan.clients, token);
  const refused = { ...warm.refused };
  for (const [code, n] of Object.entries(run.refused)) refused[code] = (refused[code] ?? 0) + n;
  const ordersPerSec = run.accepted / run.seconds;
  return {
    scenario: plan.name,
    ordersPerSec: round(ordersPerSec, 1),
    baselineRecoveriesPerSec: round(recoveries, 1),
    ratio: round(ordersPerSec / recoveries, 3),
    goal: `>= ${GOAL}`,
    p50Ms: round(percentile(run.latenciesMs, 50), 1),
    p99Ms: round(percentile(run.latenciesMs, 99), 1),
    clients: plan.clients,
    collections: plan.collections.length,
    orders: timedOrders,
    ordersPerRequest: plan.perRequest,
    requests: bodies.length - warmup,
    warmupOrders: signed.length - timedOrders,
    refused,
  };
}

/*//////////////////////////////////////////////////////////////
                               RUN
//////////////////////////////////////////////////////////////*/

function npmKeys(args: readonly string[]): string {
  return execFileSync('npm', ['run', '--silent', 'keys', '--', ...args], {
    cwd: join(benchRoot, '..'),
    env: { ...process.env, ATELIER_STACK: 'bench' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

async function waitReady(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const ok = await fetch(`${gateway}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the gateway at ${gateway} is not ready`);
}

async function main(): Promise<void> {
  await waitReady();
  const deployer = account('deployer', 0);
  log('funding sellers and buyers');
  const parties = await fundParties(deployer);
  const tokens = (p: { orders: number; collections: number }) =>
    Math.ceil((p.orders / p.collections) * ASK_SHARE);
  log(`deploying ${SPREAD.collections} + 1 MockCollections, minting asked tokens, approving`);
  const spreadCollections = await prepareCollections(deployer, SPREAD.collections, tokens(SPREAD), parties.sellers); // prettier-ignore
  const [hot] = await prepareCollections(deployer, 1, tokens(HOT), parties.sellers);

  const token = npmKeys(['create', '--label', `bench-intake-${runSeed}`, '--any-maker', '--rps', '1000000', '--burst', '1000000', '--quota', '100000000']); // prettier-ignore
  const keyId = token.split('_')[1]!;
  const results: ScenarioResult[] = [];
  try {
    results.push(await scenario({ name: 'spread', ...SPREAD, collections: spreadCollections }, parties, token)); // prettier-ignore
    results.push(await scenario({ name: 'hot', ...HOT, collections: [hot!] }, parties, token));
  } finally {
    npmKeys(['revoke', keyId]);
  }

  console.table(
    results.map((r) => ({
      scenario: r.scenario,
      ordersPerSec: r.ordersPerSec,
      baselineRecoveriesPerSec: r.baselineRecoveriesPerSec,
      ratio: r.ratio,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      clients: r.clients,
      collections: r.collections,
      orders: r.orders,
      perRequest: r.ordersPerRequest,
      notAccepted: Object.values(r.refused).reduce((a, b) => a + b, 0),
    })),
  );
  const dir = join(benchRoot, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'intake.json');
  writeFileSync(
    file,
    JSON.stringify(
      {
        bench: 'intake',
        measuredAt: new Date().toISOString(),
        machine: { cpus: cpus().length, node: process.version, loadavg: loadavg().map((l) => round(l)) }, // prettier-ignore
        context: {
          what: 'signed orders accepted per second by POST /v1/orders (full validation, chain read, decision, append), against bare viem recoverTypedDataAddress of the same signatures in this process',
          collections:
            'contracts/test/mocks/MockCollection.sol deployed with viem, one market stream each',
          mix: `${ASK_SHARE * 100} % asks (distinct tokens), ${COLLECTION_BID_SHARE * 100} % collection bids, the rest token bids; none crosses`,
          latency: 'per HTTP request',
        },
        scenarios: Object.fromEntries(results.map((r) => [r.scenario, r])),
      },
      null,
      2,
    ) + '\n',
  );
  log(`wrote ${file}`);
  // A refusal with an order code means the set-up is wrong (the figures would not be intake's):
  // fail. Server errors under load (5xx, INTERNAL.*) are what the gateway did: report them.
  for (const r of results) {
    if (Object.keys(r.refused).length === 0) continue;
    log(`${r.scenario}: orders not accepted fillable: ${json(r.refused)}`);
    if (Object.keys(r.refused).some((code) => !/^(INTERNAL\.|HTTP 5)/.test(code)))
      process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
