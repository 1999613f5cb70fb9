// Off-chain cancels: the maker signs an EIP-712 `CancelOrders` naming order hashes; each named
// order the maker owns and that no trade holds becomes `cancelled-off-chain`, and the operator
// never settles it. The signature of the order itself stays valid on chain until the maker
// cancels it there (`cancel` or `incrementCounter`): the answer says so. A signed cancel is
// taken once (a replay is refused), and only while fresh.
import { CodedError, systemClock, type Address, type Clock, type OrderHash } from '@atelier/kernel';
import type { CommandContext } from '@atelier/eventsourcing';
import { marketId, type Hex, type MarketEvent, type OrderStatus } from '@atelier/market-domain';
import type { IntakePolicy, OrderCancel, OrderDirectory, OrderSignatures } from '../ports';
import type { MarketRepository } from '../submit-orders/submit-orders';

export type CancelOrderResult =
  | { readonly hash: OrderHash; readonly cancelled: true }
  | {
      readonly hash: OrderHash;
      readonly cancelled: false;
      readonly code: 'ORDER.NOT_FOUND' | 'ORDER.NOT_CANCELLABLE' | 'ORDER.NOT_MAKER';
      readonly status: OrderStatus | null;
    };

export interface CancelOrdersResult {
  readonly results: readonly CancelOrderResult[];
  readonly position: bigint | null;
  readonly note: string;
}

export const ON_CHAIN_NOTE =
  'An off-chain cancel stops this market from matching or settling the orders; their signatures stay valid on chain until cancelled there (Marketplace.cancel or incrementCounter).';

export type CancelErrorCode =
  'CANCEL.BAD_SIGNATURE' | 'CANCEL.EXPIRED' | 'CANCEL.REPLAYED' | 'CANCEL.EMPTY';

/** A refusal of the whole cancel (bad signature, stale, replayed), mapped to 4xx at the edge. */
export class CancelRefused extends CodedError<CancelErrorCode> {
  override readonly name = 'CancelRefused';
}

export class CancelOrders {
  constructor(
    private readonly markets: MarketRepository,
    private readonly signatures: OrderSignatures,
    private readonly directory: OrderDirectory,
    private readonly policy: IntakePolicy,
    private readonly clock: Clock = systemClock,
  ) {}

  async cancel(
    cancel: OrderCancel,
    signature: Hex,
    context: CommandContext,
  ): Promise<CancelOrdersResult> {
    const hashes = [...new Set(cancel.orderHashes)];
    if (hashes.length === 0) throw new CancelRefused('CANCEL.EMPTY', 'the cancel names no order');
    const nowMs = this.clock.now().getTime();
    const now = BigInt(Math.floor(nowMs / 1000));
    if (cancel.issuedAt + this.policy.cancelMaxAgeSeconds < now || cancel.issuedAt > now + 60n)
      throw new CancelRefused(
        'CANCEL.EXPIRED',
        `issuedAt must lie within ${this.policy.cancelMaxAgeSeconds} s before now`,
        { issuedAt: cancel.issuedAt.toString(), now: now.toString() },
      );
    if (!(await this.signatures.verifyCancel(cancel, signature)))
      throw new CancelRefused(
        'CANCEL.BAD_SIGNATURE',
        "the signature is not the maker's for this cancel",
      );
    const cancelId = this.signatures.hashCancel(cancel);
    const at = new Date(nowMs).toISOString();
    const where = await this.directory.collectionsOf(hashes);
    const byCollection = new Map<Address, OrderHash[]>();
    for (const h of hashes) {
      const c = where.get(h);
      if (c) byCollection.set(c, [...(byCollection.get(c) ?? []), h]);
    }
    const results = new Map<OrderHash, CancelOrderResult>();
    let position: bigint | null = null;
    for (const [collection, list] of byCollection) {
      const outcome = await this.markets.handleAll(
        marketId(collection),
        [{ type: 'CancelOrders', cancelId, maker: cancel.maker, hashes: list, now, at }],
        context,
      );
      const [o] = outcome.outcomes;
      if (o && !o.ok) {
        if (o.error.code === 'CANCEL.REPLAYED')
          throw new CancelRefused('CANCEL.REPLAYED', 'this signed cancel was taken before', {
            cancelId,
          });
        throw new Error(`unexpected refusal of a cancel: ${o.error.code}`);
      }
      const changed = new Set(
        (o?.ok ? o.events : [])
          .filter(
            (e): e is Extract<MarketEvent, { type: 'OrderStatusChanged' }> =>
              e.type === 'OrderStatusChanged',
          )
          .map((e) => e.data.hash),
      );
      for (const h of list) {
        const order = outcome.state.orders.get(h);
        if (changed.has(h)) results.set(h, { hash: h, cancelled: true });
        else if (!order)
          results.set(h, { hash: h, cancelled: false, code: 'ORDER.NOT_FOUND', status: null });
        else if (order.order.maker !== cancel.maker)
          results.set(h, { hash: h, cancelled: false, code: 'ORDER.NOT_MAKER', status: null });
        else
          results.set(h, {
            hash: h,
            cancelled: false,
            code: 'ORDER.NOT_CANCELLABLE',
            status: order.status,
          });
      }
      if (outcome.position !== undefined && (position === null || outcome.position > position))
        position = outcome.position;
    }
    return {
      results: hashes.map(
        (h) =>
          results.get(h) ?? { hash: h, cancelled: false, code: 'ORDER.NOT_FOUND', status: null },
      ),
      position,
      note: ON_CHAIN_NOTE,
    };
  }
}
