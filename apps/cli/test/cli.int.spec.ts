// The `atelier` command as operators run it: the installed node_modules/.bin/atelier binary as
// a child process, with ATELIER_STACK=test, against the test stack (PostgreSQL, anvil). Its read
// models and event store are scratch schemas this spec fills (cli.fixture.ts) and drops; the
// ledgers model holds every Marketplace fact of the shared chain up to a block, so `verify`
// reconciles real balances; tampering happens only in the scratch schema.
// - every command's --help, and usage errors exit 2 naming the problem;
// - export to CSV and Parquet, read back with DuckDB and compared with the read models;
// - verify: exit 0 on the consistent model, exit 1 printing the difference after one ledger
//   entry is altered;
// - ledger (now and as of a block) against the reader; replay of the orders model from the
//   event store (whole, and from a position); book from the model and as of a block;
// - keys create / list / revoke through the gateway's keys script;
// - kafka: Kafka's own tools on the test broker when their jar is at hand (the broker's jar
//   cache, or Maven's local repository through KAFKA_TOOLS_CLASSPATH), and the message naming
//   the missing jar when it is not.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { DuckDBInstance } from '@duckdb/node-api';
import pino from 'pino';
import { createKafka, ensureTopics } from '@atelier/kafka';
import { chainFactCodec, chainTopic, type ChainFactEnvelope } from '@atelier/chain-messages';
import { LedgersReader } from '@atelier/market-projections';
import {
  applyFacts,
  chainFactsUpTo,
  COLLECTION,
  deployment,
  dropSchemas,
  makeChainActivity,
  openScratchReadModels,
  playMarketHistory,
  runCli,
  type ChainActivity,
  type MarketHistory,
} from './cli.fixture';

const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const RM = `cli_rm_${run}`;
const ES = `cli_es_${run}`;
const AC = `cli_ac_${run}`;
const RM2 = `cli_rm2_${run}`;
const env = { READ_MODEL_SCHEMA: RM, EVENT_STORE_SCHEMA: ES, ACCESS_SCHEMA: AC };
const cli = (...args: string[]) => runCli(args, env);
const dir = mkdtempSync(join(tmpdir(), 'atelier-cli-it-'));

const dep = deployment();
let ds: DataSource;
let chain: ChainActivity;
let history: MarketHistory;
let facts: ChainFactEnvelope[];

/** Rows of a file (csv or parquet) through DuckDB, as JSON-friendly objects. */
async function readBack(file: string, sql = 'SELECT * FROM f'): Promise<Record<string, unknown>[]> {
  const duck = await DuckDBInstance.create(':memory:');
  const conn = await duck.connect();
  try {
    const reader = file.endsWith('.parquet') ? 'read_parquet' : 'read_csv';
    await conn.run(
      `CREATE VIEW f AS SELECT * FROM ${reader}('${file}'${reader === 'read_csv' ? ', all_varchar = true' : ''})`,
    );
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    duck.closeSync();
  }
}

beforeAll(async () => {
  chain = await makeChainActivity(dep, run);
  ds = await openScratchReadModels(RM);
  facts = await chainFactsUpTo(dep, chain.settledAt);
  await applyFacts(ds, RM, facts);
  history = await playMarketHistory(ES, run);
}, 240_000);

afterAll(async () => {
  await history?.close();
  await ds?.destroy();
  await dropSchemas(RM, ES, AC, RM2);
  rmSync(dir, { recursive: true, force: true });
});

describe('usage', () => {
  it.each(['replay', 'export', 'book', 'ledger', 'verify', 'keys', 'kafka'])(
    'atelier %s --help prints its usage and exits 0',
    async (command) => {
      const r = await cli(command, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: atelier ${command}`));
    },
  );

  it('atelier --help lists every command; no command or an unknown one exits 2', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const c of ['replay', 'export', 'book', 'ledger', 'verify', 'keys', 'kafka'])
      expect(help.stdout).toContain(`  ${c} `);
    expect((await cli()).code).toBe(2);
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });

  it.each([
    [['export', 'trades', '--out', 'x.csv'], '--format is required'],
    [['export', 'trades', '--format', 'xml', '--out', 'x'], '--format must be csv or parquet'],
    [['export', 'nope', '--format', 'csv', '--out', 'x'], "unknown dataset 'nope'"],
    [
      ['export', 'events', '--format', 'csv', '--out', 'x', '--collection', '0x00'],
      'does not filter events',
    ],
    [['export', 'trades', '--format', 'csv', '--out', 'x', '--from-block', '1e3'], 'whole number'],
    [
      ['export', 'trades', '--format', 'csv', '--out', 'x', '--bogus', '1'],
      "Unknown option '--bogus'",
    ],
    [['ledger'], 'name the account'],
    [['ledger', 'alice'], 'must be a 0x-prefixed 20-byte address'],
    [
      ['ledger', '0x0000000000000000000000000000000000000001', '--as-of-block', 'ten'],
      'whole number',
    ],
    [['book', COLLECTION, '--token', '1.5'], 'whole number'],
    [['verify', 'now'], 'unexpected arguments'],
    [['replay'], 'name the projection'],
    [['replay', 'everything'], "unknown projection 'everything'"],
    [['replay', 'market-orders', '--from-block', '3'], 'not blocks'],
    [
      ['replay', 'market-orders', '--from-position', '3', '--from-time', '2026-01-01T00:00:00Z'],
      'not several',
    ],
    [['replay', 'chain-ledgers', '--from-position', '3'], 'not store positions'],
    [['replay', 'chain-trades', '--from-time', 'yesterday'], 'must be an ISO 8601 time'],
    [['keys'], 'name a subcommand'],
    [['kafka'], 'name a tool'],
    [['kafka', 'consume'], 'consume needs a topic'],
    [['kafka', 'consume', 't', '--max-messages', 'x'], '--max-messages needs a whole number'],
    [['kafka', 'topics', '--list'], 'pass tool options after --'],
    [['keys', 'rotate'], "unknown subcommand 'rotate'"],
  ])('atelier %j exits 2: %s', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });
});

describe('export', () => {
  it('trades to CSV: every settled trade of the model, exact amounts', async () => {
    const out = join(dir, 'trades.csv');
    const r = await cli('export', 'trades', '--format', 'csv', '--out', out);
    expect(r).toMatchObject({ code: 0 });
    const model: Record<string, string>[] = await ds.query(
      `SELECT fact_id, collection, token_id::text, seller, buyer, price::text, royalty::text, attribution::text, block::text
         FROM "${RM}".chain_trades t ORDER BY t.block, t.log_index`,
    );
    expect(model.length).toBeGreaterThan(0);
    expect(r.stdout).toContain(`exported ${model.length} trades rows to ${out}`);
    const rows = await readBack(out);
    expect(
      rows.map((t) => [
        t['fact_id'],
        t['collection'],
        t['token_id'],
        t['seller'],
        t['buyer'],
        t['price'],
        t['royalty'],
        t['attribution'],
        t['block'],
      ]),
    ).toEqual(
      model.map((t) => [
        t['fact_id'],
        t['collection'],
        t['token_id'],
        t['seller'],
        t['buyer'],
        t['price'],
        t['royalty'],
        t['attribution'],
        t['block'],
      ]),
    );
    // our own sale is there, with the work's token id exactly
    expect(
      rows.some((t) => t['token_id'] === chain.works[0]!.toString() && t['buyer'] === chain.buyer),
    ).toBe(true);
  });

  it('ledgers to Parquet: typed columns; per account and currency the entries sum to the reader’s balance', async () => {
    const out = join(dir, 'ledgers.parquet');
    const r = await cli('export', 'ledgers', '--format', 'parquet', '--out', out, '--json');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM "${RM}".ledger_entries`);
    expect(summary).toMatchObject({ dataset: 'ledgers', format: 'parquet', file: out, rows: n });
    const types = await readBack(out, `SELECT column_name, column_type FROM (DESCRIBE f)`);
    expect(
      Object.fromEntries(types.map((t) => [t['column_name'], t['column_type']])),
    ).toMatchObject({
      block: 'BIGINT',
      log_index: 'INTEGER',
      amount: 'VARCHAR',
      account: 'VARCHAR',
    });
    const sums = await readBack(
      out,
      `SELECT account, currency, sum(CAST(signed_amount AS HUGEINT))::VARCHAR AS balance FROM f GROUP BY ALL ORDER BY ALL`,
    );
    const reader = new LedgersReader(ds);
    for (const s of sums) {
      const ledger = await reader.ledger(String(s['account']), String(s['currency']));
      expect([s['account'], s['currency'], ledger.currencies[0]?.balance]).toEqual([
        s['account'],
        s['currency'],
        s['balance'],
      ]);
    }
    const contributor = sums.find((s) => s['account'] === chain.contributor);
    expect(contributor?.['balance']).toBe(((100_000_000n * 200n) / 10_000n).toString());
  });

  it('provenance and lineage to Parquet, filtered by collection and token', async () => {
    const prov = join(dir, 'provenance.parquet');
    expect(
      (
        await cli(
          'export',
          'provenance',
          '--format',
          'parquet',
          '--out',
          prov,
          '--collection',
          chain.collection,
        )
      ).code,
    ).toBe(0);
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM "${RM}".artworks WHERE collection = $1`,
      [chain.collection],
    );
    const works = await readBack(
      prov,
      `SELECT token_id, parents::VARCHAR AS parents, contributors::VARCHAR AS contributors FROM f`,
    );
    expect(works).toHaveLength(n);
    const child = works.find((w) => w['token_id'] === chain.works[1]!.toString());
    expect(JSON.parse(String(child?.['parents']))).toEqual([chain.works[0]!.toString()]);
    expect(JSON.parse(String(child?.['contributors']))).toEqual([
      { account: chain.contributor, bps: 200 },
    ]);

    const lin = join(dir, 'lineage.csv');
    const r = await cli(
      'export',
      'lineage',
      '--format',
      'csv',
      '--out',
      lin,
      '--collection',
      chain.collection,
      '--token',
      chain.works[1]!.toString(),
    );
    expect(r.code).toBe(0);
    expect(await readBack(lin, 'SELECT token_id, parent_token_id FROM f')).toEqual([
      { token_id: chain.works[1]!.toString(), parent_token_id: chain.works[0]!.toString() },
    ]);
  });

  it('events to CSV and Parquet: the store’s log, whole and from a position', async () => {
    const all = await history.store.readAll({ maxCount: 10_000 });
    const csv = join(dir, 'events.csv');
    expect((await cli('export', 'events', '--format', 'csv', '--out', csv)).code).toBe(0);
    const rows = await readBack(csv, 'SELECT position, type, stream_name FROM f');
    expect(rows).toEqual(
      all.map((e) => ({
        position: e.position.toString(),
        type: e.type,
        stream_name: e.streamName,
      })),
    );
    const pq = join(dir, 'events.parquet');
    const r = await cli(
      'export',
      'events',
      '--format',
      'parquet',
      '--out',
      pq,
      '--from-position',
      history.lastOrderPosition.toString(),
    );
    expect(r.code).toBe(0);
    const later = await readBack(
      pq,
      `SELECT position::VARCHAR AS position, data->>'$.hash' AS hash FROM f`,
    );
    expect(later.map((e) => e['position'])).toEqual(
      all.filter((e) => e.position >= history.lastOrderPosition).map((e) => e.position.toString()),
    );
  });

  it('a failed export leaves no file under the asked name', async () => {
    const out = join(dir, 'missing.csv');
    const r = await runCli(['export', 'trades', '--format', 'csv', '--out', out], {
      ...env,
      READ_MODEL_SCHEMA: `cli_none_${run}`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('does not exist');
    expect(() => readFileSync(out)).toThrow();
  });
});

describe('ledger and verify', () => {
  it('ledger prints the reader’s balances, now and as of a block', async () => {
    const reader = new LedgersReader(ds);
    const now = await cli('ledger', chain.buyer, '--json');
    expect(now.code).toBe(0);
    const body = JSON.parse(now.stdout);
    expect(body.currencies).toEqual((await reader.ledger(chain.buyer)).currencies);
    expect(body.position.block).toBe(await reader.position());
    // before the settlement the buyer had deposited and paid nothing
    const before = JSON.parse(
      (
        await cli(
          'ledger',
          chain.buyer,
          '--currency',
          chain.usd,
          '--as-of-block',
          chain.beforeSettle.toString(),
          '--json',
        )
      ).stdout,
    );
    expect(before.currencies).toEqual([
      expect.objectContaining({
        currency: chain.usd,
        deposited: '200000000',
        paid: '0',
        balance: '200000000',
      }),
    ]);
    const table = await cli('ledger', chain.buyer);
    expect(table.stdout).toContain('balance');
    expect(table.stdout).toContain(chain.usd);
  });

  it('verify exits 0 when every ledger equals balanceOf at the model’s block', async () => {
    const r = await cli('verify');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const position = await new LedgersReader(ds).position();
    expect(r.stdout).toMatch(
      new RegExp(`verified \\d+ ledgers .* at block ${position} .*: all equal`),
    );
    const json = JSON.parse((await cli('verify', '--json')).stdout);
    expect(json.checked).toBeGreaterThan(3);
    expect(json.differences).toEqual([]);
  });

  it('verify exits 1 and prints the difference when a ledger entry is tampered with', async () => {
    // only in this spec's scratch schema
    const [entry] = await ds.query(
      `UPDATE "${RM}".ledger_entries SET amount = amount + 7
        WHERE (fact_id, role) = (SELECT fact_id, role FROM "${RM}".ledger_entries WHERE account = $1 AND role = 'attribution' LIMIT 1)
        RETURNING account, currency`,
      [chain.contributor],
    );
    try {
      expect(entry).toBeDefined();
      const r = await cli('verify');
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(
        `DIFFERENT ${chain.contributor} ${chain.usd}: model 2000007, chain 2000000 (model - chain = 7)`,
      );
      expect(r.stdout).toMatch(/: 1 different/);
      const json = JSON.parse((await cli('verify', '--json')).stdout);
      expect(json.differences).toEqual([
        {
          account: chain.contributor,
          currency: chain.usd,
          model: '2000007',
          chain: '2000000',
          difference: '7',
        },
      ]);
    } finally {
      await ds.query(
        `UPDATE "${RM}".ledger_entries SET amount = amount - 7 WHERE account = $1 AND role = 'attribution'`,
        [chain.contributor],
      );
    }
    expect((await cli('verify')).code).toBe(0);
  });
});

describe('replay and book', () => {
  it('replay market-orders rebuilds the orders model from the event store with counts and time', async () => {
    const events = (await history.store.readAll({ maxCount: 10_000 })).length;
    const r = await cli('replay', 'market-orders');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `rebuilt market-orders: ${events} events replayed, ${events} applied, 0 duplicates skipped, up to position \\d+, in [\\d.]+ s`,
      ),
    );
    expect(r.stderr).toContain('market-orders [');
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM "${RM}".market_orders`);
    expect(n).toBe(6);
  });

  it('book shows the levels of the model; as of the latest block it is the same book, as of block 1 empty', async () => {
    const now = JSON.parse((await cli('book', COLLECTION, '--json')).stdout);
    const usd = '0x0000000000000000000000000000000000005d01';
    expect(now.currencies).toEqual([
      {
        currency: usd,
        asks: {
          levels: [
            { price: '100', count: 1 },
            { price: '150', count: 1 },
          ],
          best: expect.objectContaining({ price: '100' }),
        },
        bids: {
          levels: [{ price: '80', count: 1 }],
          best: expect.objectContaining({ price: '80' }),
        },
        tokenBids: {
          levels: [{ price: '90', count: 1 }],
          best: expect.objectContaining({ price: '90' }),
        },
      },
    ]);
    const token1 = JSON.parse((await cli('book', COLLECTION, '--token', '1', '--json')).stdout);
    expect(token1.currencies[0].asks.levels).toEqual([{ price: '100', count: 1 }]);
    expect(token1.currencies[0].bids.levels).toEqual([
      { price: '90', count: 1 },
      { price: '80', count: 1 },
    ]);
    // A block mined after the history: the market stream folded up to its time is the model.
    await new Promise((r) => setTimeout(r, 1_100));
    await dep.testClient.mine({ blocks: 1 });
    const head = await dep.client.getBlockNumber();
    const asOf = JSON.parse(
      (await cli('book', COLLECTION, '--as-of-block', head.toString(), '--json')).stdout,
    );
    expect(asOf.source).toBe('event-store');
    expect(asOf.currencies).toEqual(now.currencies);
    const early = JSON.parse(
      (await cli('book', COLLECTION, '--as-of-block', '1', '--json')).stdout,
    );
    expect(early.currencies).toEqual([]);
    const text = await cli('book', COLLECTION);
    expect(text.stdout).toContain('asks: best 100');
  });

  it('replay --from-position starts a fresh model at that position', async () => {
    const r = await cli(
      'replay',
      'market-orders',
      '--from-position',
      history.lastOrderPosition.toString(),
      '--json',
    );
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    const all = await history.store.readAll({ maxCount: 10_000 });
    expect(body).toMatchObject({
      projection: 'market-orders',
      events: all.filter((e) => e.position >= history.lastOrderPosition).length,
    });
    const rows: { price: string }[] = await ds.query(
      `SELECT price::text FROM "${RM}".market_orders`,
    );
    expect(rows.map((x) => x.price)).toEqual(['150']);
    // back to the whole history for whatever runs next
    expect((await cli('replay', 'market-orders')).code).toBe(0);
  });
});

describe('replay of chain facts from Kafka', () => {
  const prefix = `cli-it-${run}`;
  const kafka = () =>
    createKafka({
      clientId: 'atelier-cli-it',
      brokers: process.env['KAFKA_BROKERS']!.split(','),
      logger: pino({ level: 'silent' }),
    });
  const topics = ['ArtworkRegistry', 'Marketplace'].map((c) => chainTopic(c, prefix));

  afterAll(async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: [...topics, ...topics.map((t) => `${t}.replay.dlq`)] })
      .catch(() => undefined);
    await admin.disconnect();
  });

  it('chain-ledgers rebuilt from its topic (3 partitions) equals the chain; --from-block keeps only later facts', async () => {
    const k = kafka();
    await ensureTopics(
      k,
      topics.map((topic) => ({ topic, partitions: 3, replicationFactor: 1 })),
    );
    const producer = k.producer();
    await producer.connect();
    for (const contract of ['ArtworkRegistry', 'Marketplace'])
      await producer.send({
        topic: chainTopic(contract, prefix),
        messages: facts
          .filter((f) => f.contract === contract)
          .map((f) => {
            const m = chainFactCodec.encode(f);
            return { key: m.key, value: m.value, headers: m.headers };
          }),
      });
    await producer.disconnect();
    const marketplaceFacts = facts.filter((f) => f.contract === 'Marketplace').length;
    const replayEnv = { ...env, READ_MODEL_SCHEMA: RM2, PIPELINE_CHAIN_TOPIC_PREFIX: prefix };

    const r = await runCli(['replay', 'chain-ledgers', '--json'], replayEnv);
    expect(r.stderr).toContain('chain-ledgers [');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      projection: 'chain-ledgers',
      messages: marketplaceFacts,
      applied: marketplaceFacts,
      skippedBefore: 0,
    });
    const rows = (schema: string) =>
      ds.query(
        `SELECT fact_id, role, account, currency, amount::text, block::text FROM "${schema}".ledger_entries ORDER BY fact_id, role`,
      );
    expect(await rows(RM2)).toEqual(await rows(RM));
    const verify = await runCli(['verify'], replayEnv);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('all equal');

    const from = chain.beforeSettle;
    const later = await runCli(
      ['replay', 'chain-ledgers', '--from-block', from.toString(), '--json'],
      replayEnv,
    );
    expect(later.code).toBe(0);
    const body = JSON.parse(later.stdout);
    const before = facts.filter(
      (f) => f.contract === 'Marketplace' && BigInt(f.blockNumber) < from,
    ).length;
    expect(body).toMatchObject({
      messages: marketplaceFacts,
      skippedBefore: before,
      applied: marketplaceFacts - before,
    });
    const [{ min }] = await ds.query(`SELECT min(block)::text AS min FROM "${RM2}".ledger_entries`);
    expect(BigInt(min)).toBeGreaterThanOrEqual(from);
  });
});

describe('keys', () => {
  it('create, list, revoke through the gateway’s keys script', async () => {
    const created = await cli(
      'keys',
      'create',
      '--label',
      `cli-it-${run}`,
      '--any-maker',
      '--rps',
      '5',
      '--burst',
      '10',
      '--quota',
      '100',
    );
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^atl_[A-Za-z0-9_-]+$/);
    const list = JSON.parse((await cli('keys', 'list', '--json')).stdout) as {
      id: string;
      label: string;
      revokedAt: string | null;
    }[];
    const mine = list.find((k) => k.label === `cli-it-${run}`);
    expect(mine).toMatchObject({ revokedAt: null });
    expect(token).toContain(mine!.id);
    const revoked = await cli('keys', 'revoke', mine!.id);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${mine!.id}\n` });
    expect((await cli('keys', 'revoke', mine!.id)).code).toBe(1);
    const bad = await cli('keys', 'create', '--any-maker');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--label is required');
  });
});

describe('kafka', () => {
  const version = readFileSync(join(__dirname, '../../../infra/kafka/version'), 'utf8').trim();
  const cache = join(
    process.env['ATELIER_CACHE'] ?? join(homedir(), '.cache/atelier'),
    'kafka',
    version,
    'libs',
  );
  const cacheHasTools =
    existsSync(cache) && readdirSync(cache).some((f) => f.startsWith(`kafka-tools-${version}`));
  const m2 = join(homedir(), '.m2/repository');
  const m2Tools = [
    join(m2, `org/apache/kafka/kafka-tools/${version}/kafka-tools-${version}.jar`),
    join(m2, 'net/sourceforge/argparse4j/argparse4j/0.7.0/argparse4j-0.7.0.jar'),
  ];
  const toolsEnv: Record<string, string> = cacheHasTools
    ? {}
    : { KAFKA_TOOLS_CLASSPATH: m2Tools.join(':') };
  const toolsAtHand = cacheHasTools || m2Tools.every((f) => existsSync(f));

  (cacheHasTools ? it.skip : it)(
    'without the tools jar it exits 1 naming what is missing',
    async () => {
      const empty = mkdtempSync(join(tmpdir(), 'atelier-no-tools-'));
      const r = await runCli(['kafka', 'topics'], { KAFKA_TOOLS_CLASSPATH: `${empty}/*` });
      rmSync(empty, { recursive: true });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`org.apache.kafka:kafka-tools-${version}.jar`);
      expect(r.stderr).toContain('infra/kafka/fetch.sh fetches the broker only');
    },
  );

  (toolsAtHand ? it : it.skip)('topics lists a topic and consume prints its messages', async () => {
    const topic = `cli-it.${run}`;
    const kafka = createKafka({
      clientId: 'atelier-cli-it',
      brokers: process.env['KAFKA_BROKERS']!.split(','),
      logger: pino({ level: 'silent' }),
    });
    await ensureTopics(kafka, [{ topic, partitions: 1, replicationFactor: 1 }]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { key: 'k1', value: 'first' },
        { key: 'k2', value: 'second' },
      ],
    });
    await producer.disconnect();
    try {
      const topics = await runCli(['kafka', 'topics'], toolsEnv);
      expect(topics.code).toBe(0);
      expect(topics.stdout.split('\n')).toContain(topic);
      const consumed = await runCli(
        [
          'kafka',
          'consume',
          topic,
          '--from-beginning',
          '--max-messages',
          '2',
          '--timeout-ms',
          '60000',
        ],
        toolsEnv,
      );
      expect(consumed.code).toBe(0);
      expect(consumed.stdout).toMatch(/Partition:0\s+Offset:0\s+k1\s+first/);
      expect(consumed.stdout).toMatch(/Partition:0\s+Offset:1\s+k2\s+second/);
      expect(consumed.stderr).toContain('Processed a total of 2 messages');
    } finally {
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
