// A chain history for the chain-fact read models' specs, as chain.* envelopes (what the relay
// publishes): a fee setting, three works (the second a child of the first, the third of both),
// a deposit, two settled trades each with its per-call royalty and attribution totals and the
// work's Transfer, a second fee setting between them, a withdrawal, and a last block (a
// deposit and a third trade) that a reorg retracts. `expected` holds the balances the
// Marketplace would report after block 9. Partitions follow docs/indexer.md's keys, so specs
// can deliver each partition in order and interleave partitions at random. Not exported.
import { seededRandom } from '@atelier/kernel';
import {
  chainFact,
  partitionKey,
  retractionOf,
  toJsonArgs,
  type ChainFactEnvelope,
} from '@atelier/chain-messages';

export const CHAIN_ID = 31337;
export const REGISTRY = '0x00000000000000000000000000000000000a7001';
export const MARKETPLACE = '0x00000000000000000000000000000000000a7002';
export const USD = '0x0000000000000000000000000000000000005d01';
const ZERO = `0x${'0'.repeat(40)}`;
const addr = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
export const ALICE = addr(0xa11ce);
export const BOB = addr(0xb0b);
export const BUYER = addr(0xb1);
export const BUYER2 = addr(0xb2);
export const CREATOR1 = addr(0xc1);
export const CREATOR2 = addr(0xc2);
export const K1 = addr(0x4b1);
export const K2 = addr(0x4b2);
export const FEE1 = addr(0xfee1);
export const FEE2 = addr(0xfee2);
const h = (tag: string, n: number) => `0x${tag}${n.toString(16).padStart(64 - tag.length, '0')}`;

type Spec = {
  contract: 'ArtworkRegistry' | 'Marketplace';
  event: string;
  args: Record<string, unknown>;
};

function block(n: number, specs: readonly Spec[]): ChainFactEnvelope[] {
  return specs.map((s, i) =>
    chainFact({
      chainId: CHAIN_ID,
      contract: s.contract,
      address: s.contract === 'ArtworkRegistry' ? REGISTRY : MARKETPLACE,
      event: s.event,
      blockNumber: n,
      blockHash: h('b', n),
      blockTimestamp: 1_800_000_000 + n * 12,
      transactionHash: h('7', n),
      transactionIndex: 0,
      logIndex: i,
      args: toJsonArgs(s.args),
    }),
  );
}

/** A fact of `contract`'s `event` without args, for specs that put raw (even invalid) args in it. */
export function factWithoutArgs(contract: Spec['contract'], event: string): ChainFactEnvelope {
  return block(1, [{ contract, event, args: {} }])[0]!;
}

const mint = (
  tokenId: bigint,
  creator: string,
  owner: string,
  parents: bigint[],
  contributors: { account: string; bps: number }[],
  royalty: number,
): Spec[] => [
  { contract: 'ArtworkRegistry', event: 'Transfer', args: { from: ZERO, to: owner, tokenId } },
  {
    contract: 'ArtworkRegistry',
    event: 'ArtworkMinted',
    args: {
      tokenId,
      creator,
      owner,
      provenanceHash: h('a', Number(tokenId)),
      royaltyReceiver: creator,
      royaltyBps: royalty,
      provenance: {
        modelId: tokenId === 3n ? 'flux-1' : 'sdxl-1.0',
        modelHash: h('d', Number(tokenId)),
        promptHash: h('e', Number(tokenId)),
        seed: 1000n + tokenId,
        manifestHash: h('f', Number(tokenId)),
        manifestURI: `ipfs://manifest/${tokenId}`,
        parents,
        contributors,
      },
    },
  },
];

const trade = (t: {
  tokenId: bigint;
  seller: string;
  buyer: string;
  price: bigint;
  fee: bigint;
  royaltyReceiver: string;
  royalty: bigint;
  attribution: bigint;
}): Spec[] => [
  {
    contract: 'Marketplace',
    event: 'TradeSettled',
    args: {
      askHash: h('aa', Number(t.tokenId)),
      bidHash: h('bb', Number(t.tokenId)),
      collection: REGISTRY,
      tokenId: t.tokenId,
      seller: t.seller,
      buyer: t.buyer,
      currency: USD,
      price: t.price,
      protocolFee: t.fee,
      royaltyReceiver: t.royaltyReceiver,
      royalty: t.royalty,
      attribution: t.attribution,
      sellerProceeds: t.price - t.fee - t.royalty - t.attribution,
    },
  },
  {
    contract: 'ArtworkRegistry',
    event: 'Transfer',
    args: { from: t.seller, to: t.buyer, tokenId: t.tokenId },
  },
];
const credited = (
  event: 'RoyaltyCredited' | 'AttributionCredited',
  who: string,
  amount: bigint,
): Spec => ({
  contract: 'Marketplace',
  event,
  args: { [event === 'RoyaltyCredited' ? 'receiver' : 'contributor']: who, currency: USD, amount },
});

export const BLOCKS: readonly (readonly ChainFactEnvelope[])[] = [
  block(1, [
    { contract: 'Marketplace', event: 'ProtocolFeeSet', args: { recipient: FEE1, bps: 250 } },
  ]),
  block(2, mint(1n, CREATOR1, ALICE, [], [{ account: K1, bps: 100 }], 500)),
  block(
    3,
    mint(
      2n,
      CREATOR2,
      BOB,
      [1n],
      [
        { account: K1, bps: 100 },
        { account: K2, bps: 200 },
      ],
      500,
    ),
  ),
  block(4, mint(3n, CREATOR1, BOB, [2n, 1n], [], 0)),
  block(5, [
    {
      contract: 'Marketplace',
      event: 'Deposited',
      args: { account: BUYER, currency: USD, amount: 1000n },
    },
  ]),
  block(6, [
    ...trade({
      tokenId: 1n,
      seller: ALICE,
      buyer: BUYER,
      price: 400n,
      fee: 10n,
      royaltyReceiver: CREATOR1,
      royalty: 20n,
      attribution: 4n,
    }),
    credited('RoyaltyCredited', CREATOR1, 20n),
    credited('AttributionCredited', K1, 4n),
    {
      contract: 'Marketplace',
      event: 'BatchSettled',
      args: { operator: addr(0x09), settled: 1n, skipped: 0n },
    },
  ]),
  block(7, [
    { contract: 'Marketplace', event: 'ProtocolFeeSet', args: { recipient: FEE2, bps: 300 } },
  ]),
  block(8, [
    ...trade({
      tokenId: 2n,
      seller: BOB,
      buyer: BUYER,
      price: 500n,
      fee: 15n,
      royaltyReceiver: CREATOR2,
      royalty: 25n,
      attribution: 15n,
    }),
    credited('RoyaltyCredited', CREATOR2, 25n),
    credited('AttributionCredited', K1, 5n),
    credited('AttributionCredited', K2, 10n),
  ]),
  block(9, [
    {
      contract: 'Marketplace',
      event: 'Withdrawn',
      args: { account: ALICE, currency: USD, to: ALICE, amount: 100n },
    },
  ]),
  // Dropped by a reorg in the specs.
  block(10, [
    {
      contract: 'Marketplace',
      event: 'Deposited',
      args: { account: BUYER2, currency: USD, amount: 300n },
    },
    ...trade({
      tokenId: 3n,
      seller: BOB,
      buyer: BUYER2,
      price: 300n,
      fee: 9n,
      royaltyReceiver: ZERO,
      royalty: 0n,
      attribution: 0n,
    }),
  ]),
];

export const FACTS: readonly ChainFactEnvelope[] = BLOCKS.flat();
/** The reorg: every fact of block 10 retracted. */
export const RETRACTIONS: readonly ChainFactEnvelope[] = BLOCKS[9]!.map(retractionOf);

/** balanceOf(account, USD) after block 9 (block 10 retracted). */
export const EXPECTED_BALANCES: Readonly<Record<string, bigint>> = {
  [BUYER]: 100n,
  [ALICE]: 266n,
  [BOB]: 445n,
  [CREATOR1]: 20n,
  [CREATOR2]: 25n,
  [K1]: 9n,
  [K2]: 10n,
  [FEE1]: 10n,
  [FEE2]: 15n,
};

const PARTITIONS = 3;
const topicOf = (f: ChainFactEnvelope) =>
  f.contract === 'Marketplace' ? 'marketplace' : 'artwork-registry';
const keyOf = (f: ChainFactEnvelope) =>
  partitionKey(f.contract === 'Marketplace' ? 'market' : 'artwork', f.address, f.args);

/** Splits messages into (topic, partition) queues as Kafka would, each in publish order. */
export function partitioned(
  messages: readonly ChainFactEnvelope[],
): Map<string, ChainFactEnvelope[]> {
  const out = new Map<string, ChainFactEnvelope[]>();
  for (const m of messages) {
    let hash = 0;
    for (const c of keyOf(m)) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    const ref = `${topicOf(m)}/${hash % PARTITIONS}`;
    out.set(ref, [...(out.get(ref) ?? []), m]);
  }
  return out;
}

/** A deterministic PRNG (the kernel's seededRandom): reproducible interleavings per seed. */
export const rng = seededRandom;
