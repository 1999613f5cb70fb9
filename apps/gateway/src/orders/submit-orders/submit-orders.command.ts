// SubmitOrders as a @nestjs/cqrs command: the handler is the application's SubmitOrders over
// the market repository and the ports the market module wires. No logic of its own.
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { InjectAggregateRepository } from '@atelier/cqrs';
import type { CommandContext } from '@atelier/eventsourcing';
import {
  INTAKE_POLICY,
  MARKET_CHAIN_READER,
  ORDER_DIRECTORY,
  ORDER_SIGNATURES,
  SubmitOrders,
  type IntakePolicy,
  type MarketChainReader,
  type MarketRepository,
  type OrderDirectory,
  type OrderSignatures,
  type OrderSubmission,
  type SubmitOrdersResult,
} from '@atelier/market-application';
import { marketAggregate } from '@atelier/market-domain';

export class SubmitOrdersCommand extends Command<SubmitOrdersResult> {
  constructor(
    readonly submissions: readonly OrderSubmission[],
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(SubmitOrdersCommand)
export class SubmitOrdersHandler implements ICommandHandler<SubmitOrdersCommand> {
  private readonly useCase: SubmitOrders;

  constructor(
    @InjectAggregateRepository(marketAggregate) markets: MarketRepository,
    @Inject(ORDER_SIGNATURES) signatures: OrderSignatures,
    @Inject(MARKET_CHAIN_READER) chain: MarketChainReader,
    @Inject(ORDER_DIRECTORY) directory: OrderDirectory,
    @Inject(INTAKE_POLICY) policy: IntakePolicy,
  ) {
    this.useCase = new SubmitOrders(markets, signatures, chain, directory, policy);
  }

  execute(command: SubmitOrdersCommand): Promise<SubmitOrdersResult> {
    return this.useCase.submit(command.submissions, command.context);
  }
}
