// What the CLI's int spec sets up on the test stack, all in scratch schemas of the gateway's
// test database that it drops afterwards (the shared tables are never written):
// - chain activity of its own on the shared anvil (works minted with a parent and
//   contributors, a deposit, one settleBatch), then every log of the deployed ArtworkRegistry
//   and Marketplace up to a block, wrapped as the chain relay wraps them (chainFact) and applied
//   through the real projection runner to the artworks, trades and ledgers models, so the
//   ledgers model knows every account of the shared chain up to that block;
// - a market history in a scratch event store, played through the real market aggregate
//   (orders at several prices, a match), for `replay`, `book` and `export events`;
// - running the real node_modules/.bin/atelier as a child process with that environment.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import {
  decodeEventLog,
  keccak256,
  parseEther,
  toHex,
  type Address,
  type Log,
  type PrivateKeyAccount,
  type PublicClient,
} from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import {
  approveMarketplace,
  connectDeployment,
  createOrder,
  deposit,
  mintArtwork,
  settleBatch,
  writeAndWait,
} from '@atelier/chain-actions';
import {
  chainContractSpec,
  chainFact,
  toJsonArgs,
  type ChainFactEnvelope,
} from '@atelier/chain-messages';
import {
  artworkRegistryAbi,
  marketplaceAbi,
  OrderKind as ChainOrderKind,
  testStablecoinAbi,
} from '@atelier/contracts-abi';
import { PostgresEventStore, schemaSql } from '@atelier/event-store';
import { EventSourcedRepository } from '@atelier/eventsourcing';
import { asAddress, asOrderHash, type Address as MarketAddress } from '@atelier/kernel';
import {
  marketAggregate,
  marketId,
  OrderKind,
  type MarketCommand,
  type MarketError,
  type MarketEvent,
  type MarketState,
  type Observations,
  type SignedOrder,
} from '@atelier/market-domain';
import {
  artworksProjection,
  chainTradesProjection,
  ledgersProjection,
  ordersProjection,
} from '@atelier/market-projections';
import { createProjectionDataSource, ProjectionStore, type Projection } from '@atelier/projections';

export const ROOT = join(__dirname, '../../..');
export const BIN = join(ROOT, 'node_modules/.bin/atelier');
const env = (name: string): string => {
  const v = process.env[name];
  if (!v)
    throw new Error(`${name} is not set: run the spec with ATELIER_STACK=test (/tmp/runint.sh)`);
  return v;
};
export const DB_URL = (): string => env('GATEWAY_DATABASE_URL');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the installed `atelier` binary from `cwd` with the stack's env plus `extra`. */
export function runCli(
  args: readonly string[],
  extra: Readonly<Record<string, string>> = {},
  cwd = ROOT,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, [...args], {
      cwd,
      env: { ...process.env, ATELIER_STACK: 'test', ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

// ---- chain -----------------------------------------------------------------------------------

export type Deployment = ReturnType<typeof connectDeployment>;

export function deployment(): Deployment {
  return connectDeployment({
    rpcUrl: env('RPC_URL'),
    deployments: env('ATELIER_DEPLOYMENTS'),
    cacheTime: 0,
  });
}

export interface ChainActivity {
  readonly collection: Address;
  readonly usd: Address;
  readonly works: readonly bigint[];
  readonly contributor: Address;
  readonly buyer: Address;
  /** The block of the settleBatch, the last of the activity. */
  readonly settledAt: bigint;
  /** A block after the deposit and before the settleBatch. */
  readonly beforeSettle: bigint;
}

/** Mints two works (the second a child of the first, with contributors), sells the first. */
export async function makeChainActivity(dep: Deployment, run: string): Promise<ChainActivity> {
  const { client, testClient, wallet } = dep;
  const usd = dep.address('TestStablecoin');
  const registry = dep.address('ArtworkRegistry').toLowerCase() as Address;
  const market = dep.address('Marketplace');
  const operator = mnemonicToAccount(
    'test test test test test test test test test test test junk',
    { addressIndex: 9 },
  );
  const key = (name: string): PrivateKeyAccount =>
    privateKeyToAccount(keccak256(toHex(`atelier-cli-it:${run}:${name}`)));
  const creator = key('creator');
  const seller = key('seller');
  const buyer = key('buyer');
  const contributor = key('contributor').address.toLowerCase() as Address;
  for (const a of [creator, seller, buyer])
    await testClient.setBalance({ address: a.address, value: parseEther('10') });
  const works: bigint[] = [];
  for (const parents of [[], [0]] as const) {
    const { tokenId } = await mintArtwork(wallet(creator), {
      registry,
      to: seller.address,
      work: {
        prompt: `cli-it ${run} ${works.length}`,
        manifest: `manifest ${run} ${works.length}`,
        manifestURI: `ipfs://cli-it/${run}/${works.length}`,
        seed: BigInt(works.length + 11),
        parents: parents.map((i) => works[i]!),
        contributors: [{ account: contributor, bps: 200 }],
      },
      royaltyBps: 500,
    });
    works.push(tokenId);
  }
  await approveMarketplace(wallet(seller), { collection: registry, marketplace: market });
  const price = 100_000_000n;
  await writeAndWait(wallet(buyer), {
    address: usd,
    abi: testStablecoinAbi,
    functionName: 'mint',
    args: [buyer.address, 3n * price],
  });
  const dep1 = await deposit(wallet(buyer), {
    marketplace: market,
    currency: usd,
    amount: 2n * price,
  });
  const now = (await client.getBlock()).timestamp;
  const order = (maker: PrivateKeyAccount, kind: ChainOrderKind) =>
    createOrder(maker, {
      domain: dep.domain(),
      kind,
      collection: registry,
      tokenId: works[0]!,
      currency: usd,
      price,
      now,
      lifetime: 3600n,
      nonce: 1n,
    });
  const settled = await settleBatch(wallet(operator), {
    marketplace: market,
    pairs: [
      {
        ask: await order(seller, ChainOrderKind.Ask),
        bid: await order(buyer, ChainOrderKind.TokenBid),
      },
    ],
  });
  return {
    collection: registry,
    usd: usd.toLowerCase() as Address,
    works,
    contributor,
    buyer: buyer.address.toLowerCase() as Address,
    settledAt: settled.blockNumber,
    beforeSettle: dep1.blockNumber,
  };
}

const ABIS = { ArtworkRegistry: artworkRegistryAbi, Marketplace: marketplaceAbi } as const;

/** Every log of the registry and the Marketplace up to `toBlock`, as chain facts in chain order. */
export async function chainFactsUpTo(
  dep: Deployment,
  toBlock: bigint,
): Promise<ChainFactEnvelope[]> {
  const client = dep.client as PublicClient;
  const contracts = (['ArtworkRegistry', 'Marketplace'] as const).map((name) => ({
    name,
    address: dep.address(name).toLowerCase(),
    startBlock: BigInt(dep.deployments.contracts[name]?.startBlock ?? 0),
  }));
  const from = contracts.reduce((m, c) => (c.startBlock < m ? c.startBlock : m), toBlock);
  const logs: Log[] = [];
  for (let start = from; start <= toBlock; start += 2_000n) {
    const end = start + 1_999n < toBlock ? start + 1_999n : toBlock;
    logs.push(
      ...(await client.getLogs({
        address: contracts.map((c) => c.address as Address),
        fromBlock: start,
        toBlock: end,
      })),
    );
  }
  const times = new Map<bigint, number>();
  for (const n of new Set(logs.map((l) => l.blockNumber!)))
    times.set(n, Number((await client.getBlock({ blockNumber: n })).timestamp));
  const byAddress = new Map(contracts.map((c) => [c.address, c.name]));
  return logs
    .sort((a, b) =>
      a.blockNumber === b.blockNumber
        ? a.logIndex! - b.logIndex!
        : a.blockNumber! < b.blockNumber!
          ? -1
          : 1,
    )
    .map((log) => {
      const contract = byAddress.get(log.address.toLowerCase())!;
      const decoded = decodeEventLog({ abi: ABIS[contract], data: log.data, topics: log.topics });
      return chainFact({
        chainId: dep.deployments.chainId,
        contract,
        address: log.address,
        event: decoded.eventName,
        blockNumber: Number(log.blockNumber),
        blockHash: log.blockHash!,
        blockTimestamp: times.get(log.blockNumber!)!,
        transactionHash: log.transactionHash!,
        transactionIndex: log.transactionIndex!,
        logIndex: log.logIndex!,
        args: toJsonArgs(decoded.args),
      });
    });
}

// ---- read models -----------------------------------------------------------------------------

export const chainProjections = (): readonly Projection<ChainFactEnvelope>[] => [
  artworksProjection(),
  chainTradesProjection(),
  ledgersProjection(),
];

/** The read models' DataSource in `schema`, with every table created. */
export async function openScratchReadModels(schema: string): Promise<DataSource> {
  const ds = await createProjectionDataSource({
    url: DB_URL(),
    schema,
    projections: [...chainProjections(), ordersProjection()],
    applicationName: 'atelier-cli-it',
  });
  await new ProjectionStore(ds, schema).ensureSchema();
  return ds;
}

/** Applies the facts through the runner, each contract's topic as one partition, in order. */
export async function applyFacts(
  ds: DataSource,
  schema: string,
  facts: readonly ChainFactEnvelope[],
): Promise<void> {
  const store = new ProjectionStore(ds, schema);
  const byTopic = new Map<string, ChainFactEnvelope[]>();
  for (const f of facts) {
    const topic = chainContractSpec(f.contract).topic;
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), f]);
  }
  for (const [topic, list] of byTopic)
    for (let i = 0; i < list.length; i += 100) {
      const items = list.slice(i, i + 100).map((envelope, j) => ({
        position: BigInt(i + j),
        envelope,
      }));
      for (const projection of chainProjections())
        await store.apply(projection, { source: topic, partition: 0 }, items);
    }
}

// ---- market history --------------------------------------------------------------------------

export const COLLECTION = asAddress('0x00000000000000000000000000000000000c11e1');
export const USD = asAddress('0x0000000000000000000000000000000000005d01');
const maker = (n: number) =>
  asAddress(`0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa${n.toString(16).padStart(4, '0')}`);
export const SELLER = maker(1);
export const SELLER2 = maker(2);
export const BUYER = maker(0x11);
export const BUYER2 = maker(0x12);
const FEE = { recipient: asAddress('0x00000000000000000000000000000000000fee01'), bps: 250 };

type MarketRepository = EventSourcedRepository<
  MarketCommand,
  MarketEvent,
  MarketState,
  MarketError
>;

export interface MarketHistory {
  readonly pool: Pool;
  readonly store: PostgresEventStore;
  /** Global position of the first event of the last order submitted. */
  readonly lastOrderPosition: bigint;
  close(): Promise<void>;
}

/**
 * Asks on tokens 1 (100), 2 (150) and 3 (150, another seller); a token bid of 90 on token 1,
 * a collection bid of 80, and a token bid of 150 on token 2 that takes the ask there.
 * So the live book: asks 100 x1, 150 x1; collection bids 80 x1; token bids 90 x1.
 */
export async function playMarketHistory(schema: string, run: string): Promise<MarketHistory> {
  const pool = new Pool({ connectionString: DB_URL(), max: 3, application_name: 'atelier-cli-it' });
  await pool.query(schemaSql(schema));
  const store = new PostgresEventStore({ pool, schema, listen: false, notify: false });
  const repository = new EventSourcedRepository(marketAggregate, store, { retryJitterMs: 0 });
  const now = BigInt(Math.floor(Date.now() / 1000));
  let n = 0;
  const signed = (
    kind: OrderKind,
    who: MarketAddress,
    price: bigint,
    tokenId: bigint,
  ): SignedOrder => ({
    hash: asOrderHash(keccak256(toHex(`cli-it ${run} ${++n}`))),
    signature: `0x${'11'.repeat(65)}`,
    order: {
      maker: who,
      kind,
      collection: COLLECTION,
      tokenId,
      currency: USD,
      price,
      start: 0n,
      expiry: now + 86_400n,
      counter: 0n,
      nonce: BigInt(n),
    },
  });
  const submit = (o: SignedOrder, observed: Observations): MarketCommand => ({
    type: 'SubmitOrder',
    collection: COLLECTION,
    order: o,
    royalty:
      o.order.kind === OrderKind.Ask ? { kind: 'erc2981', receiver: null, amount: 0n } : null,
    observed: { fee: { ...FEE, block: 1n }, ...observed },
    now,
    at: new Date(Number(now) * 1000).toISOString(),
  });
  const token = (tokenId: bigint, owner: MarketAddress) => ({
    tokens: [{ tokenId, owner, approved: true, block: 5n }],
  });
  const funds = (who: MarketAddress) => ({
    funds: [{ maker: who, currency: USD, balance: 1_000n, block: 5n }],
  });
  const commands: MarketCommand[] = [
    submit(signed(OrderKind.Ask, SELLER, 100n, 1n), token(1n, SELLER)),
    submit(signed(OrderKind.Ask, SELLER, 150n, 2n), token(2n, SELLER)),
    submit(signed(OrderKind.Ask, SELLER2, 150n, 3n), token(3n, SELLER2)),
    submit(signed(OrderKind.TokenBid, BUYER, 90n, 1n), funds(BUYER)),
    submit(signed(OrderKind.CollectionBid, BUYER2, 80n, 0n), funds(BUYER2)),
  ];
  for (const c of commands) await handle(repository, c);
  const before = await store.readAll({ maxCount: 10_000 });
  await handle(repository, submit(signed(OrderKind.TokenBid, BUYER, 150n, 2n), funds(BUYER)));
  const after = await store.readAll({ maxCount: 10_000 });
  const lastOrderPosition = after[before.length]!.position;
  return {
    pool,
    store,
    lastOrderPosition,
    async close() {
      await store.close();
      await pool.end();
    },
  };
}

async function handle(repository: MarketRepository, command: MarketCommand): Promise<void> {
  const r = await repository.handleAll(marketId(COLLECTION), [command], {
    correlationId: 'cli-it',
    actor: 'spec',
  });
  for (const o of r.outcomes) if (!o.ok) throw new Error(`${o.error.code}: ${o.error.message}`);
}

export async function dropSchemas(...schemas: string[]): Promise<void> {
  const pool = new Pool({ connectionString: DB_URL(), max: 1 });
  try {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  } finally {
    await pool.end();
  }
}
