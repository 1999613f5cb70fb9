// Intake against in-memory fakes of its ports and the in-memory event store: every refusal
// code the intake owns, one per order beside the accepted ones, one append per market, and the
// match an arriving order makes (an ask that undercuts a bid says so).
import { createHash } from 'node:crypto';
import { asAddress, asOrderHash, fixedClock, type Address, type OrderHash } from '@atelier/kernel';
import { EventSourcedRepository, InMemoryEventStore } from '@atelier/eventsourcing';
import {
  marketAggregate,
  OrderKind,
  type Hex,
  type Observations,
  type Order,
  type RoyaltyTerms,
} from '@atelier/market-domain';
import {
  royaltyKey,
  type IntakeReading,
  type MarketChainReader,
  type OrderSignatures,
} from '../ports';
import { SubmitOrders, type OrderSubmission } from './submit-orders';

const addr = (n: number): Address => asAddress(`0x${n.toString(16).padStart(40, '0')}`);
const MARKETPLACE = addr(0xaaaa);
const COLLECTION = addr(0xc01);
const OTHER = addr(0xc02);
const USD = addr(0x5d);
const JUNK = addr(0xbad);
const SELLER = addr(1);
const BUYER = addr(2);
const NOW = 1_800_000_000n;
const GOOD: Hex = `0x${'11'.repeat(65)}`;
const BAD: Hex = `0x${'22'.repeat(65)}`;

/** Hash = a digest of the fields (unique per order); a signature is valid when it is GOOD. */
const signatures: OrderSignatures = {
  hashOrder: (o) =>
    asOrderHash(
      `0x${createHash('sha256')
        .update(JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? String(v) : v)))
        .digest('hex')}`,
    ),
  verifyOrder: async (_o, _h, signature) => signature === GOOD,
  hashCancel: () => '0x00',
  verifyCancel: async () => true,
};

let nonce = 0n;
const order = (fields: Partial<Order> & Pick<Order, 'maker' | 'kind' | 'price'>): Order => ({
  collection: COLLECTION,
  tokenId: fields.kind === OrderKind.CollectionBid ? 0n : 1n,
  currency: USD,
  start: 0n,
  expiry: NOW + 3_600n,
  counter: 0n,
  nonce: ++nonce,
  ...fields,
});

const ROYALTY: RoyaltyTerms = { kind: 'erc2981', receiver: null, amount: 0n };

function setup(chain: Partial<Record<Address, Observations>> = {}) {
  const store = new InMemoryEventStore();
  const markets = new EventSourcedRepository(marketAggregate, store, {
    cachedStreams: 8,
    retryJitterMs: 0,
  });
  const reads: Order[][] = [];
  const reader: MarketChainReader = {
    readObservations: async () => {
      throw new Error('intake never re-reads observations');
    },
    readForIntake: async (orders: readonly Order[]): Promise<IntakeReading> => {
      reads.push([...orders]);
      const observed = new Map<Address, Observations>();
      for (const [collection, o] of Object.entries(chain))
        observed.set(collection as Address, {
          fee: { recipient: addr(0xfee), bps: 250, block: 1n },
          ...o,
        });
      return {
        block: 10n,
        chainTime: NOW,
        observed,
        royalty: new Map(orders.filter((o) => o.kind === 0).map((o) => [royaltyKey(o), ROYALTY])),
        currencyAllowed: new Map([
          [USD, true],
          [JUNK, false],
        ]),
      };
    },
  };
  const directory = {
    collectionsOf: async () => new Map<OrderHash, Address>(),
    reservedElsewhere: async () => 0n,
  };
  const intake = new SubmitOrders(
    markets,
    signatures,
    reader,
    directory,
    {
      chainId: 31337,
      marketplace: MARKETPLACE,
      maxLifetimeSeconds: 86_400n * 30n,
      cancelMaxAgeSeconds: 600n,
    },
    fixedClock(new Date(Number(NOW) * 1000)),
  );
  return { intake, store, reads };
}

const ctx = { correlationId: 'req-1', actor: 'maker:test' };
const sub = (
  o: Order,
  signature: Hex = GOOD,
  extra: Partial<OrderSubmission> = {},
): OrderSubmission => ({
  order: o,
  signature,
  ...extra,
});

describe('SubmitOrders', () => {
  it('answers each order of a bulk submit on its own, with stable codes, and appends only the accepted', async () => {
    const { intake, store, reads } = setup({
      [COLLECTION]: {
        tokens: [
          { tokenId: 1n, owner: SELLER, approved: true, block: 10n },
          { tokenId: 2n, owner: BUYER, approved: true, block: 10n },
        ],
        funds: [{ maker: BUYER, currency: USD, balance: 100n, block: 10n }],
      },
    });
    const good = order({ maker: SELLER, kind: OrderKind.Ask, price: 50n });
    const submissions = [
      sub(good),
      sub(good),
      sub(order({ maker: SELLER, kind: OrderKind.Ask, price: 1n << 128n })),
      sub(order({ maker: SELLER, kind: OrderKind.Ask, price: 5n, counter: 1n << 64n })),
      sub(order({ maker: SELLER, kind: OrderKind.Ask, price: 5n }), GOOD, { chainId: 1 }),
      sub(order({ maker: SELLER, kind: OrderKind.Ask, price: 5n }), GOOD, {
        verifyingContract: addr(0xbbbb),
      }),
      sub(order({ maker: SELLER, kind: OrderKind.Ask, price: 5n, expiry: NOW - 1n })),
      sub(order({ maker: SELLER, kind: OrderKind.Ask, price: 5n, expiry: NOW + 86_400n * 365n })),
      sub(order({ maker: SELLER, kind: OrderKind.Ask, price: 5n, tokenId: 3n }), BAD),
      sub(order({ maker: SELLER, kind: OrderKind.Ask, price: 5n, currency: JUNK })),
      sub(order({ maker: SELLER, kind: OrderKind.Ask, price: 5n, tokenId: 2n })),
      sub(order({ maker: BUYER, kind: OrderKind.TokenBid, price: 101n, tokenId: 7n })),
    ];
    const { results, position } = await intake.submit(submissions, ctx);
    expect(results.map((r) => (r.accepted ? r.status : r.code))).toEqual([
      'fillable',
      'ORDER.DUPLICATE',
      'ORDER.OUT_OF_RANGE',
      'ORDER.OUT_OF_RANGE',
      'ORDER.WRONG_CHAIN',
      'ORDER.WRONG_CONTRACT',
      'ORDER.EXPIRED',
      'ORDER.TOO_FAR_IN_FUTURE',
      'ORDER.BAD_SIGNATURE',
      'ORDER.CURRENCY_NOT_ALLOWED',
      'ORDER.NOT_OWNER',
      'ORDER.INSUFFICIENT_BALANCE',
    ]);
    expect(results.map((r) => r.index)).toEqual(submissions.map((_, i) => i));
    // the chain was read once, for the orders that passed the cheap checks and the signature
    expect(reads).toHaveLength(1);
    expect(reads[0]).toHaveLength(4);
    const stored = await store.readStream(`market-${COLLECTION}`);
    expect(stored.filter((e) => e.type === 'OrderAccepted')).toHaveLength(1);
    expect(position).toBe(stored[stored.length - 1]!.position);
  });

  it('an arriving ask that meets a higher bid trades at its own price and says it undercut the bid', async () => {
    const { intake } = setup({
      [COLLECTION]: {
        tokens: [{ tokenId: 1n, owner: SELLER, approved: true, block: 10n }],
        funds: [{ maker: BUYER, currency: USD, balance: 1_000n, block: 10n }],
      },
    });
    const bid = order({ maker: BUYER, kind: OrderKind.TokenBid, price: 900n });
    const first = await intake.submit([sub(bid)], ctx);
    expect(first.results[0]).toMatchObject({ accepted: true, status: 'fillable', trade: null });
    const ask = order({ maker: SELLER, kind: OrderKind.Ask, price: 700n });
    const second = await intake.submit([sub(ask)], ctx);
    expect(second.results[0]).toMatchObject({
      accepted: true,
      status: 'reserved',
      trade: { price: 700n, counterparty: first.results[0]!.hash, undercut: { bidPrice: 900n } },
    });
    expect(second.position! > first.position!).toBe(true);
  });

  it('spreads a bulk submit over the markets of its collections, one append each', async () => {
    const { intake, store } = setup({
      [COLLECTION]: { tokens: [{ tokenId: 1n, owner: SELLER, approved: true, block: 10n }] },
      [OTHER]: { tokens: [{ tokenId: 1n, owner: SELLER, approved: true, block: 10n }] },
    });
    const { results } = await intake.submit(
      [
        sub(order({ maker: SELLER, kind: OrderKind.Ask, price: 5n })),
        sub(order({ maker: SELLER, kind: OrderKind.Ask, price: 5n, collection: OTHER })),
      ],
      ctx,
    );
    expect(results.every((r) => r.accepted)).toBe(true);
    for (const c of [COLLECTION, OTHER]) {
      const events = await store.readStream(`market-${c}`);
      expect(new Set(events.map((e) => e.metadata.correlationId))).toEqual(new Set(['req-1']));
      expect(events.filter((e) => e.type === 'OrderAccepted')).toHaveLength(1);
    }
  });
});
