// @atelier/client: the typed TypeScript client of the Atelier gateway, for market makers and
// frontends (docs/client.md). Generated types from the gateway's served OpenAPI document
// (generated/openapi.ts, `npm run client:generate`), typed methods over openapi-fetch, EIP-712
// signing through @atelier/chain-actions, the order-status stream as an async iterator that
// resumes by itself, typed errors, and retries on 429/503 honouring Retry-After.
export { createAtelierClient } from './client';
export type { AtelierClient, AtelierClientOptions, ReadYourWrites, WriteOptions } from './client';
export {
  AtelierApiError,
  AtelierBulkError,
  AtelierNetworkError,
  NOT_A_PROBLEM,
  type Problem,
  type ProblemFieldError,
} from './errors';
export { DEFAULT_RETRY, NO_RETRY, parseRetryAfter, retryDelay, type RetryPolicy } from './retry';
export { MAX_HASHES_PER_CANCEL, MAX_ORDERS_PER_REQUEST, chunk, mergeBulkAnswers } from './bulk';
export {
  ORDER_STREAM_EVENT_TYPES,
  openOrderStream,
  type OrderStream,
  type OrderStreamData,
  type OrderStreamEvent,
  type OrderStreamEventType,
  type OrderStreamOptions,
} from './order-stream';
export { SseParser, type SseEvent } from './sse';
export {
  cancelJson,
  decimal,
  domainOf,
  orderJson,
  submissionJson,
  type CancelInput,
  type Numeric,
  type OrderInput,
  type SubmissionInput,
  type SubmissionJson,
} from './signing';
export type * from './types';
// Signing with a viem account (or wallet client): the same EIP-712 code the gateway verifies.
export {
  createOrder,
  hashCancel,
  hashOrder,
  signCancel,
  signOrder,
  signerAddress,
  type CreateOrderParameters,
  type OrderCancel,
  type SignCancelReturnType,
  type SignOrderReturnType,
  type TypedDataSigner,
} from '@atelier/chain-actions';
export {
  OrderKind,
  marketplaceDomain,
  type MarketplaceDomain,
  type Order,
} from '@atelier/contracts-abi';
