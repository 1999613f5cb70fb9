// The live feeds' refusals and the reasons a feed ends (apps/gateway/src/http-errors.ts maps
// the refusal; the end reasons travel inside the stream as its last frame, never as a status).
import { CodedError } from '@atelier/kernel';

/** Refused at the door: this process already serves LIVE_MAX_SUBSCRIBERS feeds (503, retry). */
export type LiveErrorCode = 'LIVE.TOO_MANY_SUBSCRIBERS';

export class LiveError extends CodedError<LiveErrorCode> {
  override readonly name = 'LiveError';
}

/** Why the gateway ended a feed it had started serving. */
export type LiveEndCode =
  /** The client left more unread than its buffer allows; it may reconnect with its last id. */
  | 'LIVE.SLOW_CONSUMER'
  /** The gateway is shutting down; reconnect (elsewhere) with the last id. */
  | 'LIVE.SHUTDOWN'
  /** The feed's source failed in this process; reconnect with the last id. */
  | 'LIVE.SOURCE_FAILED';

export interface LiveEnd {
  readonly code: LiveEndCode;
  readonly message: string;
}
