// Worker processes (relay, projectors, consumers) stop the same way: on SIGTERM or SIGINT
// they finish the in-flight work, commit, close their clients and exit 0; if that takes
// longer than the supervisor's grace period allows, they exit 1 rather than hang.
import type { Logger } from '@atelier/observability';

export interface ShutdownOptions {
  readonly signals?: readonly NodeJS.Signals[];
  /** Give up and exit 1 after this long (keep it below the supervisor's kill timeout). */
  readonly timeoutMs?: number;
  /** Exit the process once stopped (default true). */
  readonly exit?: boolean;
}

/** Calls `stop` once on the first signal; returns a function that removes the handlers. */
export function onShutdownSignals(
  stop: () => Promise<void>,
  logger: Logger,
  options: ShutdownOptions = {},
): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight work');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: options.timeoutMs ?? 25_000 }, 'shutdown timed out');
      logger.flush();
      process.exit(1);
    }, options.timeoutMs ?? 25_000);
    timer.unref();
    stop().then(
      () => {
        clearTimeout(timer);
        logger.info('stopped cleanly');
        logger.flush();
        if (options.exit ?? true) process.exit(0);
      },
      (e: unknown) => {
        logger.error({ err: e }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      },
    );
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
