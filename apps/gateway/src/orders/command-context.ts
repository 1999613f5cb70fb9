// The metadata every write of the orders API stores with its events: a correlation id (the
// client's `x-request-id` when it sent a sane one) and who acted, as the access guard admitted
// the request (`maker:<key id>`, or `ip:<address>` for a single order without a key).
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '@atelier/eventsourcing';
import { callerOf } from '../access/caller';

export interface RequestLike {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly ip?: string;
  /** Set by the access guard for a request with a key (`maker:<key id>`). */
  readonly atelierActor?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function commandContext(request: RequestLike): CommandContext {
  const header = request.headers['x-request-id'];
  const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : undefined;
  return {
    correlationId: requestId ?? randomUUID(),
    actor: request.atelierActor ?? callerOf(request)?.subject ?? 'anonymous',
    ...(request.ip ? { extra: { ip: request.ip } } : {}),
  };
}
