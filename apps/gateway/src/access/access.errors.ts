// The refusals of the gateway's access layer (API keys, rate limits, quotas, idempotency keys),
// with their stable codes; apps/gateway/src/http-errors.ts gives each its status.
import { CodedError } from '@atelier/kernel';

export type AccessErrorCode =
  | 'AUTH.INVALID_KEY'
  | 'AUTH.KEY_REQUIRED'
  | 'AUTH.MAKER_NOT_ALLOWED'
  | 'RATE.LIMITED'
  | 'RATE.QUOTA_EXCEEDED'
  | 'IDEMPOTENCY.KEY_INVALID'
  | 'IDEMPOTENCY.KEY_REUSED'
  | 'IDEMPOTENCY.IN_PROGRESS';

export class AccessError extends CodedError<AccessErrorCode> {
  override readonly name = 'AccessError';
}
