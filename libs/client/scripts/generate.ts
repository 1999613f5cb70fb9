// Writes libs/client/src/generated/openapi.ts from the gateway's OpenAPI document exactly as
// the gateway serves it at /openapi.json: the real app (gatewayApp, its modules and its
// `configure` hook) is built in NestJS preview mode, which wires every module and controller
// without running a provider factory (no database, Kafka or RPC connection), and
// GET /openapi.json is injected into its Fastify instance; nothing listens on a port.
// `--check` exits 1 when the committed file differs (infra/bin/test.sh runs it).
// Run through `npm run client:generate` (sources infra/bin/env.sh for the gateway's config).
/* eslint-disable @nx/enforce-module-boundaries -- this build tool boots the server to read its
   document; nothing under src/ (what the client ships) imports server code. */
import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, createMetrics } from '@atelier/observability';
import { gatewayApp } from '../../../apps/gateway/src/gateway.app';
import { GENERATED, renderClientTypes } from './render';

/** Any syntactically valid deployments file: the document does not depend on addresses. */
const PLACEHOLDER_DEPLOYMENTS = {
  chainId: 31337,
  rpcUrl: 'http://127.0.0.1:8545',
  deployedAt: new Date(0).toISOString(),
  contracts: Object.fromEntries(
    ['TestStablecoin', 'ArtworkRegistry', 'Marketplace'].map((name, i) => [
      name,
      {
        address: `0x${(i + 1).toString(16).padStart(40, '0')}`,
        startBlock: 0,
        transactionHash: `0x${'0'.repeat(64)}`,
      },
    ]),
  ),
};

export async function openApiDocument(): Promise<object> {
  const config = { ...gatewayApp.loadConfig(), LOG_LEVEL: 'silent' as const };
  // The gateway refuses to wire without a deployments file; a fresh clone may have none yet.
  let scratch: string | undefined;
  if (!existsSync(config.ATELIER_DEPLOYMENTS)) {
    scratch = mkdtempSync(join(tmpdir(), 'atelier-openapi-'));
    config.ATELIER_DEPLOYMENTS = join(scratch, 'deployments.json');
    writeFileSync(config.ATELIER_DEPLOYMENTS, JSON.stringify(PLACEHOLDER_DEPLOYMENTS));
  }
  try {
    const logger = createLogger(gatewayApp.name, 'silent');
    const app = await NestFactory.create<NestFastifyApplication>(
      await gatewayApp.module({ config, logger, metrics: createMetrics(gatewayApp.name) }),
      new FastifyAdapter({ logger: false }),
      { preview: true, logger: false, abortOnError: false },
    );
    gatewayApp.configure?.(app, logger);
    await app.init();
    const answer = await app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: 'GET', url: '/openapi.json' });
    await app.close();
    if (answer.statusCode !== 200)
      throw new Error(`GET /openapi.json answered ${answer.statusCode}: ${answer.body}`);
    return JSON.parse(answer.body) as object;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const text = await renderClientTypes(await openApiDocument());
  const current = existsSync(GENERATED) ? readFileSync(GENERATED, 'utf8') : undefined;
  if (current === text) {
    console.log(`${GENERATED} is up to date`);
    return;
  }
  if (check) {
    console.error(
      `stale: ${GENERATED} differs from the gateway's /openapi.json (npm run client:generate)`,
    );
    process.exitCode = 1;
    return;
  }
  writeFileSync(GENERATED, text);
  console.log(`wrote ${GENERATED}`);
}

if (require.main === module)
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
