// LISTEN on a dedicated connection, to wake subscriptions as soon as an append commits
// anywhere. Only a wake-up: subscriptions poll anyway, so a dropped connection or a missed
// notification costs latency (one poll interval), never an event. Reconnects with backoff.
import { Client, type ClientConfig } from 'pg';
import type { ChangeNotifier, Logger } from '@atelier/eventsourcing';

export class NotificationListener {
  private client: Client | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;

  constructor(
    private readonly config: ClientConfig,
    private readonly channel: string,
    private readonly changes: ChangeNotifier,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.client || this.retryTimer || this.stopped) return;
    void this.connect();
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    if (this.stopped) return;
    const client = new Client({ ...this.config, application_name: 'atelier-event-store-listener' });
    this.client = client;
    client.on('notification', () => this.changes.notify());
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, undefined));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      this.attempt = 0;
      // events may have committed while we were not listening
      this.changes.notify();
    } catch (err) {
      this.lost(client, err);
    }
  }

  private lost(client: Client, err: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    const delay = Math.min(30_000, 250 * 2 ** this.attempt++);
    this.logger.warn(
      { err, channel: this.channel, retryInMs: delay },
      'event store listener lost its connection; polling meanwhile',
    );
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}
