// The analysts' endpoints' own error: too many open event streams on this instance. It reuses
// the platform's SERVICE.OVERLOADED (503 with Retry-After, already in the app's one table):
// a moment's load, the client retries (elsewhere, behind a balancer).
import { CodedError } from '@atelier/kernel';

export class EventStreamsFull extends CodedError<'SERVICE.OVERLOADED'> {
  override readonly name = 'EventStreamsFull';
  constructor(open: number) {
    super('SERVICE.OVERLOADED', `this instance serves ${open} event streams already; retry`, {
      openStreams: open,
    });
  }
}
