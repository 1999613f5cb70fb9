// The event store's config: defaults, the KurrentDB URL requirement, and the adapter chosen.
import { ConfigError, loadConfig } from '@atelier/config';
import { createEventStore, eventStoreConfigSchema } from './config';
import { KurrentDbEventStore } from './kurrentdb/kurrentdb-event-store';

describe('event store config', () => {
  it('defaults to PostgreSQL in the event_store schema', () => {
    expect(loadConfig('test', eventStoreConfigSchema, {})).toEqual({
      EVENT_STORE_BACKEND: 'postgres',
      EVENT_STORE_SCHEMA: 'event_store',
      EVENT_STORE_POLL_INTERVAL_MS: 1000,
      EVENT_STORE_APPEND_IDLE_TIMEOUT_MS: 10_000,
    });
  });

  it('requires KURRENTDB_URL for the KurrentDB backend and rejects a bad schema name', () => {
    expect(() =>
      loadConfig('test', eventStoreConfigSchema, { EVENT_STORE_BACKEND: 'kurrentdb' }),
    ).toThrow(ConfigError);
    expect(() =>
      loadConfig('test', eventStoreConfigSchema, { EVENT_STORE_SCHEMA: 'Drop Table' }),
    ).toThrow(/EVENT_STORE_SCHEMA/);
  });

  it('builds the configured adapter', async () => {
    const config = eventStoreConfigSchema.parse({
      EVENT_STORE_BACKEND: 'kurrentdb',
      KURRENTDB_URL: 'kurrentdb://127.0.0.1:2113?tls=false',
    });
    const store = await createEventStore(config, {});
    expect(store).toBeInstanceOf(KurrentDbEventStore);
    await store.close();
    await expect(createEventStore(eventStoreConfigSchema.parse({}), {})).rejects.toThrow(
      /needs a pg Pool/,
    );
  });
});
