// The per-key order-status stream over SSE (GET /v1/orders/events). Reads the event store the
// market module provides (EVENT_STORE); the access module authenticates the key.
import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@atelier/observability';
import { OrderStreamHttpController } from './order-stream.http.controller';
import { ORDER_STREAM_OPTIONS, OrderStreams } from './order-streams';

@Module({})
export class OrderStreamModule {
  static forRoot(options: {
    readonly logger: Logger;
    readonly keepAliveMs?: number;
  }): DynamicModule {
    return {
      module: OrderStreamModule,
      controllers: [OrderStreamHttpController],
      providers: [
        {
          provide: ORDER_STREAM_OPTIONS,
          useValue: {
            keepAliveMs: options.keepAliveMs ?? 15_000,
            logger: options.logger.child({ component: 'order-stream' }),
          },
        },
        OrderStreams,
      ],
    };
  }
}
