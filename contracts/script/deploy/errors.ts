// The deploy script's failures: each a message meant for the person running it (printed without a
// stack trace) and a stable code, on the kernel's CodedError.
import { CodedError } from '@atelier/kernel';

import { shortReason } from './log';

export type DeployErrorCode =
  'DEPLOY.RPC_UNREACHABLE' | 'DEPLOY.ARTIFACT' | 'DEPLOY.CONFIG' | 'DEPLOY.TRANSACTION_FAILED';

/** A failure with a message meant for the person running the script (no stack trace needed). */
export class DeployError<C extends DeployErrorCode = DeployErrorCode> extends CodedError<C> {
  override readonly name: string = 'DeployError';
}

export class RpcUnreachableError extends DeployError<'DEPLOY.RPC_UNREACHABLE'> {
  override readonly name = 'RpcUnreachableError';
  constructor(
    readonly rpcUrl: string,
    cause: unknown,
  ) {
    super(
      'DEPLOY.RPC_UNREACHABLE',
      `cannot reach the JSON-RPC endpoint ${rpcUrl} (${shortReason(cause)}); ` +
        'start the local chain with infra/anvil/start.sh or set RPC_URL',
      { rpcUrl },
      { cause },
    );
  }
}

export class ArtifactError extends DeployError<'DEPLOY.ARTIFACT'> {
  override readonly name = 'ArtifactError';
  constructor(message: string, details: Readonly<Record<string, unknown>> = {}) {
    super('DEPLOY.ARTIFACT', message, details);
  }
}

export class ConfigError extends DeployError<'DEPLOY.CONFIG'> {
  override readonly name = 'ConfigError';
  constructor(message: string, details: Readonly<Record<string, unknown>> = {}) {
    super('DEPLOY.CONFIG', message, details);
  }
}

export class TransactionFailedError extends DeployError<'DEPLOY.TRANSACTION_FAILED'> {
  override readonly name = 'TransactionFailedError';
  constructor(message: string, details: Readonly<Record<string, unknown>> = {}) {
    super('DEPLOY.TRANSACTION_FAILED', message, details);
  }
}
