// The operator account settleBatch is sent from: an encrypted keystore (Web3 Secret Storage v3,
// SETTLEMENT_OPERATOR_KEYSTORE, its password from SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD or the
// file SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD_FILE), or a raw SETTLEMENT_OPERATOR_KEY, or on a
// local chain (31337) anvil account 9, which the deploy script makes operator (contracts/script/
// deploy/config.ts). Anywhere else a missing key stops the worker. Neither the key nor the
// password is ever logged or put in an error.
import { readFileSync } from 'node:fs';
import type { Account } from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { CodedError } from '@atelier/kernel';
import { decryptKeystore } from './keystore';

/** Foundry's public development mnemonic: anvil's default accounts. Never for real funds. */
const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
const ANVIL_OPERATOR_INDEX = 9;
const LOCAL_CHAIN_ID = 31337;

export class OperatorKeyError extends CodedError<
  | 'SETTLEMENT.NO_OPERATOR_KEY'
  | 'SETTLEMENT.OPERATOR_KEY_AMBIGUOUS'
  | 'SETTLEMENT.KEYSTORE_NO_PASSWORD'
  | 'SETTLEMENT.KEYSTORE_UNREADABLE'
> {
  override readonly name = 'OperatorKeyError';
}

export interface OperatorKeyConfig {
  readonly SETTLEMENT_OPERATOR_KEY?: string | undefined;
  readonly SETTLEMENT_OPERATOR_KEYSTORE?: string | undefined;
  readonly SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD?: string | undefined;
  readonly SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD_FILE?: string | undefined;
  readonly CHAIN_ID: number;
}

/** Reads a file for a secret; the error names the path and the OS reason, never contents. */
function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new OperatorKeyError(
      'SETTLEMENT.KEYSTORE_UNREADABLE',
      `cannot read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      { path },
    );
  }
}

function keystoreAccount(config: OperatorKeyConfig, path: string): Account {
  const inline = config.SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD;
  const file = config.SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD_FILE;
  if ((inline === undefined) === (file === undefined))
    throw new OperatorKeyError(
      'SETTLEMENT.KEYSTORE_NO_PASSWORD',
      'SETTLEMENT_OPERATOR_KEYSTORE needs exactly one of SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD and SETTLEMENT_OPERATOR_KEYSTORE_PASSWORD_FILE',
    );
  // A password file's one trailing line break is the editor's, not the password's.
  const password = inline ?? readSecretFile(file!, 'keystore password file').replace(/\r?\n$/, '');
  return privateKeyToAccount(decryptKeystore(readSecretFile(path, 'keystore'), password));
}

export function operatorAccount(config: OperatorKeyConfig): Account {
  if (config.SETTLEMENT_OPERATOR_KEYSTORE && config.SETTLEMENT_OPERATOR_KEY)
    throw new OperatorKeyError(
      'SETTLEMENT.OPERATOR_KEY_AMBIGUOUS',
      'set SETTLEMENT_OPERATOR_KEYSTORE or SETTLEMENT_OPERATOR_KEY, not both',
    );
  if (config.SETTLEMENT_OPERATOR_KEYSTORE)
    return keystoreAccount(config, config.SETTLEMENT_OPERATOR_KEYSTORE);
  if (config.SETTLEMENT_OPERATOR_KEY)
    return privateKeyToAccount(config.SETTLEMENT_OPERATOR_KEY as `0x${string}`);
  if (config.CHAIN_ID === LOCAL_CHAIN_ID)
    return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: ANVIL_OPERATOR_INDEX });
  throw new OperatorKeyError(
    'SETTLEMENT.NO_OPERATOR_KEY',
    `SETTLEMENT_OPERATOR_KEYSTORE or SETTLEMENT_OPERATOR_KEY is required on chain ${config.CHAIN_ID}`,
    { chainId: config.CHAIN_ID },
  );
}
