// Seeds the demo market that `npm run up` promises, on a local chain only: three works with
// provenance (one a remix of the other two, each crediting two training-data contributors), a
// funded bidder, one trade settled by the operator through settleBatch and one direct fill, and a
// contributor withdrawing its attribution credits, so the indexer, the relay and the ledgers have
// real marketplace facts from the first minute.
// Then a live book on those works through the gateway's API (seed-book.ts): open asks, token and
// collection bids, and one pair matched on arrival.
// Idempotent: a registry that already has works is left alone, and orders already in the book
// are not placed again.
import { type HDAccount, mnemonicToAccount } from 'viem/accounts';

import {
  approveMarketplace,
  connectDeployment,
  createOrder,
  deposit,
  mintArtwork,
  settleBatch,
  writeAndWait,
} from '@atelier/chain-actions';
import { seedBook } from './seed-book';
import {
  type Order,
  OrderKind,
  artworkRegistryAbi,
  marketplaceAbi,
  testStablecoinAbi,
} from '@atelier/contracts-abi';

const LOCAL_CHAINS = new Set([31337, 1337]);
const MNEMONIC = 'test test test test test test test test test test test junk';
const rpcUrl = process.env['RPC_URL'] ?? 'http://127.0.0.1:18545';
const deploymentsPath = process.env['ATELIER_DEPLOYMENTS'];
const gatewayUrl =
  process.env['GATEWAY_URL'] ?? `http://127.0.0.1:${process.env['GATEWAY_PORT'] ?? '3000'}`;

const log = (msg: string) => console.error(`[demo] ${msg}`);

async function main(): Promise<void> {
  if (!deploymentsPath) throw new Error('ATELIER_DEPLOYMENTS is not set');
  const deployment = connectDeployment({ rpcUrl, deployments: deploymentsPath });
  const { chainId } = deployment.deployments;
  if (!LOCAL_CHAINS.has(chainId)) {
    log(`chain ${chainId} is not a local chain: no demo data`);
    return;
  }
  const usd = deployment.address('TestStablecoin');
  const registry = deployment.address('ArtworkRegistry');
  const market = deployment.address('Marketplace');
  const minted = await deployment.client.readContract({
    address: registry,
    abi: artworkRegistryAbi,
    functionName: 'totalMinted',
  });
  let works: readonly bigint[];
  if (minted > 0n) {
    log(`already seeded (${minted} works in the registry)`);
    works = [1n, 2n, 3n]; // the registry numbers works from 1; the demo minted the first three
  } else {
    works = await seedWorks(deployment, { usd, registry, market });
  }

  const book = await seedBook({ deployment, gatewayUrl, works, log });
  const statuses = Object.entries(book.statuses)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  log(
    `live book: ${book.placed} orders accepted now, ${book.already} already in the book; ` +
      `listed by the API: ${statuses || 'none'}`,
  );
}

/** The works, their provenance, a settled batch and a direct fill (a fresh registry only). */
async function seedWorks(
  deployment: ReturnType<typeof connectDeployment>,
  { usd, registry, market }: Record<'usd' | 'registry' | 'market', `0x${string}`>,
): Promise<bigint[]> {
  const { client, wallet } = deployment;

  const account = (index: number) => mnemonicToAccount(MNEMONIC, { addressIndex: index });
  const creator = account(1);
  const collector = account(2);
  const contributors = [account(3).address, account(4).address];
  const operator = account(9); // deploy.ts grants it the operator role on local chains

  const works: bigint[] = [];
  for (const [i, title] of ['dawn', 'dusk', 'dawn x dusk'].entries()) {
    const { tokenId } = await mintArtwork(wallet(creator), {
      registry,
      to: creator.address,
      work: {
        weights: 'sdxl-base-1.0 weights',
        prompt: `a study of ${title}`,
        manifest: `c2pa manifest of ${title}`,
        manifestURI: `ipfs://atelier-demo/${i + 1}.c2pa`,
        seed: BigInt(1000 + i),
        parents: i === 2 ? works.slice(0, 2) : [],
        contributors: contributors.map((c, j) => ({ account: c, bps: j === 0 ? 150 : 100 })),
      },
      royaltyBps: 500,
    });
    works.push(tokenId);
  }
  log(
    `minted works ${works.join(', ')} (work 3 remixes 1 and 2; royalty 5 %, contributors 1.5 % + 1 %)`,
  );

  const price = 250_000_000n; // 250 tUSD
  await approveMarketplace(wallet(creator), { collection: registry, marketplace: market });
  await writeAndWait(wallet(collector), {
    address: usd,
    abi: testStablecoinAbi,
    functionName: 'approve',
    args: [market, 10n * price],
  });
  await deposit(wallet(collector), { marketplace: market, currency: usd, amount: 4n * price });

  const domain = deployment.domain();
  const now = (await client.getBlock()).timestamp;
  const sign = (maker: HDAccount, fields: Pick<Order, 'kind' | 'tokenId' | 'nonce'>) =>
    createOrder(maker, {
      domain,
      collection: registry,
      currency: usd,
      price,
      now,
      lifetime: 30n * 86_400n,
      ...fields,
    });

  // A matched pair settled by the operator, as the settlement service will do.
  await settleBatch(wallet(operator), {
    marketplace: market,
    pairs: [
      {
        ask: await sign(creator, { kind: OrderKind.Ask, tokenId: works[0]!, nonce: 1n }),
        bid: await sign(collector, { kind: OrderKind.TokenBid, tokenId: works[0]!, nonce: 1n }),
      },
    ],
  });
  log(`operator settled work ${works[0]} for 250 tUSD (settleBatch)`);

  // A taker accepting an ask directly, without the operator.
  const ask = await sign(creator, { kind: OrderKind.Ask, tokenId: works[1]!, nonce: 2n });
  await writeAndWait(wallet(collector), {
    address: market,
    abi: marketplaceAbi,
    functionName: 'acceptAsk',
    args: [ask.order, ask.signature],
  });
  log(
    `collector bought work ${works[1]} directly for 250 tUSD (acceptAsk); work ${works[2]} stays with its creator`,
  );
  // A training-data contributor cashes out what the two sales credited it.
  const contributor = account(3);
  const earned = await client.readContract({
    address: market,
    abi: marketplaceAbi,
    functionName: 'balanceOf',
    args: [contributor.address, usd],
  });
  if (earned > 0n) {
    await writeAndWait(wallet(contributor), {
      address: market,
      abi: marketplaceAbi,
      functionName: 'withdraw',
      args: [usd, earned, contributor.address],
    });
    log(
      `contributor ${contributor.address} withdrew ${Number(earned) / 1e6} tUSD of attribution credits`,
    );
  }
  return works;
}

main().catch((e: unknown) => {
  log(`ERROR: ${(e as Error).message}`);
  process.exit(1);
});
