// What a run deploys with: the chain's kind (local or not), the deployer's key and the Marketplace
// settings from the environment, each validated before the first transaction.
import path from 'node:path';

import { type Address, type Hex, getAddress } from 'viem';
import { type PrivateKeyAccount, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';

import { ConfigError } from './errors';

/*//////////////////////////////////////////////////////////////
                            CONSTANTS
//////////////////////////////////////////////////////////////*/

export const LOCAL_CHAIN_IDS: ReadonlySet<number> = new Set([31337, 1337]);
const ANVIL_CHAIN_ID = 31337;
export const DEFAULT_RPC_URL = 'http://127.0.0.1:18545';
/** Foundry's public development mnemonic (anvil's default accounts). Never for real funds. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
/** Anvil account 0 (0xf39F...2266), derived from ANVIL_MNEMONIC; public knowledge. */
const ANVIL_DEFAULT_KEY: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
/** Anvil account 9: the default settlement operator on local chains (apps/settlement signs with it). */
const ANVIL_OPERATOR_INDEX = 9;
const DEFAULT_FEE_BPS = 250;
const MAX_FEE_BPS = 1000;

export const REPO_ROOT = process.env.ATELIER_ROOT ?? path.resolve(__dirname, '..', '..', '..');

/*//////////////////////////////////////////////////////////////
                             CONFIG
//////////////////////////////////////////////////////////////*/

export interface DeployConfig {
  readonly operator: Address;
  readonly feeRecipient: Address | undefined;
  readonly feeBps: number;
  readonly currencies: readonly Address[];
}

const parseAddress = (name: string, value: string): Address => {
  const trimmed = value.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(trimmed))
    throw new ConfigError(`${name}: '${value}' is not a 0x-prefixed 20-byte address`, { name });
  return getAddress(trimmed);
};

/** The Marketplace settings from MARKETPLACE_* (see contracts/script/deploy.ts for each variable). */
export function readConfig(
  chainId: number,
  isLocal: boolean,
  env: NodeJS.ProcessEnv = process.env,
): DeployConfig {
  let operator: Address;
  if (env.MARKETPLACE_OPERATOR) {
    operator = parseAddress('MARKETPLACE_OPERATOR', env.MARKETPLACE_OPERATOR);
  } else if (isLocal) {
    operator = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: ANVIL_OPERATOR_INDEX }).address;
  } else {
    throw new ConfigError(
      `MARKETPLACE_OPERATOR is required on chain ${chainId} (the account that calls settleBatch)`,
      { chainId },
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

/** DEPLOYER_PRIVATE_KEY, or anvil account 0 on chain 31337 only. */
export function deployerAccount(
  chainId: number,
  env: NodeJS.ProcessEnv = process.env,
): PrivateKeyAccount {
  const key = env.DEPLOYER_PRIVATE_KEY;
  if (key) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(key))
      throw new ConfigError('DEPLOYER_PRIVATE_KEY must be 0x followed by 64 hex digits');
    return privateKeyToAccount(key as Hex);
  }
  if (chainId !== ANVIL_CHAIN_ID) {
    throw new ConfigError(
      `DEPLOYER_PRIVATE_KEY is required on chain ${chainId}; the anvil default key is only used on chain ${ANVIL_CHAIN_ID}`,
      { chainId },
    );
  }
  return privateKeyToAccount(ANVIL_DEFAULT_KEY);
}
