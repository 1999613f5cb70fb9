// Refusals of the settlement worker's admin endpoints (statuses in http-errors.ts).
import { CodedError } from '@atelier/kernel';

export type AdminErrorCode = 'SETTLEMENT.ADMIN_DISABLED' | 'SETTLEMENT.ADMIN_UNAUTHORIZED';

export class AdminError extends CodedError<AdminErrorCode> {
  override readonly name = 'AdminError';
}
