// The gateway's one table from error codes to HTTP statuses (docs/errors.md). Every code
// the gateway can raise has a row: adding an error area adds its code union to
// GatewayErrorCode, and the compiler then asks for each missing row; a new code in an area
// already listed is one line here. A code thrown without a row answers 500 INTERNAL.UNEXPECTED.
import type { DeploymentsErrorCode } from '@atelier/chain';
import type { EventStoreErrorCode } from '@atelier/eventsourcing';
import {
  PLATFORM_ERROR_STATUS,
  type ErrorStatusTable,
  type PlatformErrorCode,
} from '@atelier/platform';

export type GatewayErrorCode = PlatformErrorCode | EventStoreErrorCode | DeploymentsErrorCode;

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
} as const satisfies ErrorStatusTable<GatewayErrorCode>;
