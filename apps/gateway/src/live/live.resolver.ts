// The live feeds as GraphQL subscriptions (WebSocket on /graphql, graphql-transport-ws):
// orderBookChanged(collection, tokenId?), tradeFeed(collection?, tokenId?, account?) and
// ledgerUpdated(account), each with `after` to resume (a change's `position`, as SSE's
// Last-Event-ID). Arguments go through the SSE routes' zod schemas (REQUEST.INVALID naming the
// argument); the changes come from the same LiveFeed, so both transports see the same changes
// with the same ids.
import { Inject } from '@nestjs/common';
import { Args, Resolver, Subscription } from '@nestjs/graphql';
import { parseRequest } from '@atelier/platform';
import type { LiveChange, LiveFilter, ChangeCursor } from './live-changes';
import { LIVE_OPTIONS, LiveFeed } from './live-feed';
import type { LiveOptions } from './live.config';
import { LiveIterator } from './live-iterator';
import {
  bookFilter,
  bookQuery,
  ledgerFilter,
  ledgerParams,
  ledgerQuery,
  tradeFilter,
  tradeQuery,
} from './live.query';
import { LiveBookChange, LiveLedgerChange, LiveTradeChange } from './live.types';

const AFTER = {
  nullable: true,
  description: 'resume after this change (its `position`); none: from now on',
} as const;
const asIs = (payload: LiveChange) => payload;

@Resolver()
export class LiveResolver {
  constructor(
    @Inject(LiveFeed) private readonly feed: LiveFeed,
    @Inject(LIVE_OPTIONS) private readonly options: LiveOptions,
  ) {}

  @Subscription(() => LiveBookChange, {
    description:
      "Changes to a collection's order book (or one token's: its orders and collection bids)",
    resolve: asIs,
  })
  orderBookChanged(
    @Args('collection') collection: string,
    @Args('tokenId', { nullable: true }) tokenId?: string,
    @Args('after', AFTER) after?: string,
  ): Promise<AsyncIterableIterator<LiveChange>> {
    const q = parseRequest(
      bookQuery,
      defined({ collection, tokenId, lastEventId: after }),
      'arguments',
    );
    return this.start(bookFilter(q), q.lastEventId);
  }

  @Subscription(() => LiveTradeChange, {
    description: 'Trades matched, settled, released, un-settled (of a collection, token, account)',
    resolve: asIs,
  })
  tradeFeed(
    @Args('collection', { nullable: true }) collection?: string,
    @Args('tokenId', { nullable: true }) tokenId?: string,
    @Args('account', { nullable: true }) account?: string,
    @Args('after', AFTER) after?: string,
  ): Promise<AsyncIterableIterator<LiveChange>> {
    const q = parseRequest(
      tradeQuery,
      defined({ collection, tokenId, account, lastEventId: after }),
      'arguments',
    );
    return this.start(tradeFilter(q), q.lastEventId);
  }

  @Subscription(() => LiveLedgerChange, {
    description: "An account's ledger each time it changes (first, as it stands now)",
    resolve: asIs,
  })
  ledgerUpdated(
    @Args('account') account: string,
    @Args('after', AFTER) after?: string,
  ): Promise<AsyncIterableIterator<LiveChange>> {
    const p = parseRequest(ledgerParams, { account }, 'arguments');
    const q = parseRequest(ledgerQuery, defined({ lastEventId: after }), 'arguments');
    return this.start(ledgerFilter(p.account), q.lastEventId);
  }

  private async start(
    filter: LiveFilter,
    after: ChangeCursor | undefined,
  ): Promise<AsyncIterableIterator<LiveChange>> {
    const iterator = new LiveIterator(this.options.clientBufferEvents);
    await this.feed.subscribe(filter, after ?? null, iterator);
    return iterator;
  }
}

/** The arguments given (GraphQL passes absent nullable arguments as undefined or null). */
const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
