// How a process tells the rebuild CLI (and later the apps) which projections exist and
// where the event log is: a module exporting `catalog`. The CLI stays free of any app's
// wiring, and an app lists its projections in one place.
import type { GlobalLogReader } from '@atelier/messaging';
import type { Projection } from './projection';

export interface OpenedLog {
  readonly log: GlobalLogReader;
  /** How many events the log holds now: the progress bar's total. */
  count?(): Promise<number>;
  close(): Promise<void>;
}

export interface ProjectionCatalog {
  readonly projections: readonly Projection[];
  openLog(env: NodeJS.ProcessEnv): Promise<OpenedLog>;
}
