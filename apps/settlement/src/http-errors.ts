// The settlement worker's one table from error codes to HTTP statuses (docs/errors.md). It
// serves health, metrics and the admin pause switch: the platform's codes and the admin's.
import {
  PLATFORM_ERROR_STATUS,
  type ErrorStatusTable,
  type PlatformErrorCode,
} from '@atelier/platform';
import type { AdminErrorCode } from './admin/admin.errors';

export type SettlementErrorCode = PlatformErrorCode | AdminErrorCode;

export const SETTLEMENT_ERROR_STATUS = {
  ...PLATFORM_ERROR_STATUS,
  'SETTLEMENT.ADMIN_DISABLED': 404,
  'SETTLEMENT.ADMIN_UNAUTHORIZED': 401,
} as const satisfies ErrorStatusTable<SettlementErrorCode>;
