// Support of infra/test/market-lifecycle.e2e.spec.ts: a market driven only through its public
// surfaces. Users are fresh viem accounts (keys derived from a label and a per-run salt, so a
// rerun on the same chain starts from empty ledgers); their wallets do only what a user's wallet
// does (mint works, approve, mint test dollars, deposit, withdraw); every order goes through the
// gateway's HTTP API with @atelier/client. A seeded plan (mulberry32) makes the same order flow
// for any run; a run maps it onto its own accounts and its own freshly minted works, so two runs
// on one chain and one collection never meet (token bids only, on works of the run), and their
// outcomes compare by plan index and role, not by hash, address or block.
// Faults for the chaos run: SIGKILL of an app's process group (pid files under
// $ATELIER_DATA/apps) and a stop/start of the Kafka broker, restarted through stack.sh.
import { seededRandom } from '@atelier/kernel';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keccak256, toHex, type Address, type Hex, type PublicClient } from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import {
  AtelierApiError,
  AtelierNetworkError,
  createAtelierClient,
  OrderKind,
  type AtelierClient,
} from '@atelier/client';
import {
  approveMarketplace,
  connectDeployment,
  deposit,
  mintArtwork,
  writeAndWait,
  type ConnectDeploymentReturnType,
} from '@atelier/chain-actions';
import { marketplaceAbi, testStablecoinAbi } from '@atelier/contracts-abi';
import { repoRoot, stackEnv, type StackEnv } from '@atelier/testing';

export const TUSD = 1_000_000n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the stack ------------------------------------------------------------------------------

/** Runs infra/bin/stack.sh with this process's environment (ATELIER_STACK=test and overrides). */
function stackSh(args: string[]): { status: number | null; output: string } {
  const run = spawnSync('bash', [join(repoRoot, 'infra/bin/stack.sh'), ...args], {
    env: { ...process.env, ATELIER_STACK: process.env['ATELIER_STACK'] ?? 'test' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

export function stackStart(...parts: string[]): void {
  const r = stackSh(['start', ...parts]);
  if (r.status !== 0) throw new Error(`stack.sh start ${parts.join(' ')} failed:\n${r.output}`);
}

/** The same in the background (the driver keeps submitting meanwhile). */
export function stackStartAsync(...parts: string[]): Promise<void> {
  return runAsync('infra/bin/stack.sh', ['start', ...parts]);
}

/**
 * Starts a crashed app again as its supervisor would: the same compiled build (beforeAll's
 * stack start built it), through infra/apps/start.sh, which returns once /health/ready answers.
 */
export function appStartAsync(app: AppName): Promise<void> {
  return runAsync('infra/apps/start.sh', [app]);
}

function runAsync(script: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(repoRoot, script), ...args], {
      env: {
        ...process.env,
        ATELIER_STACK: process.env['ATELIER_STACK'] ?? 'test',
        // A broker restarted under load (a busy CI machine) may take longer than the 90 s
        // start.sh waits by default to load its logs and answer.
        KAFKA_START_TIMEOUT: process.env['KAFKA_START_TIMEOUT'] ?? '240',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${script} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export type AppName = 'gateway' | 'settlement' | 'indexer' | 'relay';

/** SIGKILLs an app as a crash would: its whole process group (start.sh runs it under setsid). */
export async function killApp(env: StackEnv, app: AppName): Promise<number> {
  const pid = Number(readFileSync(join(env.ATELIER_DATA, 'apps', `${app}.pid`), 'utf8').trim());
  if (!alive(pid)) throw new Error(`${app} (pid ${pid}) is not running`);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  for (let i = 0; alive(pid) && i < 200; i++) await sleep(50);
  if (alive(pid)) throw new Error(`${app} (pid ${pid}) survived SIGKILL`);
  return pid;
}

/** Stops the Kafka broker (infra/kafka/stop.sh through stack.sh) and starts it again. */
export async function restartKafka(): Promise<void> {
  const stop = stackSh(['stop', 'kafka']);
  if (stop.status !== 0) throw new Error(`stack.sh stop kafka failed:\n${stop.output}`);
  await stackStartAsync('kafka');
}

/** Runs the real `atelier` binary with the stack's environment. */
export function atelier(
  args: string[],
  timeoutMs = 300_000,
): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const run = spawnSync(join(repoRoot, 'node_modules/.bin/atelier'), args, {
    env: { ...process.env, ATELIER_STACK: process.env['ATELIER_STACK'] ?? 'test' },
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

// ---- the market and its users ------------------------------------------------------------------

export interface Market {
  readonly env: StackEnv;
  readonly client: AtelierClient;
  readonly chain: ConnectDeploymentReturnType;
  readonly public: PublicClient;
  readonly registry: Address;
  readonly marketplace: Address;
  readonly usd: Address;
}

/** Connects through the public API: addresses come from GET /v1/deployments. */
export async function openMarket(apiKey?: string): Promise<Market> {
  const env = stackEnv();
  const client = createAtelierClient({
    baseUrl: `http://127.0.0.1:${env.GATEWAY_PORT}`,
    ...(apiKey ? { apiKey } : {}),
    retry: { retries: 3, baseDelayMs: 200, maxDelayMs: 2_000 },
  });
  const deployments = await client.deployments();
  const chain = connectDeployment({
    rpcUrl: env.RPC_URL,
    deployments: deployments as Parameters<typeof connectDeployment>[0]['deployments'],
  });
  const address = (name: string) => deployments.contracts[name]!.address as Address;
  return {
    env,
    client,
    chain,
    public: chain.client,
    registry: address('ArtworkRegistry'),
    marketplace: address('Marketplace'),
    usd: address('TestStablecoin'),
  };
}

/** A fresh user: a key derived from `label`, given gas money by the local chain's faucet. */
export async function newUser(m: Market, label: string): Promise<PrivateKeyAccount> {
  const account = privateKeyToAccount(keccak256(toHex(`atelier-e2e/${label}`)));
  // anvil's faucet (gas only): the test harness's, not a market action
  const res = await fetch(m.env.RPC_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'anvil_setBalance',
      params: [account.address, toHex(10n ** 20n)],
    }),
  });
  const body = (await res.json()) as { error?: unknown };
  if (body.error) throw new Error(`anvil_setBalance: ${JSON.stringify(body.error)}`);
  return account;
}

export interface WorkSpec {
  readonly title: string;
  readonly royaltyBps: number;
  readonly contributors: readonly { readonly account: Address; readonly bps: number }[];
  readonly parents?: readonly bigint[];
}

/** The artist's wallet mints a work with provenance; its token id and block. */
export async function mint(
  m: Market,
  artist: PrivateKeyAccount,
  work: WorkSpec,
): Promise<{ tokenId: bigint; block: bigint }> {
  const { tokenId, receipt } = await mintArtwork(m.chain.wallet(artist), {
    registry: m.registry,
    to: artist.address,
    work: {
      weights: 'sdxl-base-1.0 weights',
      prompt: `e2e: ${work.title}`,
      manifest: `c2pa manifest of ${work.title}`,
      manifestURI: `ipfs://atelier-e2e/${encodeURIComponent(work.title)}.c2pa`,
      seed: BigInt(work.title.length),
      parents: [...(work.parents ?? [])],
      contributors: work.contributors.map((c) => ({ account: c.account, bps: c.bps })),
    },
    royaltyBps: work.royaltyBps,
  });
  return { tokenId, block: receipt.blockNumber };
}

export async function approveForSale(m: Market, seller: PrivateKeyAccount): Promise<void> {
  await approveMarketplace(m.chain.wallet(seller), {
    collection: m.registry,
    marketplace: m.marketplace,
  });
}

/** Mints test dollars to the user's wallet, approves and deposits them in the Marketplace. */
export async function fund(m: Market, user: PrivateKeyAccount, amount: bigint): Promise<bigint> {
  const wallet = m.chain.wallet(user);
  await writeAndWait(wallet, {
    address: m.usd,
    abi: testStablecoinAbi,
    functionName: 'mint',
    args: [user.address, amount],
  });
  await writeAndWait(wallet, {
    address: m.usd,
    abi: testStablecoinAbi,
    functionName: 'approve',
    args: [m.marketplace, amount],
  });
  const receipt = await deposit(wallet, {
    marketplace: m.marketplace,
    currency: m.usd,
    amount,
  });
  return receipt.blockNumber;
}

export async function withdraw(
  m: Market,
  user: PrivateKeyAccount,
  amount: bigint,
): Promise<bigint> {
  const receipt = await writeAndWait(m.chain.wallet(user), {
    address: m.marketplace,
    abi: marketplaceAbi,
    functionName: 'withdraw',
    args: [m.usd, amount, user.address],
  });
  return receipt.blockNumber;
}

export const balanceOf = (m: Market, account: Address): Promise<bigint> =>
  m.public.readContract({
    address: m.marketplace,
    abi: marketplaceAbi,
    functionName: 'balanceOf',
    args: [account, m.usd],
  });

/** Polls `probe` until it returns a value (not undefined) or `ms` pass; names `what` on failure. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 120_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}`, { cause: last });
    await sleep(250);
  }
}

// ---- a seeded order flow -------------------------------------------------------------------------

export type PlannedOrder =
  | { readonly side: 'ask'; readonly work: number; readonly price: bigint; readonly nonce: bigint }
  | {
      readonly side: 'bid';
      readonly collector: number;
      readonly work: number;
      readonly price: bigint;
      readonly nonce: bigint;
    };

export interface Plan {
  readonly seed: number;
  readonly artists: number;
  readonly collectors: number;
  readonly contributors: number;
  /** Work i belongs to artist works[i].artist, credits these contributors (index, bps). */
  readonly works: readonly {
    readonly artist: number;
    readonly royaltyBps: number;
    readonly contributors: readonly { readonly contributor: number; readonly bps: number }[];
    readonly parent?: number;
  }[];
  readonly orders: readonly PlannedOrder[];
}

/**
 * One ask per work (only its artist sells it, once) and 0-4 token bids around it from random
 * collectors, shuffled together: a bid may rest before its ask arrives, several may compete, and
 * some stay below the ask. Collection bids are left out: they would meet other runs' works.
 */
export function planMarket(
  seed: number,
  size: { works: number; artists: number; collectors: number; contributors: number },
): Plan {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const works: Plan['works'][number][] = [];
  for (let w = 0; w < size.works; w++) {
    const a = int(size.contributors);
    const b = (a + 1 + int(size.contributors - 1)) % size.contributors;
    works.push({
      artist: w % size.artists,
      royaltyBps: 100 * (1 + int(8)),
      contributors: [
        { contributor: a, bps: 50 * (1 + int(4)) },
        ...(rnd() < 0.5 ? [{ contributor: b, bps: 25 * (1 + int(4)) }] : []),
      ],
      ...(w >= size.artists && rnd() < 0.3 ? { parent: int(w) } : {}),
    });
  }
  const orders: PlannedOrder[] = [];
  const nonces = new Map<string, bigint>();
  const nonce = (who: string) => {
    const n = (nonces.get(who) ?? 0n) + 1n;
    nonces.set(who, n);
    return n;
  };
  for (let w = 0; w < size.works; w++) {
    // 2,000-5,000 tUSD with cents: far above other specs' prices, every price distinct
    const ask = (2_000n + BigInt(int(3_000))) * TUSD + BigInt(int(100)) * 10_000n;
    orders.push({ side: 'ask', work: w, price: ask, nonce: nonce(`a${works[w]!.artist}`) });
    for (let k = int(5); k > 0; k--) {
      const collector = int(size.collectors);
      const price = (ask * BigInt(85 + int(31))) / 100n + BigInt(int(1000));
      orders.push({ side: 'bid', collector, work: w, price, nonce: nonce(`c${collector}`) });
    }
  }
  for (let i = orders.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [orders[i], orders[j]] = [orders[j]!, orders[i]!];
  }
  return { seed, ...size, works, orders };
}

// ---- one run of a plan ---------------------------------------------------------------------------

export interface Fault {
  /** Injected just before the order of this index is submitted. */
  readonly atOrder: number;
  readonly what: AppName | 'kafka';
}

export interface RunOutcome {
  /** plan index -> status as the API lists it at the end */
  readonly orders: Record<number, string>;
  /** settled trades as plan indexes (ask, bid) and price, sorted */
  readonly trades: readonly { ask: number; bid: number; price: string }[];
  /** role -> ledger (settled balance and its parts) */
  readonly ledgers: Record<string, Record<string, string>>;
  /** role -> the Marketplace's balanceOf */
  readonly chain: Record<string, string>;
  readonly timings: Record<string, number>;
  readonly retries: number;
  readonly duplicates: number;
  readonly users: readonly Address[];
}

const retryable = (e: unknown) =>
  e instanceof AtelierNetworkError ||
  (e instanceof AtelierApiError && (e.status >= 500 || e.status === 429 || e.status === 408));

/**
 * Mints the plan's works, funds its collectors, submits every order in plan order (each with its
 * own Idempotency-Key, the same on every retry, through outages), injects `faults`, waits until
 * every matched trade is settled and read back, then reads orders, trades and ledgers by the API.
 */
export async function runPlan(
  m: Market,
  plan: Plan,
  run: string,
  faults: readonly Fault[] = [],
  log: (line: string) => void = () => undefined,
): Promise<RunOutcome> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => (timings[name] = (Date.now() - since) / 1000);

  const artists = await Promise.all(
    Array.from({ length: plan.artists }, (_, i) => newUser(m, `${run}/artist${i}`)),
  );
  const collectors = await Promise.all(
    Array.from({ length: plan.collectors }, (_, i) => newUser(m, `${run}/collector${i}`)),
  );
  const contributors = await Promise.all(
    Array.from({ length: plan.contributors }, (_, i) => newUser(m, `${run}/contributor${i}`)),
  );
  const roles: Record<string, Address> = {};
  artists.forEach((a, i) => (roles[`artist${i}`] = a.address));
  collectors.forEach((a, i) => (roles[`collector${i}`] = a.address));
  contributors.forEach((a, i) => (roles[`contributor${i}`] = a.address));

  // Works, by artist in parallel (one wallet's transactions in sequence); a remix after its parent.
  const tokenOf: bigint[] = [];
  let lastBlock = 0n;
  await Promise.all(
    artists.map(async (artist, a) => {
      await approveForSale(m, artist);
      for (const [w, work] of plan.works.entries()) {
        if (work.artist !== a) continue;
        if (work.parent !== undefined)
          await until(`work ${work.parent} minted`, async () =>
            tokenOf[work.parent!] === undefined ? undefined : true,
          );
        const minted = await mint(m, artist, {
          title: `${run} work ${w}`,
          royaltyBps: work.royaltyBps,
          contributors: work.contributors.map((c) => ({
            account: contributors[c.contributor]!.address,
            bps: c.bps,
          })),
          ...(work.parent !== undefined ? { parents: [tokenOf[work.parent]!] } : {}),
        });
        tokenOf[w] = minted.tokenId;
        if (minted.block > lastBlock) lastBlock = minted.block;
      }
    }),
  );
  // Each collector deposits what all its bids add up to: no bid is ever short of funds.
  await Promise.all(
    collectors.map(async (c, i) => {
      const need = plan.orders.reduce(
        (s, o) => (o.side === 'bid' && o.collector === i ? s + o.price : s),
        0n,
      );
      const block = await fund(m, c, need + TUSD);
      if (block > lastBlock) lastBlock = block;
    }),
  );
  lap('chainSetup', t0);

  // The gateway checks ownership, approval and balances against what the chain says; wait until
  // the last set-up block is indexed (the newest work is listed) before the first order.
  const t1 = Date.now();
  const lastWork = tokenOf[tokenOf.length - 1]!;
  await until('the works indexed', async () => {
    const a = await m.client.artwork(m.registry, lastWork);
    return a ? true : undefined;
  });
  lap('indexed', t1);

  const now = BigInt(Math.floor(Date.now() / 1000));
  const t2 = Date.now();
  const signed = await Promise.all(
    plan.orders.map((o) =>
      m.client.createOrder(
        o.side === 'ask' ? artists[plan.works[o.work]!.artist]! : collectors[o.collector]!,
        {
          kind: o.side === 'ask' ? OrderKind.Ask : OrderKind.TokenBid,
          collection: m.registry,
          tokenId: tokenOf[o.work]!,
          currency: m.usd,
          price: o.price,
          nonce: o.nonce,
          now,
          lifetime: 86_400n,
        },
      ),
    ),
  );
  const indexOf = new Map(signed.map((s, i) => [s.hash.toLowerCase(), i]));

  let retries = 0;
  let duplicates = 0;
  let matched = 0;
  const pendingRestarts: Promise<void>[] = [];
  const refused: string[] = [];
  for (const [i, s] of signed.entries()) {
    for (const f of faults.filter((x) => x.atOrder === i)) {
      await Promise.all(pendingRestarts.splice(0)); // one outage at a time
      const tf = Date.now();
      if (f.what === 'kafka') {
        log(`[${run}] order ${i}: Kafka broker stop and start`);
        pendingRestarts.push(restartKafka());
      } else {
        const pid = await killApp(m.env, f.what);
        log(`[${run}] order ${i}: SIGKILL ${f.what} (pid ${pid})`);
        pendingRestarts.push(appStartAsync(f.what));
      }
      pendingRestarts[pendingRestarts.length - 1]!.then(() =>
        log(`[${run}] ${f.what} back after ${((Date.now() - tf) / 1000).toFixed(1)} s`),
      ).catch(() => undefined); // the failure itself surfaces where the restarts are awaited
    }
    const key = `e2e-${run}-order-${i}`;
    const deadline = Date.now() + 180_000;
    for (;;) {
      try {
        const answer = await m.client.submitOrders(s, { idempotencyKey: key });
        const r = answer.results[0]!;
        if (!r.accepted) refused.push(`${i}: ${r.code}`);
        else if (r.trade) matched++;
        break;
      } catch (e) {
        if (e instanceof AtelierApiError && e.code === 'ORDER.DUPLICATE') {
          duplicates++; // accepted by an attempt whose answer was lost
          break;
        }
        if (!retryable(e) || Date.now() > deadline)
          throw new Error(`order ${i} (${key}) failed`, { cause: e });
        retries++;
        await sleep(300);
      }
    }
  }
  await Promise.all(pendingRestarts);
  lap('submit', t2);
  log(
    `[${run}] ${signed.length} orders submitted, ${matched} matched on arrival, ${retries} retries, ${duplicates} duplicates`,
  );
  if (refused.length) throw new Error(`orders refused: ${refused.join(', ')}`);

  // Settled and read back: no order of ours is still reserved and no trade only matched.
  const t3 = Date.now();
  const makers = [...artists, ...collectors].map((a) => a.address);
  const listAll = async (maker: Address) => {
    const items: { hash: string; status: string }[] = [];
    for await (const o of m.client.allOrders({ maker, limit: '200' })) items.push(o);
    return items;
  };
  const pagesOf = async (account: Address, status: 'settled' | 'matched') => {
    const items: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    do {
      const page = await m.client.trades({
        account,
        status,
        limit: '200',
        ...(cursor ? { cursor } : {}),
      });
      items.push(...(page.items as Record<string, unknown>[]));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  };
  let orders: { hash: string; status: string }[] = [];
  let settled: Record<string, unknown>[] = [];
  let seen = 'nothing read yet';
  const settledOrWhy = async () => {
    orders = (await Promise.all(makers.map(listAll))).flat();
    const listed = orders.filter((o) => indexOf.has(o.hash.toLowerCase())).length;
    const reserved = orders.filter((o) => o.status === 'reserved').length;
    seen = `${listed} of ${signed.length} orders listed, ${reserved} reserved`;
    if (listed < signed.length || reserved > 0) return undefined;
    const pending = (
      await Promise.all(collectors.map((c) => pagesOf(c.address, 'matched')))
    ).flat();
    seen += `, ${pending.length} trades matched and not settled`;
    if (pending.length) return undefined;
    settled = (await Promise.all(collectors.map((c) => pagesOf(c.address, 'settled')))).flat();
    // every filled ask is one settled trade
    const filledAsks = orders.filter((o) => {
      const i = indexOf.get(o.hash.toLowerCase());
      return i !== undefined && plan.orders[i]!.side === 'ask' && o.status === 'filled';
    }).length;
    seen += `, ${settled.length} settled for ${filledAsks} filled asks`;
    return settled.length === filledAsks ? true : undefined;
  };
  try {
    await until('every matched trade settled', settledOrWhy, 240_000);
  } catch (e) {
    // what the read side had reached, and what the gateway says of its pipeline
    const health = await fetch(`http://127.0.0.1:${m.env.GATEWAY_PORT}/health/ready`)
      .then((r) => r.text())
      .catch((err: unknown) => String(err));
    throw new Error(
      `${(e as Error).message}: ${seen}; gateway /health/ready: ${health.slice(0, 1_500)}`,
      {
        cause: e,
      },
    );
  }
  lap('settled', t3);

  const outcome: Record<number, string> = {};
  for (const o of orders) {
    const i = indexOf.get(o.hash.toLowerCase());
    if (i !== undefined) outcome[i] = o.status;
  }
  const trades = settled
    .map((t) => ({
      ask: indexOf.get(String(t['askHash']).toLowerCase()) ?? -1,
      bid: indexOf.get(String(t['bidHash']).toLowerCase()) ?? -1,
      price: String(t['price']),
    }))
    .sort((a, b) => a.ask - b.ask || a.bid - b.bid);

  const t4 = Date.now();
  const ledgers: Record<string, Record<string, string>> = {};
  const chain: Record<string, string> = {};
  for (const [role, account] of Object.entries(roles)) {
    const answer = await m.client.ledger(account, { currency: m.usd });
    const c = answer.currencies.find((x) => x.currency.toLowerCase() === m.usd.toLowerCase());
    ledgers[role] = c
      ? {
          deposited: c.deposited,
          withdrawn: c.withdrawn,
          paid: c.paid,
          royalty: c.credited.royalty,
          attribution: c.credited.attribution,
          fee: c.credited.fee,
          proceeds: c.credited.proceeds,
          balance: c.balance,
        }
      : {};
    chain[role] = String(await balanceOf(m, account));
  }
  lap('read', t4);
  lap('total', t0);
  return {
    orders: outcome,
    trades,
    ledgers,
    chain,
    timings,
    retries,
    duplicates,
    users: Object.values(roles),
  };
}

/** A Hex type guard for addresses read back as strings. */
export const hex = (s: string): Hex => s as Hex;
