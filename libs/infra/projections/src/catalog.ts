// How a process tells the rebuild CLI (and later the apps) which projections exist and
// where the event log is: a module exporting `catalog`. The CLI stays free of any app's
// wiring, and an app lists its projections in one place.
import type { EventEnvelope } from '@atelier/market-messages';
import type { GlobalLogReader } from '@atelier/outbox';
import type { Projection } from './projection';

export interface OpenedLog {
  readonly log: GlobalLogReader;
  /** How many events the log holds now: the progress bar's total. */
  count?(): Promise<number>;
  close(): Promise<void>;
}

export interface ProjectionCatalog {
  /** The projections of market events, rebuilt from the store's log. */
  readonly projections: readonly Projection<EventEnvelope>[];
  openLog(env: NodeJS.ProcessEnv): Promise<OpenedLog>;
}
