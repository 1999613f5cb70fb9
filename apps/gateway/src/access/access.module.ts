// The gateway's access layer: API keys, rate limits and quotas, idempotency keys (see
// access.guard.ts and admission.interceptor.ts), all in PostgreSQL schema `ACCESS_SCHEMA` of the
// gateway's database so they hold across instances. Registers its guard and interceptor
// globally; which routes need what is access-policy.ts's table.
import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Pool } from 'pg';
import { PG_POOL } from '@atelier/persistence';
import type { Logger } from '@atelier/observability';
import { AccessGuard } from './access.guard';
import { accessTables, ensureAccessTables, type AccessTables } from './access.schema';
import { ACCESS_OPTIONS, type AccessOptions } from './access.tokens';
import { AdmissionInterceptor } from './admission.interceptor';
import { ApiKeyStore } from './api-keys';
import { IdempotencyStore } from './idempotency';
import { PgRateLimiter } from './rate-limiter';

const ACCESS_TABLES = Symbol('atelier.gateway.ACCESS_TABLES');
const ACCESS_LOGGER = Symbol('atelier.gateway.ACCESS_LOGGER');
const DAY_SECONDS = 24 * 60 * 60;
const SWEEP_EVERY_MS = 10 * 60 * 1000;

/** Creates the tables at start and forgets spent buckets, quota days and answers now and then. */
@Injectable()
class AccessHousekeeping implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(ACCESS_TABLES) private readonly tables: AccessTables,
    @Inject(PgRateLimiter) private readonly limiter: PgRateLimiter,
    @Inject(IdempotencyStore) private readonly idempotency: IdempotencyStore,
    @Inject(ACCESS_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    // One connection: ensureTables holds a session advisory lock across its statements.
    const client = await this.pool.connect();
    try {
      await ensureAccessTables((sql, params) => client.query(sql, params), this.tables);
    } finally {
      client.release();
    }
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    try {
      await this.limiter.sweep();
      await this.idempotency.sweep();
    } catch (err) {
      this.logger.warn({ err }, 'access sweep failed; retried at the next interval');
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}

@Module({})
export class AccessModule {
  static forRoot(options: AccessOptions, logger: Logger): DynamicModule {
    return {
      module: AccessModule,
      // Global: the write routes' @UseInterceptors(AdmissionInterceptor) resolves its stores here.
      global: true,
      providers: [
        { provide: ACCESS_OPTIONS, useValue: options },
        { provide: ACCESS_LOGGER, useValue: logger.child({ component: 'access' }) },
        { provide: ACCESS_TABLES, useValue: accessTables(options.schema) },
        {
          provide: ApiKeyStore,
          useFactory: (pool: Pool, t: AccessTables) => new ApiKeyStore(pool, t),
          inject: [PG_POOL, ACCESS_TABLES],
        },
        {
          provide: PgRateLimiter,
          useFactory: (pool: Pool, t: AccessTables) => new PgRateLimiter(pool, t),
          inject: [PG_POOL, ACCESS_TABLES],
        },
        {
          provide: IdempotencyStore,
          useFactory: (pool: Pool, t: AccessTables) =>
            new IdempotencyStore(pool, t, {
              ttlSeconds: options.idempotencyTtlSeconds ?? DAY_SECONDS,
              waitMs: options.idempotencyWaitMs ?? 5_000,
            }),
          inject: [PG_POOL, ACCESS_TABLES],
        },
        AccessHousekeeping,
        AccessGuard,
        { provide: APP_GUARD, useExisting: AccessGuard },
        // Not global: on the write routes only (@UseInterceptors), so a read runs no interceptor
        // and Nest builds no rxjs pipeline for it; admission.unit.spec checks every write has it.
        AdmissionInterceptor,
      ],
      exports: [ApiKeyStore, AccessGuard, AdmissionInterceptor, IdempotencyStore, PgRateLimiter],
    };
  }
}
