// atelier book: the order book of a collection or of one of its tokens, per currency, as
// price levels with the best order of each side; now (the orders read model) or as of a block
// (the market stream folded up to that block's time). See ../book/book.ts.
import { Pool } from 'pg';
import { ordersProjection } from '@atelier/market-projections';
import { connectDeployment } from '@atelier/chain-actions';
import {
  address,
  json,
  parse,
  table,
  usageError,
  wholeNumber,
  type Command,
  type Io,
} from '../cli';
import { loadCliConfig } from '../config';
import { openReadModels } from '../read-models';
import {
  buildBook,
  liveOrdersFromModel,
  liveOrdersFromStore,
  type LiveOrder,
  type OrderBookAnswer,
  type Side,
} from '../book/book';

const help = `usage: atelier book <collection> [--token ID] [--as-of-block N] [--levels N] [--json]
  the order book per currency: price levels (price, orders) and the best order of each side
  --token ID        one token's book: its asks; bids are its token bids and every collection bid
                    (without it: every ask, collection bids, and token bids as a side of their own)
  --as-of-block N   as the market knew it when block N was mined: the collection's market stream
                    in the event store folded up to the last event recorded at or before block N's
                    timestamp (read with RPC_URL); orders live off chain, so this is a time, not a
                    chain state
  --levels N        price levels per side (default 20)
  --json            one JSON document on stdout
Now: the orders read model (READ_MODEL_SCHEMA) — fillable orders whose start <= now < expiry.`;

function printSide(io: Io, name: string, s: Side): void {
  io.out(
    `  ${name}: ${s.best ? `best ${s.best.price} (${s.best.hash} by ${s.best.maker})` : 'empty'}`,
  );
  if (s.levels.length)
    table(
      io,
      ['    price', 'orders'],
      s.levels.map((l) => [`    ${l.price}`, String(l.count)]),
    );
}

export const bookCommand: Command = {
  name: 'book',
  summary: 'a collection’s (or token’s) order book, now or as of a block',
  help,
  async run(args, io) {
    const { values, positionals } = parse(args, {
      token: { type: 'string' },
      'as-of-block': { type: 'string' },
      levels: { type: 'string' },
      json: { type: 'boolean' },
    });
    const [collectionArg, ...extra] = positionals;
    if (!collectionArg) throw usageError('name the collection (0x…)');
    if (extra.length) throw usageError(`unexpected arguments: ${extra.join(' ')}`);
    const collection = address('the collection', collectionArg);
    const tokenId = values.token !== undefined ? wholeNumber('token', values.token) : undefined;
    const asOf =
      values['as-of-block'] !== undefined
        ? wholeNumber('as-of-block', values['as-of-block'])
        : undefined;
    const levels = values.levels !== undefined ? Number(wholeNumber('levels', values.levels)) : 20;
    if (levels < 1 || levels > 1000) throw usageError('--levels must be 1..1000');

    let orders: LiveOrder[];
    let at: bigint;
    let source: OrderBookAnswer['source'];
    if (asOf === undefined) {
      const config = loadCliConfig(['GATEWAY_DATABASE_URL', 'READ_MODEL_SCHEMA']);
      const ds = await openReadModels(config.GATEWAY_DATABASE_URL, config.READ_MODEL_SCHEMA, [
        ordersProjection(),
      ]);
      try {
        at = BigInt(Math.floor(Date.now() / 1000));
        orders = await liveOrdersFromModel(ds, collection, at);
        source = 'read-model';
      } finally {
        await ds.destroy();
      }
    } else {
      const config = loadCliConfig([
        'GATEWAY_DATABASE_URL',
        'EVENT_STORE_SCHEMA',
        'RPC_URL',
        'ATELIER_DEPLOYMENTS',
      ]);
      const chain = connectDeployment({
        rpcUrl: config.RPC_URL,
        deployments: config.ATELIER_DEPLOYMENTS,
        cacheTime: 0,
      });
      const head = await chain.client.getBlockNumber();
      if (asOf > head) throw usageError(`block ${asOf} is not mined yet (the chain is at ${head})`);
      at = (await chain.client.getBlock({ blockNumber: asOf })).timestamp;
      const pool = new Pool({ connectionString: config.GATEWAY_DATABASE_URL, max: 1 });
      try {
        ({ orders } = await liveOrdersFromStore(pool, config.EVENT_STORE_SCHEMA, collection, at));
        source = 'event-store';
      } finally {
        await pool.end();
      }
    }
    const answer: OrderBookAnswer = {
      collection,
      tokenId: tokenId?.toString() ?? null,
      at: new Date(Number(at) * 1000).toISOString(),
      source,
      currencies: buildBook(orders, tokenId, levels),
    };
    if (values.json) {
      io.out(json({ ...answer, asOfBlock: asOf?.toString() ?? null }));
      return 0;
    }
    io.out(
      `order book of ${collection}${tokenId !== undefined ? ` token ${tokenId}` : ''} at ${answer.at}` +
        (asOf !== undefined ? ` (block ${asOf}, from the event store)` : ' (read model)'),
    );
    if (answer.currencies.length === 0) io.out('no fillable orders');
    for (const c of answer.currencies) {
      io.out(`currency ${c.currency}`);
      printSide(io, 'asks', c.asks);
      printSide(io, tokenId === undefined ? 'collection bids' : 'bids', c.bids);
      if (c.tokenBids) printSide(io, 'token bids', c.tokenBids);
    }
    return 0;
  },
};
