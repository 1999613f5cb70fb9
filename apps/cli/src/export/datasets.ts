// What `atelier export` can export: one dataset per history an analyst asks for, each a SQL
// query over the read models (or the event store) in PostgreSQL with its filters, and the
// typed columns the file gets. Every value leaves PostgreSQL as text and is typed on the way
// into DuckDB (writer.ts), so nothing is rounded: uint256 amounts and token ids stay exact
// decimal strings (VARCHAR; Parquet has no 256-bit integer, and DuckDB would write a HUGEINT
// as a double), blocks and positions are BIGINT, times TIMESTAMPTZ (UTC), JSON stays JSON.
import { quoteIdent } from '@atelier/persistence';
import { address, usageError, wholeNumber } from '../cli';

export type ColumnType = 'VARCHAR' | 'BIGINT' | 'INTEGER' | 'TIMESTAMPTZ' | 'JSON';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  /** SQL yielding the value as text (TIMESTAMPTZ: epoch microseconds), or NULL. */
  readonly sql: string | ((schemas: Schemas) => string);
}

type FilterKind = 'address' | 'block' | 'position' | 'time' | 'text';

export interface Filter {
  readonly kind: FilterKind;
  readonly describe: string;
  /** SQL condition over the dataset's row alias `r`; `$n` is the value's parameter. */
  readonly where: (param: string) => string;
}

export interface Schemas {
  readonly readModels: string;
  readonly eventStore: string;
}

export interface Dataset {
  readonly name: string;
  readonly summary: string;
  readonly columns: readonly Column[];
  readonly filters: Readonly<Record<string, Filter>>;
  /** FROM clause (with joins) whose rows are aliased `r`, and the ORDER BY of the file. */
  from(schemas: Schemas): string;
  readonly orderBy: string;
}

const epochMicros = (col: string) => `(extract(epoch FROM ${col}) * 1000000)::bigint::text`;
const text = (name: string, sql = `r.${name}`): Column => ({ name, type: 'VARCHAR', sql });
const big = (name: string, sql = `r.${name}`): Column => ({
  name,
  type: 'BIGINT',
  sql: `${sql}::text`,
});
const int = (name: string, sql = `r.${name}`): Column => ({
  name,
  type: 'INTEGER',
  sql: `${sql}::text`,
});
const uint = (name: string, sql = `r.${name}`): Column => ({
  name,
  type: 'VARCHAR',
  sql: `${sql}::text`,
});
const time = (name: string, sql = `r.${name}`): Column => ({
  name,
  type: 'TIMESTAMPTZ',
  sql: epochMicros(sql),
});

const eq = (column: string, kind: FilterKind, describe: string): Filter => ({
  kind,
  describe,
  where: (p) => `${column} = ${p}`,
});
const fromBlock = (column: string): Filter => ({
  kind: 'block',
  describe: 'only rows at or after this block',
  where: (p) => `${column} >= ${p}::bigint`,
});
const toBlock = (column: string): Filter => ({
  kind: 'block',
  describe: 'only rows at or before this block',
  where: (p) => `${column} <= ${p}::bigint`,
});

const table = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;

const trades: Dataset = {
  name: 'trades',
  summary: 'settled trades (chain_trades), oldest first',
  columns: [
    big('block'),
    int('log_index'),
    text('tx_hash'),
    time('settled_at'),
    text('marketplace'),
    text('collection'),
    uint('token_id'),
    text('seller'),
    text('buyer'),
    text('currency'),
    uint('price'),
    uint('protocol_fee'),
    text('royalty_receiver'),
    uint('royalty'),
    uint('attribution'),
    uint('seller_proceeds'),
    text('ask_hash'),
    text('bid_hash'),
    text('fact_id'),
  ],
  filters: {
    collection: eq('r.collection', 'address', 'only trades of this collection'),
    account: {
      kind: 'address',
      describe: 'only trades where this account sold or bought',
      where: (p) => `(r.seller = ${p} OR r.buyer = ${p})`,
    },
    currency: eq('r.currency', 'address', 'only trades paid in this currency'),
    'from-block': fromBlock('r.block'),
    'to-block': toBlock('r.block'),
  },
  from: (s) => `${table(s.readModels, 'chain_trades')} r`,
  orderBy: 'r.block, r.log_index',
};

// Fee entries name no account: as the ledgers reader does, the recipient is the latest
// ProtocolFeeSet before the trade. `signed_amount` carries the sign of the role, so the sum
// of an account's entries per currency is its balance.
const ledgers: Dataset = {
  name: 'ledgers',
  summary: 'ledger entries (deposits, withdrawals, payments, royalty, attribution, fee, proceeds)',
  columns: [
    big('block'),
    int('log_index'),
    text('tx_hash'),
    text('account'),
    text('currency'),
    text('role'),
    uint('amount'),
    uint('signed_amount'),
    text('marketplace'),
    text('fact_id'),
  ],
  filters: {
    account: eq('r.account', 'address', 'only this account’s entries'),
    currency: eq('r.currency', 'address', 'only entries in this currency'),
    role: {
      kind: 'text',
      describe: 'deposited, withdrawn, paid, proceeds, royalty, attribution or fee',
      where: (p) => `r.role = ${p}`,
    },
    'from-block': fromBlock('r.block'),
    'to-block': toBlock('r.block'),
  },
  from: (s) => `(
      SELECT e.fact_id, e.role, e.marketplace, COALESCE(e.account, f.recipient) AS account,
             e.currency, e.amount,
             CASE WHEN e.role IN ('withdrawn', 'paid') THEN -e.amount ELSE e.amount END AS signed_amount,
             e.block, e.log_index, e.tx_hash
        FROM ${table(s.readModels, 'ledger_entries')} e
        LEFT JOIN LATERAL (
          SELECT x.recipient FROM ${table(s.readModels, 'ledger_fee_settings')} x
           WHERE e.role = 'fee' AND x.marketplace = e.marketplace
             AND (x.block, x.log_index) < (e.block, e.log_index)
           ORDER BY x.block DESC, x.log_index DESC LIMIT 1) f ON true
    ) r`,
  orderBy: 'r.block, r.log_index, r.role',
};

const provenance: Dataset = {
  name: 'provenance',
  summary: 'artworks with their provenance, parents and training-data contributors',
  columns: [
    text('collection'),
    uint('token_id'),
    text('creator'),
    text('owner'),
    text('minted_to'),
    text('model_id'),
    text('model_hash'),
    text('prompt_hash'),
    uint('seed'),
    text('manifest_hash'),
    text('manifest_uri'),
    text('provenance_hash'),
    text('royalty_receiver'),
    int('royalty_bps'),
    {
      name: 'parents',
      type: 'JSON',
      sql: (
        s,
      ) => `(SELECT COALESCE(json_agg(p.parent_token_id::text ORDER BY p.position), '[]'::json)::text
               FROM ${table(s.readModels, 'artwork_parents')} p WHERE p.collection = r.collection AND p.token_id = r.token_id)`,
    },
    {
      name: 'contributors',
      type: 'JSON',
      sql: (
        s,
      ) => `(SELECT COALESCE(json_agg(json_build_object('account', c.account, 'bps', c.bps) ORDER BY c.position), '[]'::json)::text
               FROM ${table(s.readModels, 'artwork_contributors')} c WHERE c.collection = r.collection AND c.token_id = r.token_id)`,
    },
    big('minted_block'),
    int('minted_log_index'),
    text('minted_tx'),
    time('minted_at'),
  ],
  filters: {
    collection: eq('r.collection', 'address', 'only works of this collection'),
    creator: eq('r.creator', 'address', 'only works by this creator'),
    owner: eq('r.owner', 'address', 'only works this account owns now'),
    model: eq('r.model_id', 'text', 'only works made with this model id'),
    'from-block': fromBlock('r.minted_block'),
    'to-block': toBlock('r.minted_block'),
  },
  from: (s) => `${table(s.readModels, 'artworks')} r`,
  orderBy: 'r.minted_block, r.minted_log_index',
};

const lineage: Dataset = {
  name: 'lineage',
  summary: 'lineage edges: each (work, parent) pair, with both works’ creators',
  columns: [
    text('collection'),
    uint('token_id'),
    uint('parent_token_id'),
    int('position'),
    text('creator', 'w.creator'),
    text('parent_creator', 'pw.creator'),
    big('minted_block', 'w.minted_block'),
  ],
  filters: {
    collection: eq('r.collection', 'address', 'only edges within this collection'),
    token: {
      kind: 'position',
      describe: 'only edges where this token id is the work or the parent',
      where: (p) => `(r.token_id = ${p}::numeric OR r.parent_token_id = ${p}::numeric)`,
    },
  },
  from: (s) =>
    `${table(s.readModels, 'artwork_parents')} r
       LEFT JOIN ${table(s.readModels, 'artworks')} w ON w.collection = r.collection AND w.token_id = r.token_id
       LEFT JOIN ${table(s.readModels, 'artworks')} pw ON pw.collection = r.collection AND pw.token_id = r.parent_token_id`,
  orderBy: 'r.collection, r.token_id, r.position',
};

const events: Dataset = {
  name: 'events',
  summary: 'the event store’s log (every market event), in global order',
  columns: [
    big('position'),
    text('stream_name'),
    big('stream_revision'),
    text('category'),
    text('event_id', 'r.event_id::text'),
    text('type'),
    int('schema_version'),
    { name: 'data', type: 'JSON', sql: 'r.data::text' },
    { name: 'metadata', type: 'JSON', sql: 'r.metadata::text' },
    time('recorded_at'),
  ],
  filters: {
    'from-position': {
      kind: 'position',
      describe: 'only events at or after this global position',
      where: (p) => `r.position >= ${p}::bigint`,
    },
    'to-position': {
      kind: 'position',
      describe: 'only events at or before this global position',
      where: (p) => `r.position <= ${p}::bigint`,
    },
    'from-time': {
      kind: 'time',
      describe: 'only events recorded at or after this time (ISO 8601)',
      where: (p) => `r.recorded_at >= ${p}::timestamptz`,
    },
    'to-time': {
      kind: 'time',
      describe: 'only events recorded before this time (ISO 8601)',
      where: (p) => `r.recorded_at < ${p}::timestamptz`,
    },
    category: eq('r.category', 'text', 'only this category (e.g. market)'),
    stream: eq('r.stream_name', 'text', 'only this stream'),
    type: eq('r.type', 'text', 'only this event type'),
  },
  from: (s) => `${table(s.eventStore, 'events')} r`,
  orderBy: 'r.position',
};

export const DATASETS: readonly Dataset[] = [trades, ledgers, provenance, lineage, events];

/** A filter's value checked for its kind (a bad one is a usage error naming the option). */
export function filterValue(name: string, filter: Filter, value: string): string {
  switch (filter.kind) {
    case 'address':
      return address(`--${name}`, value);
    case 'block':
    case 'position':
      return wholeNumber(name, value).toString();
    case 'time': {
      const t = Date.parse(value);
      if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t))
        throw usageError(
          `--${name} must be an ISO 8601 time (2026-12-01T00:00:00Z), not '${value}'`,
        );
      return new Date(t).toISOString();
    }
    case 'text':
      if (value.length === 0 || value.length > 200 || /\p{Cc}/u.test(value))
        throw usageError(`--${name} must be 1..200 printable characters`);
      return value;
  }
}

/** The query of `dataset` with its filters, as SQL and parameters. */
export function datasetQuery(
  dataset: Dataset,
  schemas: Schemas,
  filters: Readonly<Record<string, string>>,
): { sql: string; params: string[] } {
  const params: string[] = [];
  const where = Object.entries(filters).map(([name, value]) => {
    params.push(value);
    return dataset.filters[name]!.where(`$${params.length}`);
  });
  const columns = dataset.columns.map(
    (c) => `${typeof c.sql === 'string' ? c.sql : c.sql(schemas)} AS ${quoteIdent(c.name)}`,
  );
  return {
    sql:
      `SELECT ${columns.join(', ')} FROM ${dataset.from(schemas)}` +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY ${dataset.orderBy}`,
    params,
  };
}
