#!/usr/bin/env tsx
// Deploys Atelier's contracts from forge's artifacts (contracts/out) and records where they live in
// the deployments file that the indexer and the API read. Idempotent so `npm run up` can call it on
// every start: a chain that still has exactly this bytecode at the recorded addresses is left alone,
// a fresh anvil (restarted = empty chain) gets everything deployed again. The run is in deploy/
// (main.ts the steps, contracts.ts what to deploy, the rest one concern per file).
//
// Env: RPC_URL (default http://127.0.0.1:18545), DEPLOYER_PRIVATE_KEY (defaults to anvil account 0,
// allowed only on chain 31337), ATELIER_DEPLOYMENTS (output file; default
// <repo>/.data/deployments/<chainId>.json, or $ATELIER_DATA/deployments/<chainId>.json).
// Marketplace settings, reconciled on every run (a transaction only where the chain differs):
// MARKETPLACE_OPERATOR (settleBatch caller; default anvil account 9 on local chains, required elsewhere),
// MARKETPLACE_FEE_RECIPIENT (default the deployer), MARKETPLACE_FEE_BPS (default 250 = 2.5%; constructor
// argument, so a change applies at the next fresh deployment), MARKETPLACE_CURRENCIES (comma-separated
// ERC-20 addresses to allow-list besides the TestStablecoin on local chains; plain tokens only, never
// fee-on-transfer or rebasing ones).
import { runDeployCli } from './deploy/main';

runDeployCli();
