// The orders API (`/v1/orders`): intake, off-chain cancels, reads. Controllers parse and answer;
// the writes go through the CommandBus to handlers wrapping the market's use cases, the reads to
// the orders read model. Needs MarketModule (global) for the repository, ports and reader.
import { Module, type DynamicModule } from '@nestjs/common';
import { CancelOrdersHandler } from './cancel-orders/cancel-orders.command';
import { CancelOrdersHttpController } from './cancel-orders/cancel-orders.http.controller';
import { GetOrderHttpController } from './get-order/get-order.http.controller';
import { ListOrdersHttpController } from './list-orders/list-orders.http.controller';
import { READ_YOUR_WRITES_WAIT_MS, ReadYourWrites } from './read-your-writes';
import { SubmitOrdersHandler } from './submit-orders/submit-orders.command';
import { SubmitOrdersHttpController } from './submit-orders/submit-orders.http.controller';

@Module({})
export class OrdersModule {
  static forRoot(options: { readonly readYourWritesWaitMs: number }): DynamicModule {
    return {
      module: OrdersModule,
      // Cancel before :hash routes is irrelevant (POST vs GET), listed by use case.
      controllers: [
        SubmitOrdersHttpController,
        CancelOrdersHttpController,
        GetOrderHttpController,
        ListOrdersHttpController,
      ],
      providers: [
        SubmitOrdersHandler,
        CancelOrdersHandler,
        ReadYourWrites,
        { provide: READ_YOUR_WRITES_WAIT_MS, useValue: options.readYourWritesWaitMs },
      ],
    };
  }
}
