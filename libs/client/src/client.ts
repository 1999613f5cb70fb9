// createAtelierClient: the gateway's API as typed methods over openapi-fetch and the generated
// OpenAPI types. Every call goes through one transport (API key, retries on 429/503 honouring
// Retry-After, network errors typed); every non-2xx answer is thrown as an AtelierApiError.
// Writes carry an Idempotency-Key (one per request, the same on each retry), so a retry never
// decides twice. Bulk submission splits into the API's 1,000-order requests (bulk.ts); signing
// uses @atelier/chain-actions over the domain /v1/deployments names (fetched once).
import createClient from 'openapi-fetch';
import {
  createOrder,
  signCancel,
  signOrder,
  signerAddress,
  type CreateOrderParameters,
  type SignCancelReturnType,
  type SignOrderReturnType,
  type TypedDataSigner,
} from '@atelier/chain-actions';
import type { MarketplaceDomain, Order } from '@atelier/contracts-abi';
import { MAX_HASHES_PER_CANCEL, MAX_ORDERS_PER_REQUEST, chunk, mergeBulkAnswers } from './bulk';
import { AtelierApiError, AtelierBulkError } from './errors';
import type { paths } from './generated/openapi';
import { openOrderStream, type OrderStream, type OrderStreamOptions } from './order-stream';
import { DEFAULT_RETRY, NO_RETRY, parseRetryAfter, type RetryPolicy } from './retry';
import {
  cancelJson,
  domainOf,
  submissionJson,
  type CancelInput,
  type Numeric,
  type SubmissionInput,
} from './signing';
import { createTransport, type FetchLike } from './transport';
import type {
  ArtworkAnswer,
  ArtworkPage,
  ArtworksQuery,
  CancelOrdersAnswer,
  CollectionStats,
  Deployments,
  LedgerAnswer,
  LedgerQuery,
  LineageAnswer,
  ListOrdersQuery,
  OrderAnswer,
  OrderPage,
  OrderView,
  SubmitOrdersAnswer,
  TradePage,
  TradesQuery,
} from './types';

export interface AtelierClientOptions {
  /** The gateway, e.g. `https://api.atelier.example` (no /v1). */
  readonly baseUrl: string;
  /** `atl_…`: needed for bulk submission, cancels and the order stream. */
  readonly apiKey?: string;
  /** Default: the global fetch. */
  readonly fetch?: (input: Request) => Promise<Response>;
  /** Retries on 429/503 (and on no answer, for GETs and keyed writes); false: none. */
  readonly retry?: Partial<RetryPolicy> | false;
  /** Sent on every request (a User-Agent, a tracing header). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ReadYourWrites {
  /** A position a write answered: the read waits (bounded) for the read model to reach it. */
  readonly minPosition?: string | null;
}

export interface WriteOptions {
  /** Default: a fresh random key per request. Bulk chunks use `${key}:${chunk index}`. */
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
}

type Api = ReturnType<typeof createClient<paths>>;

/** What openapi-fetch answers: data on 2xx, the parsed error body otherwise. */
interface FetchResult<T> {
  readonly data?: T;
  readonly error?: unknown;
  readonly response: Response;
}

async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
    const url = new URL(response.url || 'http://unknown/');
    throw new AtelierApiError(response.status, error, {
      url: url.pathname,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  return data as T;
}

const newKey = (): string => globalThis.crypto.randomUUID();
const position = (p: string | null | undefined) =>
  p === null || p === undefined ? {} : { minPosition: p };

export function createAtelierClient(options: AtelierClientOptions) {
  const retry = options.retry === false ? NO_RETRY : { ...DEFAULT_RETRY, ...(options.retry ?? {}) };
  const baseFetch = options.fetch ?? ((r: Request) => globalThis.fetch(r));
  const transport: FetchLike = createTransport({
    fetch: baseFetch,
    retry,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const api: Api = createClient<paths>({
    baseUrl,
    fetch: transport,
    ...(options.headers ? { headers: { ...options.headers } } : {}),
  });

  let deploymentsOnce: Promise<Deployments> | undefined;
  const deployments = (): Promise<Deployments> => {
    deploymentsOnce ??= unwrap(api.GET('/v1/deployments') as Promise<FetchResult<Deployments>>);
    // A failure is not cached: the next call asks again.
    deploymentsOnce.catch(() => (deploymentsOnce = undefined));
    return deploymentsOnce;
  };
  const domain = async (): Promise<MarketplaceDomain> => domainOf(await deployments());

  const postOrders = (body: unknown, key: string, signal?: AbortSignal) =>
    unwrap(
      api.POST('/v1/orders', {
        body: body as never,
        params: { header: { 'Idempotency-Key': key } },
        ...(signal ? { signal } : {}),
      }) as Promise<FetchResult<SubmitOrdersAnswer>>,
    );

  const cancelOrders = (
    signed: CancelInput,
    opts: WriteOptions & ReadYourWrites = {},
  ): Promise<CancelOrdersAnswer> =>
    unwrap(
      api.POST('/v1/orders/cancel', {
        body: cancelJson(signed),
        params: {
          query: position(opts.minPosition),
          header: { 'Idempotency-Key': opts.idempotencyKey ?? newKey() },
        },
        ...(opts.signal ? { signal: opts.signal } : {}),
      }) as Promise<FetchResult<CancelOrdersAnswer>>,
    );

  async function submitMany(
    list: readonly SubmissionInput[],
    opts: WriteOptions,
  ): Promise<SubmitOrdersAnswer> {
    const key = opts.idempotencyKey ?? newKey();
    const chunks = chunk(list.map(submissionJson), MAX_ORDERS_PER_REQUEST);
    const answers: { size: number; answer: SubmitOrdersAnswer }[] = [];
    for (const [i, orders] of chunks.entries()) {
      try {
        const answer = await postOrders({ orders }, `${key}:${i}`, opts.signal);
        answers.push({ size: orders.length, answer });
      } catch (cause) {
        if (answers.length === 0) throw cause;
        const done = answers.reduce((n, a) => n + a.size, 0);
        throw new AtelierBulkError(
          'CLIENT.BULK_INCOMPLETE',
          `${done} of ${list.length} orders were answered; the request for the next ${orders.length} failed: ${(cause as Error).message}`,
          { completed: mergeBulkAnswers(answers), answered: done, total: list.length },
          { cause },
        );
      }
    }
    return mergeBulkAnswers(answers) as SubmitOrdersAnswer;
  }

  return {
    /** The typed openapi-fetch client itself, for routes without a method here. */
    api,

    // ---- chain -------------------------------------------------------------------------------

    /** Where the contracts live (cached after the first answer). */
    deployments,
    /** The Marketplace's EIP-712 domain, from /v1/deployments. */
    domain,
    /** Signs an order under the gateway's domain (chain-actions' signOrder). */
    async signOrder(signer: TypedDataSigner, order: Order): Promise<SignOrderReturnType> {
      return signOrder(signer, { order, domain: await domain() });
    },
    /** Builds (usual defaults: from a minute ago, counter 0) and signs an order. */
    async createOrder(
      signer: TypedDataSigner,
      parameters: Omit<CreateOrderParameters, 'domain'>,
    ): Promise<SignOrderReturnType> {
      return createOrder(signer, {
        ...parameters,
        domain: await domain(),
      } as CreateOrderParameters);
    },
    /** Signs an off-chain cancel of `orderHashes` (at most 1,000; maker: the signer), issued now. */
    async signCancel(
      signer: TypedDataSigner,
      cancel: { maker?: `0x${string}`; orderHashes: readonly `0x${string}`[]; issuedAt?: bigint },
    ): Promise<SignCancelReturnType> {
      return signCancel(signer, {
        cancel: {
          maker: cancel.maker ?? signerAddress(signer),
          orderHashes: cancel.orderHashes,
          issuedAt: cancel.issuedAt ?? BigInt(Math.floor(Date.now() / 1000)),
        },
        domain: await domain(),
      });
    },

    // ---- orders ------------------------------------------------------------------------------

    /**
     * One signed order (POST /v1/orders, 201; a refusal throws its 4xx problem), or a list: sent
     * in requests of at most 1,000 (an API key is needed), one after the other, answered as one
     * (results in input order; `position` the highest). A failure after some requests succeeded
     * throws AtelierBulkError with what was answered.
     */
    async submitOrders(
      submissions: SubmissionInput | readonly SubmissionInput[],
      opts: WriteOptions = {},
    ): Promise<SubmitOrdersAnswer> {
      if (!Array.isArray(submissions))
        return postOrders(
          submissionJson(submissions as SubmissionInput),
          opts.idempotencyKey ?? newKey(),
          opts.signal,
        );
      if (submissions.length === 0) throw new RangeError('submitOrders: no orders');
      return submitMany(submissions as readonly SubmissionInput[], opts);
    },

    /** GET /v1/orders/{hash}; 404 ORDER.NOT_FOUND throws. */
    getOrder(hash: string, opts: ReadYourWrites = {}): Promise<OrderAnswer> {
      return unwrap(
        api.GET('/v1/orders/{hash}', {
          params: { path: { hash }, query: position(opts.minPosition) },
        }) as Promise<FetchResult<OrderAnswer>>,
      );
    },

    /** GET /v1/orders: one page, newest first (pass `nextCursor` as `cursor`). */
    listOrders(query: ListOrdersQuery = {}): Promise<OrderPage> {
      return unwrap(
        api.GET('/v1/orders', { params: { query } }) as Promise<FetchResult<OrderPage>>,
      );
    },

    /** Every order matching `query`, page after page. */
    async *allOrders(query: Omit<ListOrdersQuery, 'cursor'> = {}): AsyncGenerator<OrderView> {
      let cursor: string | undefined;
      do {
        const page = await unwrap(
          api.GET('/v1/orders', {
            params: { query: { ...query, ...(cursor ? { cursor } : {}) } },
          }) as Promise<FetchResult<OrderPage>>,
        );
        yield* page.items;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },

    /** POST /v1/orders/cancel with a signed cancel (see signCancel); one result per order. */
    cancelOrders,

    /**
     * Signs and sends off-chain cancels of any number of the signer's orders (1,000 hashes per
     * signed cancel), answered as one.
     */
    async cancel(
      signer: TypedDataSigner,
      orderHashes: readonly `0x${string}`[],
      opts: ReadYourWrites & { signal?: AbortSignal } = {},
    ): Promise<CancelOrdersAnswer> {
      const d = await domain();
      const maker = signerAddress(signer);
      const issuedAt: Numeric = BigInt(Math.floor(Date.now() / 1000));
      const answers: CancelOrdersAnswer[] = [];
      for (const hashes of chunk(orderHashes, MAX_HASHES_PER_CANCEL)) {
        const signed = await signCancel(signer, {
          cancel: { maker, orderHashes: hashes, issuedAt },
          domain: d,
        });
        answers.push(await cancelOrders(signed, opts));
      }
      const results = answers.flatMap((a) => a.results);
      return {
        results,
        cancelled: results.filter((r) => r.cancelled).length,
        position: answers.reduce<string | null>(
          (p, a) =>
            a.position === null ? p : p === null || BigInt(a.position) > BigInt(p) ? a.position : p,
          null,
        ),
        note: answers[0]?.note ?? '',
      };
    },

    /** The API key's order-status stream; reconnects and resumes by itself (order-stream.ts). */
    orderEvents(streamOptions: OrderStreamOptions = {}): OrderStream {
      return openOrderStream(baseUrl, transport, streamOptions);
    },

    // ---- reads -------------------------------------------------------------------------------

    artworks(query: ArtworksQuery = {}): Promise<ArtworkPage> {
      return unwrap(
        api.GET('/v1/artworks', { params: { query } }) as Promise<FetchResult<ArtworkPage>>,
      );
    },
    artwork(collection: string, tokenId: Numeric): Promise<ArtworkAnswer> {
      return unwrap(
        api.GET('/v1/artworks/{collection}/{tokenId}', {
          params: { path: { collection, tokenId: String(tokenId) } },
        }) as Promise<FetchResult<ArtworkAnswer>>,
      );
    },
    lineage(collection: string, tokenId: Numeric): Promise<LineageAnswer> {
      return unwrap(
        api.GET('/v1/artworks/{collection}/{tokenId}/lineage', {
          params: { path: { collection, tokenId: String(tokenId) } },
        }) as Promise<FetchResult<LineageAnswer>>,
      );
    },
    trades(query: TradesQuery = {}): Promise<TradePage> {
      return unwrap(
        api.GET('/v1/trades', { params: { query } }) as Promise<FetchResult<TradePage>>,
      );
    },
    ledger(account: string, query: LedgerQuery = {}): Promise<LedgerAnswer> {
      return unwrap(
        api.GET('/v1/ledgers/{account}', {
          params: { path: { account }, query },
        }) as Promise<FetchResult<LedgerAnswer>>,
      );
    },
    collectionStats(address: string): Promise<CollectionStats> {
      return unwrap(
        api.GET('/v1/collections/{address}/stats', {
          params: { path: { address } },
        }) as Promise<FetchResult<CollectionStats>>,
      );
    },
  };
}

export type AtelierClient = ReturnType<typeof createAtelierClient>;
