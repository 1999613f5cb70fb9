// The market decider: given the market's past events, when a command, then these events or
// this refusal. Covers intake, price-time matching at the ask's price, fillability from
// observations (and their reversal), replacement by nonce, cancellation, settlement, skipped
// pairs, reorgs and time.
import { asOrderHash } from '@atelier/kernel';
import { fold, runCommands } from '@atelier/eventsourcing';
import { deciderSpec } from '@atelier/testing';
import { marketDecider, type MarketCommand } from './decide';
import { marketEventCodec } from './market.codec';
import type { MarketEvent, MarketState } from './market';
import {
  AT,
  BUYER,
  BUYER2,
  COLLECTION,
  CONTRIBUTOR,
  CREATOR,
  EUR,
  FEE,
  FEE_RECIPIENT,
  NOW,
  OTHER_COLLECTION,
  SELLER,
  SELLER2,
  ask,
  atOf,
  collectionBid,
  funds,
  observe,
  owns,
  submit,
  tokenBid,
} from '../testing/market-fixtures';

const spec = deciderSpec(marketDecider);

/** The events of running `commands` from an empty market; fails the test on a refusal. */
function history(...commands: MarketCommand[]): MarketEvent[] {
  const run = runCommands(marketDecider, commands);
  if (run.error) throw new Error(`history refused: ${run.error.code} ${run.error.message}`);
  return run.events;
}

const decide = (events: readonly MarketEvent[], command: MarketCommand) => {
  const state = fold(marketDecider, events);
  return { state, result: marketDecider.decide(command, state) };
};

const accepted = (events: readonly MarketEvent[]) =>
  events.filter(
    (e): e is Extract<MarketEvent, { type: 'OrderAccepted' }> => e.type === 'OrderAccepted',
  );
const matched = (events: readonly MarketEvent[]) =>
  events.filter(
    (e): e is Extract<MarketEvent, { type: 'TradeMatched' }> => e.type === 'TradeMatched',
  );
const statusChanges = (events: readonly MarketEvent[]) =>
  events
    .filter(
      (e): e is Extract<MarketEvent, { type: 'OrderStatusChanged' }> =>
        e.type === 'OrderStatusChanged',
    )
    .map((e) => [e.data.hash, e.data.status]);
const statusIn = (state: MarketState, hash: string) => state.orders.get(asOrderHash(hash))?.status;

const feeKnown = () => observe({ fee: FEE });

describe('market decider: intake', () => {
  it('accepts an ask whose seller owns and approved the token as fillable, with its royalty split', () => {
    const a = ask(SELLER, 1_000_000n);
    spec
      .given(history(feeKnown()))
      .when(submit(a, { tokens: [owns(1n, SELLER)] }))
      .then([
        { type: 'TokenObserved', data: { tokenId: 1n, owner: SELLER, approved: true, block: 10n } },
        {
          type: 'OrderAccepted',
          data: {
            collection: COLLECTION,
            hash: a.hash,
            order: a.order,
            signature: a.signature,
            seq: 1,
            acceptedAt: AT,
            status: 'fillable',
            reason: null,
            split: {
              royaltyReceiver: CREATOR,
              royalty: 50_000n,
              contributors: [{ account: CONTRIBUTOR, amount: 20_000n }],
            },
          },
        },
      ]);
  });

  it('accepts an order it cannot fill yet, with the reason as its status', () => {
    const notOwned = ask(SELLER, 100n);
    const notApproved = ask(SELLER2, 100n, { tokenId: 2n });
    const unfunded = tokenBid(BUYER, 100n, { tokenId: 3n });
    const events = history(
      feeKnown(),
      submit(notOwned, { tokens: [owns(1n, SELLER2)] }),
      submit(notApproved, { tokens: [owns(2n, SELLER2, false)] }),
      submit(unfunded, { funds: [funds(BUYER, 99n)] }),
    );
    expect(accepted(events).map((e) => e.data.status)).toEqual([
      'not-owner',
      'no-approval',
      'no-balance',
    ]);
  });

  it('refuses orders that can never settle, with a stable code', () => {
    const given = spec.given(history(feeKnown()));
    given.when(submit(ask(SELLER, 0n))).thenError('ORDER.INVALID');
    given.when(submit(ask(SELLER, 1n << 128n))).thenError('ORDER.OUT_OF_RANGE', { field: 'price' });
    given
      .when(submit(ask(SELLER, 100n, { counter: 1n << 64n })))
      .thenError('ORDER.OUT_OF_RANGE', { field: 'counter' });
    given.when(submit(collectionBid(BUYER, 100n, { tokenId: 5n }))).thenError('ORDER.INVALID');
    given.when(submit(ask(SELLER, 100n, { start: 10n, expiry: 10n }))).thenError('ORDER.INVALID');
    given.when(submit(ask(SELLER, 100n, { expiry: NOW }))).thenError('ORDER.EXPIRED');
    given
      .when({
        ...submit(ask(SELLER, 100n, { collection: OTHER_COLLECTION })),
        collection: COLLECTION,
      })
      .thenError('ORDER.WRONG_MARKET');
    given
      .when({ ...submit(ask(SELLER, 100n)), royalty: null })
      .thenError('ORDER.ROYALTY_TERMS_MISSING');
    given
      .when(
        submit(ask(SELLER, 100n, { counter: 1n }), {
          counters: [{ maker: SELLER, counter: 2n, block: 5n }],
        }),
      )
      .thenError('ORDER.COUNTER_STALE');
    given
      .when(
        submit(ask(SELLER, 100n, { counter: 3n }), {
          counters: [{ maker: SELLER, counter: 2n, block: 5n }],
        }),
      )
      .thenError('ORDER.COUNTER_AHEAD');
    given
      .when(
        submit(ask(SELLER, 100n, { nonce: 7n }), {
          nonces: [{ maker: SELLER, nonce: 7n, state: 'cancelled', block: 5n }],
        }),
      )
      .thenError('ORDER.NONCE_USED');
  });

  it('refuses the same signed order twice, saying what became of the first', () => {
    const a = ask(SELLER, 100n);
    spec
      .given(history(feeKnown(), submit(a, { tokens: [owns(1n, SELLER)] })))
      .when(submit(a))
      .thenError('ORDER.DUPLICATE', { hash: a.hash, status: 'fillable' });
  });

  it('at intake, refuses what the chain does not back now when asked to', () => {
    const given = spec.given(history(feeKnown()));
    const strict = (c: ReturnType<typeof submit>) => ({ ...c, requireFillable: true });
    given
      .when(strict(submit(ask(SELLER, 100n), { tokens: [owns(1n, SELLER2)] })))
      .thenError('ORDER.NOT_OWNER');
    given
      .when(strict(submit(ask(SELLER, 100n), { tokens: [owns(1n, SELLER, false)] })))
      .thenError('ORDER.NOT_APPROVED');
    given
      .when(strict(submit(tokenBid(BUYER, 100n), { funds: [funds(BUYER, 99n)] })))
      .thenError('ORDER.INSUFFICIENT_BALANCE');
    const events = given
      .when(strict(submit(tokenBid(BUYER, 100n), { funds: [funds(BUYER, 100n)] })))
      .thenState((s) => expect([...s.orders.values()].map((o) => o.status)).toEqual(['fillable']));
    expect([...events.orders.values()]).toHaveLength(1);
  });
});

describe('market decider: matching at the ask price, price-time priority', () => {
  it('an incoming ask meets the highest covering bid, earliest first among equals, and trades at the ask price', () => {
    const low = tokenBid(BUYER, 900n);
    const highFirst = collectionBid(BUYER2, 1_000n);
    const highSecond = tokenBid(BUYER, 1_000n);
    const a = ask(SELLER, 800n);
    const { result } = decide(
      history(
        feeKnown(),
        submit(low, { funds: [funds(BUYER, 10_000n)] }),
        submit(highFirst, { funds: [funds(BUYER2, 10_000n)] }),
        submit(highSecond),
      ),
      submit(a, { tokens: [owns(1n, SELLER)] }),
    );
    if (!result.ok) throw new Error(result.error.code);
    const [trade] = matched(result.value);
    expect(trade?.data).toMatchObject({
      tradeId: `${COLLECTION}:1`,
      price: 800n,
      seller: SELLER,
      buyer: BUYER2,
      ask: { hash: a.hash },
      bid: { hash: highFirst.hash },
      split: {
        price: 800n,
        feeRecipient: FEE_RECIPIENT,
        protocolFee: 20n,
        royaltyReceiver: CREATOR,
        royalty: 40n,
        contributors: [{ account: CONTRIBUTOR, amount: 16n }],
        attribution: 16n,
        sellerProceeds: 724n,
      },
    });
  });

  it('an incoming bid meets the cheapest ask it covers: a token bid only its token, a collection bid any token', () => {
    const onToken2 = ask(SELLER2, 500n, { tokenId: 2n });
    const onToken1 = ask(SELLER, 700n, { tokenId: 1n });
    const base = history(
      feeKnown(),
      submit(onToken2, { tokens: [owns(2n, SELLER2)] }),
      submit(onToken1, { tokens: [owns(1n, SELLER)] }),
    );
    const token1Bid = decide(
      base,
      submit(tokenBid(BUYER, 800n, { tokenId: 1n }), { funds: [funds(BUYER, 10_000n)] }),
    );
    expect(token1Bid.result.ok && matched(token1Bid.result.value)[0]?.data.ask.hash).toBe(
      onToken1.hash,
    );
    const anyBid = decide(
      base,
      submit(collectionBid(BUYER, 800n), { funds: [funds(BUYER, 10_000n)] }),
    );
    expect(anyBid.result.ok && matched(anyBid.result.value)[0]?.data.ask.hash).toBe(onToken2.hash);
    expect(anyBid.result.ok && matched(anyBid.result.value)[0]?.data.price).toBe(500n);
  });

  it('never matches a maker with itself, another currency, a bid below the ask, or an order not yet started', () => {
    const base = history(feeKnown(), submit(ask(SELLER, 500n), { tokens: [owns(1n, SELLER)] }));
    const cases = [
      submit(tokenBid(SELLER, 600n), { funds: [funds(SELLER, 10_000n)] }),
      submit(tokenBid(BUYER, 600n, { currency: EUR }), {
        funds: [funds(BUYER, 10_000n, 10n, EUR)],
      }),
      submit(tokenBid(BUYER, 499n), { funds: [funds(BUYER, 10_000n)] }),
      submit(tokenBid(BUYER, 600n, { start: NOW + 60n }), { funds: [funds(BUYER, 10_000n)] }),
    ];
    for (const command of cases) {
      const { result } = decide(base, command);
      expect(result.ok && matched(result.value)).toEqual([]);
    }
  });

  it('reserves what a match takes from the buyer: its other bids lose their funding, and settle marks both filled', () => {
    const first = tokenBid(BUYER, 600n, { tokenId: 1n });
    const second = tokenBid(BUYER, 500n, { tokenId: 2n });
    const a = ask(SELLER, 600n, { tokenId: 1n });
    const events = history(
      feeKnown(),
      submit(first, { funds: [funds(BUYER, 1_000n)] }),
      submit(second),
      submit(a, { tokens: [owns(1n, SELLER)] }),
    );
    const last = events.slice(-2);
    expect(last.map((e) => e.type)).toEqual(['TradeMatched', 'OrderStatusChanged']);
    expect(statusChanges(last)).toEqual([[second.hash, 'no-balance']]);
    const state = fold(marketDecider, events);
    expect(statusIn(state, a.hash)).toBe('reserved');
    expect(statusIn(state, first.hash)).toBe('reserved');

    const settle: MarketCommand = {
      type: 'SettleTrade',
      askHash: a.hash,
      bidHash: first.hash,
      transactionHash: `0x${'ab'.repeat(32)}`,
      block: 20n,
      now: NOW,
      at: AT,
    };
    const settled = spec
      .given(events)
      .when(settle)
      .thenState((s) => {
        expect(statusIn(s, a.hash)).toBe('filled');
        expect(statusIn(s, first.hash)).toBe('filled');
        // 1,000 observed at block 10, 600 paid at block 20: 400 left, the 500 bid stays unfunded.
        expect(statusIn(s, second.hash)).toBe('no-balance');
      });
    // A fresh observation past the settlement replaces the debit: 900 covers the 500 bid again.
    const { result } = decide(
      [...events, ...history2(events, settle)],
      observe({ funds: [funds(BUYER, 900n, 21n)] }),
    );
    expect(result.ok && statusChanges(result.value)).toEqual([[second.hash, 'fillable']]);
    spec
      .given([...events, ...history2(events, settle)])
      .when(settle)
      .thenNothing();
    expect(settled.trades.get(`${COLLECTION}:1`)?.settled?.block).toBe(20n);
  });
});

/** The events `command` decides after `events` (for chaining commands in a spec). */
function history2(events: readonly MarketEvent[], command: MarketCommand): readonly MarketEvent[] {
  const { result } = decide(events, command);
  if (!result.ok) throw new Error(result.error.code);
  return result.value;
}

describe('market decider: fillability follows the chain, both ways', () => {
  it('an ask whose token moves away is not-owner, and trades as soon as it comes back', () => {
    const a = ask(SELLER, 500n);
    const bid = tokenBid(BUYER, 400n); // below the ask: rests
    let events = history(
      feeKnown(),
      submit(a, { tokens: [owns(1n, SELLER)] }),
      submit(bid, { funds: [funds(BUYER, 1_000n)] }),
    );
    events = [...events, ...history2(events, observe({ tokens: [owns(1n, SELLER2, true, 11n)] }))];
    expect(statusIn(fold(marketDecider, events), a.hash)).toBe('not-owner');
    // An older observation (a late message) changes nothing.
    spec
      .given(events)
      .when(observe({ tokens: [owns(1n, SELLER, true, 10n)] }))
      .thenNothing();
    // Back to the seller (a reorg dropped the transfer; the chain is re-read at block 12).
    const back = history2(events, observe({ tokens: [owns(1n, SELLER, true, 12n)] }));
    expect(statusChanges(back)).toEqual([[a.hash, 'fillable']]);
  });

  it('after a reorg to a shorter chain, a re-read at a lower block still wins', () => {
    const a = ask(SELLER, 500n);
    let events = history(feeKnown(), submit(a, { tokens: [owns(1n, SELLER)] }));
    // On the branch later dropped, the token moved away at block 20.
    events = [...events, ...history2(events, observe({ tokens: [owns(1n, SELLER2, true, 20n)] }))];
    // The chain reorged to height 15: a plain reading at 15 is stale, one after the reorg is not.
    spec
      .given(events)
      .when(observe({ tokens: [owns(1n, SELLER, true, 15n)] }))
      .thenNothing();
    const back = history2(
      events,
      observe({ tokens: [owns(1n, SELLER, true, 15n)], afterReorg: true }),
    );
    expect(statusChanges(back)).toEqual([[a.hash, 'fillable']]);
  });

  it('a raised counter voids the maker orders; a lower one (the raise was reorged out) restores them', () => {
    const a = ask(SELLER, 500n);
    let events = history(
      feeKnown(),
      submit(a, {
        tokens: [owns(1n, SELLER)],
        counters: [{ maker: SELLER, counter: 0n, block: 5n }],
      }),
    );
    const raised = history2(
      events,
      observe({ counters: [{ maker: SELLER, counter: 1n, block: 11n }] }),
    );
    expect(statusChanges(raised)).toEqual([[a.hash, 'void']]);
    events = [...events, ...raised];
    const restored = history2(
      events,
      observe({ counters: [{ maker: SELLER, counter: 0n, block: 12n }] }),
    );
    expect(statusChanges(restored)).toEqual([[a.hash, 'fillable']]);
  });

  it('an on-chain cancel of the nonce cancels the order; its retraction reopens it', () => {
    const a = ask(SELLER, 500n, { nonce: 42n });
    let events = history(feeKnown(), submit(a, { tokens: [owns(1n, SELLER)] }));
    const cancelled = history2(
      events,
      observe({ nonces: [{ maker: SELLER, nonce: 42n, state: 'cancelled', block: 11n }] }),
    );
    expect(statusChanges(cancelled)).toEqual([[a.hash, 'cancelled']]);
    events = [...events, ...cancelled];
    const reopened = history2(
      events,
      observe({ nonces: [{ maker: SELLER, nonce: 42n, state: 'open', block: 12n }] }),
    );
    expect(statusChanges(reopened)).toEqual([[a.hash, 'fillable']]);
  });

  it('a direct fill of an order marks it filled; the fill reorged out makes it fillable again', () => {
    const a = ask(SELLER, 500n, { nonce: 77n });
    let events = history(feeKnown(), submit(a, { tokens: [owns(1n, SELLER)] }));
    const filled = history2(
      events,
      observe({
        nonces: [{ maker: SELLER, nonce: 77n, state: 'filled', filledBy: a.hash, block: 11n }],
      }),
    );
    expect(statusChanges(filled)).toEqual([[a.hash, 'filled']]);
    events = [...events, ...filled];
    const reopened = history2(
      events,
      observe({ nonces: [{ maker: SELLER, nonce: 77n, state: 'open', block: 12n }] }),
    );
    expect(statusChanges(reopened)).toEqual([[a.hash, 'fillable']]);
  });

  it('waits for the protocol fee before matching, then matches what crossed', () => {
    const bid = tokenBid(BUYER, 600n);
    const a = ask(SELLER, 500n);
    const events = history(
      submit(bid, { funds: [funds(BUYER, 1_000n)] }),
      submit(a, { tokens: [owns(1n, SELLER)] }),
    );
    expect(matched(events)).toEqual([]);
    const after = history2(events, feeKnown());
    expect(matched(after).map((e) => [e.data.ask.hash, e.data.bid.hash, e.data.price])).toEqual([
      [a.hash, bid.hash, 500n],
    ]);
  });
});

describe('market decider: replace and cancel', () => {
  it('a new order on the same nonce replaces the old one', () => {
    const old = ask(SELLER, 900n, { nonce: 5n });
    const replacement = ask(SELLER, 800n, { nonce: 5n });
    const events = history(feeKnown(), submit(old, { tokens: [owns(1n, SELLER)] }));
    const { result } = decide(events, submit(replacement));
    expect(result.ok && statusChanges(result.value)).toEqual([[old.hash, 'replaced']]);
  });

  it('refuses to replace an order held by an unsettled trade', () => {
    const old = ask(SELLER, 500n, { nonce: 5n });
    const events = history(
      feeKnown(),
      submit(tokenBid(BUYER, 500n), { funds: [funds(BUYER, 1_000n)] }),
      submit(old, { tokens: [owns(1n, SELLER)] }),
    );
    spec
      .given(events)
      .when(submit(ask(SELLER, 400n, { nonce: 5n })))
      .thenError('ORDER.NONCE_RESERVED');
  });

  it('cancels off-chain only the maker own live orders; a reserved one stays in its trade', () => {
    const live = ask(SELLER, 900n, { tokenId: 2n });
    const reserved = ask(SELLER, 500n);
    const foreign = ask(SELLER2, 900n, { tokenId: 3n });
    const events = history(
      feeKnown(),
      submit(live, { tokens: [owns(2n, SELLER)] }),
      submit(foreign, { tokens: [owns(3n, SELLER2)] }),
      submit(tokenBid(BUYER, 500n), { funds: [funds(BUYER, 1_000n)] }),
      submit(reserved, { tokens: [owns(1n, SELLER)] }),
    );
    const cancel: MarketCommand = {
      type: 'CancelOrders',
      cancelId: 'cancel-1',
      maker: SELLER,
      hashes: [live.hash, reserved.hash, foreign.hash, live.hash],
      now: NOW,
      at: AT,
    };
    const { result } = decide(events, {
      type: 'CancelOrders',
      cancelId: 'cancel-1',
      maker: SELLER,
      hashes: [live.hash, reserved.hash, foreign.hash, live.hash],
      now: NOW,
      at: AT,
    });
    expect(result.ok && statusChanges(result.value)).toEqual([[live.hash, 'cancelled-off-chain']]);
    // The same signed cancel again is refused, even though nothing would change.
    const after = [...events, ...history2(events, cancel)];
    spec.given(after).when(cancel).thenError('CANCEL.REPLAYED');
  });
});

describe('market decider: pairs the contract skipped, reorgs, time', () => {
  const setup = () => {
    const bestBid = tokenBid(BUYER, 700n);
    const nextBid = tokenBid(BUYER2, 600n);
    const a = ask(SELLER, 500n);
    const events = history(
      feeKnown(),
      submit(bestBid, { funds: [funds(BUYER, 1_000n)] }),
      submit(nextBid, { funds: [funds(BUYER2, 1_000n)] }),
      submit(a, { tokens: [owns(1n, SELLER)] }),
    );
    return { bestBid, nextBid, a, events, tradeId: matched(events)[0]!.data.tradeId };
  };
  const release = (
    tradeId: string,
    reason: 'BuyerUnfunded' | 'SellerNotOwner' | 'Abandoned',
  ): MarketCommand => ({
    type: 'ReleaseTrade',
    tradeId,
    reason,
    now: NOW,
    at: AT,
  });

  it('BuyerUnfunded: the bid has no balance until the next observation; the ask goes to the next bid', () => {
    const { bestBid, nextBid, a, events, tradeId } = setup();
    const out = history2(events, release(tradeId, 'BuyerUnfunded'));
    expect(out[0]?.type).toBe('TradeReleased');
    expect(statusChanges(out)).toEqual([
      [bestBid.hash, 'no-balance'],
      [a.hash, 'fillable'],
    ]);
    expect(matched(out).map((e) => [e.data.ask.hash, e.data.bid.hash])).toEqual([
      [a.hash, nextBid.hash],
    ]);
  });

  it('SellerNotOwner: the ask is not-owner, the bid goes back to the book', () => {
    const { bestBid, a, events, tradeId } = setup();
    const out = history2(events, release(tradeId, 'SellerNotOwner'));
    expect(statusChanges(out)).toEqual([
      [bestBid.hash, 'fillable'],
      [a.hash, 'not-owner'],
    ]);
    expect(matched(out)).toEqual([]);
  });

  it('a settlement dropped by a reorg puts both orders back into their trade, once', () => {
    const { bestBid, a, events } = setup();
    const settle: MarketCommand = {
      type: 'SettleTrade',
      askHash: a.hash,
      bidHash: bestBid.hash,
      transactionHash: `0x${'cd'.repeat(32)}`,
      block: 30n,
      now: NOW,
      at: AT,
    };
    const settled = [...events, ...history2(events, settle)];
    const unsettle: MarketCommand = {
      type: 'UnsettleTrade',
      askHash: a.hash,
      bidHash: bestBid.hash,
      now: NOW,
      at: AT,
    };
    const back = spec
      .given(settled)
      .when(unsettle)
      .thenState((s) => {
        expect(statusIn(s, a.hash)).toBe('reserved');
        expect(statusIn(s, bestBid.hash)).toBe('reserved');
      });
    expect(back.reserved.get(`${BUYER}:${'0x0000000000000000000000000000000000005d01'}`)).toBe(
      500n,
    );
    spec
      .given([...settled, ...history2(settled, unsettle)])
      .when(unsettle)
      .thenNothing();
  });

  it('Tick expires what is past its expiry and gives an order that just started its first match', () => {
    const late = tokenBid(BUYER, 600n, { start: NOW + 100n });
    const shortLived = ask(SELLER2, 900n, { tokenId: 2n, expiry: NOW + 50n });
    const a = ask(SELLER, 500n);
    const events = history(
      feeKnown(),
      submit(shortLived, { tokens: [owns(2n, SELLER2)] }),
      submit(a, { tokens: [owns(1n, SELLER)] }),
      submit(late, { funds: [funds(BUYER, 1_000n)] }),
    );
    expect(matched(events)).toEqual([]);
    const tick = (now: bigint): MarketCommand => ({ type: 'Tick', now, at: atOf(now) });
    const at60 = history2(events, tick(NOW + 60n));
    expect(statusChanges(at60)).toEqual([[shortLived.hash, 'expired']]);
    const at100 = history2([...events, ...at60], tick(NOW + 100n));
    expect(matched(at100).map((e) => [e.data.ask.hash, e.data.bid.hash])).toEqual([
      [a.hash, late.hash],
    ]);
  });
});

describe('market decider: purity and storage', () => {
  it('deciding never changes the state it decides against', () => {
    const events = history(
      feeKnown(),
      submit(tokenBid(BUYER, 600n), { funds: [funds(BUYER, 1_000n)] }),
    );
    const state = fold(marketDecider, events);
    const before = snapshot(state);
    const r = marketDecider.decide(
      submit(ask(SELLER, 500n), { tokens: [owns(1n, SELLER)] }),
      state,
    );
    expect(r.ok && matched(r.value)).toHaveLength(1);
    expect(snapshot(state)).toEqual(before);
  });

  it('folding a decision written through equals folding its events one by one', () => {
    const base = history(
      feeKnown(),
      submit(tokenBid(BUYER, 600n), { funds: [funds(BUYER, 1_000n)] }),
    );
    const command = submit(ask(SELLER, 500n), { tokens: [owns(1n, SELLER)] });
    const live = fold(marketDecider, base);
    const r = marketDecider.decide(command, live);
    if (!r.ok) throw new Error(r.error.code);
    for (const e of r.value) marketDecider.evolve(live, e); // written through
    const copies = JSON.parse(
      JSON.stringify([...base, ...r.value].map((e) => marketEventCodec.encode(e))),
    );
    const replayed = fold(
      marketDecider,
      copies.map((e: never) => marketEventCodec.decode(e)),
    );
    expect(JSON.parse(snapshot(live))).toEqual(JSON.parse(snapshot(replayed)));
  });

  it('refuses to fold other events into a state a decision was written through', () => {
    const state = fold(
      marketDecider,
      history(feeKnown(), submit(tokenBid(BUYER, 600n), { funds: [funds(BUYER, 1_000n)] })),
    );
    const r = marketDecider.decide(
      submit(ask(SELLER, 500n), { tokens: [owns(1n, SELLER)] }),
      state,
    );
    if (!r.ok) throw new Error(r.error.code);
    expect(r.value.length).toBeGreaterThan(1);
    marketDecider.evolve(state, r.value[0]!);
    expect(() => marketDecider.evolve(state, r.value[r.value.length - 1]!)).toThrow(
      /decision written through/,
    );
  });

  it('every event survives the stored form unchanged', () => {
    const a = ask(SELLER, 500n);
    const bid = tokenBid(BUYER, 600n);
    let events = history(
      feeKnown(),
      submit(bid, {
        funds: [funds(BUYER, 1_000n)],
        counters: [{ maker: BUYER, counter: 0n, block: 3n }],
      }),
      submit(a, {
        tokens: [owns(1n, SELLER)],
        nonces: [{ maker: SELLER, nonce: 999n, state: 'cancelled', block: 4n }],
      }),
    );
    const tradeId = matched(events)[0]!.data.tradeId;
    events = [
      ...events,
      ...history2(events, { type: 'ReleaseTrade', tradeId, reason: 'Abandoned', now: NOW, at: AT }),
    ];
    const second = matched(events)[1]!;
    events = [
      ...events,
      ...history2(events, {
        type: 'SettleTrade',
        askHash: second.data.ask.hash,
        bidHash: second.data.bid.hash,
        transactionHash: `0x${'ef'.repeat(32)}`,
        block: 40n,
        now: NOW,
        at: AT,
      }),
    ];
    events = [
      ...events,
      ...history2(events, {
        type: 'UnsettleTrade',
        askHash: second.data.ask.hash,
        bidHash: second.data.bid.hash,
        now: NOW,
        at: AT,
      }),
    ];
    events = [
      ...events,
      ...history2(events, {
        type: 'CancelOrders',
        cancelId: 'c-9',
        maker: SELLER,
        hashes: [a.hash],
        now: NOW,
        at: AT,
      }),
    ];
    const types = new Set(events.map((e) => e.type));
    expect([...types].sort()).toEqual([...marketEventCodec.types].sort());
    for (const e of events) {
      const stored = JSON.parse(JSON.stringify(marketEventCodec.encode(e)));
      expect(marketEventCodec.decode(stored)).toEqual(e);
    }
  });
});

/** The state as JSON text, maps and sets (also inside the indexes) as sorted entry lists. */
function snapshot(state: MarketState): string {
  return JSON.stringify(state, (_k, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Map)
      return [...v.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1));
    if (v instanceof Set) return [...v].sort();
    return v;
  });
}
