// Where the contracts live, over GraphQL (REST GET /v1/deployments): the chain id, each contract's
// address and start block, and the Marketplace's currencies and operator. The RPC URL the deploy
// script used is left out: a frontend talks to its own node.
import { Inject } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import type { Deployments as DeploymentsFile } from '@atelier/chain';
import { GRAPHQL_DEPLOYMENTS } from './graphql.tokens';
import { Deployments } from './read.types';

@Resolver()
export class DeploymentsResolver {
  constructor(@Inject(GRAPHQL_DEPLOYMENTS) private readonly file: DeploymentsFile) {}

  @Query(() => Deployments, { description: 'Where the contracts live' })
  deployments(): Deployments {
    const market = this.file.settings?.Marketplace;
    return {
      chainId: this.file.chainId,
      deployedAt: this.file.deployedAt,
      contracts: Object.entries(this.file.contracts).map(([name, c]) => ({ name, ...c })),
      marketplace: market
        ? { currencies: [...market.currencies], operator: market.operator }
        : null,
    };
  }
}
