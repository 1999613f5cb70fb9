// Boots a NestJS service on Fastify the same way in every app: typed config first (a bad
// variable ends the process with exit code 78 and a message naming it), pino logs,
// request metrics, every error answered as problem+json through the app's status table,
// and a graceful shutdown on SIGTERM/SIGINT that closes every client.
import 'reflect-metadata';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from '@atelier/config';
import {
  createLogger,
  createMetrics,
  instrumentFastify,
  PinoNestLogger,
  type AppMetrics,
  type Logger,
} from '@atelier/observability';
import { clientErrorHandler, frameworkErrorHandler } from './framework-errors';
import type { ErrorStatusTable } from './problem-details';
import { ProblemDetailsFilter } from './problem-details.filter';

/** EX_CONFIG from sysexits.h: the supervisor should not restart into the same mistake. */
export const EXIT_CONFIG = 78;

export interface HttpAppContext<C> {
  readonly config: C;
  readonly logger: Logger;
  readonly metrics: AppMetrics;
}

export interface HttpAppSpec<C extends { HOST: string; LOG_LEVEL: string }> {
  readonly name: string;
  readonly loadConfig: () => C;
  readonly port: (config: C) => number;
  readonly module: (ctx: HttpAppContext<C>) => DynamicModule | Promise<DynamicModule>;
  /** The app's codes -> HTTP statuses (its `http-errors.ts`), the only place a status is chosen. */
  readonly errorStatus: ErrorStatusTable;
  /** Routes and hooks that need the app itself, before it starts (the OpenAPI document and UI,
   *  Fastify hooks for routes Nest does not own). */
  readonly configure?: (app: NestFastifyApplication, logger: Logger) => void;
}

/**
 * The app, wired but not listening: what runHttpApp starts, and what an int spec boots
 * (on port 0) to drive the real HTTP pipeline. Throws instead of exiting.
 */
export async function createHttpApp<C extends { HOST: string; LOG_LEVEL: string }>(
  spec: HttpAppSpec<C>,
  config: C,
  logger: Logger = createLogger(spec.name, config.LOG_LEVEL),
): Promise<{ app: NestFastifyApplication; logger: Logger; metrics: AppMetrics }> {
  const metrics = createMetrics(spec.name);
  const http = logger.child({ component: 'http' });
  const app = await NestFactory.create<NestFastifyApplication>(
    await spec.module({ config, logger, metrics }),
    new FastifyAdapter({
      logger: false,
      // What Fastify and node answer before Nest routes a request, as problem+json too.
      frameworkErrors: frameworkErrorHandler(spec.errorStatus, http),
      clientErrorHandler: clientErrorHandler(spec.errorStatus, http),
    }),
    { logger: new PinoNestLogger(logger.child({ component: 'nest' })), abortOnError: false },
  );
  app.useGlobalFilters(new ProblemDetailsFilter(spec.errorStatus, http));
  instrumentFastify(app.getHttpAdapter().getInstance(), metrics);
  spec.configure?.(app, logger);
  return { app, logger, metrics };
}

export async function runHttpApp<C extends { HOST: string; LOG_LEVEL: string }>(
  spec: HttpAppSpec<C>,
): Promise<INestApplication> {
  let config: C;
  try {
    config = spec.loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw e;
  }
  const logger = createLogger(spec.name, config.LOG_LEVEL);
  try {
    const { app } = await createHttpApp(spec, config, logger);
    app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
    const port = spec.port(config);
    await app.listen(port, config.HOST);
    logger.info({ url: `http://${config.HOST}:${port}` }, `${spec.name} listening`);
    return app;
  } catch (e) {
    // A missing deployments file or a taken port: say what and stop, no half-started app.
    logger.fatal({ err: e }, `${spec.name} failed to start: ${(e as Error).message}`);
    logger.flush();
    process.exit(1);
  }
}
