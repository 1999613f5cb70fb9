// The one error type of the chain actions: what failed (a code), a short message, the details a
// caller logs or maps, and the viem error underneath as `cause`. Apps map the codes to HTTP in
// their one status table; a malformed signature is never an error here (verifiers answer false).
import { CodedError } from '@atelier/kernel';

export type ChainActionErrorCode =
  /** The node did not answer (transport, timeout) or answered a JSON-RPC error. */
  | 'CHAIN.UNAVAILABLE'
  /** A transaction was mined but reverted. */
  | 'CHAIN.REVERTED'
  /** A contract answered something its ABI does not allow (a wrong address in the deployments?). */
  | 'CHAIN.BAD_ANSWER'
  /** The client has no account to sign or send with. */
  | 'CHAIN.NO_ACCOUNT'
  /** The deployments file lacks a contract the caller needs. */
  | 'CHAIN.NOT_DEPLOYED';

export class ChainActionError extends CodedError<ChainActionErrorCode> {
  override readonly name = 'ChainActionError';
}
