// The metadata every write of the orders API stores with its events: a correlation id (the
// client's `x-request-id` when it sent a sane one) and who acted. The access layer (API keys)
// may set `request.atelierActor`; a request without a key acts as `anonymous`.
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '@atelier/eventsourcing';

export interface RequestLike {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly ip?: string;
  readonly atelierActor?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function commandContext(request: RequestLike): CommandContext {
  const header = request.headers['x-request-id'];
  const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : undefined;
  return {
    correlationId: requestId ?? randomUUID(),
    actor: request.atelierActor ?? 'anonymous',
    ...(request.ip ? { extra: { ip: request.ip } } : {}),
  };
}
