// The gateway's one table from error codes to HTTP statuses (docs/errors.md). Every code
// the gateway can raise has a row: adding an error area adds its code union to
// GatewayErrorCode, and the compiler then asks for each missing row; a new code in an area
// already listed is one line here. A code thrown without a row answers 500 INTERNAL.UNEXPECTED.
import type { DeploymentsErrorCode } from '@atelier/chain';
import type { ChainActionErrorCode } from '@atelier/chain-actions';
import type { EventStoreErrorCode } from '@atelier/eventsourcing';
import type { CancelErrorCode } from '@atelier/market-application';
import type { ChainReadErrorCode, OrdersReadError } from '@atelier/market-projections';
import {
  PLATFORM_ERROR_STATUS,
  type ErrorStatusTable,
  type PlatformErrorCode,
} from '@atelier/platform';
import type { AccessErrorCode } from './access/access.errors';
import type { GraphqlLimitCode } from './graphql/query-limits';
import type { LiveErrorCode } from './live/live.errors';
import type { IntakeRefusalCode, OrdersApiErrorCode } from './orders/orders.errors';

export type GatewayErrorCode =
  | PlatformErrorCode
  | EventStoreErrorCode
  | DeploymentsErrorCode
  | IntakeRefusalCode
  | OrdersApiErrorCode
  | CancelErrorCode
  | OrdersReadError['code']
  | ChainActionErrorCode
  | AccessErrorCode
  | ChainReadErrorCode
  | GraphqlLimitCode
  | LiveErrorCode;

export const GATEWAY_ERROR_STATUS = {
  ...PLATFORM_ERROR_STATUS,
  // Another writer got there first: the client may reload and retry.
  'EVENT_STORE.WRONG_EXPECTED_VERSION': 409,
  'EVENT_STORE.CONCURRENCY_RETRIES_EXHAUSTED': 409,
  'EVENT_STORE.IDEMPOTENCY_CONFLICT': 409,
  'EVENT_STORE.UNAVAILABLE': 503,
  // Our bugs or corrupt data, never the client's doing.
  'EVENT_STORE.INVALID_APPEND': 500,
  'EVENT_STORE.APPEND_NOT_FIRST_WRITE': 500,
  'EVENT_STORE.UPCAST_FAILED': 500,
  'EVENT_STORE.UNKNOWN_EVENT_TYPE': 500,
  'EVENT_STORE.EVENT_DECODE_FAILED': 500,
  // The gateway reads its deployments at start (and refuses to start without them), so
  // these reach a client only if a route reads the file again: not deployed yet, retry later.
  'DEPLOYMENTS.UNREADABLE': 503,
  'DEPLOYMENTS.MALFORMED': 500,
  'DEPLOYMENTS.INVALID': 500,
  // A single submitted order refused (a bulk call answers these per order, inside a 200): a
  // well-formed order the market will not take.
  'ORDER.INVALID': 422,
  'ORDER.OUT_OF_RANGE': 422,
  'ORDER.WRONG_CHAIN': 422,
  'ORDER.WRONG_CONTRACT': 422,
  'ORDER.WRONG_MARKET': 422,
  'ORDER.EXPIRED': 422,
  'ORDER.TOO_FAR_IN_FUTURE': 422,
  'ORDER.BAD_SIGNATURE': 422,
  'ORDER.CURRENCY_NOT_ALLOWED': 422,
  'ORDER.NONCE_USED': 422,
  'ORDER.COUNTER_STALE': 422,
  'ORDER.COUNTER_AHEAD': 422,
  'ORDER.NOT_OWNER': 422,
  'ORDER.NOT_APPROVED': 422,
  'ORDER.INSUFFICIENT_BALANCE': 422,
  'ORDER.ROYALTY_TERMS_MISSING': 422,
  'ORDER.REFUSED': 422,
  // The nonce is held by a matched trade: it may be released, so a later retry may pass.
  'ORDER.NONCE_RESERVED': 409,
  // The same signed order was taken before (or twice in one request).
  'ORDER.DUPLICATE': 409,
  // Decider codes of other commands; never the answer to an intake, mapped for completeness.
  'CANCEL.REPLAYED': 409,
  'TRADE.UNKNOWN': 409,
  'ORDERS.TOO_MANY': 413,
  'ORDER.NOT_FOUND': 404,
  // A read with ?minPosition= the read model did not reach in time: retry.
  'READ_MODEL.BEHIND': 409,
  'ORDERS.BAD_CURSOR': 400,
  'CANCEL.EMPTY': 400,
  'CANCEL.BAD_SIGNATURE': 422,
  'CANCEL.EXPIRED': 422,
  // The chain node: down (retry later) or answering what our ABIs do not allow.
  'CHAIN.UNAVAILABLE': 503,
  'CHAIN.BAD_ANSWER': 502,
  'CHAIN.REVERTED': 502,
  'CHAIN.NO_ACCOUNT': 500,
  // The deployments file lacks a contract a chain action needs: our configuration.
  'CHAIN.NOT_DEPLOYED': 500,
  // Access (access/): API keys, limits, idempotency keys. 429s carry Retry-After.
  'AUTH.INVALID_KEY': 401,
  'AUTH.KEY_REQUIRED': 401,
  'AUTH.MAKER_NOT_ALLOWED': 403,
  'RATE.LIMITED': 429,
  'RATE.QUOTA_EXCEEDED': 429,
  'IDEMPOTENCY.KEY_INVALID': 400,
  'IDEMPOTENCY.KEY_REUSED': 409,
  'IDEMPOTENCY.IN_PROGRESS': 409,
  // The read API (read/): a cursor this listing did not give; a work the model does not hold.
  'READ.BAD_CURSOR': 400,
  'ARTWORK.NOT_FOUND': 404,
  // Live feeds (live/): this process serves its maximum of open feeds; retry (elsewhere).
  'LIVE.TOO_MANY_SUBSCRIBERS': 503,
  // GraphQL (graphql/): an operation refused before it runs (too deep, too expensive, or
  // introspection while it is switched off).
  'GRAPHQL.TOO_DEEP': 400,
  'GRAPHQL.TOO_COMPLEX': 400,
  'GRAPHQL.INTROSPECTION_DISABLED': 400,
} as const satisfies ErrorStatusTable<GatewayErrorCode>;
