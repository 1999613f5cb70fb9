// The demo's traders at work: each round, each trader looks at the market through the public API
// (the typed client: works and their owners, fillable orders, trades), plans with strategy.ts,
// signs its orders with its own key (EIP-712, as any outside market maker) and submits them
// through the API. The only chain calls are a trader's own funding: minting test tUSD, depositing
// it into the Marketplace and approving the Marketplace for its works (what a wallet does).
// Matches happen in the gateway on arrival, settlement in batches by the settlement service.
import type { Logger } from 'pino';
import type { PrivateKeyAccount, HDAccount } from 'viem';
import {
  approveMarketplace,
  deposit,
  writeAndWait,
  type ConnectDeploymentReturnType,
} from '@atelier/chain-actions';
import { AtelierApiError, OrderKind, type AtelierClient, type OrderView } from '@atelier/client';
import { marketplaceAbi, testStablecoinAbi } from '@atelier/contracts-abi';
import {
  planRound,
  type Action,
  type Address,
  type BookOrder,
  type StrategyParams,
} from './strategy';

export interface Trader {
  readonly name: string;
  readonly account: PrivateKeyAccount | HDAccount;
}

export interface BotOptions {
  readonly client: AtelierClient;
  readonly deployment: ConnectDeploymentReturnType;
  readonly traders: readonly Trader[];
  readonly params: StrategyParams;
  readonly random: () => number;
  /** Top up a trader's Marketplace balance to `funding` once it falls below `funding / 4`. */
  readonly funding: bigint;
  /** Lifetime of an order, seconds (resting quotes go stale and expire). */
  readonly orderLifetime: bigint;
  readonly logger: Logger;
}

export interface BotStats {
  rounds: number;
  ordersAccepted: number;
  ordersRefused: number;
  matched: number;
  lastRoundAt: string | null;
  lastError: string | null;
}

const KIND = { [OrderKind.Ask]: 'ask', [OrderKind.TokenBid]: 'tokenBid' } as const;
const kindName = (kind: number): BookOrder['kind'] =>
  kind === 0 ? 'ask' : kind === 1 ? 'tokenBid' : 'collectionBid';

export class DemoBot {
  readonly stats: BotStats = {
    rounds: 0,
    ordersAccepted: 0,
    ordersRefused: 0,
    matched: 0,
    lastRoundAt: null,
    lastError: null,
  };
  private readonly usd: Address;
  private readonly registry: Address;
  private readonly marketplace: Address;
  private nonce = BigInt(Date.now()) * 1_000n;

  constructor(private readonly o: BotOptions) {
    this.usd = o.deployment.address('TestStablecoin');
    this.registry = o.deployment.address('ArtworkRegistry');
    this.marketplace = o.deployment.address('Marketplace');
  }

  /** Funds and approves every trader where that is missing (idempotent). */
  async setUp(): Promise<void> {
    for (const t of this.o.traders) {
      const wallet = this.o.deployment.wallet(t.account);
      await approveMarketplace(wallet, {
        collection: this.registry,
        marketplace: this.marketplace,
      });
      await this.fund(t);
    }
  }

  /** One round for every trader. A failure of one trader's round is logged, not fatal. */
  async round(): Promise<void> {
    const [works, book, trades] = await Promise.all([
      this.works(),
      this.fillableOrders(),
      this.lastPrices(),
    ]);
    for (const t of this.o.traders) {
      try {
        await this.fund(t);
        const me = t.account.address;
        const open = await this.openBidsTotal(me);
        const balance = await this.balance(me);
        const actions = planRound(
          {
            me,
            works: works.map((w) => ({ ...w, lastPrice: trades.get(w.tokenId) ?? null })),
            book,
            spendable: balance > open ? balance - open : 0n,
          },
          this.o.params,
          this.o.random,
        );
        for (const action of actions) await this.send(t, action);
        this.stats.lastError = null;
      } catch (e) {
        this.stats.lastError = `${t.name}: ${(e as Error).message}`;
        this.o.logger.warn({ err: e, trader: t.name }, 'round failed; next round tries again');
      }
    }
    this.stats.rounds++;
    this.stats.lastRoundAt = new Date().toISOString();
  }

  private async send(t: Trader, action: Action): Promise<void> {
    const kind = action.type === 'relist' ? OrderKind.Ask : OrderKind.TokenBid;
    const signed = await this.o.client.createOrder(t.account, {
      kind,
      collection: this.registry,
      tokenId: action.tokenId,
      currency: this.usd,
      price: action.price,
      now: BigInt(Math.floor(Date.now() / 1000)),
      lifetime: this.o.orderLifetime,
      nonce: this.nonce++,
    });
    try {
      const answer = await this.o.client.submitOrders(signed);
      const result = answer.results[0]!;
      if (result.accepted) {
        this.stats.ordersAccepted++;
        if (result.status === 'reserved') this.stats.matched++;
      } else this.stats.ordersRefused++;
      this.o.logger.info(
        {
          trader: t.name,
          action: action.type,
          kind: KIND[kind],
          tokenId: action.tokenId.toString(),
          price: action.price.toString(),
          result,
        },
        `${t.name} ${action.type} work ${action.tokenId} at ${action.price / 1_000_000n} tUSD`,
      );
    } catch (e) {
      // A refusal (4xx problem) is the market's answer, not the bot's failure.
      if (!(e instanceof AtelierApiError)) throw e;
      this.stats.ordersRefused++;
      this.o.logger.info(
        { trader: t.name, action: action.type, code: e.code, detail: e.detail },
        `${t.name} ${action.type} refused: ${e.code}`,
      );
    }
  }

  private async works(): Promise<{ tokenId: bigint; owner: Address }[]> {
    const page = await this.o.client.artworks({ collection: this.registry, limit: '500' });
    return page.items.map((a) => ({
      tokenId: BigInt(a.tokenId),
      owner: a.owner as Address,
    }));
  }

  private async fillableOrders() {
    const orders: OrderView[] = [];
    for await (const o of this.o.client.allOrders({
      collection: this.registry,
      status: 'fillable',
      limit: '500',
    }))
      orders.push(o);
    return orders.map((o) => ({
      maker: o.maker as Address,
      kind: kindName(Number(o.kind)),
      tokenId: BigInt(o.tokenId),
      price: BigInt(o.price),
    }));
  }

  /** The last settled price of each work (newest first from the API: the first one wins). */
  private async lastPrices(): Promise<Map<bigint, bigint>> {
    const page = await this.o.client.trades({ collection: this.registry, limit: '500' });
    const last = new Map<bigint, bigint>();
    for (const t of page.items) {
      const id = BigInt(t.tokenId);
      if (!last.has(id)) last.set(id, BigInt(t.price));
    }
    return last;
  }

  /** What this trader's fillable and reserved bids hold of its balance. */
  private async openBidsTotal(maker: Address): Promise<bigint> {
    let total = 0n;
    for (const status of ['fillable', 'reserved'] as const) {
      for await (const o of this.o.client.allOrders({ maker, status, limit: '500' }))
        if (Number(o.kind) !== OrderKind.Ask) total += BigInt(o.price);
    }
    return total;
  }

  private balance(account: Address): Promise<bigint> {
    return this.o.deployment.client.readContract({
      address: this.marketplace,
      abi: marketplaceAbi,
      functionName: 'balanceOf',
      args: [account, this.usd],
    });
  }

  private async fund(t: Trader): Promise<void> {
    const balance = await this.balance(t.account.address);
    if (balance >= this.o.funding / 4n) return;
    const wallet = this.o.deployment.wallet(t.account);
    const amount = this.o.funding - balance;
    await writeAndWait(wallet, {
      address: this.usd,
      abi: testStablecoinAbi,
      functionName: 'mint',
      args: [t.account.address, amount],
    });
    await deposit(wallet, { marketplace: this.marketplace, currency: this.usd, amount });
    this.o.logger.info(
      { trader: t.name, amount: amount.toString() },
      `${t.name} deposited ${amount / 1_000_000n} tUSD`,
    );
  }
}
