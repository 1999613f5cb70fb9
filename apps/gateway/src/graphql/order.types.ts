// The GraphQL object types of the orders read model: an order as GET /v1/orders/:hash shows it
// (apps/gateway/src/orders/order.view.ts, every bigint a decimal string), with the artwork it
// names resolved through the per-request loader, and the answers carrying the read model's
// position (the event store's global position the order's market has reached) like REST does.
import { Field, Int, ObjectType } from '@nestjs/graphql';
import { Artwork } from './read.types';

@ObjectType('Order', { description: 'A signed order and its status in the market' })
export class Order {
  @Field(() => String) hash!: string;
  @Field(() => String) collection!: string;
  @Field(() => String) maker!: string;
  @Field(() => Int, { description: '0 ask, 1 token bid, 2 collection bid' }) kind!: number;
  @Field(() => String) tokenId!: string;
  @Field(() => String) currency!: string;
  @Field(() => String) price!: string;
  @Field(() => String) start!: string;
  @Field(() => String) expiry!: string;
  @Field(() => String) counter!: string;
  @Field(() => String) nonce!: string;
  @Field(() => String) signature!: string;
  @Field(() => String, {
    description:
      'fillable, no-balance, no-approval, not-owner, reserved, filled, cancelled, cancelled-off-chain, replaced, void, expired',
  })
  status!: string;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => String, { nullable: true, description: 'the trade that filled or reserves it' })
  tradeId!: string | null;
  @Field(() => String) acceptedAt!: string;
  @Field(() => String) updatedAt!: string;
  @Field(() => Artwork, {
    nullable: true,
    description:
      'the work an ask or token bid names (null for a collection bid or an unknown work)',
  })
  artwork!: Artwork | null;
}

const POSITION =
  "the event store's global position the orders read model has applied for this market (or its newest of any market); null before any";

@ObjectType('OrderAnswer')
export class OrderAnswer {
  @Field(() => Order, { nullable: true, description: 'null when no order has this hash' })
  order!: Order | null;
  @Field(() => String, { nullable: true, description: POSITION }) position!: string | null;
}

@ObjectType('OrderPage')
export class OrderPage {
  @Field(() => [Order]) items!: Order[];
  @Field(() => String, { nullable: true }) nextCursor!: string | null;
  @Field(() => String, { nullable: true, description: POSITION }) position!: string | null;
}
