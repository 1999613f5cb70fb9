// The operator account settleBatch is sent from: SETTLEMENT_OPERATOR_KEY, or on a local chain
// (31337) anvil account 9, which the deploy script makes operator (contracts/script/deploy/
// config.ts). Anywhere else a missing key stops the worker. The key itself is never logged.
import type { Account } from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { CodedError } from '@atelier/kernel';

/** Foundry's public development mnemonic: anvil's default accounts. Never for real funds. */
const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
const ANVIL_OPERATOR_INDEX = 9;
const LOCAL_CHAIN_ID = 31337;

export class OperatorKeyError extends CodedError<'SETTLEMENT.NO_OPERATOR_KEY'> {
  override readonly name = 'OperatorKeyError';
}

export function operatorAccount(config: {
  readonly SETTLEMENT_OPERATOR_KEY?: string | undefined;
  readonly CHAIN_ID: number;
}): Account {
  if (config.SETTLEMENT_OPERATOR_KEY)
    return privateKeyToAccount(config.SETTLEMENT_OPERATOR_KEY as `0x${string}`);
  if (config.CHAIN_ID === LOCAL_CHAIN_ID)
    return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: ANVIL_OPERATOR_INDEX });
  throw new OperatorKeyError(
    'SETTLEMENT.NO_OPERATOR_KEY',
    `SETTLEMENT_OPERATOR_KEY is required on chain ${config.CHAIN_ID}`,
    { chainId: config.CHAIN_ID },
  );
}
