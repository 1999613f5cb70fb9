// The outbox relay's progress and its single-writer guard, in PostgreSQL next to the event store.
// One relay per name publishes at a time: it holds a session-level advisory lock on its own
// connection (released by the server the moment the process dies, even by SIGKILL), and it
// writes its checkpoint through that same connection, so a relay that lost the lock cannot
// move the checkpoint either. Two relays would only duplicate messages (consumers discard
// them), but a standby costs nothing and keeps the duplicates away.
import { Client, type ClientConfig } from 'pg';
import type { Logger } from '@atelier/observability';
import { CHECKPOINT_COLUMNS, ensureTables, quoteIdent } from '@atelier/persistence';
import { OutboxRelayError } from './errors';

export interface OutboxRelayCheckpointOptions {
  readonly connection: string | ClientConfig;
  /** PostgreSQL schema of the checkpoint table (created if missing). */
  readonly schema?: string;
}

export class OutboxRelayCheckpoints {
  private client: Client | undefined;
  private readonly table: string;
  private readonly schema: string;

  constructor(
    private readonly options: OutboxRelayCheckpointOptions,
    private readonly logger: Logger,
  ) {
    this.schema = quoteIdent(options.schema ?? 'messaging');
    this.table = `${this.schema}.outbox_relay_checkpoints`;
  }

  async connect(): Promise<void> {
    const config =
      typeof this.options.connection === 'string'
        ? { connectionString: this.options.connection }
        : this.options.connection;
    const client = new Client({ application_name: 'atelier-outbox-relay', ...config });
    client.on('error', (e) => this.logger.error({ err: e }, 'checkpoint connection failed'));
    await client.connect();
    this.client = client;
    await ensureTables((sql, params) => client.query(sql, params), {
      schema: this.schema,
      tables: { [this.table]: `relay text PRIMARY KEY, ${CHECKPOINT_COLUMNS}` },
      lock: 'atelier.outbox-relay.schema',
    });
  }

  /** True when this process now leads `relay`; the lock lives as long as the connection. */
  async tryLead(relay: string): Promise<boolean> {
    const { rows } = await this.db().query<{ ok: boolean }>(
      "SELECT pg_try_advisory_lock(hashtextextended('atelier.outbox-relay:' || $1, 0)) AS ok",
      [relay],
    );
    return rows[0]?.ok === true;
  }

  /** The last globalPosition whose event is acknowledged by Kafka, or undefined before the first. */
  async load(relay: string): Promise<bigint | undefined> {
    const { rows } = await this.db().query<{ position: string }>(
      `SELECT position::text AS position FROM ${this.table} WHERE relay = $1`,
      [relay],
    );
    return rows[0] ? BigInt(rows[0].position) : undefined;
  }

  /** Only ever moves forward, so a late write from a stale process cannot rewind it. */
  async save(relay: string, position: bigint): Promise<void> {
    await this.db().query(
      `INSERT INTO ${this.table} (relay, position) VALUES ($1, $2)
       ON CONFLICT (relay) DO UPDATE SET position = GREATEST(${this.table}.position, EXCLUDED.position), updated_at = now()`,
      [relay, position.toString()],
    );
  }

  async reset(relay: string): Promise<void> {
    await this.db().query(`DELETE FROM ${this.table} WHERE relay = $1`, [relay]);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private db(): Client {
    if (!this.client)
      throw new OutboxRelayError('RELAY.LEADERSHIP_LOST', 'checkpoint connection is closed');
    return this.client;
  }
}
