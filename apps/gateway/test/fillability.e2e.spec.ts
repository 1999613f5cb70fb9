// Fillability end to end, through every real part: anvil and the deployed contracts, Ponder
// indexing them and the chain relay publishing chain.* to Kafka (both of this spec's own:
// schemas, ports, topic prefix), and the gateway booted in-process whose pipeline consumes those
// topics (fillability tracker) and projects market.* into its read model. Driven over the public
// HTTP API and plain viem, as outside clients would: a market maker with an API key submits asks
// and bids in bulk and follows its SSE stream; a bidder withdraws (no-balance) and deposits again
// (fillable); a seller transfers a work away (not-owner) and gets it back (fillable); the maker
// raises its counter on chain (void) and cancels half of a new book off-chain
// (cancelled-off-chain); a reorg retracts a deposit (no-balance again); a contract wallet's bid
// is accepted through EIP-1271. Every change is on the stream once, in store order, and
// GET /v1/orders/:hash?minPosition= agrees with it.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pino from 'pino';
import { Pool } from 'pg';
import {
  createWalletClient,
  encodeFunctionData,
  http,
  hashTypedData,
  type Address,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from 'viem';
import type { HDAccount } from 'viem/accounts';
import {
  ORDER_TYPES,
  artworkRegistryAbi,
  marketplaceAbi,
  testStablecoinAbi,
  type Order,
} from '@atelier/contracts-abi';
import { createKafka } from '@atelier/kafka';
import { MARKET_CATEGORY } from '@atelier/market-domain';
import { marketTopic } from '@atelier/market-messages';
import { waitFor } from '@atelier/testing';
import { bearer, keyStore, newKey } from './access.fixture';
import {
  bootGateway,
  chainClients,
  dropSchemas,
  gatewaySchemas,
  submission,
  type Gateway,
} from './orders.fixture';
import { reorgDropping, startChainStack, type ChainStack } from './support/chain-stack';
import { openOrderEvents, type Frame, type OrderEventStream } from './support/sse';

const TUSD = 1_000_000n;
const run = randomBytes(4).toString('hex');
const schemas = gatewaySchemas();
const chain = chainClients();
const client = chain.client as unknown as PublicClient;

interface Result {
  index: number;
  accepted: boolean;
  hash: string;
  status?: string;
  code?: string;
}

describe('fillability end to end (anvil, Ponder, chain relay, Kafka, gateway pipeline)', () => {
  let stack: ChainStack | undefined;
  let gateway: Gateway | undefined;
  let stream: OrderEventStream | undefined;
  let pool: Pool | undefined;
  let auth: Record<string, string>;
  let mm: HDAccount; // the market maker
  let bidder: HDAccount;
  let seller: HDAccount;
  let holder: HDAccount; // takes the seller's work for a while
  let walletSigner: HDAccount;
  let wallet: Address; // ContractWallet (EIP-1271), signer walletSigner
  let mmWorks: bigint[];
  let sellerWorks: bigint[];
  const nonceBase = BigInt(Date.now()) * 1000n;
  /** Per order hash, every status it must have had on the stream, in order. */
  const expected = new Map<string, string[]>();
  const book = {
    mmAsks: [] as string[],
    mmBids: [] as string[],
    bidderBids: [] as string[],
    sellerAsks: [] as string[],
    mmBook2: [] as string[],
    walletBid: '',
  };

  const expectStatus = (hashes: readonly string[], status: string) => {
    for (const h of hashes) expected.set(h, [...(expected.get(h) ?? []), status]);
  };

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${gateway!.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };

  const submit = async (signed: readonly unknown[]) => {
    const body = (await post('/v1/orders', { orders: signed })) as {
      results: Result[];
      position: string;
    };
    return body;
  };

  const signed = async (who: HDAccount, o: Order) => submission(o, await chain.signOrder(who, o));

  /** The order as GET /v1/orders/:hash?minPosition= shows it once the read model reached it. */
  const read = async (hash: string, minPosition: string) => {
    const res = await fetch(`${gateway!.base}/v1/orders/${hash}?minPosition=${minPosition}`);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET /v1/orders/${hash}: ${res.status} ${text}`);
    return JSON.parse(text) as { order: { status: string; maker: string }; position: string };
  };

  /**
   * Waits for an OrderStatusChanged to `status` of each of `hashes` among the stream's events
   * after index `mark`, then checks that the API agrees at that position. Returns the frames.
   */
  const changes = async (mark: number, hashes: readonly string[], status: string) => {
    const frames = await stream!.until(
      `${hashes.length} order(s) ${status}`,
      () => {
        const later = stream!.events().slice(mark);
        const found = hashes.map((h) =>
          later.find(
            (f) =>
              f.event === 'OrderStatusChanged' &&
              f.data?.['hash'] === h &&
              f.data?.['status'] === status,
          ),
        );
        return found.every((f) => f) ? (found as Frame[]) : undefined;
      },
      120_000,
    );
    expectStatus(hashes, status);
    for (const f of frames) {
      const got = await read(f.data!['hash'] as string, f.id!);
      expect(got.order.status).toBe(status);
      expect(BigInt(got.position)).toBeGreaterThanOrEqual(BigInt(f.id!));
    }
    return frames;
  };

  const mine = (blocks = 1) =>
    client.request({
      method: 'anvil_mine' as never,
      params: [`0x${blocks.toString(16)}`] as never,
    });

  // ---- set-up: the chain's actors in parallel with Ponder's first sync --------------------------

  const prepareActors = async () => {
    const accounts = await Promise.all(Array.from({ length: 5 }, () => chain.account()));
    [mm, bidder, seller, holder, walletSigner] = accounts as [
      HDAccount,
      HDAccount,
      HDAccount,
      HDAccount,
      HDAccount,
    ];
    [mmWorks, sellerWorks] = await Promise.all([
      chain.mintWorks(mm, 4),
      chain.mintWorks(seller, 2),
    ]);
    await Promise.all([chain.deposit(mm, 100n * TUSD), chain.deposit(bidder, 50n * TUSD)]);
    // The contract wallet, deployed from its forge artifact, funded through its own execute().
    const artifact = JSON.parse(
      readFileSync(
        resolve(__dirname, '../../../contracts/out/ContractWallet.sol/ContractWallet.json'),
        'utf8',
      ),
    ) as { abi: readonly unknown[]; bytecode: { object: Hex } };
    const deployer = createWalletClient({
      account: walletSigner,
      chain: client.chain!,
      transport: http(process.env['RPC_URL']!),
    });
    const hash = await deployer.deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode.object,
      args: [walletSigner.address],
    });
    wallet = (await client.waitForTransactionReceipt({ hash })).contractAddress!;
    const execute = (target: Address, data: Hex) => ({
      address: wallet,
      abi: artifact.abi,
      functionName: 'execute',
      args: [target, data],
    });
    await chain.send(walletSigner, [
      {
        address: chain.usd,
        abi: testStablecoinAbi,
        functionName: 'mint',
        args: [wallet, 50n * TUSD],
      },
      execute(
        chain.usd,
        encodeFunctionData({
          abi: testStablecoinAbi,
          functionName: 'approve',
          args: [chain.market, 50n * TUSD],
        }),
      ),
      execute(
        chain.market,
        encodeFunctionData({
          abi: marketplaceAbi,
          functionName: 'deposit',
          args: [chain.usd, 50n * TUSD],
        }),
      ),
    ]);
  };

  beforeAll(async () => {
    // Both settle before either failure is thrown, so afterAll stops a stack that did start.
    const [started, actors] = await Promise.allSettled([startChainStack(run), prepareActors()]);
    if (started.status === 'fulfilled') stack = started.value;
    else throw started.reason;
    if (actors.status === 'rejected') throw actors.reason;
    gateway = await bootGateway(schemas, {
      PIPELINE_CHAIN_TOPIC_PREFIX: stack!.topicPrefix,
      PIPELINE_TOPIC_PARTITIONS: stack!.partitions,
      READ_YOUR_WRITES_WAIT_MS: 15_000,
    });
    // The key of the market maker's desk: its own account and the others it trades for.
    const { keys, pool: p } = keyStore(schemas.access);
    pool = p;
    const { token } = await keys.create(
      newKey({
        label: 'fillability e2e',
        makers: [mm.address, bidder.address, seller.address, wallet],
        rps: 100_000,
        burst: 100_000,
      }),
    );
    auth = bearer(token);
    stream = await openOrderEvents(gateway.base, auth);
    // The pipeline must be up (its consumers joined) before chain facts are expected to move books.
    const base = gateway.base;
    await waitFor(
      'the pipeline up in /health/ready',
      async () => {
        const res = await fetch(`${base}/health/ready`);
        const body = (await res.json()) as { details?: Record<string, { status: string }> };
        return res.status === 200 && body.details?.['pipeline']?.status === 'up' ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
  }, 420_000);

  afterAll(async () => {
    await stream?.close().catch(() => undefined);
    await gateway?.app.close().catch(() => undefined);
    await stack?.stop().catch(() => undefined);
    if (pool) {
      await pool.end();
    }
    await dropSchemas(schemas).catch(() => undefined);
    const admin = createKafka({
      clientId: 'gateway-e2e-cleanup',
      brokers: (process.env['KAFKA_BROKERS'] ?? '').split(','),
      logger: pino({ level: 'silent' }),
    }).admin();
    await admin.connect().catch(() => undefined);
    await admin
      .deleteTopics({ topics: [marketTopic(MARKET_CATEGORY, `market.${schemas.eventStore}`)] })
      .catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }, 120_000);

  it('takes the market maker’s bulk book: every order fillable, each on its stream', async () => {
    const ask = (who: HDAccount, tokenId: bigint, price: bigint, nonce: bigint) =>
      chain.order(who, { kind: chain.OrderKind.Ask, tokenId, price, nonce });
    const bid = (who: HDAccount, price: bigint, nonce: bigint) =>
      chain.order(who, { kind: chain.OrderKind.CollectionBid, price, nonce });
    const orders: [HDAccount, Order][] = [
      ...mmWorks.map((t, i) => [mm, ask(mm, t, 100n * TUSD, nonceBase + BigInt(i))] as const),
      [mm, bid(mm, 10n * TUSD, nonceBase + 10n)],
      [mm, bid(mm, 20n * TUSD, nonceBase + 11n)],
      [bidder, bid(bidder, 5n * TUSD, nonceBase + 20n)],
      [bidder, bid(bidder, 6n * TUSD, nonceBase + 21n)],
      ...sellerWorks.map(
        (t, i) => [seller, ask(seller, t, 200n * TUSD, nonceBase + 30n + BigInt(i))] as const,
      ),
    ] as [HDAccount, Order][];
    const mark = stream!.events().length;
    const body = await submit(await Promise.all(orders.map(([who, o]) => signed(who, o))));
    expect(body.results.map((r) => [r.accepted, r.status ?? r.code])).toEqual(
      orders.map(() => [true, 'fillable']),
    );
    const hashes = body.results.map((r) => r.hash);
    book.mmAsks = hashes.slice(0, 4);
    book.mmBids = hashes.slice(4, 6);
    book.bidderBids = hashes.slice(6, 8);
    book.sellerAsks = hashes.slice(8, 10);
    expectStatus(hashes, 'fillable');

    const accepted = await stream!.until('the ten OrderAccepted', () => {
      const later = stream!.events().slice(mark);
      return later.filter((f) => f.event === 'OrderAccepted').length >= 10 ? later : undefined;
    });
    expect(accepted.map((f) => [f.event, f.data?.['hash'], f.data?.['status']])).toEqual(
      hashes.map((h) => ['OrderAccepted', h, 'fillable']),
    );
    for (const h of hashes) expect((await read(h, body.position)).order.status).toBe('fillable');
  }, 120_000);

  let redeposit: TransactionReceipt;

  it('a bidder who withdraws its balance: no-balance; who deposits again: fillable', async () => {
    let mark = stream!.events().length;
    await chain.send(bidder, [
      {
        address: chain.market,
        abi: marketplaceAbi,
        functionName: 'withdraw',
        args: [chain.usd, 50n * TUSD, bidder.address],
      },
    ]);
    await changes(mark, book.bidderBids, 'no-balance');

    mark = stream!.events().length;
    // approve and deposit in two transactions: the deposit alone in its block (the reorg's).
    const receipts = await chain.send(bidder, [
      {
        address: chain.usd,
        abi: testStablecoinAbi,
        functionName: 'approve',
        args: [chain.market, 50n * TUSD],
      },
      {
        address: chain.market,
        abi: marketplaceAbi,
        functionName: 'deposit',
        args: [chain.usd, 50n * TUSD],
      },
    ]);
    redeposit = receipts[1]!;
    await changes(mark, book.bidderBids, 'fillable');
  }, 180_000);

  it('a reorg that retracts that deposit: the bids it funded go back to no-balance', async () => {
    // Ponder has seen a block on top of the deposit before both are replaced (anvil forgets a
    // replaced block at once; a real node would still serve it).
    await mine(1);
    await stack!.ponderAt(await client.getBlockNumber({ cacheTime: 0 }));
    const mark = stream!.events().length;
    const head = await reorgDropping(
      client,
      redeposit.blockNumber,
      new Set([redeposit.transactionHash]),
    );
    expect(head).toBeGreaterThan(redeposit.blockNumber);
    // The deposit is gone from the canonical chain, and with it the bidder's ledger balance.
    const balance = await client.readContract({
      address: chain.market,
      abi: marketplaceAbi,
      functionName: 'balanceOf',
      args: [bidder.address, chain.usd],
    });
    expect(balance).toBe(0n);
    await changes(mark, book.bidderBids, 'no-balance');
  }, 180_000);

  it('a seller who transfers its work away: not-owner; who gets it back: fillable', async () => {
    const [work] = sellerWorks;
    const [askOnWork, otherAsk] = book.sellerAsks;
    let mark = stream!.events().length;
    await chain.send(seller, [
      {
        address: chain.registry,
        abi: artworkRegistryAbi,
        functionName: 'transferFrom',
        args: [seller.address, holder.address, work!],
      },
    ]);
    await changes(mark, [askOnWork!], 'not-owner');

    mark = stream!.events().length;
    await chain.send(holder, [
      {
        address: chain.registry,
        abi: artworkRegistryAbi,
        functionName: 'transferFrom',
        args: [holder.address, seller.address, work!],
      },
    ]);
    await changes(mark, [askOnWork!], 'fillable');
    // The seller's other ask never moved.
    const last = stream!.events().at(-1)!.id!;
    expect((await read(otherAsk!, last)).order.status).toBe('fillable');
  }, 180_000);

  it('the maker raises its counter on chain: its orders void; cancels half of a new book off-chain', async () => {
    let mark = stream!.events().length;
    await chain.send(mm, [
      { address: chain.market, abi: marketplaceAbi, functionName: 'incrementCounter', args: [] },
    ]);
    await changes(mark, [...book.mmAsks, ...book.mmBids], 'void');

    // A new book at the new counter, in bulk again...
    const orders = [
      ...mmWorks.map((t, i) =>
        chain.order(mm, {
          kind: chain.OrderKind.Ask,
          tokenId: t,
          price: 120n * TUSD,
          nonce: nonceBase + 40n + BigInt(i),
          counter: 1n,
        }),
      ),
      ...[11n, 21n].map((p, i) =>
        chain.order(mm, {
          kind: chain.OrderKind.CollectionBid,
          price: p * TUSD,
          nonce: nonceBase + 50n + BigInt(i),
          counter: 1n,
        }),
      ),
    ];
    mark = stream!.events().length;
    const body = await submit(await Promise.all(orders.map((o) => signed(mm, o))));
    expect(body.results.map((r) => [r.accepted, r.status ?? r.code])).toEqual(
      orders.map(() => [true, 'fillable']),
    );
    book.mmBook2 = body.results.map((r) => r.hash);
    expectStatus(book.mmBook2, 'fillable');
    await stream!.until('the new book accepted', () =>
      stream!
        .events()
        .slice(mark)
        .filter((f) => f.event === 'OrderAccepted').length >= orders.length
        ? true
        : undefined,
    );

    // ...half of it cancelled off-chain with a signed CancelOrders.
    const half = book.mmBook2.filter((_, i) => i % 2 === 0) as Hex[];
    const cancel = { maker: mm.address, orderHashes: half, issuedAt: chain.nowSeconds() };
    mark = stream!.events().length;
    const res = (await post(`/v1/orders/cancel?minPosition=${body.position}`, {
      cancel: { ...cancel, issuedAt: cancel.issuedAt.toString() },
      signature: await chain.signCancel(mm, cancel),
    })) as { cancelled: number; position: string };
    expect(res.cancelled).toBe(half.length);
    await changes(mark, half, 'cancelled-off-chain');
    for (const h of book.mmBook2.filter((_, i) => i % 2 === 1))
      expect((await read(h, res.position)).order.status).toBe('fillable');
  }, 180_000);

  it('a contract-wallet maker’s bid is accepted through EIP-1271; a stranger’s signature is not', async () => {
    const o: Order = {
      ...chain.order(walletSigner, {
        kind: chain.OrderKind.CollectionBid,
        price: 7n * TUSD,
        nonce: nonceBase + 60n,
      }),
      maker: wallet,
    };
    const digest = hashTypedData({
      domain: chain.domain,
      types: ORDER_TYPES,
      primaryType: 'Order',
      message: o,
    });
    const mark = stream!.events().length;
    const body = await submit([
      submission(o, await walletSigner.sign({ hash: digest })),
      submission({ ...o, nonce: o.nonce + 1n }, await holder.sign({ hash: digest })),
    ]);
    expect(body.results[0]).toMatchObject({ accepted: true, status: 'fillable' });
    expect(body.results[1]).toMatchObject({ accepted: false, code: 'ORDER.BAD_SIGNATURE' });
    book.walletBid = body.results[0]!.hash;
    expectStatus([book.walletBid], 'fillable');
    await stream!.until('the wallet’s bid on the stream', () =>
      stream!
        .events()
        .slice(mark)
        .find((f) => f.event === 'OrderAccepted' && f.data?.['hash'] === book.walletBid),
    );
    const got = await read(book.walletBid, body.position);
    expect(got.order).toMatchObject({ status: 'fillable', maker: wallet.toLowerCase() });
  }, 120_000);

  it('the stream carried every change exactly once, in store order, as the API reports it', async () => {
    // A moment for anything late (a duplicate would arrive now), then the stream against the
    // event store itself.
    await new Promise((r) => setTimeout(r, 3_000));
    const events = stream!.events();
    const hashes = new Set(expected.keys());
    const { rows } = await pool!.query<{
      position: string;
      type: string;
      hash: string | null;
      status: string | null;
      actor: string;
      correlation: string;
    }>(
      `SELECT position::text, type, data->>'hash' AS hash, data->>'status' AS status,
              metadata->>'actor' AS actor, metadata->>'correlationId' AS correlation
         FROM ${schemas.eventStore}.events
        WHERE stream_name LIKE 'market-%'
          AND type IN ('OrderAccepted', 'OrderStatusChanged', 'TradeMatched')
        ORDER BY position`,
    );
    const stored = rows
      .filter((r) => r.type === 'TradeMatched' || (r.hash && hashes.has(r.hash)))
      .map((r) => [r.position, r.type, r.hash, r.status]);
    expect(events.map((f) => [f.id, f.event, f.data?.['hash'], f.data?.['status']])).toEqual(
      stored,
    );
    expect(events.filter((f) => f.event === 'TradeMatched')).toEqual([]);
    const ids = events.map((f) => BigInt(f.id!));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(ids).size).toBe(ids.length);

    // Per order: exactly the statuses this spec caused, in order, and the API's last word.
    const seen = new Map<string, string[]>();
    for (const f of events) {
      const h = f.data?.['hash'] as string;
      seen.set(h, [...(seen.get(h) ?? []), f.data?.['status'] as string]);
    }
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(expected));
    const last = events.at(-1)!.id!;
    for (const [h, statuses] of expected)
      expect([h, (await read(h, last)).order.status]).toEqual([h, statuses.at(-1)]);
    // Who moved them: every change but the off-chain cancels is the fillability tracker's,
    // correlated with the chain fact (or, after the reorg, the retraction) that caused it.
    const changed = rows.filter((r) => r.type === 'OrderStatusChanged' && hashes.has(r.hash!));
    const factId = new RegExp(`^${client.chain!.id}:0x[0-9a-f]{64}:\\d+(:retracted)?$`);
    for (const r of changed)
      expect([r.hash, r.status, r.actor, factId.test(r.correlation)]).toEqual(
        r.status === 'cancelled-off-chain'
          ? [r.hash, r.status, expect.not.stringMatching(/^system:/), false]
          : [r.hash, r.status, 'system:fillability-tracker', true],
      );
    const retracted = changed.filter((r) => r.correlation.endsWith(':retracted'));
    expect(retracted.map((r) => [r.hash, r.status])).toEqual(
      book.bidderBids.map((h) => [h, 'no-balance']),
    );
    expect(expected.get(book.bidderBids[0]!)).toEqual([
      'fillable',
      'no-balance',
      'fillable',
      'no-balance',
    ]);
  }, 120_000);
});
