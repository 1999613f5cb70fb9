// The access gate for /graphql. Nest's guards run for Nest's routes; mercurius' routes are
// Fastify's own, so a GraphQL request would pass with no rate limit at all. This Fastify hook
// runs the access guard's read gate before mercurius sees the request (POST and GET queries and
// the subscription socket's upgrade alike): an API key if one is sent (401 AUTH.INVALID_KEY for
// a bad one) and its bucket, else the client IP's read bucket of this process (429 RATE.LIMITED
// with Retry-After). The refusal is a GraphQL answer shaped as every other one of the gateway
// (graphql.errors.ts): `errors[0].extensions.code` and `.status`, the HTTP status the same.
import { GraphQLError } from 'graphql';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@atelier/observability';
import { AccessGuard } from '../access/access.guard';
import { AccessError } from '../access/access.errors';
import { GATEWAY_ERROR_STATUS } from '../http-errors';
import { graphqlErrorFormatter } from './graphql.errors';

/** Adds the hook; `path` is where mercurius serves GraphQL. Call before the app is ready. */
export function guardGraphql(app: NestFastifyApplication, path: string, logger: Logger): void {
  const format = graphqlErrorFormatter(GATEWAY_ERROR_STATUS, logger);
  let guard: AccessGuard | undefined;
  const admit = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const gate = (guard ??= app.get(AccessGuard, { strict: false }));
    if (!gate) throw new Error('graphql-access: the access module is not in the app');
    try {
      await gate.admitRead(req, reply);
    } catch (e) {
      if (!(e instanceof AccessError)) throw e;
      const { statusCode, response } = format({
        errors: [new GraphQLError(e.message, { originalError: e })],
      });
      return reply.code(statusCode).type('application/json; charset=utf-8').send(response);
    }
    return undefined;
  };
  // A callback hook, not an async one: every other route passes it with one comparison, no
  // promise (the REST reads of issue 10 pay for each).
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (req, reply, done) => {
      if (req.routeOptions.url !== path) return done();
      admit(req, reply).then(
        (answered) => {
          if (answered === undefined) done();
        },
        (e: unknown) => done(e as Error),
      );
    });
}
