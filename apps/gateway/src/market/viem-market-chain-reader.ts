// The MarketChainReader port over @atelier/chain-actions: one multicall at one block for all the
// orders of an intake call (owners and approvals of the asks' tokens, bidders' ledger balances,
// counters, nonces, the fee, royalty terms, the currency allow-list), and the re-reads of the
// fillability tracker. The action's shapes are the port's, restated structurally.
import type { Client } from 'viem';
import { readIntakeState, readObservations } from '@atelier/chain-actions';
import type { Deployments } from '@atelier/chain';
import type {
  IntakeReading,
  MarketChainReader,
  ObservationReading,
  ObservationRequest,
} from '@atelier/market-application';
import type { Order } from '@atelier/market-domain';

export class ViemMarketChainReader implements MarketChainReader {
  private readonly target: { marketplace: string; registry?: string };

  constructor(
    private readonly client: Client,
    deployments: Deployments,
    marketplace: string,
  ) {
    const registry = deployments.contracts['ArtworkRegistry']?.address;
    this.target = { marketplace, ...(registry ? { registry } : {}) };
  }

  readForIntake(orders: readonly Order[]): Promise<IntakeReading> {
    return readIntakeState(this.client, { ...this.target, orders });
  }

  readObservations(request: ObservationRequest, block?: bigint): Promise<ObservationReading> {
    return readObservations(this.client, {
      ...this.target,
      request,
      ...(block === undefined ? {} : { blockNumber: block }),
    });
  }
}
