// The errors the orders API raises itself, beside those it passes through (the use cases'
// CancelRefused, the read model's ORDERS.BAD_CURSOR, the chain actions' CHAIN.*): every code
// has its row in ../http-errors.ts.
import { CodedError } from '@atelier/kernel';
import type { MarketErrorCode } from '@atelier/market-domain';

/** What SubmitOrders answers for one refused order, besides the decider's own codes. */
export type IntakeRefusalCode =
  | MarketErrorCode
  | 'ORDER.WRONG_CHAIN'
  | 'ORDER.WRONG_CONTRACT'
  | 'ORDER.TOO_FAR_IN_FUTURE'
  | 'ORDER.BAD_SIGNATURE'
  | 'ORDER.CURRENCY_NOT_ALLOWED'
  /** A refusal whose code this gateway does not know (a newer use case): still a 422. */
  | 'ORDER.REFUSED';

const INTAKE_ONLY: readonly string[] = [
  'ORDER.WRONG_CHAIN',
  'ORDER.WRONG_CONTRACT',
  'ORDER.TOO_FAR_IN_FUTURE',
  'ORDER.BAD_SIGNATURE',
  'ORDER.CURRENCY_NOT_ALLOWED',
];

/** A single submitted order the intake refused: its per-order answer as a problem. */
export class OrderRefused extends CodedError<IntakeRefusalCode> {
  override readonly name = 'OrderRefused';

  /** Keeps a known code; an unknown one becomes ORDER.REFUSED with the original in details. */
  static of(
    code: string,
    message: string,
    details: Record<string, unknown>,
    known: (code: string) => boolean,
  ): OrderRefused {
    return known(code) || INTAKE_ONLY.includes(code)
      ? new OrderRefused(code as IntakeRefusalCode, message, details)
      : new OrderRefused('ORDER.REFUSED', message, { ...details, refusal: code });
  }
}

export type OrdersApiErrorCode = 'ORDERS.TOO_MANY' | 'ORDER.NOT_FOUND' | 'READ_MODEL.BEHIND';

export class OrdersApiError extends CodedError<OrdersApiErrorCode> {
  override readonly name = 'OrdersApiError';
}
