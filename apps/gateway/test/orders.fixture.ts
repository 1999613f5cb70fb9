// What the orders int specs share: the real gateway booted in-process on its own event-store and
// read-model schemas, a projection loop standing in for the pipeline until it runs in the app,
// and a market maker's side of the chain done as an outside client would with plain viem (local
// accounts from the anvil mnemonic, works minted, approvals, ledger deposits on the deployed
// contracts; orders and cancels signed with signTypedData over the documented EIP-712 types).
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  http,
  keccak256,
  parseEther,
  parseEventLogs,
  toHex,
  type Address,
  type Chain,
  type Hex,
} from 'viem';
import { mnemonicToAccount, type HDAccount } from 'viem/accounts';
import {
  ORDER_TYPES,
  OrderKind,
  artworkRegistryAbi,
  generatedProvenance,
  marketplaceAbi,
  marketplaceDomain,
  mintArgs,
  testStablecoinAbi,
  type Order,
} from '@atelier/contracts-abi';
import { CANCEL_TYPES } from '@atelier/chain-actions';
import { EVENT_STORE } from '@atelier/cqrs';
import type { EventStore } from '@atelier/eventsourcing';
import { ordersProjection } from '@atelier/market-projections';
import { createHttpApp } from '@atelier/platform';
import { isTransientDbError, ProjectionStore, replayFromStore } from '@atelier/projections';
import { gatewayApp } from '../src/gateway.app';
import { ApiKeyStore } from '../src/access/api-keys';
import { ORDERS_READ_MODEL } from '../src/market/market.tokens';

export const MNEMONIC = 'test test test test test test test test test test test junk';

export const deployments = () =>
  JSON.parse(readFileSync(process.env['ATELIER_DEPLOYMENTS']!, 'utf8')) as {
    chainId: number;
    contracts: Record<string, { address: Address }>;
  };

// ---- the gateway -----------------------------------------------------------------------------

export interface Gateway {
  readonly app: NestFastifyApplication;
  readonly base: string;
}

export interface Schemas {
  readonly eventStore: string;
  readonly readModel: string;
  readonly access: string;
}

export function gatewaySchemas(): Schemas {
  const id = randomBytes(5).toString('hex');
  return { eventStore: `es_orders_${id}`, readModel: `rm_orders_${id}`, access: `ac_orders_${id}` };
}

/** A market maker's API key (any maker, limits out of the way), made as the operator CLI does. */
export async function apiKey(gateway: Gateway): Promise<string> {
  const { token } = await gateway.app.get(ApiKeyStore, { strict: false }).create({
    label: 'orders int spec',
    makers: null,
    rps: 100_000,
    burst: 100_000,
    dailyQuota: 10_000_000,
  });
  return token;
}

export async function bootGateway(
  schemas: Schemas,
  overrides: Record<string, unknown> = {},
): Promise<Gateway> {
  const config = {
    ...gatewayApp.loadConfig(),
    LOG_LEVEL: 'silent' as const,
    EVENT_STORE_SCHEMA: schemas.eventStore,
    READ_MODEL_SCHEMA: schemas.readModel,
    ACCESS_SCHEMA: schemas.access,
    // The spec's own requests come from one IP: keyless ones must not be rate limited here.
    ACCESS_IP_RPS: 100_000,
    ACCESS_IP_BURST: 100_000,
    READ_YOUR_WRITES_WAIT_MS: 2_000,
    ...overrides,
  };
  const { app } = await createHttpApp(gatewayApp, config);
  await app.listen(0, '127.0.0.1');
  return { app, base: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
}

/** Applies the event store to the orders read model every `everyMs` (what the pipeline does). */
export function projectInBackground(gateway: Gateway, schema: string, everyMs = 50) {
  const store = gateway.app.get<EventStore>(EVENT_STORE);
  const dataSource = gateway.app.get<DataSource>(ORDERS_READ_MODEL);
  const projections = new ProjectionStore(dataSource, schema);
  const projection = ordersProjection();
  let stopped = false;
  let failure: unknown;
  const loop = (async () => {
    while (!stopped) {
      try {
        await replayFromStore(projections, projection, store);
      } catch (e) {
        // As the pipeline does, a database that is slow to answer (a connection not made within
        // the pool's 3 s on a loaded CI machine) is waited for: the next pass catches up.
        if (!isTransientDbError(e)) failure = e;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      if (failure) throw failure;
    },
  };
}

export async function dropSchemas(schemas: Schemas) {
  const pool = new Pool({ connectionString: process.env['GATEWAY_DATABASE_URL'], max: 1 });
  try {
    for (const schema of Object.values(schemas))
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await pool.end();
  }
}

/** The store's global position (its last event), straight from PostgreSQL. */
export async function storeHead(pool: Pool, schema: string): Promise<string> {
  const { rows } = await pool.query<{ p: string | null }>(
    `SELECT MAX(position)::text AS p FROM ${schema}.events`,
  );
  return rows[0]?.p ?? '0';
}

// ---- HTTP --------------------------------------------------------------------------------------

export const json = (v: unknown) =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

export const post = (base: string, path: string, body: unknown, key?: string) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
    body: typeof body === 'string' ? body : json(body),
  });

// ---- the chain, as an outside client -------------------------------------------------------------

export function chainClients() {
  const d = deployments();
  const rpcUrl = process.env['RPC_URL']!;
  const chain: Chain = defineChain({
    id: d.chainId,
    name: 'anvil (test)',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl);
  // cacheTime 0: viem answers getBlockNumber from a cache its receipt watcher fills while a
  // transaction is mined, so a head read right after a receipt could predate the receipt's block
  // (a feed up to that head missed the deposits in read-market, 1 run in 3; see 93a316f).
  const client = createPublicClient({ chain, transport, pollingInterval: 50, cacheTime: 0 });
  const testClient = createTestClient({ chain, transport, mode: 'anvil' });
  const usd = d.contracts['TestStablecoin']!.address;
  const registry = d.contracts['ArtworkRegistry']!.address;
  const market = d.contracts['Marketplace']!.address;
  const domain = marketplaceDomain(d.chainId, market);

  /** A fresh account of the anvil mnemonic (an index of its own, so no other spec shares its
   *  nonces), funded with ether. */
  const account = async (): Promise<HDAccount> => {
    const a = mnemonicToAccount(MNEMONIC, {
      addressIndex: 1_000 + randomBytes(3).readUIntBE(0, 3),
    });
    await testClient.setBalance({ address: a.address, value: parseEther('100') });
    return a;
  };

  /** Sends the calls from `from` with consecutive nonces and waits for them all. */
  const send = async (
    from: HDAccount,
    calls: readonly {
      address: Address;
      abi: readonly unknown[];
      functionName: string;
      args: readonly unknown[];
    }[],
  ) => {
    const wallet = createWalletClient({ account: from, chain, transport });
    let nonce = await client.getTransactionCount({ address: from.address, blockTag: 'pending' });
    const hashes: Hex[] = [];
    for (const call of calls)
      hashes.push(
        await wallet.writeContract({
          ...(call as Parameters<typeof wallet.writeContract>[0]),
          nonce: nonce++,
          gas: 1_000_000n,
        }),
      );
    const receipts = await Promise.all(
      hashes.map((hash) => client.waitForTransactionReceipt({ hash })),
    );
    for (const r of receipts)
      if (r.status !== 'success') throw new Error(`reverted: ${r.transactionHash}`);
    return receipts;
  };

  /** `count` works minted to `owner`, and the Marketplace approved for all of them. */
  const mintWorks = async (owner: HDAccount, count: number): Promise<bigint[]> => {
    const tag = randomBytes(4).toString('hex');
    const receipts = await send(
      owner,
      Array.from({ length: count }, (_, i) => ({
        address: registry,
        abi: artworkRegistryAbi,
        functionName: 'mint',
        args: mintArgs({
          to: owner.address,
          provenance: generatedProvenance((text) => keccak256(toHex(text)), {
            prompt: `orders int ${tag} ${i}`,
            manifest: `manifest ${tag} ${i}`,
            manifestURI: `ipfs://orders-int/${tag}/${i}`,
            seed: BigInt(i),
          }),
          royaltyBps: 500,
        }),
      })),
    );
    await send(owner, [
      {
        address: registry,
        abi: artworkRegistryAbi,
        functionName: 'setApprovalForAll',
        args: [market, true],
      },
    ]);
    return receipts.map(
      (r) =>
        parseEventLogs({ abi: artworkRegistryAbi, eventName: 'ArtworkMinted', logs: r.logs })[0]!
          .args.tokenId,
    );
  };

  /** tUSD minted to `who` and deposited into its Marketplace ledger balance. */
  const deposit = (who: HDAccount, amount: bigint) =>
    send(who, [
      { address: usd, abi: testStablecoinAbi, functionName: 'mint', args: [who.address, amount] },
      { address: usd, abi: testStablecoinAbi, functionName: 'approve', args: [market, amount] },
      { address: market, abi: marketplaceAbi, functionName: 'deposit', args: [usd, amount] },
    ]);

  const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000));

  /** An order as a client builds it: valid from a minute ago for an hour. */
  const order = (
    maker: HDAccount,
    fields: Pick<Order, 'kind' | 'price' | 'nonce'> & Partial<Order>,
  ): Order => ({
    maker: maker.address,
    collection: registry,
    tokenId: 0n,
    currency: usd,
    start: nowSeconds() - 60n,
    expiry: nowSeconds() + 3600n,
    counter: 0n,
    ...fields,
  });

  /** eth_signTypedData_v4 over the Marketplace's domain, as the docs give it. */
  const signOrder = (maker: HDAccount, o: Order, d = domain) =>
    maker.signTypedData({ domain: d, types: ORDER_TYPES, primaryType: 'Order', message: o });

  const signCancel = (
    maker: HDAccount,
    cancel: { maker: Address; orderHashes: readonly Hex[]; issuedAt: bigint },
  ) =>
    maker.signTypedData({
      domain,
      types: CANCEL_TYPES,
      primaryType: 'CancelOrders',
      message: { ...cancel, orderHashes: [...cancel.orderHashes] },
    });

  return {
    client,
    usd,
    registry,
    market,
    domain,
    account,
    send,
    mintWorks,
    deposit,
    order,
    signOrder,
    signCancel,
    nowSeconds,
    OrderKind,
  };
}

/** The JSON a client sends for a signed order. */
export const submission = (o: Order, signature: Hex, extra: Record<string, unknown> = {}) => ({
  order: {
    ...o,
    tokenId: o.tokenId.toString(),
    price: o.price.toString(),
    start: o.start.toString(),
    expiry: o.expiry.toString(),
    counter: o.counter.toString(),
    nonce: o.nonce.toString(),
  },
  signature,
  ...extra,
});
