// kafkajs writes its own log lines; this routes them into the process's pino logger so they
// share its JSON format, level and fields instead of going to stdout as loose text.
import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '@atelier/observability';

/** The kafkajs level that lets through what the pino logger would print. */
export function kafkaLogLevel(logger: Logger): logLevel {
  switch (logger.level) {
    case 'silent':
      return logLevel.NOTHING;
    case 'fatal':
    case 'error':
      return logLevel.ERROR;
    case 'warn':
      return logLevel.WARN;
    case 'info':
      return logLevel.INFO;
    default:
      return logLevel.DEBUG;
  }
}

export function pinoLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const fields: Record<string, unknown> = { namespace, ...log }; // pino stamps its own time
      delete fields['timestamp'];
      delete fields['message'];
      const message = log.message;
      // Connection-level lines are raw broker responses (a rebalance, a topic another process
      // created first); the layer above retries or handles them and logs what matters.
      switch (namespace === 'Connection' && level === logLevel.ERROR ? logLevel.WARN : level) {
        case logLevel.ERROR:
          kafkaLogger.error(fields, message);
          break;
        case logLevel.WARN:
          kafkaLogger.warn(fields, message);
          break;
        case logLevel.INFO:
          kafkaLogger.info(fields, message);
          break;
        default:
          kafkaLogger.debug(fields, message);
      }
    };
}
