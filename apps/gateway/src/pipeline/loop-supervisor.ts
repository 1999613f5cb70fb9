// Keeps the gateway's background loops alive (the outbox relay, the orders projector, the
// fillability tracker, the settlement consumer, the read projectors). A loop that fails — its
// start (Kafka down or still electing leaders, PostgreSQL restarting) or, for a loop that runs
// until stopped, its run — is stopped, then started again after a backoff (1 s doubling to 30 s;
// back to 1 s once it has run for a minute), until the app stops. Before, a loop that failed
// stayed failed: a Kafka broker restart longer than kafkajs' retries stopped the outbox relay for
// good, and nothing reached market.* any more until someone restarted the gateway.
// Each loop's state, restarts and last error are what the readiness checks report.
import type { Logger } from '@atelier/observability';

export type LoopState = 'starting' | 'running' | 'restarting' | 'stopped';

export interface SupervisedLoop {
  /**
   * 'starts': `start` resolves once the loop runs on its own (a Kafka consumer);
   * 'runs': `start` resolves when the loop ends, rejects when it fails (the outbox relay).
   */
  readonly kind: 'starts' | 'runs';
  start(): Promise<void>;
  stop(): Promise<void>;
  /** For a loop that can stop working after it started (a consumer kafkajs gave up on). */
  onFailure?(listener: (error: Error) => void): void;
}

export interface LoopSupervisorOptions {
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** A loop that ran this long without failing starts its backoff again from the beginning. */
  readonly resetAfterMs?: number;
}

export class LoopSupervisor<N extends string> {
  readonly states = {} as Record<N, LoopState>;
  readonly errors: Partial<Record<N, string>> = {};
  readonly restarts = {} as Record<N, number>;
  private readonly loops = new Map<N, SupervisedLoop>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly startedAt = new Map<N, number>();
  private stopping = false;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly resetAfterMs: number;

  constructor(
    private readonly logger: Logger,
    options: LoopSupervisorOptions = {},
  ) {
    this.initialDelayMs = options.initialDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.resetAfterMs = options.resetAfterMs ?? 60_000;
  }

  add(name: N, loop: SupervisedLoop): void {
    this.loops.set(name, loop);
    this.states[name] = 'stopped';
    this.restarts[name] = 0;
    loop.onFailure?.((error) => {
      if (this.stopping || this.states[name] === 'restarting') return;
      this.failed(name, loop, error, this.startedAt.get(name) ?? Date.now(), this.initialDelayMs);
    });
  }

  /** Starts every loop without waiting (Kafka may come up after the gateway). */
  start(): void {
    for (const [name, loop] of this.loops) this.launch(name, loop, this.initialDelayMs);
  }

  /**
   * Stops every loop (each finishes its in-flight work), the consumers first, then the loops
   * that feed them; no restart after this.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const kind of ['starts', 'runs'] as const)
      await Promise.allSettled(
        [...this.loops.values()].filter((l) => l.kind === kind).map((l) => l.stop()),
      );
    for (const name of this.loops.keys()) this.states[name] = 'stopped';
  }

  /** Healthy while every loop runs or is starting for the first time. */
  healthy(): boolean {
    return Object.values<LoopState>(this.states).every((s) => s === 'running' || s === 'starting');
  }

  private launch(name: N, loop: SupervisedLoop, delayMs: number): void {
    if (this.stopping) return;
    const startedAt = Date.now();
    this.startedAt.set(name, startedAt);
    this.states[name] = loop.kind === 'runs' ? 'running' : 'starting';
    loop.start().then(
      () => {
        if (this.stopping || this.states[name] === 'restarting') return;
        if (loop.kind === 'starts') {
          this.states[name] = 'running';
          delete this.errors[name];
        } else this.states[name] = 'stopped'; // ended by its own stop
      },
      (error: unknown) => {
        if (this.stopping) return;
        this.failed(name, loop, error, startedAt, delayMs);
      },
    );
  }

  private failed(
    name: N,
    loop: SupervisedLoop,
    error: unknown,
    startedAt: number,
    delayMs: number,
  ): void {
    this.states[name] = 'restarting';
    this.errors[name] = (error as Error).message;
    this.restarts[name]++;
    const ranLong = Date.now() - startedAt >= this.resetAfterMs;
    const wait = ranLong ? this.initialDelayMs : delayMs;
    this.logger.error(
      { err: error, loop: name, restarts: this.restarts[name], retryInMs: wait },
      `${name} failed; restarting it`,
    );
    // A consumer that failed may be half connected: stop it first. A loop that ran until it
    // failed has closed itself (and its stop() would end it for good).
    const cleanUp = loop.kind === 'starts' ? loop.stop().catch(() => undefined) : undefined;
    void Promise.resolve(cleanUp).then(() => {
      if (this.stopping) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.launch(name, loop, Math.min(this.maxDelayMs, wait * 2));
      }, wait);
      this.timers.add(timer);
    });
  }
}
