// The settlement worker's one table from error codes to HTTP statuses (docs/errors.md). It
// serves only health and metrics today, so it answers the platform's own codes; its batch
// endpoints add their code unions to SettlementErrorCode and a row per code here.
import {
  PLATFORM_ERROR_STATUS,
  type ErrorStatusTable,
  type PlatformErrorCode,
} from '@atelier/platform';

export type SettlementErrorCode = PlatformErrorCode;

export const SETTLEMENT_ERROR_STATUS = {
  ...PLATFORM_ERROR_STATUS,
} as const satisfies ErrorStatusTable<SettlementErrorCode>;
