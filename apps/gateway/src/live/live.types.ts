// The live feeds' GraphQL types, code-first (@nestjs/graphql): one object per change kind, the
// same fields as the SSE frames' JSON (docs/live.md). Names are prefixed `Live` so they never
// meet the read API's types (graphql/) in the one schema. Amounts, token ids, blocks and
// positions are decimal strings, as everywhere in the API.
import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('LiveBookChange', {
  description:
    "A change to a collection's book: an order added, or its status changed (by the market, or by a trade)",
})
export class LiveBookChange {
  @Field({ description: 'order-added | order-status-changed' })
  type!: string;
  @Field({
    description: 'Resumable id: the event’s global position P, or P.i (pass it as `after`)',
  })
  position!: string;
  @Field()
  collection!: string;
  @Field()
  hash!: string;
  @Field(() => String, {
    nullable: true,
    description: 'null only if the order could not be read back',
  })
  tokenId!: string | null;
  @Field(() => String, { nullable: true, description: 'ask | bid | collection-bid' })
  side!: string | null;
  @Field(() => String, { nullable: true })
  maker!: string | null;
  @Field(() => String, { nullable: true })
  currency!: string | null;
  @Field(() => String, { nullable: true })
  price!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'the status before; null when added, or set by a trade',
  })
  from!: string | null;
  @Field()
  status!: string;
  @Field(() => String, { nullable: true })
  reason!: string | null;
  @Field(() => String, { nullable: true, description: 'the trade that set this status' })
  tradeId!: string | null;
  @Field()
  at!: string;
}

@ObjectType('LiveSplitShare')
export class LiveSplitShare {
  @Field()
  account!: string;
  @Field()
  amount!: string;
}

@ObjectType('LiveTradeSplit', { description: 'What the contract pays out of a matched trade' })
export class LiveTradeSplit {
  @Field()
  price!: string;
  @Field(() => String, { nullable: true })
  feeRecipient!: string | null;
  @Field()
  protocolFee!: string;
  @Field(() => String, { nullable: true })
  royaltyReceiver!: string | null;
  @Field()
  royalty!: string;
  @Field(() => [LiveSplitShare])
  contributors!: LiveSplitShare[];
  @Field()
  attribution!: string;
  @Field()
  sellerProceeds!: string;
}

@ObjectType('LiveTradeChange', {
  description: 'A trade matched, settled on chain, released, or un-settled by a reorg',
})
export class LiveTradeChange {
  @Field({ description: 'trade-matched | trade-settled | trade-released | trade-unsettled' })
  type!: string;
  @Field({ description: 'Resumable id: P or P.i (pass it as `after`)' })
  position!: string;
  @Field()
  tradeId!: string;
  @Field()
  collection!: string;
  @Field(() => String, { nullable: true })
  tokenId!: string | null;
  @Field(() => String, { nullable: true })
  seller!: string | null;
  @Field(() => String, { nullable: true })
  buyer!: string | null;
  @Field(() => String, { nullable: true })
  currency!: string | null;
  @Field(() => String, { nullable: true })
  price!: string | null;
  @Field(() => String, { nullable: true })
  askHash!: string | null;
  @Field(() => String, { nullable: true })
  bidHash!: string | null;
  @Field(() => LiveTradeSplit, { nullable: true, description: 'on trade-matched' })
  split!: LiveTradeSplit | null;
  @Field(() => String, { nullable: true, description: 'on trade-settled' })
  transactionHash!: string | null;
  @Field(() => String, { nullable: true, description: 'on trade-settled' })
  block!: string | null;
  @Field(() => String, { nullable: true, description: 'on trade-released / trade-unsettled' })
  reason!: string | null;
  @Field()
  at!: string;
}

@ObjectType('LiveCredited')
export class LiveCredited {
  @Field()
  royalty!: string;
  @Field()
  attribution!: string;
  @Field()
  fee!: string;
  @Field()
  proceeds!: string;
}

@ObjectType('LiveLedgerCurrency')
export class LiveLedgerCurrency {
  @Field()
  currency!: string;
  @Field()
  deposited!: string;
  @Field()
  withdrawn!: string;
  @Field()
  paid!: string;
  @Field(() => LiveCredited)
  credited!: LiveCredited;
  @Field()
  balance!: string;
}

@ObjectType('LiveLedgerChange', {
  description: "An account's Marketplace ledger as it now stands (the latest one wins)",
})
export class LiveLedgerChange {
  @Field({ description: 'ledger-updated' })
  type!: string;
  @Field({ description: 'The ledgers model’s version (pass it as `after`)' })
  position!: string;
  @Field()
  account!: string;
  @Field(() => String, { nullable: true, description: 'newest block the ledgers model reflects' })
  block!: string | null;
  @Field(() => [LiveLedgerCurrency])
  currencies!: LiveLedgerCurrency[];
}
