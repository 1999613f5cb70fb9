// The GraphQL object types of the activity feed (ActivityReader of @atelier/market-projections):
// mints, transfers, sales, listings, bids, cancels and matches across the chain and orders
// models, newest first, as REST GET /v1/activity answers them.
import { Field, Int, ObjectType } from '@nestjs/graphql';
import { Artwork, MixedPosition } from './read.types';

@ObjectType('ActivityItem')
export class ActivityItem {
  @Field(() => String, { description: '<kind>:<fact id | order hash | trade id>, unique' })
  id!: string;
  @Field(() => String, {
    description: 'mint, transfer, sale, listing, bid, collection-bid, cancel or match',
  })
  kind!: string;
  @Field(() => String) at!: string;
  @Field(() => String) collection!: string;
  @Field(() => String, { nullable: true, description: 'null for a collection bid' })
  tokenId!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'where the token goes from (seller, owner, an ask’s maker)',
  })
  from!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'where it goes to (buyer, new owner, a bid’s maker)',
  })
  to!: string | null;
  @Field(() => String, { nullable: true }) price!: string | null;
  @Field(() => String, { nullable: true }) currency!: string | null;
  @Field(() => String, { nullable: true }) orderHash!: string | null;
  @Field(() => String, { nullable: true }) tradeId!: string | null;
  @Field(() => String, {
    nullable: true,
    description: "an order's status now, or a match's trade status",
  })
  status!: string | null;
  @Field(() => String, { nullable: true }) block!: string | null;
  @Field(() => Int, { nullable: true }) logIndex!: number | null;
  @Field(() => String, { nullable: true }) transactionHash!: string | null;
  @Field(() => Artwork, {
    nullable: true,
    description: 'the work it is about (null for a collection bid or an unknown work)',
  })
  artwork!: Artwork | null;
}

@ObjectType('ActivityPage')
export class ActivityPage {
  @Field(() => [ActivityItem]) items!: ActivityItem[];
  @Field(() => String, { nullable: true }) nextCursor!: string | null;
  @Field(() => MixedPosition) position!: MixedPosition;
}
