// A server-sent events parser (WHATWG HTML "Parsing an event stream"): text in, events out.
// Lines end in CRLF, LF or CR; `data:` lines join with newlines; a line starting with ':' is a
// comment; `id:` sets the last event id (kept across events, as EventSource does); `retry:`
// sets the reconnection delay; a blank line dispatches. Pure, so it is unit-tested on splits
// at every byte.

export interface SseEvent {
  /** `event:`, 'message' when absent. */
  readonly event: string;
  readonly data: string;
  /** The last event id after this event (EventSource's lastEventId). */
  readonly id: string | undefined;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private sawData = false;
  private pendingCr = false;
  /** The stream's last event id so far. */
  lastEventId: string | undefined;
  /** The server's `retry:` in ms, when it sent one. */
  retryMs: number | undefined;
  /** Comment lines seen (keep-alives), for whoever wants to know the stream is alive. */
  comments = 0;

  constructor(lastEventId?: string) {
    this.lastEventId = lastEventId;
  }

  /** Feeds decoded text; returns the events it completed. */
  push(text: string): SseEvent[] {
    let input = text;
    // A CR at the end of the previous chunk already ended its line; a LF right after is its pair.
    if (this.pendingCr && input.startsWith('\n')) input = input.slice(1);
    this.pendingCr = false;
    this.buffer += input;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      const line = this.buffer.slice(0, match.index);
      const end = match.index + match[0].length;
      if (match[0] === '\r' && end === this.buffer.length) this.pendingCr = true;
      this.buffer = this.buffer.slice(end);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) {
      this.comments++;
      return undefined;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.sawData = true;
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const event = this.sawData
      ? { event: this.event || 'message', data: this.data.join('\n'), id: this.lastEventId }
      : undefined;
    this.data = [];
    this.event = '';
    this.sawData = false;
    return event;
  }
}
