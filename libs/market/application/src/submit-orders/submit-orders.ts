// Intake of signed orders, one or up to a thousand per call, each with its own answer. In
// order of cost: the request's own claims (chain, contract), the fields, the hash (duplicates
// within the call), the lifetime, then the signatures (ECDSA or EIP-1271, in parallel), then
// one multicall of chain state for all that survived, then one decision per collection
// (`handleAll`: one append per market however many orders it takes). An order refused at any
// step leaves nothing behind; the others go on.
import {
  systemClock,
  type Address,
  type Clock,
  type DomainError,
  type OrderHash,
} from '@atelier/kernel';
import type { CommandContext, EventSourcedRepository } from '@atelier/eventsourcing';
import {
  isAsk,
  marketId,
  orderFieldProblem,
  type Hex,
  type MarketCommand,
  type MarketError,
  type MarketEvent,
  type MarketState,
  type Observations,
  type Order,
  type OrderStatus,
} from '@atelier/market-domain';
import {
  royaltyKey,
  type IntakePolicy,
  type MarketChainReader,
  type OrderDirectory,
  type OrderSignatures,
} from '../ports';

export interface OrderSubmission {
  readonly order: Order;
  readonly signature: Hex;
  /** Optional claims of the client about the domain it signed under; checked when given. */
  readonly chainId?: number;
  readonly verifyingContract?: Address;
}

export type SubmitOrderResult =
  | {
      readonly index: number;
      readonly accepted: true;
      readonly hash: OrderHash;
      readonly status: OrderStatus;
      readonly reason: string | null;
      /** Set when the order matched on arrival. */
      readonly trade: {
        readonly tradeId: string;
        readonly price: bigint;
        readonly counterparty: OrderHash;
        /** An ask that met a bid above it: the seller could have asked the bid's price. */
        readonly undercut: { readonly bidPrice: bigint } | null;
      } | null;
    }
  | {
      readonly index: number;
      readonly accepted: false;
      readonly hash: OrderHash | null;
      readonly code: string;
      readonly message: string;
      readonly details?: Readonly<Record<string, unknown>>;
    };

export interface SubmitOrdersResult {
  readonly results: readonly SubmitOrderResult[];
  /** Global position of the last event appended (for read-your-writes), if any. */
  readonly position: bigint | null;
}

export const MAX_ORDERS_PER_SUBMIT = 1_000;

type Refusal = Extract<SubmitOrderResult, { accepted: false }>;

const refusal = (
  index: number,
  hash: OrderHash | null,
  error: Pick<DomainError, 'code' | 'message' | 'details'>,
): Refusal => ({
  index,
  accepted: false,
  hash,
  code: error.code,
  message: error.message,
  ...(error.details ? { details: error.details } : {}),
});

export type MarketRepository = EventSourcedRepository<
  MarketCommand,
  MarketEvent,
  MarketState,
  MarketError
>;

export class SubmitOrders {
  constructor(
    private readonly markets: MarketRepository,
    private readonly signatures: OrderSignatures,
    private readonly chain: MarketChainReader,
    private readonly directory: OrderDirectory,
    private readonly policy: IntakePolicy,
    private readonly clock: Clock = systemClock,
  ) {}

  async submit(
    submissions: readonly OrderSubmission[],
    context: CommandContext,
  ): Promise<SubmitOrdersResult> {
    const results: SubmitOrderResult[] = new Array(submissions.length);
    const nowMs = this.clock.now().getTime();
    const now = BigInt(Math.floor(nowMs / 1000));
    const at = new Date(nowMs).toISOString();
    const horizon = now + this.policy.maxLifetimeSeconds;
    const seen = new Set<OrderHash>();
    const candidates: { index: number; hash: OrderHash; s: OrderSubmission }[] = [];

    submissions.forEach((s, index) => {
      if (s.chainId !== undefined && s.chainId !== this.policy.chainId)
        return void (results[index] = refusal(index, null, {
          code: 'ORDER.WRONG_CHAIN',
          message: `this market is on chain ${this.policy.chainId}, not ${s.chainId}`,
        }));
      if (
        s.verifyingContract !== undefined &&
        s.verifyingContract.toLowerCase() !== this.policy.marketplace
      )
        return void (results[index] = refusal(index, null, {
          code: 'ORDER.WRONG_CONTRACT',
          message: `orders are signed for the Marketplace at ${this.policy.marketplace}`,
        }));
      const problem = orderFieldProblem(s.order);
      if (problem)
        return void (results[index] = refusal(index, null, {
          code: problem.code,
          message: problem.message,
          details: { field: problem.field },
        }));
      const hash = this.signatures.hashOrder(s.order);
      if (seen.has(hash))
        return void (results[index] = refusal(index, hash, {
          code: 'ORDER.DUPLICATE',
          message: 'the same signed order appears twice in this request',
        }));
      seen.add(hash);
      if (s.order.expiry <= now)
        return void (results[index] = refusal(index, hash, {
          code: 'ORDER.EXPIRED',
          message: 'the order has expired',
        }));
      if (s.order.expiry > horizon || s.order.start > horizon)
        return void (results[index] = refusal(index, hash, {
          code: 'ORDER.TOO_FAR_IN_FUTURE',
          message: `start and expiry must lie within ${this.policy.maxLifetimeSeconds} s from now`,
        }));
      candidates.push({ index, hash, s });
    });

    const verified = await Promise.all(
      candidates.map(async (c) => ({
        c,
        valid: await this.signatures.verifyOrder(c.s.order, c.hash, c.s.signature),
      })),
    );
    const signed = verified.filter(({ c, valid }) => {
      if (!valid)
        results[c.index] = refusal(c.index, c.hash, {
          code: 'ORDER.BAD_SIGNATURE',
          message: "the signature is not the maker's for this order and Marketplace",
        });
      return valid;
    });

    let position: bigint | null = null;
    if (signed.length > 0) {
      const reading = await this.chain.readForIntake(signed.map(({ c }) => c.s.order));
      const byCollection = new Map<Address, typeof candidates>();
      for (const { c } of signed) {
        if (reading.currencyAllowed.get(c.s.order.currency) !== true) {
          results[c.index] = refusal(c.index, c.hash, {
            code: 'ORDER.CURRENCY_NOT_ALLOWED',
            message: `the Marketplace does not take ${c.s.order.currency}`,
          });
          continue;
        }
        const list = byCollection.get(c.s.order.collection) ?? [];
        list.push(c);
        byCollection.set(c.s.order.collection, list);
      }
      const positions = await Promise.all(
        [...byCollection].map(([collection, list]) =>
          this.decideMarket(
            collection,
            list,
            reading.observed.get(collection) ?? {},
            reading.royalty,
            now,
            at,
            context,
            results,
          ),
        ),
      );
      for (const p of positions)
        if (p !== undefined && (position === null || p > position)) position = p;
    }
    return { results, position };
  }

  private async decideMarket(
    collection: Address,
    list: readonly { index: number; hash: OrderHash; s: OrderSubmission }[],
    observed: Observations,
    royalty: ReadonlyMap<string, import('@atelier/market-domain').RoyaltyTerms>,
    now: bigint,
    at: string,
    context: CommandContext,
    results: SubmitOrderResult[],
  ): Promise<bigint | undefined> {
    const funds = await Promise.all(
      (observed.funds ?? []).map(async (f) => ({
        ...f,
        reservedElsewhere: await this.directory.reservedElsewhere(f.maker, f.currency, collection),
      })),
    );
    const withHolds: Observations = { ...observed, funds };
    const commands: MarketCommand[] = list.map(({ hash, s }) => ({
      type: 'SubmitOrder',
      collection,
      order: { hash, order: s.order, signature: s.signature },
      royalty: isAsk(s.order) ? (royalty.get(royaltyKey(s.order)) ?? null) : null,
      observed: withHolds,
      requireFillable: true,
      now,
      at,
    }));
    const outcome = await this.markets.handleAll(marketId(collection), commands, context);
    outcome.outcomes.forEach((o, i) => {
      const { index, hash } = list[i]!;
      if (!o.ok) {
        results[index] = refusal(index, hash, o.error);
        return;
      }
      results[index] = accepted(index, hash, o.events, outcome.state);
    });
    return outcome.position;
  }
}

function accepted(
  index: number,
  hash: OrderHash,
  events: readonly MarketEvent[],
  state: MarketState,
): SubmitOrderResult {
  const trade = events.find(
    (e): e is Extract<MarketEvent, { type: 'TradeMatched' }> =>
      e.type === 'TradeMatched' && (e.data.ask.hash === hash || e.data.bid.hash === hash),
  );
  const order = state.orders.get(hash);
  const acceptedEvent = events.find(
    (e): e is Extract<MarketEvent, { type: 'OrderAccepted' }> =>
      e.type === 'OrderAccepted' && e.data.hash === hash,
  );
  return {
    index,
    accepted: true,
    hash,
    status: trade ? 'reserved' : (order?.status ?? acceptedEvent?.data.status ?? 'fillable'),
    reason: trade ? `trade ${trade.data.tradeId}` : (order?.reason ?? null),
    trade: trade
      ? {
          tradeId: trade.data.tradeId,
          price: trade.data.price,
          counterparty: trade.data.ask.hash === hash ? trade.data.bid.hash : trade.data.ask.hash,
          undercut:
            trade.data.ask.hash === hash && trade.data.bid.order.price > trade.data.price
              ? { bidPrice: trade.data.bid.order.price }
              : null,
        }
      : null,
  };
}
