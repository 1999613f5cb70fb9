// The demo's live book: after the demo works exist (seed-demo.ts), their owners list asks and two
// collectors bid, through the gateway's public API (POST /v1/orders, one signed order per
// request, so no API key is needed: the signature authenticates it, under the per-IP limit).
// Every order is signed with @atelier/chain-actions by an anvil account, as an outside market
// maker would. Prices rest without crossing, except one token bid that meets its ask on arrival
// (the gateway answers `reserved` with the TradeMatched trade, at the ask's price).
//
// Idempotent: the orders are the same on every run (start at the Marketplace's deployment block,
// fixed nonces, the maker's current counter), the ones already in the book (listed by maker) are
// not sent again, and an ORDER.DUPLICATE answer counts as already there, as does a nonce taken
// (ORDER.NONCE_RESERVED / NONCE_USED): the demo's nonces are its own, so an earlier signing of the
// same demo order holds it (after `npm run down` / `up`, a new chain under the same chain id).
// Chain set-up (tUSD, deposits, approvals) is done only where it is missing.
import { type HDAccount, mnemonicToAccount } from 'viem/accounts';

import {
  type ConnectDeploymentReturnType,
  type CreateOrderReturnType,
  approveMarketplace,
  createOrder,
  deposit,
  writeAndWait,
} from '@atelier/chain-actions';
import {
  OrderKind,
  artworkRegistryAbi,
  marketplaceAbi,
  testStablecoinAbi,
} from '@atelier/contracts-abi';

const MNEMONIC = 'test test test test test test test test test test test junk';
const TUSD = 1_000_000n; // 6 decimals
const LIFETIME = 365n * 86_400n; // within the gateway's ORDER_MAX_LIFETIME_SECONDS (366 days)
const FUNDING = 2_000n * TUSD; // each bidder's Marketplace balance
const PAGE = 200;

export interface SeedBookParameters {
  readonly deployment: ConnectDeploymentReturnType;
  /** The gateway's base URL, e.g. http://127.0.0.1:3000. */
  readonly gatewayUrl: string;
  /** The demo works, in mint order (dawn, dusk, dawn x dusk). */
  readonly works: readonly bigint[];
  readonly log: (msg: string) => void;
}

export interface SeedBookReturnType {
  /** Orders placed by this run (accepted now). */
  readonly placed: number;
  /** Orders the book already held. */
  readonly already: number;
  /** Status of every demo order as the API lists it (status -> count). */
  readonly statuses: Readonly<Record<string, number>>;
  /** The trade of the crossing pair, when this run matched it. */
  readonly tradeId: string | null;
}

interface Planned {
  readonly label: string;
  readonly signer: HDAccount;
  readonly kind: OrderKind;
  /** 0 for a collection bid. */
  readonly tokenId: bigint;
  readonly price: bigint;
  readonly nonce: bigint;
}

interface ListedOrder {
  readonly hash: string;
  readonly collection: string;
  readonly kind: number;
  readonly tokenId: string;
  readonly price: string;
  readonly status: string;
  readonly reason: string | null;
}

type SubmitAnswer =
  | { readonly kind: 'accepted'; readonly status: string; readonly tradeId: string | null }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'refused'; readonly code: string; readonly detail: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const json = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/** fetch that waits out the per-IP limit (429 with Retry-After) a few times. */
async function call(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    if (res.status !== 429 || attempt >= 10) return res;
    const wait = Number(res.headers.get('retry-after') ?? '1');
    await sleep(Math.min(10, Number.isFinite(wait) && wait > 0 ? wait : 1) * 1000);
  }
}

export async function seedBook({
  deployment,
  gatewayUrl,
  works,
  log,
}: SeedBookParameters): Promise<SeedBookReturnType> {
  const { client, wallet } = deployment;
  const usd = deployment.address('TestStablecoin');
  const registry = deployment.address('ArtworkRegistry');
  const market = deployment.address('Marketplace');
  const domain = deployment.domain();
  const account = (index: number) => mnemonicToAccount(MNEMONIC, { addressIndex: index });
  const creator = account(1); // owns work 3
  const collector = account(2); // bought works 1 and 2 in seed-demo
  const ada = account(5);
  const ben = account(6);
  const [w1, w2, w3] = works;
  if (w1 === undefined || w2 === undefined || w3 === undefined)
    throw new Error(`the live book needs the 3 demo works, not ${works.length}`);

  // ---- chain set-up, only what is missing ------------------------------------------------
  for (const seller of [creator, collector]) {
    const approved = await client.readContract({
      address: registry,
      abi: artworkRegistryAbi,
      functionName: 'isApprovedForAll',
      args: [seller.address, market],
    });
    if (!approved)
      await approveMarketplace(wallet(seller), { collection: registry, marketplace: market });
  }
  for (const bidder of [ada, ben]) {
    const ledger = await client.readContract({
      address: market,
      abi: marketplaceAbi,
      functionName: 'balanceOf',
      args: [bidder.address, usd],
    });
    if (ledger >= FUNDING) continue;
    const short = FUNDING - ledger;
    const held = await client.readContract({
      address: usd,
      abi: testStablecoinAbi,
      functionName: 'balanceOf',
      args: [bidder.address],
    });
    if (held < short)
      await writeAndWait(wallet(bidder), {
        address: usd,
        abi: testStablecoinAbi,
        functionName: 'mint',
        args: [bidder.address, short - held],
      });
    await deposit(wallet(bidder), { marketplace: market, currency: usd, amount: short });
  }

  // ---- the orders: asks above every bid, but one pair -----------------------------------
  // prettier-ignore
  const plan: Planned[] = [
    { label: 'ask work 3', signer: creator, kind: OrderKind.Ask, tokenId: w3, price: 400n, nonce: 101n },
    { label: 'ask work 1', signer: collector, kind: OrderKind.Ask, tokenId: w1, price: 600n, nonce: 101n },
    { label: 'ask work 2', signer: collector, kind: OrderKind.Ask, tokenId: w2, price: 320n, nonce: 102n },
    { label: 'bid work 3', signer: ada, kind: OrderKind.TokenBid, tokenId: w3, price: 300n, nonce: 101n },
    { label: 'bid work 1', signer: ada, kind: OrderKind.TokenBid, tokenId: w1, price: 450n, nonce: 102n },
    { label: 'collection bid', signer: ada, kind: OrderKind.CollectionBid, tokenId: 0n, price: 180n, nonce: 103n },
    { label: 'collection bid', signer: ben, kind: OrderKind.CollectionBid, tokenId: 0n, price: 200n, nonce: 101n },
    // Meets the ask of work 2 (320) on arrival: a TradeMatched at the ask's price.
    { label: 'bid work 2 (crosses)', signer: ben, kind: OrderKind.TokenBid, tokenId: w2, price: 320n, nonce: 102n },
  ];

  const deployBlock = deployment.deployments.contracts['Marketplace']?.startBlock;
  const at = deployBlock === undefined ? {} : { blockNumber: BigInt(deployBlock) };
  const { timestamp: start } = await client.getBlock(at);
  const counters = new Map<string, bigint>();
  const signed: { p: Planned; s: CreateOrderReturnType }[] = [];
  for (const p of plan) {
    let counter = counters.get(p.signer.address);
    if (counter === undefined) {
      counter = await client.readContract({
        address: market,
        abi: marketplaceAbi,
        functionName: 'counterOf',
        args: [p.signer.address],
      });
      counters.set(p.signer.address, counter);
    }
    const s = await createOrder(p.signer, {
      domain,
      collection: registry,
      currency: usd,
      kind: p.kind,
      tokenId: p.tokenId,
      price: p.price * TUSD,
      nonce: p.nonce,
      counter,
      now: start + 60n, // buildOrder starts a minute before `now`
      lifetime: LIFETIME - 60n,
    });
    signed.push({ p, s });
  }

  // ---- what the book holds already --------------------------------------------------------
  const makers = [...new Set(plan.map((p) => p.signer.address))];
  const listed = async (minPosition?: string): Promise<ListedOrder[]> => {
    const all: ListedOrder[] = [];
    for (const maker of makers) {
      const q = new URLSearchParams({ maker, collection: registry, limit: String(PAGE) });
      if (minPosition) q.set('minPosition', minPosition);
      let res = await call(`${gatewayUrl}/v1/orders?${q}`);
      // 409 READ_MODEL.BEHIND: the read model has not applied our last write yet (each ask
      // waits READ_YOUR_WRITES_WAIT_MS in the gateway); ask again, for two minutes at most (a
      // loaded machine was seen 40 s behind).
      for (const deadline = Date.now() + 120_000; res.status === 409 && Date.now() < deadline;)
        res = await call(`${gatewayUrl}/v1/orders?${q}`);
      if (!res.ok)
        throw new Error(`GET /v1/orders?maker=${maker}: ${res.status} ${await res.text()}`);
      all.push(...((await res.json()) as { items: ListedOrder[] }).items);
    }
    return all;
  };
  const before = new Set((await listed()).map((o) => o.hash.toLowerCase()));

  // ---- submit the missing ones, one signed order per request -------------------------------
  const submit = async (
    s: CreateOrderReturnType,
  ): Promise<SubmitAnswer & { position?: string }> => {
    const res = await call(`${gatewayUrl}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: json({ order: s.order, signature: s.signature }),
    });
    const body = (await res.json()) as {
      code?: string;
      detail?: string;
      position?: string | null;
      results?: { status: string; trade: { tradeId: string } | null }[];
    };
    if (res.status === 201 && body.results?.[0])
      return {
        kind: 'accepted',
        status: body.results[0].status,
        tradeId: body.results[0].trade?.tradeId ?? null,
        ...(body.position ? { position: body.position } : {}),
      };
    if (body.code === 'ORDER.DUPLICATE') return { kind: 'duplicate' };
    // The demo's fixed nonce is taken by a trade or a fill of the same demo order signed before
    // (another start: a new local chain under the same chain id keeps the gateway's book, and
    // its orders are valid on the new chain too, so they may have traded there already).
    if (body.code === 'ORDER.NONCE_RESERVED' || body.code === 'ORDER.NONCE_USED')
      return { kind: 'duplicate' };
    return { kind: 'refused', code: body.code ?? `HTTP ${res.status}`, detail: body.detail ?? '' };
  };

  let placed = 0;
  let already = 0;
  let tradeId: string | null = null;
  let position: string | undefined;
  const refused: string[] = [];
  for (const { p, s } of signed) {
    if (before.has(s.hash.toLowerCase())) {
      already++;
      continue;
    }
    const answer = await submit(s);
    if (answer.kind === 'duplicate') already++;
    else if (answer.kind === 'refused') refused.push(`${p.label}: ${answer.code} ${answer.detail}`);
    else {
      placed++;
      if (answer.position) position = answer.position;
      if (answer.tradeId) tradeId = answer.tradeId;
      log(
        `${p.label} at ${p.price} tUSD: ${answer.status}${answer.tradeId ? ` (TradeMatched ${answer.tradeId})` : ''}`,
      );
    }
  }
  if (refused.length)
    throw new Error(`the gateway refused demo orders:\n  ${refused.join('\n  ')}`);

  // ---- what the API lists now (read-your-writes on the last append) -----------------------
  const ours = new Set(signed.map(({ s }) => s.hash.toLowerCase()));
  const statuses: Record<string, number> = {};
  for (const o of await listed(position))
    if (ours.has(o.hash.toLowerCase())) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
  return { placed, already, statuses, tradeId };
}
