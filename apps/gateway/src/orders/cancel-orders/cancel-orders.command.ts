// CancelOrders as a @nestjs/cqrs command over the application's CancelOrders use case.
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { InjectAggregateRepository } from '@atelier/cqrs';
import type { CommandContext } from '@atelier/eventsourcing';
import {
  CancelOrders,
  INTAKE_POLICY,
  ORDER_DIRECTORY,
  ORDER_SIGNATURES,
  type CancelOrdersResult,
  type IntakePolicy,
  type MarketRepository,
  type OrderCancel,
  type OrderDirectory,
  type OrderSignatures,
} from '@atelier/market-application';
import { marketAggregate, type Hex } from '@atelier/market-domain';

export class CancelOrdersCommand extends Command<CancelOrdersResult> {
  constructor(
    readonly cancel: OrderCancel,
    readonly signature: Hex,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(CancelOrdersCommand)
export class CancelOrdersHandler implements ICommandHandler<CancelOrdersCommand> {
  private readonly useCase: CancelOrders;

  constructor(
    @InjectAggregateRepository(marketAggregate) markets: MarketRepository,
    @Inject(ORDER_SIGNATURES) signatures: OrderSignatures,
    @Inject(ORDER_DIRECTORY) directory: OrderDirectory,
    @Inject(INTAKE_POLICY) policy: IntakePolicy,
  ) {
    this.useCase = new CancelOrders(markets, signatures, directory, policy);
  }

  execute(command: CancelOrdersCommand): Promise<CancelOrdersResult> {
    return this.useCase.cancel(command.cancel, command.signature, command.context);
  }
}
