// A readiness probe of one outside part (Kafka, PostgreSQL, the RPC...). Adapters in
// libs/infra/* export factories returning these; apps list the ones they depend on.
export interface DependencyCheck {
  /** Stable key shown in /health output and in the atelier_dependency_up metric. */
  readonly name: string;
  /** Resolves with details when healthy; throws (or is aborted) when not. */
  check(signal: AbortSignal): Promise<Record<string, unknown> | void>;
}

/** Rejects when `signal` aborts, so a hung client cannot hold a probe forever. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
