// The settlement decider's refusals: stable codes (docs/errors.md), returned, never thrown.
import { domainError, type DomainError } from '@atelier/kernel';

export type SettlementErrorCode =
  | 'SETTLEMENT.UNKNOWN_BATCH'
  | 'SETTLEMENT.BATCH_NOT_OPEN'
  | 'SETTLEMENT.BATCH_NOT_SIMULATED'
  | 'SETTLEMENT.BATCH_NOT_SUBMITTED'
  | 'SETTLEMENT.BATCH_NOT_CONFIRMED'
  | 'SETTLEMENT.EMPTY_BATCH'
  | 'SETTLEMENT.TRADE_NOT_IN_BATCH'
  | 'SETTLEMENT.RESULTS_INCOMPLETE'
  | 'SETTLEMENT.NONCE_REUSED'
  | 'SETTLEMENT.FEE_NOT_HIGHER'
  | 'SETTLEMENT.UNKNOWN_TRANSACTION'
  | 'SETTLEMENT.WRONG_CHAIN';

export type SettlementError = DomainError<SettlementErrorCode>;

export const settlementError = (
  code: SettlementErrorCode,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): SettlementError => domainError(code, message, details);
