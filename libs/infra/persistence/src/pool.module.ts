// Makes the process's pg Pool injectable and closes it when the app shuts down.
import {
  Global,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Pool } from 'pg';

export const PG_POOL = Symbol('PG_POOL');

class PoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

@Global()
@Module({})
export class PgPoolModule {
  static forRoot(pool: Pool): DynamicModule {
    return {
      module: PgPoolModule,
      providers: [{ provide: PG_POOL, useValue: pool }, PoolCloser],
      exports: [PG_POOL],
    };
  }
}
