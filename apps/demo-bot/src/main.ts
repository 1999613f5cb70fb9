// The demo bot: two traders (anvil accounts 7 and 8, a market maker and a collector) that keep
// the local demo market alive through the gateway's public API, with the typed client
// (@atelier/client) — docs/demo.md. Local chains only: it mints itself test tUSD. Serves its
// counters at /health (ready once the traders are funded and approved) on BOT_PORT.
import { createServer } from 'node:http';
import pino from 'pino';
import { mnemonicToAccount } from 'viem/accounts';
import { connectDeployment } from '@atelier/chain-actions';
import { createAtelierClient } from '@atelier/client';
import { DemoBot } from './bot';
import { loadConfig } from './config';
import { seededRandom } from '@atelier/kernel';

const LOCAL_CHAINS = new Set([31337, 1337]);
const MNEMONIC = 'test test test test test test test test test test test junk';
const TUSD = 1_000_000n;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.LOG_LEVEL, base: { app: 'demo-bot' } });
  const deployment = connectDeployment({
    rpcUrl: config.RPC_URL,
    deployments: config.ATELIER_DEPLOYMENTS,
  });
  if (!LOCAL_CHAINS.has(deployment.deployments.chainId))
    throw new Error(`chain ${deployment.deployments.chainId} is not a local chain: no demo bot`);
  const bot = new DemoBot({
    client: createAtelierClient({ baseUrl: config.gatewayUrl }),
    deployment,
    traders: [
      { name: 'mira (market maker)', account: mnemonicToAccount(MNEMONIC, { addressIndex: 7 }) },
      { name: 'cole (collector)', account: mnemonicToAccount(MNEMONIC, { addressIndex: 8 }) },
    ],
    params: {
      unit: TUSD,
      basePrice: 100n * TUSD,
      capMultiple: 10n,
      takeProbability: config.BOT_TAKE_PROBABILITY,
      quoteProbability: config.BOT_QUOTE_PROBABILITY,
    },
    random: seededRandom(config.BOT_SEED),
    funding: 5_000n * TUSD,
    orderLifetime: 3_600n,
    logger,
  });

  let ready = false;
  const server = createServer((req, res) => {
    const body = JSON.stringify({ status: ready ? 'ok' : 'starting', ...bot.stats });
    const ok = req.url === '/health/live' || (req.url?.startsWith('/health') && ready);
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(config.BOT_PORT, '127.0.0.1', resolve));

  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());

  await bot.setUp();
  ready = true;
  logger.info({ gateway: config.gatewayUrl, port: config.BOT_PORT }, 'demo bot trading');
  for (let round = 1; !stop.signal.aborted; round++) {
    await bot.round().catch((e: unknown) => {
      bot.stats.lastError = (e as Error).message;
      logger.warn({ err: e }, 'market read failed; next round tries again');
    });
    if (config.BOT_ROUNDS > 0 && round >= config.BOT_ROUNDS) break;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, config.BOT_INTERVAL_MS);
      stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
  logger.info(bot.stats, 'demo bot stopped');
  server.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`[demo-bot] ${(e as Error).message}\n`);
  process.exit(1);
});
