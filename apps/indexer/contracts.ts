// Which contracts the indexer follows, where they live and how they are registered with
// Ponder. One list drives the Ponder config, the fact handlers and the relay's topics:
// adding a contract is one line in INDEXED_CONTRACTS (its ABI is found by name in
// @atelier/contracts-abi, its address and start block in the deployments file) plus its
// topic in @atelier/chain-messages.
import type { Abi, AbiEvent, AbiParameter } from 'viem';
import * as abis from '@atelier/contracts-abi';
import type { Deployments } from '@atelier/chain';

/**
 * `required`: the indexer refuses to start without it. The others are indexed as soon as their
 * ABI is generated and the deploy script has written them to the deployments file, so the
 * contracts and the indexer can land in either order.
 */
export const INDEXED_CONTRACTS = [
  { name: 'TestStablecoin', required: true },
  { name: 'ArtworkRegistry', required: false },
  { name: 'Marketplace', required: false },
] as const satisfies readonly { name: string; required: boolean }[];

export interface IndexedContract {
  readonly name: string;
  readonly abi: Abi;
  readonly address: `0x${string}`;
  readonly startBlock: number;
  /** Ponder's names of the contract's events: the ABI name, or the full signature when overloaded. */
  readonly events: readonly string[];
}

export interface ResolvedContracts {
  readonly contracts: readonly IndexedContract[];
  /** Contracts left out, and why (logged at start). */
  readonly skipped: readonly { name: string; reason: string }[];
}

const abiExportName = (name: string) => `${name[0]!.toLowerCase()}${name.slice(1)}Abi`;

export function abiOf(name: string): Abi | undefined {
  const found = (abis as unknown as Record<string, unknown>)[abiExportName(name)];
  return Array.isArray(found) ? (found as Abi) : undefined;
}

const formatParam = (p: AbiParameter): string => {
  const type = p.type.startsWith('tuple')
    ? `(${((p as { components?: readonly AbiParameter[] }).components ?? []).map(formatParam).join(', ')})${p.type.slice(5)}`
    : p.type;
  return [type, (p as { indexed?: boolean }).indexed ? 'indexed' : '', p.name ?? '']
    .filter(Boolean)
    .join(' ');
};

/** Ponder's "safe name" of each non-anonymous event (same rule as ponder's toSafeName). */
export function eventNames(abi: Abi): string[] {
  const events = abi.filter((i): i is AbiEvent => i.type === 'event' && !i.anonymous);
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
  return events.map((e) =>
    (counts.get(e.name) ?? 0) > 1 ? `${e.name}(${e.inputs.map(formatParam).join(', ')})` : e.name,
  );
}

/** Matches INDEXED_CONTRACTS against the generated ABIs and the deployments file. */
export function resolveIndexedContracts(
  deployments: Deployments,
  deploymentsPath: string,
): ResolvedContracts {
  const contracts: IndexedContract[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const { name, required } of INDEXED_CONTRACTS) {
    const abi = abiOf(name);
    const deployed = deployments.contracts[name];
    const missing = !abi
      ? `its ABI is not generated (add it to libs/contracts/abi/abi-contracts.json)`
      : !deployed
        ? `it is not in ${deploymentsPath}; deploy it first`
        : undefined;
    if (missing) {
      if (required) throw new Error(`${name} cannot be indexed: ${missing}`);
      skipped.push({ name, reason: missing });
      continue;
    }
    contracts.push({
      name,
      abi: abi!,
      address: deployed!.address,
      startBlock: deployed!.startBlock,
      events: eventNames(abi!),
    });
  }
  return { contracts, skipped };
}
