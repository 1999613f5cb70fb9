// Orders over GraphQL: one order by hash and the listing by maker, collection and status (REST
// GET /v1/orders/:hash and GET /v1/orders), with the same `minPosition` read-your-writes wait and
// the position of the orders read model in every answer; an order's artwork through the
// request's loader.
import { Inject } from '@nestjs/common';
import { Args, Context, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { ArtworkView, OrdersReader } from '@atelier/market-projections';
import { ORDERS_READER } from '../market/market.tokens';
import { orderJson, type OrderJson } from '../orders/order.view';
import { listOrdersQuery, minPositionQuery, orderHashParams } from '../orders/orders.query';
import { ReadYourWrites } from '../orders/read-your-writes';
import { parseArgs } from './graphql.args';
import { perItem } from './query-limits';
import { Order, OrderAnswer, OrderPage } from './order.types';
import { ReadLoaders, workKey } from './read.loaders';
import { Artwork, DEFAULT_PAGE } from './read.types';

const optional = { type: () => String, nullable: true } as const;
const minPosition = {
  ...optional,
  description:
    'wait (bounded) until the read model reached this event-store position, as REST ?minPosition= does',
} as const;
const COLLECTION_BID = 2;

@Resolver(() => Order)
export class OrdersResolver {
  constructor(
    @Inject(ORDERS_READER) private readonly reader: OrdersReader,
    private readonly reads: ReadYourWrites,
    private readonly loaders: ReadLoaders,
  ) {}

  @Query(() => OrderAnswer, {
    description:
      'One order (REST GET /v1/orders/:hash); `order` is null when no order has this hash',
  })
  async order(
    @Args('hash', { type: () => String }) hash: string,
    @Args('minPosition', minPosition) minPositionArg?: string,
  ): Promise<{ order: OrderJson | null; position: string | null }> {
    const p = parseArgs(orderHashParams, { hash });
    const q = parseArgs(minPositionQuery, { minPosition: minPositionArg });
    await this.reads.reach(q.minPosition);
    const order = await this.reader.get(p.hash);
    return {
      order: order ? orderJson(order) : null,
      position: await this.reads.position(order?.collection),
    };
  }

  @Query(() => OrderPage, {
    description: 'Orders newest first, by maker, collection and status (REST GET /v1/orders)',
    complexity: perItem(DEFAULT_PAGE),
  })
  async orders(
    @Args('maker', optional) maker?: string,
    @Args('collection', optional) collection?: string,
    @Args('status', { ...optional, description: 'one order status (see Order.status)' })
    status?: string,
    @Args('cursor', optional) cursor?: string,
    @Args('limit', {
      type: () => Int,
      nullable: true,
      description: 'page size, 1..500 (default 50)',
    })
    limit?: number,
    @Args('minPosition', minPosition) minPositionArg?: string,
  ): Promise<{ items: OrderJson[]; nextCursor: string | null; position: string | null }> {
    const q = parseArgs(listOrdersQuery, {
      maker,
      collection,
      status,
      cursor,
      limit,
      minPosition: minPositionArg,
    });
    await this.reads.reach(q.minPosition, q.collection);
    const page = await this.reader.list({
      ...(q.maker ? { maker: q.maker } : {}),
      ...(q.collection ? { collection: q.collection } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return {
      items: page.items.map(orderJson),
      nextCursor: page.nextCursor,
      position: await this.reads.position(q.collection),
    };
  }

  @ResolveField('artwork', () => Artwork, { nullable: true })
  async artwork(@Parent() order: OrderJson, @Context() ctx: object): Promise<ArtworkView | null> {
    if (order.kind === COLLECTION_BID) return null;
    return this.loaders.of(ctx).artwork.load(workKey(order.collection, order.tokenId));
  }
}
