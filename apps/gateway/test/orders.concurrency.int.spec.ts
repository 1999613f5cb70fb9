// Two gateway instances (two apps, one database: one event store, one read model) take 1,000
// crossing orders on one collection at once, in bulk requests spread over both: 500 asks of
// two sellers on 500 works, 500 collection bids of two buyers all above every ask. Every order
// gets an answer, no order is matched twice (TradeMatched counted per order hash in the store),
// and since every bid covers every ask, exactly 500 trades pair them all: the book never rests
// crossed, whichever instance decided.
import { Pool } from 'pg';
import type { HDAccount } from 'viem/accounts';
import {
  apiKey,
  bootGateway,
  chainClients,
  dropSchemas,
  gatewaySchemas,
  post,
  submission,
  type Gateway,
} from './orders.fixture';

const TUSD = 1_000_000n;
const PER_SIDE = 500;
const BATCH = 50;

describe('two gateway instances, 1,000 crossing orders on one collection at once', () => {
  const schemas = gatewaySchemas();
  const chain = chainClients();
  let gateways: Gateway[];
  let pool: Pool;
  let key: string;

  beforeAll(async () => {
    gateways = [
      await bootGateway(schemas, { LOG_LEVEL: process.env['SPEC_LOG'] ?? 'silent' }),
      await bootGateway(schemas),
    ];
    key = await apiKey(gateways[0]!);
    pool = new Pool({ connectionString: process.env['GATEWAY_DATABASE_URL'], max: 2 });
  }, 60_000);

  afterAll(async () => {
    await Promise.all((gateways ?? []).map((g) => g.app.close()));
    await pool?.end();
    await dropSchemas(schemas);
  });

  it('answers every order, matches none twice, leaves no crossing pair unmatched', async () => {
    const [seller1, seller2, buyer1, buyer2] = await Promise.all(
      Array.from({ length: 4 }, () => chain.account()),
    );
    const sellers: HDAccount[] = [seller1!, seller2!];
    const buyers: HDAccount[] = [buyer1!, buyer2!];
    const works = await Promise.all(sellers.map((s) => chain.mintWorks(s, PER_SIDE / 2)));
    await Promise.all(buyers.map((b) => chain.deposit(b, 100_000n * TUSD)));

    const nonce = BigInt(Date.now()) * 10_000n;
    const orders = [
      ...sellers.flatMap((s, si) =>
        works[si]!.map((tokenId, i) =>
          chain.order(s, {
            kind: chain.OrderKind.Ask,
            tokenId,
            price: 10n * TUSD + BigInt(i % 7),
            nonce: nonce + BigInt(i),
          }),
        ),
      ),
      ...buyers.flatMap((b) =>
        Array.from({ length: PER_SIDE / 2 }, (_, i) =>
          chain.order(b, {
            kind: chain.OrderKind.CollectionBid,
            price: 20n * TUSD + BigInt(i % 5),
            nonce: nonce + BigInt(i),
          }),
        ),
      ),
    ];
    const makers = new Map([...sellers, ...buyers].map((a) => [a.address, a]));
    const signed = await Promise.all(
      orders.map(async (o) => submission(o, await chain.signOrder(makers.get(o.maker)!, o))),
    );
    // Interleave asks and bids, then cut into batches alternating between the instances.
    const mixed = signed
      .map((s, i) => ({ s, k: (i * 7919) % signed.length }))
      .sort((a, b) => a.k - b.k);
    const batches: (typeof signed)[] = [];
    for (let i = 0; i < mixed.length; i += BATCH)
      batches.push(mixed.slice(i, i + BATCH).map((m) => m.s));

    const answers = new Map<string, { accepted: boolean; status?: string; code?: string }>();
    let retried = 0;
    await Promise.all(
      batches.map(async (batch, i) => {
        const gateway = gateways[i % 2]!;
        for (let attempt = 1; ; attempt++) {
          const res = await post(gateway.base, '/v1/orders', { orders: batch }, key);
          if (res.status === 409 && attempt < 5) {
            retried++; // the repository's bounded retries ran out under contention: resubmit
            continue;
          }
          if (res.status !== 200) throw new Error(`${res.status}: ${await res.text()}`);
          const body = (await res.json()) as {
            results: {
              index: number;
              accepted: boolean;
              hash: string;
              status?: string;
              code?: string;
            }[];
          };
          expect(body.results.map((r) => r.index)).toEqual(batch.map((_, j) => j));
          for (const r of body.results) answers.set(r.hash, r);
          return;
        }
      }),
    );

    // every order accounted for, each accepted once
    expect(answers.size).toBe(1_000);
    const refused = [...answers.values()].filter((a) => !a.accepted);
    expect(refused).toEqual([]);

    const { rows: accepted } = await pool.query<{ n: string }>(
      `SELECT COUNT(*)::text AS n FROM ${schemas.eventStore}.events WHERE type = 'OrderAccepted'`,
    );
    expect(accepted[0]!.n).toBe('1000');

    // no order matched twice
    const { rows: matches } = await pool.query<{ hash: string; n: string }>(
      `SELECT hash, COUNT(*)::text AS n FROM (
         SELECT data->'ask'->>'hash' AS hash FROM ${schemas.eventStore}.events WHERE type = 'TradeMatched'
         UNION ALL
         SELECT data->'bid'->>'hash' FROM ${schemas.eventStore}.events WHERE type = 'TradeMatched'
       ) m GROUP BY hash`,
    );
    expect(matches.filter((m) => m.n !== '1')).toEqual([]);
    // every bid covers every ask: all 500 pairs matched, by either instance
    expect(matches).toHaveLength(1_000);
    const statuses = new Set([...answers.values()].map((a) => a.status));
    expect([...statuses].every((s) => s === 'fillable' || s === 'reserved')).toBe(true);
    // the trade prices are the asks'
    const { rows: prices } = await pool.query<{ ok: boolean }>(
      `SELECT bool_and(data->>'price' = data->'ask'->'order'->>'price') AS ok
         FROM ${schemas.eventStore}.events WHERE type = 'TradeMatched'`,
    );
    expect(prices[0]!.ok).toBe(true);
    console.info(
      `1,000 orders over two instances: ${retried} bulk request(s) resubmitted after 409`,
    );
  }, 240_000);
});
