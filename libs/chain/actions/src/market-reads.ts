// The engine under readIntakeState and readObservations: a plan of what to read (deduplicated),
// one multicall of all of it at one block, and the answers decoded into the market's terms. The
// Marketplace and the ArtworkRegistry are ours: a failed call there is an error. A foreign
// collection may revert or answer nonsense: that reads as "not the owner" / "not approved" /
// "no royalty", as the contract itself treats it (Marketplace `_foreignRoyalty`, `_diagnoseTransfer`).
import { NONCE_STATES, artworkRegistryAbi, marketplaceAbi } from '@atelier/contracts-abi';
import { type Address as Id, asAddress } from '@atelier/kernel';
import { type Address, type Client, type ContractFunctionParameters, erc721Abi } from 'viem';
import { multicall } from 'viem/actions';

import { ChainActionError } from './errors';
import type { NonceStatus, RoyaltyTerms } from './market-state';

export const ZERO: Id = asAddress('0x0000000000000000000000000000000000000000');
const MASK_160 = (1n << 160n) - 1n;
const wordAddress = (word: bigint): Id =>
  asAddress(`0x${(word & MASK_160).toString(16).padStart(40, '0')}`);

const erc2981Abi = [
  {
    type: 'function',
    name: 'royaltyInfo',
    stateMutability: 'view',
    inputs: [
      { name: 'tokenId', type: 'uint256' },
      { name: 'salePrice', type: 'uint256' },
    ],
    outputs: [
      { name: 'receiver', type: 'address' },
      { name: 'royaltyAmount', type: 'uint256' },
    ],
  },
] as const;

/** Where the reads go and how. */
export interface ReadTarget {
  /** The Marketplace (its ledger, counters, nonces, fee, currency allow-list; the approved operator). */
  readonly marketplace: string;
  /** The ArtworkRegistry: its works' royalty terms come from `splitOf`, as the contract reads them. */
  readonly registry?: string;
  /** Read at this block (default: the latest). */
  readonly blockNumber?: bigint;
  /** A deployed Multicall3; default the chain's, else a deployless multicall (one eth_call either way). */
  readonly multicallAddress?: Address;
  /** Split the multicall into eth_calls of at most this many bytes of calldata (default 0: one eth_call). */
  readonly batchSize?: number;
}

export class ReadPlan {
  readonly tokens = new Map<string, { collection: Id; tokenId: bigint; makers: Set<Id> }>();
  readonly funds = new Map<string, { maker: Id; currency: Id }>();
  readonly counters = new Set<Id>();
  readonly nonces = new Map<string, { maker: Id; nonce: bigint }>();
  readonly currencies = new Set<Id>();
  readonly royalties = new Map<string, { collection: Id; tokenId: bigint; price: bigint }>();
  fee = false;

  token(collection: Id, tokenId: bigint, maker?: Id): void {
    const key = `${collection}:${tokenId}`;
    const entry = this.tokens.get(key) ?? { collection, tokenId, makers: new Set<Id>() };
    if (maker) entry.makers.add(maker);
    this.tokens.set(key, entry);
  }
  fund(maker: Id, currency: Id): void {
    this.funds.set(`${maker}:${currency}`, { maker, currency });
  }
  nonce(maker: Id, nonce: bigint): void {
    this.nonces.set(`${maker}:${nonce}`, { maker, nonce });
  }
}

export interface ReadResult {
  readonly block: bigint;
  readonly chainTime: bigint;
  readonly tokens: Map<string, { owner: Id; approved: boolean }>;
  readonly funds: Map<string, bigint>;
  readonly counters: Map<Id, bigint>;
  readonly nonces: Map<string, NonceStatus>;
  readonly currencies: Map<Id, boolean>;
  readonly royalties: Map<string, RoyaltyTerms>;
  fee: { recipient: Id | null; bps: number } | null;
}

type Outcome = { status: 'success'; result: unknown } | { status: 'failure'; error: unknown };
interface Call {
  readonly contract: ContractFunctionParameters;
  /** Foreign contracts may fail; ours must not. */
  readonly foreign: boolean;
  readonly take: (result: unknown | undefined) => void;
}

async function runCalls(client: Client, calls: readonly Call[], target: ReadTarget, block: bigint) {
  if (calls.length === 0) return;
  const deployless = !target.multicallAddress && !client.chain?.contracts?.['multicall3'];
  let outcomes: Outcome[];
  try {
    outcomes = (await multicall(client, {
      contracts: calls.map((c) => c.contract),
      allowFailure: true,
      blockNumber: block,
      batchSize: target.batchSize ?? 0,
      ...(target.multicallAddress ? { multicallAddress: target.multicallAddress } : {}),
      deployless,
    })) as Outcome[];
  } catch (cause) {
    throw new ChainActionError('CHAIN.UNAVAILABLE', 'the multicall failed', { block }, { cause });
  }
  calls.forEach((c, i) => {
    const o = outcomes[i]!;
    if (o.status === 'success') return c.take(o.result);
    if (c.foreign) return c.take(undefined);
    throw new ChainActionError(
      // A multicall whose eth_call failed reports every call failed with the transport's error.
      'CHAIN.BAD_ANSWER',
      `${c.contract.functionName} on ${c.contract.address} failed`,
      { block, address: c.contract.address, functionName: c.contract.functionName },
      { cause: o.error },
    );
  });
}

/** Reads everything `plan` names at one block: one multicall (two when a token's owner is not
 *  among the makers whose approval was asked for, to ask for the owner's). */
export async function readPlan(
  client: Client,
  plan: ReadPlan,
  target: ReadTarget,
): Promise<ReadResult> {
  const marketplace = asAddress(target.marketplace);
  const registry = target.registry ? asAddress(target.registry) : null;
  let blockInfo;
  try {
    blockInfo = await client.request({
      method: 'eth_getBlockByNumber',
      params: [
        target.blockNumber === undefined ? 'latest' : `0x${target.blockNumber.toString(16)}`,
        false,
      ],
    });
  } catch (cause) {
    throw new ChainActionError('CHAIN.UNAVAILABLE', 'could not read the block', {}, { cause });
  }
  if (!blockInfo?.number)
    throw new ChainActionError('CHAIN.BAD_ANSWER', 'the node has no such block', {
      block: target.blockNumber,
    });
  const block = BigInt(blockInfo.number);
  const result: ReadResult = {
    block,
    chainTime: BigInt(blockInfo.timestamp),
    tokens: new Map(),
    funds: new Map(),
    counters: new Map(),
    nonces: new Map(),
    currencies: new Map(),
    royalties: new Map(),
    fee: null,
  };
  const mp = marketplace as Address;
  const calls: Call[] = [];
  const ours = (
    address: Id,
    abi: ContractFunctionParameters['abi'],
    functionName: string,
    args: readonly unknown[],
    take: (r: unknown) => void,
  ) =>
    calls.push({
      contract: { address: address as Address, abi, functionName, args },
      foreign: false,
      take: take as Call['take'],
    });
  const foreign = (
    address: Id,
    abi: ContractFunctionParameters['abi'],
    functionName: string,
    args: readonly unknown[],
    take: (r: unknown | undefined) => void,
  ) =>
    calls.push({
      contract: { address: address as Address, abi, functionName, args },
      foreign: true,
      take,
    });

  // Tokens: owner, single approval, and operator approval of each asking maker.
  const owners = new Map<string, { owner: Id; single: boolean; all: Map<Id, boolean> }>();
  for (const [key, t] of plan.tokens) {
    const entry = { owner: ZERO, single: false, all: new Map<Id, boolean>() };
    owners.set(key, entry);
    foreign(t.collection, erc721Abi, 'ownerOf', [t.tokenId], (r) => {
      if (typeof r === 'string') entry.owner = asAddress(r);
    });
    foreign(t.collection, erc721Abi, 'getApproved', [t.tokenId], (r) => {
      entry.single = typeof r === 'string' && r.toLowerCase() === marketplace;
    });
    for (const maker of t.makers)
      foreign(t.collection, erc721Abi, 'isApprovedForAll', [maker, mp], (r) => {
        entry.all.set(maker, r === true);
      });
  }
  for (const [key, f] of plan.funds)
    ours(marketplace, marketplaceAbi, 'balanceOf', [f.maker, f.currency], (r) =>
      result.funds.set(key, r as bigint),
    );
  for (const maker of plan.counters)
    ours(marketplace, marketplaceAbi, 'counterOf', [maker], (r) =>
      result.counters.set(maker, r as bigint),
    );
  for (const [key, n] of plan.nonces)
    ours(marketplace, marketplaceAbi, 'nonceState', [n.maker, n.nonce], (r) => {
      const state = NONCE_STATES[r as number];
      if (!state)
        throw new ChainActionError('CHAIN.BAD_ANSWER', `unknown nonce state ${String(r)}`, {
          maker: n.maker,
          nonce: n.nonce,
        });
      result.nonces.set(key, state.toLowerCase() as NonceStatus);
    });
  if (plan.fee)
    ours(marketplace, marketplaceAbi, 'protocolFee', [], (r) => {
      const [recipient, bps] = r as readonly [string, number];
      const id = asAddress(recipient);
      result.fee = { recipient: id === ZERO ? null : id, bps };
    });
  for (const currency of plan.currencies)
    ours(marketplace, marketplaceAbi, 'isCurrencyAllowed', [currency], (r) =>
      result.currencies.set(currency, r === true),
    );
  // Royalties: an Atelier work's split once per token (price-independent), any other ERC-2981.
  const splits = new Map<bigint, string[]>();
  for (const [key, r] of plan.royalties) {
    if (r.collection === registry) {
      splits.set(r.tokenId, [...(splits.get(r.tokenId) ?? []), key]);
      continue;
    }
    foreign(r.collection, erc2981Abi, 'royaltyInfo', [r.tokenId, r.price], (answer) => {
      const [receiver, amount] = (answer ?? [null, 0n]) as readonly [string | null, bigint];
      const id = receiver === null ? ZERO : asAddress(receiver);
      result.royalties.set(key, {
        kind: 'erc2981',
        receiver: id === ZERO ? null : id,
        amount: id === ZERO ? 0n : amount,
      });
    });
  }
  for (const [tokenId, keys] of splits)
    ours(registry!, artworkRegistryAbi, 'splitOf', [tokenId], (answer) => {
      const [terms, words] = answer as readonly [bigint, readonly bigint[]];
      const royalty: RoyaltyTerms = {
        kind: 'atelier',
        royaltyReceiver: wordAddress(terms),
        royaltyBps: Number((terms >> 160n) & 0xffffn),
        contributors: words.map((w) => ({
          account: wordAddress(w),
          bps: Number((w >> 160n) & 0xffffn),
        })),
      };
      for (const key of keys) result.royalties.set(key, royalty);
    });

  await runCalls(client, calls, target, block);

  // An owner that is none of the asking makers: ask for its operator approval too (same block).
  const second: Call[] = [];
  for (const [key, t] of plan.tokens) {
    const o = owners.get(key)!;
    if (o.owner !== ZERO && !o.single && !o.all.has(o.owner))
      second.push({
        contract: {
          address: t.collection as Address,
          abi: erc721Abi,
          functionName: 'isApprovedForAll',
          args: [o.owner, mp],
        },
        foreign: true,
        take: (r) => void o.all.set(o.owner, r === true),
      });
  }
  await runCalls(client, second, target, block);
  for (const [key, o] of owners)
    result.tokens.set(key, { owner: o.owner, approved: o.single || o.all.get(o.owner) === true });
  return result;
}
