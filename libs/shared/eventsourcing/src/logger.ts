// The logging surface the framework-free libraries need: pino's method shape, so an
// @atelier/observability logger is passed straight in, without importing pino here.
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => undefined;
export const noopLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
