// Gas per trade of the Marketplace, from real transaction receipts on anvil (the bench stack, fresh
// deployment by infra/bin/bench.sh): an ERC-721 work sold for tUSD with protocol fee (2.5%), creator
// royalty (5%) and two training-data contributors (1.5% + 1%), filled directly by a taker
// (`acceptAsk`, the baseline) and settled by the operator with `settleBatch` in batches of 1, 10 and
// 50 pairs. Figures are receipt gasUsed / trades: the 21,000 transaction base cost and the calldata
// are included and amortized. Ratios are against the direct fill measured in the same run.
//
// Parties, as a marketplace in steady state sees them. The 1/10/50 series gives every trade its own
// seller (the hard case for a batch: nothing of the seller's is warm) while five market makers buy;
// "MarketMakers" is a 50-pair batch among ten sellers and ten buyers, five trades each (market makers
// on both sides, the case netting is for); "FirstTimeParties" repeats the 50-pair series with parties
// that never traded. Five creators and ten contributors are paid across the works. "Established"
// parties have traded before, so their ledger balances, nonce words and NFT balances are already
// non-zero (what repeat traders cost); a first-time party's slots start at zero and cost 20,000 more
// each to write. docs/decisions/0006-settlement-netting.md explains the figures.
// Anchors (not measured here): Seaport 1.6 fills such a sale alone for ~162,000 gas and batches 10
// plain sales (no royalty, no contributors) at ~69,000 each.
import {
  type Address,
  type Hex,
  type PrivateKeyAccount,
  keccak256,
  maxUint256,
  parseEther,
  parseEventLogs,
  toHex,
} from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';

import {
  type EncodeSettleBatchParameters,
  buildMint,
  connectDeployment,
  createOrder,
  encodeSettleBatch,
} from '@atelier/chain-actions';
import {
  OrderKind,
  artworkRegistryAbi,
  marketplaceAbi,
  testStablecoinAbi,
} from '@atelier/contracts-abi';

import { type BenchRow, benchEnv, report } from './lib/harness';

/*//////////////////////////////////////////////////////////////
                             SCENARIO
//////////////////////////////////////////////////////////////*/

const PRICE = 100_000_000n; // 100 tUSD
const ROYALTY_BPS = 500;
const SHARES_BPS = [150, 100] as const;
const CREATORS = 5;
const CONTRIBUTORS = 10;
const MARKET_MAKERS = 5;
/** Samples per figure (each with its own sellers and works); the figure is their mean. */
const SAMPLES = { direct: 5, batch1: 5, batch10: 3, batch50: 2, firstTime50: 1 } as const;
const GOAL_PER_TRADE_AT_50 = 55_000;
const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

/*//////////////////////////////////////////////////////////////
                              CHAIN
//////////////////////////////////////////////////////////////*/

const env = benchEnv();
const deployment = connectDeployment({
  rpcUrl: env.RPC_URL,
  deployments: env.ATELIER_DEPLOYMENTS,
  name: 'anvil (bench)',
  timeout: 60_000,
});
const { client, testClient } = deployment;
const usd = deployment.address('TestStablecoin');
const registry = deployment.address('ArtworkRegistry');
const market = deployment.address('Marketplace');
const domain = deployment.domain();
const operator = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 9 });

/*//////////////////////////////////////////////////////////////
                             ACCOUNTS
//////////////////////////////////////////////////////////////*/

/** Bench accounts, new in every run (a reused chain keeps their nonces), funded with gas money. */
const run = Date.now().toString(36);
const accounts = new Map<string, PrivateKeyAccount>();
async function actors(label: string, count: number): Promise<PrivateKeyAccount[]> {
  const list: PrivateKeyAccount[] = [];
  for (let i = 0; i < count; i++) {
    const name = `atelier-bench:${run}:${label}:${i}`;
    let account = accounts.get(name);
    if (!account) {
      account = privateKeyToAccount(keccak256(toHex(name)));
      accounts.set(name, account);
      await testClient.setBalance({ address: account.address, value: parseEther('100') });
    }
    list.push(account);
  }
  return list;
}

/** Sends every call (each sender's in order, senders in parallel) and waits for all receipts. */
interface Call {
  readonly from: PrivateKeyAccount | ReturnType<typeof mnemonicToAccount>;
  readonly address: Address;
  readonly abi: readonly unknown[];
  readonly functionName: string;
  readonly args: readonly unknown[];
}
async function sendAll(calls: readonly Call[]) {
  const bySender = new Map<Address, Call[]>();
  for (const call of calls)
    bySender.set(call.from.address, [...(bySender.get(call.from.address) ?? []), call]);
  const hashes = (
    await Promise.all(
      [...bySender.values()].map(async (list) => {
        const from = list[0]!.from;
        const wallet = deployment.wallet(from);
        let nonce = await client.getTransactionCount({
          address: from.address,
          blockTag: 'pending',
        });
        const sent: Hex[] = [];
        for (const call of list) {
          sent.push(
            await wallet.writeContract({
              address: call.address,
              abi: call.abi as typeof marketplaceAbi,
              functionName: call.functionName as 'settleBatch',
              args: call.args as never,
              nonce: nonce++,
              gas: 16_000_000n,
            }),
          );
        }
        return sent;
      }),
    )
  ).flat();
  const receipts = await Promise.all(
    hashes.map((hash) => client.waitForTransactionReceipt({ hash })),
  );
  const failed = receipts.find((r) => r.status !== 'success');
  if (failed) throw new Error(`transaction ${failed.transactionHash} reverted`);
  return receipts;
}

/*//////////////////////////////////////////////////////////////
                          MARKET ACTIONS
//////////////////////////////////////////////////////////////*/

interface Cast {
  readonly creators: readonly PrivateKeyAccount[];
  readonly contributors: readonly PrivateKeyAccount[];
  readonly buyers: readonly PrivateKeyAccount[];
}

/** Mints `perSeller` works to each seller (creator and contributors rotate) and approves the market. */
async function stock(
  sellers: readonly PrivateKeyAccount[],
  perSeller: number,
  cast: Cast,
): Promise<bigint[][]> {
  const mints: Call[] = [];
  let k = 0;
  for (const seller of sellers) {
    for (let j = 0; j < perSeller; j++, k++) {
      const contributors = SHARES_BPS.map((bps, c) => ({
        account: cast.contributors[(k + c) % cast.contributors.length]!.address,
        bps,
      }));
      mints.push({
        from: cast.creators[k % cast.creators.length]!,
        address: registry,
        abi: artworkRegistryAbi,
        functionName: 'mint',
        args: buildMint({
          to: seller.address,
          work: {
            prompt: `prompt ${k}`,
            manifest: `manifest ${k}`,
            manifestURI: `ipfs://bench/${k}`,
            seed: BigInt(k),
            contributors,
          },
          royaltyBps: ROYALTY_BPS,
        }).args,
      });
    }
  }
  const receipts = await sendAll([
    ...mints,
    ...sellers.map((s) => ({
      from: s,
      address: registry,
      abi: artworkRegistryAbi,
      functionName: 'setApprovalForAll',
      args: [market, true],
    })),
  ]);
  const owned = new Map<Address, bigint[]>();
  for (const event of parseEventLogs({
    abi: artworkRegistryAbi,
    eventName: 'ArtworkMinted',
    logs: receipts.flatMap((r) => r.logs),
  })) {
    const owner = event.args.owner;
    owned.set(owner, [...(owned.get(owner) ?? []), event.args.tokenId]);
  }
  return sellers.map((s) => (owned.get(s.address) ?? []).sort((a, b) => (a < b ? -1 : 1)));
}

/** Gives each buyer tUSD in its wallet (approved to the market) and `deposit` of it in the bidding pool. */
async function fund(buyers: readonly PrivateKeyAccount[], deposit: bigint): Promise<void> {
  await sendAll(
    buyers.flatMap((b) => [
      {
        from: b,
        address: usd,
        abi: testStablecoinAbi,
        functionName: 'mint',
        args: [b.address, deposit * 2n],
      },
      {
        from: b,
        address: usd,
        abi: testStablecoinAbi,
        functionName: 'approve',
        args: [market, maxUint256],
      },
      {
        from: b,
        address: market,
        abi: marketplaceAbi,
        functionName: 'deposit',
        args: [usd, deposit],
      },
    ]),
  );
}

const nonces = new Map<Address, bigint>();
const nextNonce = (maker: Address) => {
  const n = nonces.get(maker) ?? 0n;
  nonces.set(maker, n + 1n);
  return n;
};

async function order(maker: PrivateKeyAccount, kind: OrderKind, tokenId: bigint, price = PRICE) {
  // What a market maker's client does: eth_signTypedData_v4 over the shared definitions.
  return createOrder(maker, {
    domain,
    kind,
    collection: registry,
    tokenId,
    currency: usd,
    price,
    now: (await client.getBlock()).timestamp,
    lifetime: 86_400n,
    nonce: nextNonce(maker.address),
  });
}

async function pairs(
  sellers: readonly PrivateKeyAccount[],
  tokens: readonly bigint[],
  buyers: readonly PrivateKeyAccount[],
) {
  return Promise.all(
    sellers.map(async (seller, i) => {
      const buyer = buyers[i % buyers.length]!;
      return {
        ask: await order(seller, OrderKind.Ask, tokens[i]!),
        bid: await order(buyer, OrderKind.TokenBid, tokens[i]!),
      };
    }),
  );
}

/** One settleBatch from the operator; every pair must settle. */
async function settle(batch: EncodeSettleBatchParameters['pairs']) {
  const [receipt] = await sendAll([
    {
      from: operator,
      address: market,
      abi: marketplaceAbi,
      functionName: 'settleBatch',
      args: [encodeSettleBatch({ pairs: batch }).batch],
    },
  ]);
  const [done] = parseEventLogs({
    abi: marketplaceAbi,
    eventName: 'BatchSettled',
    logs: receipt!.logs,
  });
  if (!done || done.args.settled !== BigInt(batch.length)) {
    const skipped = parseEventLogs({
      abi: marketplaceAbi,
      eventName: 'PairSkipped',
      logs: receipt!.logs,
    });
    throw new Error(
      `batch of ${batch.length}: ${skipped.length} pairs skipped (${skipped.map((s) => s.args.reason).join(', ')})`,
    );
  }
  const tx = await client.getTransaction({ hash: receipt!.transactionHash });
  return { gasUsed: receipt!.gasUsed, calldataBytes: (tx.input.length - 2) / 2 };
}

/**
 * `count` sellers that have sold once before (their ledger balance, nonce word and NFT balance are
 * non-zero, as for any repeat trader), each holding `perSeller` more works to sell and one to keep.
 * Returns the sale list seller by seller (each seller's works in a row).
 */
async function establishedSellers(label: string, count: number, perSeller: number, cast: Cast) {
  const sellers = await actors(label, count);
  const tokens = await stock(sellers, perSeller + 2, cast);
  for (let i = 0; i < sellers.length; i += 50) {
    await settle(
      await pairs(
        sellers.slice(i, i + 50),
        tokens.slice(i, i + 50).map((t) => t[0]!),
        cast.buyers,
      ),
    );
  }
  const sales = sellers.flatMap((seller, i) =>
    tokens[i]!.slice(1, 1 + perSeller).map((token) => ({ seller, token })),
  );
  return { sellers: sales.map((s) => s.seller), tokens: sales.map((s) => s.token) };
}

/*//////////////////////////////////////////////////////////////
                             MEASURES
//////////////////////////////////////////////////////////////*/

/** Mean gas per trade of `samples` batches of `size` pairs, `size / perSeller` sellers each. */
async function measureBatch(size: number, samples: number, cast: Cast, perSeller = 1) {
  const perTrade: number[] = [];
  let calldataPerPair = 0;
  for (let s = 0; s < samples; s++) {
    const { sellers, tokens } = await establishedSellers(
      `seller-b${size}x${perSeller}-${s}`,
      size / perSeller,
      perSeller,
      cast,
    );
    const { gasUsed, calldataBytes } = await settle(await pairs(sellers, tokens, cast.buyers));
    perTrade.push(Number(gasUsed) / size);
    calldataPerPair = calldataBytes / size;
  }
  return { perTrade: mean(perTrade), calldataPerPair };
}

async function measureFirstTime(size: number, samples: number) {
  const perTrade: number[] = [];
  for (let s = 0; s < samples; s++) {
    const cast: Cast = {
      creators: await actors(`first-creator-${s}`, CREATORS),
      contributors: await actors(`first-contributor-${s}`, CONTRIBUTORS),
      buyers: await actors(`first-buyer-${s}`, MARKET_MAKERS),
    };
    await fund(cast.buyers, PRICE * BigInt(size));
    const sellers = await actors(`first-seller-${s}`, size);
    const tokens = await stock(sellers, 2, cast); // one measured, one kept
    const { gasUsed } = await settle(
      await pairs(
        sellers,
        tokens.map((t) => t[0]!),
        cast.buyers,
      ),
    );
    perTrade.push(Number(gasUsed) / size);
  }
  return mean(perTrade);
}

async function measureAcceptAsk(samples: number, cast: Cast) {
  const { sellers, tokens } = await establishedSellers('seller-direct-ask', samples, 1, cast);
  const gas: number[] = [];
  for (let i = 0; i < samples; i++) {
    const ask = await order(sellers[i]!, OrderKind.Ask, tokens[i]!);
    const [receipt] = await sendAll([
      {
        from: cast.buyers[i % cast.buyers.length]!,
        address: market,
        abi: marketplaceAbi,
        functionName: 'acceptAsk',
        args: [ask.order, ask.signature],
      },
    ]);
    gas.push(Number(receipt!.gasUsed));
  }
  return mean(gas);
}

async function measureAcceptBid(samples: number, cast: Cast) {
  const { sellers, tokens } = await establishedSellers('seller-direct-bid', samples, 1, cast);
  const gas: number[] = [];
  for (let i = 0; i < samples; i++) {
    const bid = await order(cast.buyers[i % cast.buyers.length]!, OrderKind.TokenBid, tokens[i]!);
    const [receipt] = await sendAll([
      {
        from: sellers[i]!,
        address: market,
        abi: marketplaceAbi,
        functionName: 'acceptBid',
        args: [bid.order, bid.signature, tokens[i]!],
      },
    ]);
    gas.push(Number(receipt!.gasUsed));
  }
  return mean(gas);
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/*//////////////////////////////////////////////////////////////
                               MAIN
//////////////////////////////////////////////////////////////*/

async function main(): Promise<void> {
  const cast: Cast = {
    creators: await actors('creator', CREATORS),
    contributors: await actors('contributor', CONTRIBUTORS),
    buyers: await actors('market-maker', MARKET_MAKERS),
  };
  await fund(cast.buyers, PRICE * 1_000n);
  // Every creator and contributor paid once before anything is measured ("established" payees).
  await establishedSellers('warm-up', 10, 0, cast);

  const direct = await measureAcceptAsk(SAMPLES.direct, cast);
  const acceptBid = await measureAcceptBid(SAMPLES.direct, cast);
  const b1 = await measureBatch(1, SAMPLES.batch1, cast);
  const b10 = await measureBatch(10, SAMPLES.batch10, cast);
  const b50 = await measureBatch(50, SAMPLES.batch50, cast);
  const tenBuyers = await actors('market-maker-ten', 10);
  await fund(tenBuyers, PRICE * 1_000n);
  const b50mm = await measureBatch(50, SAMPLES.batch50, { ...cast, buyers: tenBuyers }, 5);
  const first50 = await measureFirstTime(50, SAMPLES.firstTime50);

  const baseline = { figure: 'gasPerTrade.directFill', value: direct };
  const goal = `<= ${GOAL_PER_TRADE_AT_50}`;
  const rows: BenchRow[] = [
    { figure: 'gasPerTrade.directFill', value: direct, unit: 'gas' },
    { figure: 'gasPerTrade.directFillAcceptBid', value: acceptBid, unit: 'gas', baseline },
    { figure: 'gasPerTrade.settleBatch1', value: b1.perTrade, unit: 'gas', baseline },
    { figure: 'gasPerTrade.settleBatch10', value: b10.perTrade, unit: 'gas', baseline },
    { figure: 'gasPerTrade.settleBatch50', value: b50.perTrade, unit: 'gas', baseline, goal },
    {
      figure: 'gasPerTrade.settleBatch50MarketMakers',
      value: b50mm.perTrade,
      unit: 'gas',
      baseline,
      goal,
    },
    { figure: 'gasPerTrade.settleBatch50FirstTimeParties', value: first50, unit: 'gas', baseline },
    { figure: 'calldataBytesPerPair.settleBatch50', value: b50.calldataPerPair, unit: 'bytes' },
    {
      figure: 'calldataBytesPerPair.settleBatch50MarketMakers',
      value: b50mm.calldataPerPair,
      unit: 'bytes',
    },
  ];
  report('gas', rows, {
    trade: `ERC-721 (ArtworkRegistry) for ${Number(PRICE) / 1e6} tUSD: 2.5% protocol fee, ${ROYALTY_BPS / 100}% royalty, contributors ${SHARES_BPS.map((b) => `${b / 100}%`).join(' + ')}`,
    series: `settleBatch1/10/50: one established seller per trade, ${MARKET_MAKERS} market makers buy from deposited balances`,
    marketMakers: 'settleBatch50MarketMakers: 10 established sellers and 10 buyers, 5 trades each',
    firstTimeParties:
      'settleBatch50FirstTimeParties: sellers, buyers, creators and contributors that never traded',
    payees: `${CREATORS} creators, ${CONTRIBUTORS} contributors across the works`,
    directFill:
      'acceptAsk: the taker pays from its wallet (transferFrom), everyone else is credited',
    measuredFrom: 'receipt gasUsed / trades (transaction base cost and calldata included)',
    samples: SAMPLES,
    goalMet: {
      settleBatch50: b50.perTrade <= GOAL_PER_TRADE_AT_50,
      settleBatch50MarketMakers: b50mm.perTrade <= GOAL_PER_TRADE_AT_50,
    },
    anchors: {
      seaport16SingleSaleWithFeesRoyaltyContributors: 162_000,
      seaport16Batch10PlainSalesPerTrade: 69_000,
    },
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
