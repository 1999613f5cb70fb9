// The API's request and answer types, named: each is read off the generated OpenAPI types
// (generated/openapi.ts), so a change of the gateway's document changes them, and tsc finds
// every use a change breaks. Only /v1/deployments has no schema in the document (the gateway
// serves its deployments file as is): its shape is the deployments file's, written out here.
import type { paths } from './generated/openapi';

export type { paths } from './generated/openapi';

type Json<R> = R extends { content: { 'application/json': infer J } } ? J : never;
type Operation<P extends keyof paths, M extends 'get' | 'post'> = NonNullable<paths[P][M]>;
/** The JSON of a route's 200 answer (201 when it has no 200). */
export type AnswerOf<P extends keyof paths, M extends 'get' | 'post'> =
  Operation<P, M> extends { responses: { 200: infer R } }
    ? Json<R>
    : Operation<P, M> extends { responses: { 201: infer R } }
      ? Json<R>
      : never;
/** A route's query parameters. */
export type QueryOf<P extends keyof paths, M extends 'get' | 'post'> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
/** A route's JSON body. */
export type BodyOf<P extends keyof paths, M extends 'get' | 'post'> =
  Operation<P, M> extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

// ---- orders ------------------------------------------------------------------------------------

export type SubmitOrdersAnswer = AnswerOf<'/v1/orders', 'post'>;
export type SubmitOrderResult = SubmitOrdersAnswer['results'][number];
export type AcceptedOrder = Extract<SubmitOrderResult, { accepted: true }>;
export type RefusedOrder = Extract<SubmitOrderResult, { accepted: false }>;
export type OrderAnswer = AnswerOf<'/v1/orders/{hash}', 'get'>;
export type OrderView = OrderAnswer['order'];
export type OrderStatus = OrderView['status'];
export type OrderPage = AnswerOf<'/v1/orders', 'get'>;
export type ListOrdersQuery = QueryOf<'/v1/orders', 'get'>;
export type CancelOrdersAnswer = AnswerOf<'/v1/orders/cancel', 'post'>;
export type CancelOrderResult = CancelOrdersAnswer['results'][number];

// ---- reads -------------------------------------------------------------------------------------

export type ArtworksQuery = QueryOf<'/v1/artworks', 'get'>;
export type ArtworkPage = AnswerOf<'/v1/artworks', 'get'>;
export type ArtworkAnswer = AnswerOf<'/v1/artworks/{collection}/{tokenId}', 'get'>;
export type LineageAnswer = AnswerOf<'/v1/artworks/{collection}/{tokenId}/lineage', 'get'>;
export type TradesQuery = QueryOf<'/v1/trades', 'get'>;
export type TradePage = AnswerOf<'/v1/trades', 'get'>;
export type LedgerQuery = QueryOf<'/v1/ledgers/{account}', 'get'>;
export type LedgerAnswer = AnswerOf<'/v1/ledgers/{account}', 'get'>;
export type CollectionStats = AnswerOf<'/v1/collections/{address}/stats', 'get'>;

// ---- deployments -------------------------------------------------------------------------------

/** GET /v1/deployments: where the contracts live (the deploy script's deployments file). */
export interface Deployments {
  readonly chainId: number;
  readonly rpcUrl: string;
  readonly deployedAt: string;
  readonly contracts: Readonly<
    Record<
      string,
      { readonly address: string; readonly startBlock: number; readonly transactionHash: string }
    >
  >;
  readonly settings?: Readonly<Record<string, unknown>>;
}
