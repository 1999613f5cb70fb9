// An SSE client for specs: GET /v1/orders/events (or any event-stream URL, openEventStream) read
// frame by frame as an EventSource would (without reconnecting), each frame parsed into its id,
// event, JSON data or comment.
export interface Frame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: Record<string, unknown>;
  readonly comment?: string;
}

export interface OrderEventStream {
  readonly frames: readonly Frame[];
  /** The frames that carry an event (an `id:`), in arrival order. */
  events(): Frame[];
  ended(): boolean;
  /** Resolves once `probe` answers something, or throws after `ms` with what arrived. */
  until<T>(what: string, probe: () => T | undefined | false, ms?: number): Promise<T>;
  close(): Promise<void>;
}

export function openOrderEvents(
  base: string,
  headers: Record<string, string>,
): Promise<OrderEventStream> {
  return openEventStream(`${base}/v1/orders/events`, headers);
}

export async function openEventStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<OrderEventStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  const type = res.headers.get('content-type');
  if (type !== 'text/event-stream; charset=utf-8')
    throw new Error(`GET ${url} answered content-type ${String(type)}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const frames: Frame[] = [];
  let buffer = '';
  let ended = false;
  const pump = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const frame: Record<string, unknown> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) frame['comment'] = line.slice(1).trim();
            else if (line.startsWith('id: ')) frame['id'] = line.slice(4);
            else if (line.startsWith('event: ')) frame['event'] = line.slice(7);
            else if (line.startsWith('data: ')) frame['data'] = JSON.parse(line.slice(6));
          }
          frames.push(frame as Frame);
        }
      }
    } catch {
      // aborted by the spec
    } finally {
      ended = true;
    }
  })();
  const events = () => frames.filter((f) => f.id !== undefined);
  return {
    frames,
    events,
    ended: () => ended,
    async until<T>(what: string, probe: () => T | undefined | false, ms = 60_000): Promise<T> {
      const deadline = Date.now() + ms;
      for (;;) {
        const v = probe();
        if (v !== undefined && v !== false) return v;
        if (Date.now() > deadline || ended)
          throw new Error(
            `order stream: ${ended ? 'ended' : `timed out after ${ms} ms`} waiting for ${what}; ` +
              `last events: ${JSON.stringify(
                events()
                  .slice(-8)
                  .map((f) => [f.id, f.event, f.data?.['hash'], f.data?.['status']]),
              )}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      abort.abort();
      await pump;
    },
  };
}
