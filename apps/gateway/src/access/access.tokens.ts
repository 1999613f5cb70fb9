// DI tokens and options of the access module.
export const ACCESS_OPTIONS = Symbol('atelier.gateway.ACCESS_OPTIONS');

export interface AccessOptions {
  readonly schema: string;
  /** Limit of callers without a key, per client IP. */
  readonly ipRps: number;
  readonly ipBurst: number;
  /** How long an idempotency key's answer is kept. Default 24 h. */
  readonly idempotencyTtlSeconds?: number;
  /** How long a duplicate waits for the first request's answer before 409 IN_PROGRESS. */
  readonly idempotencyWaitMs?: number;
}
