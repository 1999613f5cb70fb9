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

/**
 * Calldata bytes per eth_call. Without a Multicall3 on the chain (a local anvil) viem's
 * multicall is deployless: its answers come back as the code of a contract being created, which
 * the 24,576-byte contract size limit caps (`CreateContractSizeLimit`). A read is 36 to 68 bytes
 * of calldata and ~190 bytes of ABI-encoded answer (aggregate3's (bool, bytes) tuple), so 2,000
 * bytes of calldata keep an answer near 10 KB: a bulk intake of 1,000 orders is some tens of
 * eth_calls at one block (in parallel), not one that the node refuses.
 */
export const READ_BATCH_BYTES = 2_000;

export class ViemMarketChainReader implements MarketChainReader {
  private readonly target: { marketplace: string; registry?: string; batchSize: number };

  constructor(
    private readonly client: Client,
    deployments: Deployments,
    marketplace: string,
    batchSize = READ_BATCH_BYTES,
  ) {
    const registry = deployments.contracts['ArtworkRegistry']?.address;
    this.target = { marketplace, ...(registry ? { registry } : {}), batchSize };
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
