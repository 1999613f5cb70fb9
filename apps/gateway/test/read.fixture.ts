// What the read API's int specs share: the chain facts of the deployed ArtworkRegistry and
// Marketplace read straight from anvil's logs (viem) and wrapped as the chain relay wraps them
// (@atelier/chain-messages' chainFact), and a feed that applies them to the read models through
// the real runner as Kafka would deliver them: per (topic, partition) in order, partitions by
// the relay's keys, interleaved at random (no order across partitions is promised).
import { seededRandom } from '@atelier/kernel';
import type { DataSource } from 'typeorm';
import { decodeEventLog, keccak256, toHex, type Address, type Log, type PublicClient } from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { connectDeployment } from '@atelier/chain-actions';
import { artworkRegistryAbi, marketplaceAbi } from '@atelier/contracts-abi';
import {
  chainContractSpec,
  chainFact,
  partitionKey,
  toJsonArgs,
  type ChainFactEnvelope,
} from '@atelier/chain-messages';
import { ProjectionStore, type Projection } from '@atelier/projections';

/**
 * The deployed contracts and the cast of a read spec's scenario: accounts derived from `label`
 * and a run id (fresh on every run, so specs never share state on the long-lived anvil), and
 * the operator (the stack's settlement key, mnemonic index 9).
 */
export function readScenario(label: string) {
  const dep = connectDeployment({
    rpcUrl: process.env['RPC_URL']!,
    deployments: process.env['ATELIER_DEPLOYMENTS']!,
    cacheTime: 0,
  });
  const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const key = (name: string) => privateKeyToAccount(keccak256(toHex(`${label}:${run}:${name}`)));
  const account = (name: string) => key(name).address.toLowerCase() as Address;
  return {
    /** this run's id, for names that must not collide with earlier runs' */
    run,
    dep,
    client: dep.client,
    testClient: dep.testClient,
    wallet: dep.wallet,
    usd: dep.address('TestStablecoin'),
    registry: dep.address('ArtworkRegistry').toLowerCase() as Address,
    market: dep.address('Marketplace'),
    domain: dep.domain(),
    operator: mnemonicToAccount('test test test test test test test test test test test junk', {
      addressIndex: 9,
    }),
    key,
    creator: key('creator'),
    seller: key('seller'),
    buyer1: key('buyer 1'),
    buyer2: key('buyer 2'),
    contributorA: account('contributor a'),
    contributorB: account('contributor b'),
    /** a lowercase address from `name` that signs nothing */
    account,
  };
}

export interface IndexedContract {
  readonly name: 'ArtworkRegistry' | 'Marketplace';
  readonly address: `0x${string}`;
  readonly startBlock: bigint;
}

const ABIS = { ArtworkRegistry: artworkRegistryAbi, Marketplace: marketplaceAbi } as const;

/** Every log of `contracts` up to `toBlock` (inclusive), as chain facts in chain order. */
export async function chainFactsUpTo(
  client: PublicClient,
  chainId: number,
  contracts: readonly IndexedContract[],
  toBlock: bigint,
): Promise<ChainFactEnvelope[]> {
  const from = contracts.reduce((m, c) => (c.startBlock < m ? c.startBlock : m), toBlock);
  const logs: Log[] = [];
  for (let start = from; start <= toBlock; start += 2_000n) {
    const end = start + 1_999n < toBlock ? start + 1_999n : toBlock;
    logs.push(
      ...(await client.getLogs({
        address: contracts.map((c) => c.address),
        fromBlock: start,
        toBlock: end,
      })),
    );
  }
  const times = new Map<bigint, number>();
  const blocks = [...new Set(logs.map((l) => l.blockNumber!))];
  for (let i = 0; i < blocks.length; i += 25)
    await Promise.all(
      blocks.slice(i, i + 25).map(async (n) => {
        times.set(n, Number((await client.getBlock({ blockNumber: n })).timestamp));
      }),
    );
  const byAddress = new Map(contracts.map((c) => [c.address.toLowerCase(), c.name]));
  return logs
    .sort((a, b) =>
      a.blockNumber === b.blockNumber
        ? a.logIndex! - b.logIndex!
        : a.blockNumber! < b.blockNumber!
          ? -1
          : 1,
    )
    .map((log) => {
      const contract = byAddress.get(log.address.toLowerCase())!;
      const decoded = decodeEventLog({ abi: ABIS[contract], data: log.data, topics: log.topics });
      return chainFact({
        chainId,
        contract,
        address: log.address,
        event: decoded.eventName,
        blockNumber: Number(log.blockNumber),
        blockHash: log.blockHash!,
        blockTimestamp: times.get(log.blockNumber!)!,
        transactionHash: log.transactionHash!,
        transactionIndex: log.transactionIndex!,
        logIndex: log.logIndex!,
        args: toJsonArgs(decoded.args),
      });
    });
}

/** Feeds messages to projections as Kafka would deliver them (see the header). */
export class ChainFeed {
  private readonly offsets = new Map<string, bigint>();
  private readonly store: ProjectionStore;

  constructor(
    dataSource: DataSource,
    schema: string,
    private readonly projections: readonly Projection<ChainFactEnvelope>[],
    private readonly partitions = 3,
  ) {
    this.store = new ProjectionStore(dataSource, schema);
  }

  async deliver(messages: readonly ChainFactEnvelope[], seed = 1): Promise<void> {
    const queues = new Map<string, ChainFactEnvelope[]>();
    for (const m of messages) {
      const spec = chainContractSpec(m.contract);
      let hash = 0;
      for (const c of partitionKey(spec.key, m.address, m.args))
        hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
      const ref = `${spec.topic}/${hash % this.partitions}`;
      queues.set(ref, [...(queues.get(ref) ?? []), m]);
    }
    const random = seededRandom(seed);
    const open = [...queues.entries()].map(([ref, list]) => ({ ref, list }));
    while (open.some((q) => q.list.length > 0)) {
      const ready = open.filter((q) => q.list.length > 0);
      const q = ready[Math.floor(random() * ready.length)]!;
      const chunk = q.list.splice(0, 1 + Math.floor(random() * 50));
      let offset = this.offsets.get(q.ref) ?? 0n;
      const items = chunk.map((envelope) => ({ position: offset++, envelope }));
      this.offsets.set(q.ref, offset);
      const [source, partition] = q.ref.split('/');
      for (const projection of this.projections)
        await this.store.apply(
          projection,
          { source: source!, partition: Number(partition) },
          items,
        );
    }
  }
}
