#!/usr/bin/env tsx
// Deploys Atelier's contracts from forge's artifacts (contracts/out) and records where they live in
// the deployments file that the indexer and the API read. Idempotent so `npm run up` can call it on
// every start: a chain that still has exactly this bytecode at the recorded addresses is left alone,
// a fresh anvil (restarted = empty chain) gets everything deployed again.
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
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import {
  type Abi,
  type Address,
  type Chain,
  type Hex,
  type HttpTransport,
  type PublicClient,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  isAddress,
  isHex,
} from 'viem';
import { type PrivateKeyAccount, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { z } from 'zod';

/*//////////////////////////////////////////////////////////////
                      WHAT TO DEPLOY (DATA)
//////////////////////////////////////////////////////////////*/

/** Addresses deployed so far in this run, by contract name (for constructor arguments of later ones). */
type Deployed = Readonly<Record<string, Address>>;

/** What `args` and `settings` may use: earlier addresses, the deployer, the run's configuration. */
interface DeployContext {
  readonly deployed: Deployed;
  readonly deployer: Address;
  readonly config: DeployConfig;
  /** This contract's settings as the deployments file recorded them, if it was kept. */
  readonly recorded?: Readonly<Record<string, unknown>>;
}

/** Settings of a deployed contract that are reconciled on every run (read first, written only if different). */
interface SettingSpec {
  /** Shown in the log and used as the key under `settings.<contract>` in the deployments file. */
  readonly name: string;
  /** Value recorded in the deployments file. */
  readonly value: unknown;
  /** Views that must return `expect` (default true) for the setting to hold, each with the write that makes it so. */
  readonly ensure: readonly {
    readonly read: FunctionCall;
    readonly expect?: boolean;
    readonly write: FunctionCall;
  }[];
}

interface FunctionCall {
  readonly functionName: string;
  readonly args: readonly unknown[];
}

interface ContractSpec {
  /** Contract name; also the key in the deployments file. */
  readonly name: string;
  /** Source file under contracts/src when it differs from `<name>.sol`. */
  readonly file?: string;
  /** Constructor arguments, computed from the contracts deployed before it in this list. */
  readonly args?: (ctx: DeployContext) => readonly unknown[];
  /** Deploy only on local chains (31337, 1337). */
  readonly localOnly?: boolean;
  /** Post-deployment settings (roles, allow-lists), reconciled whether the contract is new or kept. */
  readonly settings?: (ctx: DeployContext) => readonly SettingSpec[];
}

/**
 * Deployed in this order; a later entry may use earlier addresses in `args`. Adding a contract is one
 * entry, e.g. `{ name: 'Marketplace', args: ({ deployed: d }) => [d.TestStablecoin, d.ArtworkRegistry] }`.
 */
const CONTRACTS: readonly ContractSpec[] = [
  { name: 'TestStablecoin', localOnly: true },
  { name: 'ArtworkRegistry', args: ({ deployer }) => [deployer] },
  {
    name: 'Marketplace',
    args: ({ deployed, deployer, config }) => [
      deployer,
      deployed.ArtworkRegistry,
      config.feeRecipient ?? deployer,
      config.feeBps,
    ],
    settings: ({ deployed, config, recorded }) => [
      {
        name: 'currencies',
        value: currenciesOf(deployed, config),
        ensure: currenciesOf(deployed, config).map((currency) => ({
          read: { functionName: 'isCurrencyAllowed', args: [currency] },
          write: { functionName: 'setCurrency', args: [currency, true] },
        })),
      },
      {
        name: 'operator',
        value: config.operator,
        ensure: [
          {
            read: { functionName: 'isOperator', args: [config.operator] },
            write: { functionName: 'setOperator', args: [config.operator, true] },
          },
          // The operator this file recorded before, if another: it loses the role.
          ...previousOperator(recorded, config.operator).map((old) => ({
            read: { functionName: 'isOperator', args: [old] },
            expect: false,
            write: { functionName: 'setOperator', args: [old, false] },
          })),
        ],
      },
    ],
  },
];

function previousOperator(recorded: DeployContext['recorded'], current: Address): Address[] {
  const old = recorded?.operator;
  return typeof old === 'string' && isAddress(old) && getAddress(old) !== current
    ? [getAddress(old)]
    : [];
}

/** The Marketplace's currencies: the local TestStablecoin (when deployed) and MARKETPLACE_CURRENCIES. */
function currenciesOf(deployed: Deployed, config: DeployConfig): Address[] {
  const all = [...(deployed.TestStablecoin ? [deployed.TestStablecoin] : []), ...config.currencies];
  return [...new Set(all.map((a) => getAddress(a)))];
}

/** Demo funds on local chains: this many anvil accounts (from index 0) get DEMO_MINT_AMOUNT each. */
const DEMO_ACCOUNTS = 5;
const DEMO_MINT_AMOUNT = 1_000_000n * 10n ** 6n; // 1,000,000 tUSD (6 decimals)

/*//////////////////////////////////////////////////////////////
                            CONSTANTS
//////////////////////////////////////////////////////////////*/

const LOCAL_CHAIN_IDS: ReadonlySet<number> = new Set([31337, 1337]);
const ANVIL_CHAIN_ID = 31337;
const DEFAULT_RPC_URL = 'http://127.0.0.1:18545';
/** Foundry's public development mnemonic (anvil's default accounts). Never for real funds. */
const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
/** Anvil account 0 (0xf39F...2266), derived from ANVIL_MNEMONIC; public knowledge. */
const ANVIL_DEFAULT_KEY: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
/** Anvil account 9: the default settlement operator on local chains (apps/settlement signs with it). */
const ANVIL_OPERATOR_INDEX = 9;
const DEFAULT_FEE_BPS = 250;
const MAX_FEE_BPS = 1000;

const REPO_ROOT = process.env.ATELIER_ROOT ?? path.resolve(__dirname, '..', '..');
const ARTIFACTS_DIR = path.join(REPO_ROOT, 'contracts', 'out');

/*//////////////////////////////////////////////////////////////
                             ERRORS
//////////////////////////////////////////////////////////////*/

/** A failure with a message meant for the person running the script (no stack trace needed). */
class DeployError extends Error {
  override readonly name: string = 'DeployError';
}

class RpcUnreachableError extends DeployError {
  override readonly name = 'RpcUnreachableError';
  constructor(
    readonly rpcUrl: string,
    cause: unknown,
  ) {
    super(
      `cannot reach the JSON-RPC endpoint ${rpcUrl} (${shortReason(cause)}); ` +
        'start the local chain with infra/anvil/start.sh or set RPC_URL',
    );
  }
}

class ArtifactError extends DeployError {
  override readonly name = 'ArtifactError';
}

class ConfigError extends DeployError {
  override readonly name = 'ConfigError';
}

class TransactionFailedError extends DeployError {
  override readonly name = 'TransactionFailedError';
}

/*//////////////////////////////////////////////////////////////
                             SCHEMAS
//////////////////////////////////////////////////////////////*/

const hexSchema = z.string().refine((s): s is Hex => isHex(s), 'not 0x-prefixed hex');
const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((s) => s as Address);

const artifactSchema = z.object({
  abi: z.array(z.unknown()).transform((a) => a as unknown as Abi),
  bytecode: z.object({ object: hexSchema }),
  deployedBytecode: z.object({
    object: hexSchema,
    immutableReferences: z
      .record(z.string(), z.array(z.object({ start: z.number().int(), length: z.number().int() })))
      .optional(),
  }),
});
type Artifact = z.infer<typeof artifactSchema>;

const deploymentSchema = z.object({
  address: addressSchema,
  startBlock: z.number().int().nonnegative(),
  transactionHash: hexSchema,
});
type Deployment = z.infer<typeof deploymentSchema>;

const deploymentsFileSchema = z.object({
  chainId: z.number().int(),
  rpcUrl: z.string(),
  deployedAt: z.string(),
  contracts: z.record(z.string(), deploymentSchema),
  /** Per contract, the settings reconciled after deployment (e.g. Marketplace operator and currencies). */
  settings: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
type DeploymentsFile = z.infer<typeof deploymentsFileSchema>;

/*//////////////////////////////////////////////////////////////
                             HELPERS
//////////////////////////////////////////////////////////////*/

function shortReason(err: unknown): string {
  // viem wraps fetch's error, which wraps the socket error (ECONNREFUSED...): name the innermost.
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const short = (current as Error & { shortMessage?: string }).shortMessage ?? current.message;
    const code = (current as Error & { code?: unknown }).code;
    parts.push(
      `${short.split('\n')[0]?.replace(/\.$/, '') ?? ''}${typeof code === 'string' && !short.includes(code) ? ` ${code}` : ''}`,
    );
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(err);
}

function status(message: string): void {
  process.stdout.write(`[deploy] ${message}\n`);
}

async function loadArtifact(spec: ContractSpec): Promise<Artifact> {
  const file = spec.file ?? `${spec.name}.sol`;
  const artifactPath = path.join(ARTIFACTS_DIR, file, `${spec.name}.json`);
  let raw: string;
  try {
    raw = await readFile(artifactPath, 'utf8');
  } catch {
    throw new ArtifactError(`artifact ${artifactPath} not found; run infra/contracts/build.sh`);
  }
  const parsed = artifactSchema.safeParse(JSON.parse(raw));
  if (!parsed.success)
    throw new ArtifactError(`artifact ${artifactPath} is malformed: ${parsed.error.message}`);
  if (parsed.data.bytecode.object === '0x')
    throw new ArtifactError(`${spec.name} is abstract or an interface`);
  return parsed.data;
}

/** Zeroes the immutable slots (set by the constructor) so runtime code compares with the artifact. */
function maskImmutables(code: Hex, artifact: Artifact): string {
  const bytes = Buffer.from(code.slice(2), 'hex');
  for (const refs of Object.values(artifact.deployedBytecode.immutableReferences ?? {})) {
    for (const { start, length } of refs)
      bytes.fill(0, start, Math.min(start + length, bytes.length));
  }
  return bytes.toString('hex');
}

async function readDeployments(file: string): Promise<DeploymentsFile | undefined> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    status(`ignoring ${file}: not JSON`);
    return undefined;
  }
  const parsed = deploymentsFileSchema.safeParse(json);
  if (!parsed.success) {
    status(`ignoring ${file}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return undefined;
  }
  return parsed.data;
}

async function writeDeploymentsAtomically(file: string, data: DeploymentsFile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, 'utf8');
  await rename(tmp, file);
}

/** Whether `deployment` still holds exactly the artifact's runtime code on this chain. */
async function isLive(
  client: PublicClient,
  deployment: Deployment,
  artifact: Artifact,
): Promise<boolean> {
  const code = await client.getCode({ address: deployment.address });
  if (!code || code === '0x') return false;
  return (
    maskImmutables(code, artifact) === maskImmutables(artifact.deployedBytecode.object, artifact)
  );
}

/*//////////////////////////////////////////////////////////////
                             CONFIG
//////////////////////////////////////////////////////////////*/

interface DeployConfig {
  readonly operator: Address;
  readonly feeRecipient: Address | undefined;
  readonly feeBps: number;
  readonly currencies: readonly Address[];
}

function readConfig(chainId: number, isLocal: boolean): DeployConfig {
  const parseAddress = (name: string, value: string): Address => {
    const parsed = addressSchema.safeParse(value.trim());
    if (!parsed.success)
      throw new ConfigError(`${name}: '${value}' is not a 0x-prefixed 20-byte address`);
    return getAddress(parsed.data);
  };
  const env = process.env;
  let operator: Address;
  if (env.MARKETPLACE_OPERATOR) {
    operator = parseAddress('MARKETPLACE_OPERATOR', env.MARKETPLACE_OPERATOR);
  } else if (isLocal) {
    operator = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: ANVIL_OPERATOR_INDEX }).address;
  } else {
    throw new ConfigError(
      `MARKETPLACE_OPERATOR is required on chain ${chainId} (the account that calls settleBatch)`,
    );
  }
  const feeBps =
    env.MARKETPLACE_FEE_BPS === undefined ? DEFAULT_FEE_BPS : Number(env.MARKETPLACE_FEE_BPS);
  if (!Number.isInteger(feeBps) || feeBps < 0 || feeBps > MAX_FEE_BPS)
    throw new ConfigError(`MARKETPLACE_FEE_BPS must be a whole number from 0 to ${MAX_FEE_BPS}`);
  const currencies = (env.MARKETPLACE_CURRENCIES ?? '')
    .split(',')
    .filter((c) => c.trim() !== '')
    .map((c) => parseAddress('MARKETPLACE_CURRENCIES', c));
  return {
    operator,
    feeRecipient: env.MARKETPLACE_FEE_RECIPIENT
      ? parseAddress('MARKETPLACE_FEE_RECIPIENT', env.MARKETPLACE_FEE_RECIPIENT)
      : undefined,
    feeBps,
    currencies,
  };
}

/*//////////////////////////////////////////////////////////////
                              MAIN
//////////////////////////////////////////////////////////////*/

async function main(): Promise<void> {
  const rpcUrl = process.env.RPC_URL ?? DEFAULT_RPC_URL;
  const transport = http(rpcUrl, { timeout: 10_000, retryCount: 0 });
  const probe = createPublicClient({ transport });

  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (err) {
    throw new RpcUnreachableError(rpcUrl, err);
  }
  const isLocal = LOCAL_CHAIN_IDS.has(chainId);
  const account = deployerAccount(chainId);
  const config = readConfig(chainId, isLocal);

  const chain: Chain = defineChain({
    id: chainId,
    name: isLocal ? 'Atelier local' : `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const pollingInterval = isLocal ? 100 : 2_000;
  const publicClient = createPublicClient({ chain, transport, pollingInterval });

  const dataDir = process.env.ATELIER_DATA ?? path.join(REPO_ROOT, '.data');
  const outFile =
    process.env.ATELIER_DEPLOYMENTS ?? path.join(dataDir, 'deployments', `${chainId}.json`);

  const specs = CONTRACTS.filter((spec) => isLocal || !spec.localOnly);
  if (specs.length === 0) {
    status(`nothing to deploy on chain ${chainId}: every contract in the list is local-only`);
    return;
  }
  const artifacts = new Map<string, Artifact>();
  for (const spec of specs) artifacts.set(spec.name, await loadArtifact(spec));

  // Reuse the longest prefix of the list that is still live: later entries may take earlier
  // addresses as constructor arguments, so everything after the first stale one is redeployed.
  const previous = await readDeployments(outFile);
  const kept: Record<string, Deployment> = {};
  if (previous && previous.chainId === chainId) {
    for (const spec of specs) {
      const recorded = previous.contracts[spec.name];
      if (!recorded || !(await isLive(publicClient, recorded, artifacts.get(spec.name)!))) break;
      kept[spec.name] = recorded;
    }
  } else if (previous) {
    status(`${outFile} is for chain ${previous.chainId}, not ${chainId}: deploying afresh`);
  }

  const wallet = createWalletClient({ account, chain, transport, pollingInterval });
  const allKept = Object.keys(kept).length === specs.length;
  if (!allKept) status(`chain ${chainId} at ${rpcUrl}, deployer ${account.address}`);

  const contracts: Record<string, Deployment> = { ...kept };
  const addresses: Record<string, Address> = Object.fromEntries(
    Object.entries(kept).map(([name, d]) => [name, d.address]),
  );
  for (const spec of specs) {
    if (kept[spec.name]) {
      if (!allKept) status(`${spec.name}: kept at ${kept[spec.name]!.address}`);
      continue;
    }
    const ctx: DeployContext = { deployed: addresses, deployer: account.address, config };
    const deployment = await deployOne(wallet, publicClient, spec, artifacts.get(spec.name)!, ctx);
    contracts[spec.name] = deployment;
    addresses[spec.name] = deployment.address;
    status(`${spec.name}: deployed at ${deployment.address} (block ${deployment.startBlock})`);
  }

  if (isLocal && contracts.TestStablecoin && !kept.TestStablecoin) {
    await mintDemoFunds(
      wallet,
      publicClient,
      contracts.TestStablecoin.address,
      artifacts.get('TestStablecoin')!,
    );
  }

  // Settings hold on the chain whether the contract is new or kept (idempotent: read, then write
  // only what differs), so a changed MARKETPLACE_OPERATOR applies without a redeployment.
  const settings: Record<string, Record<string, unknown>> = {};
  let changedSettings = 0;
  for (const spec of specs) {
    if (!spec.settings) continue;
    const ctx: DeployContext = {
      deployed: addresses,
      deployer: account.address,
      config,
      ...(kept[spec.name] ? { recorded: previous?.settings?.[spec.name] } : {}),
    };
    const address = contracts[spec.name]!.address;
    const recorded: Record<string, unknown> = {};
    for (const setting of spec.settings(ctx)) {
      changedSettings += await ensureSetting(
        wallet,
        publicClient,
        spec.name,
        address,
        artifacts.get(spec.name)!,
        setting,
      );
      recorded[setting.name] = setting.value;
    }
    settings[spec.name] = recorded;
  }

  const sameSettings = JSON.stringify(previous?.settings ?? {}) === JSON.stringify(settings);
  if (allKept && changedSettings === 0 && sameSettings) {
    status(`already deployed on chain ${chainId} (${outFile}): ${describe(kept)}`);
    return;
  }

  await writeDeploymentsAtomically(outFile, {
    chainId,
    rpcUrl,
    deployedAt: allKept && previous ? previous.deployedAt : new Date().toISOString(),
    contracts,
    settings,
  });
  status(`wrote ${outFile}`);
}

/** Makes one setting hold: each `read` view must return `expect`, else its `write` is sent. Returns the writes sent. */
async function ensureSetting(
  wallet: WalletClient<HttpTransport, Chain, PrivateKeyAccount>,
  client: PublicClient,
  contract: string,
  address: Address,
  artifact: Artifact,
  setting: SettingSpec,
): Promise<number> {
  let writes = 0;
  for (const { read, expect = true, write } of setting.ensure) {
    const holds = await client.readContract({
      address,
      abi: artifact.abi,
      functionName: read.functionName,
      args: read.args as unknown[],
    });
    if (holds === expect) continue;
    let hash: Hex;
    try {
      hash = await wallet.writeContract({
        address,
        abi: artifact.abi,
        functionName: write.functionName,
        args: write.args as unknown[],
      });
    } catch (err) {
      throw new TransactionFailedError(
        `${contract}.${write.functionName}(${write.args.join(', ')}) failed (${shortReason(err)}); ` +
          `is ${wallet.account.address} still the contract's owner?`,
      );
    }
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success')
      throw new TransactionFailedError(`${contract}.${write.functionName} ${hash} reverted`);
    status(`${contract}: ${write.functionName}(${write.args.join(', ')})`);
    writes++;
  }
  return writes;
}

function deployerAccount(chainId: number): PrivateKeyAccount {
  const key = process.env.DEPLOYER_PRIVATE_KEY;
  if (key) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(key))
      throw new ConfigError('DEPLOYER_PRIVATE_KEY must be 0x followed by 64 hex digits');
    return privateKeyToAccount(key as Hex);
  }
  if (chainId !== ANVIL_CHAIN_ID) {
    throw new ConfigError(
      `DEPLOYER_PRIVATE_KEY is required on chain ${chainId}; the anvil default key is only used on chain ${ANVIL_CHAIN_ID}`,
    );
  }
  return privateKeyToAccount(ANVIL_DEFAULT_KEY);
}

async function deployOne(
  wallet: WalletClient<HttpTransport, Chain, PrivateKeyAccount>,
  client: PublicClient,
  spec: ContractSpec,
  artifact: Artifact,
  ctx: DeployContext,
): Promise<Deployment> {
  const args = spec.args?.(ctx) ?? [];
  const hash = await wallet.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode.object,
    args: args as unknown[],
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new TransactionFailedError(`${spec.name}: deployment transaction ${hash} reverted`);
  }
  return {
    address: getAddress(receipt.contractAddress),
    startBlock: Number(receipt.blockNumber),
    transactionHash: hash,
  };
}

/** Gives the first anvil accounts tUSD so the demo can buy art right away. */
async function mintDemoFunds(
  wallet: WalletClient<HttpTransport, Chain, PrivateKeyAccount>,
  client: PublicClient,
  token: Address,
  artifact: Artifact,
): Promise<void> {
  const recipients = Array.from(
    { length: DEMO_ACCOUNTS },
    (_, i) => mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i }).address,
  );
  // Explicit nonces: send them all, then wait once (fast with ANVIL_BLOCK_TIME too).
  let nonce = await client.getTransactionCount({
    address: wallet.account.address,
    blockTag: 'pending',
  });
  const hashes: Hex[] = [];
  for (const to of recipients) {
    hashes.push(
      await wallet.writeContract({
        address: token,
        abi: artifact.abi,
        functionName: 'mint',
        args: [to, DEMO_MINT_AMOUNT],
        nonce: nonce++,
      }),
    );
  }
  for (const hash of hashes) {
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success')
      throw new TransactionFailedError(`demo mint ${hash} reverted`);
  }
  status(
    `minted ${DEMO_MINT_AMOUNT / 10n ** 6n} tUSD to each of ${recipients.length} anvil accounts`,
  );
}

function describe(contracts: Record<string, Deployment>): string {
  return Object.entries(contracts)
    .map(([name, d]) => `${name} ${d.address}`)
    .join(', ');
}

main().catch((err: unknown) => {
  if (err instanceof DeployError) {
    process.stderr.write(`[deploy] ERROR ${err.name}: ${err.message}\n`);
  } else {
    process.stderr.write(
      `[deploy] ERROR: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exit(1);
});
