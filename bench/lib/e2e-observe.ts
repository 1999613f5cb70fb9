// What bench:e2e watches from outside the apps, with the time each thing was first seen or the
// time its source wrote on it. Nothing here reaches into an app: the chain's new heads (anvil's
// WebSocket), the gateway's public read API (/v1/trades polled, the /v1/live/trades SSE feed,
// the /v1/events NDJSON log with the store's recordedAt) and the Kafka topics the apps publish to
// (read by a consumer group of its own, each message with the producer's CreateTime).
import { performance } from 'node:perf_hooks';
import { SseParser } from '@atelier/client';
import { createKafka } from '@atelier/kafka';
import pino from 'pino';

/** Wall-clock milliseconds with sub-millisecond precision (same clock as PostgreSQL and Kafka). */
export const nowMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/*//////////////////////////////////////////////////////////////
                          CHAIN: NEW HEADS
//////////////////////////////////////////////////////////////*/

export interface SeenBlock {
  /** When the head reached this process. */
  readonly seenAt: number;
  /** The block's own timestamp, unix seconds (anvil: whole seconds). */
  readonly timestamp: number;
}

/** anvil's `eth_subscribe newHeads` over its WebSocket (same port as HTTP). */
export class HeadWatcher {
  readonly blocks = new Map<bigint, SeenBlock>();
  private socket: WebSocket | undefined;

  async start(rpcUrl: string): Promise<void> {
    const socket = new WebSocket(rpcUrl.replace(/^http/, 'ws'));
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error(`no WebSocket at ${rpcUrl}`)), {
        once: true,
      });
    });
    const subscribed = new Promise<void>((resolve) => {
      socket.addEventListener('message', (m: MessageEvent) => {
        const seenAt = nowMs();
        const msg = JSON.parse(String(m.data)) as {
          id?: number;
          params?: { result?: { number: string; timestamp: string } };
        };
        if (msg.id === 1) resolve();
        const head = msg.params?.result;
        if (head && !this.blocks.has(BigInt(head.number)))
          this.blocks.set(BigInt(head.number), { seenAt, timestamp: Number(head.timestamp) });
      });
    });
    socket.send(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }),
    );
    await subscribed;
  }

  stop(): void {
    this.socket?.close();
  }
}

/*//////////////////////////////////////////////////////////////
                     READ API: SETTLED TRADES POLLED
//////////////////////////////////////////////////////////////*/

interface SettledItem {
  readonly askHash: string;
  readonly transactionHash: string;
  readonly block: string;
}

/**
 * Polls GET /v1/trades?status=settled (the chain-trades read model) every `everyMs` and keeps
 * the first time each ask hash is listed: "settled and visible in the read API". Resolution:
 * the poll interval plus one request.
 */
export class SettledPoller {
  readonly firstSeen = new Map<string, { at: number; block: bigint; tx: string }>();
  readonly requestMs: number[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly gateway: string,
    private readonly collection: string,
    private readonly everyMs: number,
  ) {}

  start(fromBlock: bigint): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const started = nowMs();
        try {
          await this.poll(fromBlock);
        } catch {
          // a failed poll is a missed sample, the next one sees the same rows
        }
        this.requestMs.push(nowMs() - started);
        await sleep(Math.max(0, this.everyMs - (nowMs() - started)));
      }
    })();
  }

  private async poll(fromBlock: bigint): Promise<void> {
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams({
        status: 'settled',
        collection: this.collection,
        fromBlock: String(fromBlock),
        limit: '500',
      });
      if (cursor) q.set('cursor', cursor);
      const res = await fetch(`${this.gateway}/v1/trades?${q}`);
      const at = nowMs();
      if (!res.ok) throw new Error(`GET /v1/trades: ${res.status}`);
      const page = (await res.json()) as { items: SettledItem[]; nextCursor: string | null };
      let fresh = 0;
      for (const t of page.items) {
        const key = t.askHash.toLowerCase();
        if (this.firstSeen.has(key)) continue;
        fresh++;
        this.firstSeen.set(key, { at, block: BigInt(t.block), tx: t.transactionHash });
      }
      // newest first: a page with nothing new means the older pages hold nothing new either
      cursor = fresh > 0 ? page.nextCursor : null;
    } while (cursor);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/*//////////////////////////////////////////////////////////////
                       READ API: LIVE TRADE FEED
//////////////////////////////////////////////////////////////*/

/** GET /v1/live/trades?collection= (SSE): arrival time of each trade change, by type and trade. */
export class TradeFeed {
  /** `${type}:${tradeId}` -> arrival time */
  readonly arrivals = new Map<string, number>();
  private readonly abort = new AbortController();
  private done: Promise<void> | undefined;

  async start(gateway: string, collection: string): Promise<void> {
    const res = await fetch(`${gateway}/v1/live/trades?collection=${collection}`, {
      headers: { accept: 'text/event-stream' },
      signal: this.abort.signal,
    });
    if (!res.ok || !res.body) throw new Error(`GET /v1/live/trades: ${res.status}`);
    const parser = new SseParser();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    this.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          const at = nowMs();
          for (const e of parser.push(value)) {
            if (!e.event.startsWith('trade-')) continue;
            const data = JSON.parse(e.data) as { tradeId?: string };
            const key = `${e.event}:${data.tradeId}`;
            if (!this.arrivals.has(key)) this.arrivals.set(key, at);
          }
        }
      } catch (e) {
        if (!this.abort.signal.aborted) throw e;
      }
    })();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done?.catch(() => undefined);
  }
}

/*//////////////////////////////////////////////////////////////
                      READ API: THE MARKET EVENT LOG
//////////////////////////////////////////////////////////////*/

export interface LoggedEvent {
  readonly position: string;
  readonly type: string;
  readonly recordedAt: string;
  readonly data: Record<string, unknown>;
}

/** GET /v1/events (NDJSON, not followed) of one collection's market stream, these types. */
export async function readEventLog(
  gateway: string,
  collection: string,
  types: readonly string[],
): Promise<LoggedEvent[]> {
  const q = new URLSearchParams({ collection, type: types.join(',') });
  const res = await fetch(`${gateway}/v1/events?${q}`);
  if (!res.ok) throw new Error(`GET /v1/events: ${res.status} ${await res.text()}`);
  const events: LoggedEvent[] = [];
  let end = false;
  for (const line of (await res.text()).split('\n')) {
    if (!line) continue;
    const l = JSON.parse(line) as { kind: string; reason?: string } & LoggedEvent;
    if (l.kind === 'event') events.push(l);
    else if (l.kind === 'end') end = true;
    else if (l.kind === 'error') throw new Error(`GET /v1/events: ${line}`);
  }
  if (!end) throw new Error('GET /v1/events was cut before its end line');
  return events;
}

/*//////////////////////////////////////////////////////////////
                        KAFKA: MESSAGE TIMESTAMPS
//////////////////////////////////////////////////////////////*/

export interface TappedMessage {
  readonly topic: string;
  /** The producer's CreateTime (kafkajs stamps Date.now() at send). */
  readonly timestamp: number;
  readonly value: Record<string, unknown>;
}

/**
 * Reads `topics` from the beginning with a consumer group of its own (read committed, so the
 * chain relay's transactional messages count once committed) until `enough(messages)` holds or
 * `timeoutMs` passes; answers every message read.
 */
export async function readTopics(
  brokers: readonly string[],
  topics: readonly string[],
  enough: (messages: readonly TappedMessage[]) => boolean,
  timeoutMs: number,
): Promise<{ messages: TappedMessage[]; complete: boolean }> {
  const kafka = createKafka({
    clientId: 'bench-e2e',
    brokers,
    logger: pino({ level: 'silent' }),
  });
  const consumer = kafka.consumer({ groupId: `bench-e2e-${Date.now()}` });
  const messages: TappedMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (!message.value) return;
        messages.push({
          topic,
          timestamp: Number(message.timestamp),
          value: JSON.parse(message.value.toString()) as Record<string, unknown>,
        });
      },
    });
    const deadline = Date.now() + timeoutMs;
    let complete = false;
    while (!(complete = enough(messages)) && Date.now() < deadline) await sleep(250);
    return { messages, complete };
  } finally {
    await consumer.disconnect();
  }
}
