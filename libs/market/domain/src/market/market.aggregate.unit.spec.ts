// The market through the event-sourced repository (in-memory store): a bulk submit is one
// append, each order's refusal reported beside the accepted ones, and the state cached per
// stream equals the state replayed from the store.
import { EventSourcedRepository, InMemoryEventStore, fold } from '@atelier/eventsourcing';
import { marketAggregate, marketId } from './market.aggregate';
import { marketDecider } from './decide';
import {
  BUYER,
  COLLECTION,
  FEE,
  SELLER,
  ask,
  funds,
  observe,
  owns,
  submit,
  tokenBid,
} from '../testing/market-fixtures';

const ctx = { correlationId: 'c-1', actor: 'maker:test' };

describe('market aggregate in the repository', () => {
  it('submits a batch as one append, refusals beside acceptances; cache and replay agree', async () => {
    const store = new InMemoryEventStore();
    const repo = new EventSourcedRepository(marketAggregate, store, {
      cachedStreams: 4,
      retryJitterMs: 0,
    });
    await repo.handle(marketId(COLLECTION), observe({ fee: FEE }), ctx);
    const bid = tokenBid(BUYER, 600n);
    const result = await repo.handleAll(
      marketId(COLLECTION),
      [
        submit(bid, { funds: [funds(BUYER, 1_000n)] }),
        submit(ask(SELLER, 0n)),
        submit(ask(SELLER, 500n), { tokens: [owns(1n, SELLER)] }),
      ],
      ctx,
    );
    expect(result.outcomes.map((o) => (o.ok ? o.events.map((e) => e.type) : o.error.code))).toEqual(
      [
        ['FundsObserved', 'OrderAccepted'],
        'ORDER.INVALID',
        ['TokenObserved', 'OrderAccepted', 'TradeMatched'],
      ],
    );
    const stored = await store.readStream(`market-${COLLECTION}`);
    expect(stored).toHaveLength(6);
    expect(new Set(stored.map((e) => e.position)).size).toBe(6);
    const replayed = fold(
      marketDecider,
      stored.map((e) => marketAggregate.codec.decode(e)),
    );
    const cached = await repo.load(marketId(COLLECTION));
    expect([...replayed.orders.values()]).toEqual([...cached.state.orders.values()]);
    expect([...replayed.trades.values()]).toEqual([...result.state.trades.values()]);
  });
});
