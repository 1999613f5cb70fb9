// The Mercurius driver, registered so that it leaves the REST routes' error handling alone.
//
// Why: Nest registers its routes before the modules' onModuleInit and installs its exception
// layer (Fastify's error handler: problem+json through ProblemDetailsFilter) after it. The stock
// MercuriusDriver `await`s `register(mercurius)` in onModuleInit, which makes Fastify load its
// queue there and then: the REST routes already queued are built with Fastify's default error
// handler, before Nest installs its own, so a malformed JSON body on /v1/* answered Fastify's
// bare JSON instead of REQUEST.MALFORMED_JSON problem+json (problem-details.int.spec caught it).
// Here mercurius and the hooks are queued, not awaited: Fastify loads them at `ready()`, after
// Nest's error handler is in place, so every route keeps the handler Nest meant for it.
//
// What the stock driver does besides, and this one not: SDL definitions files (unused: the
// schema lives in memory), `plugins` (none), and the request hooks of Nest's
// ResolverDecoratorHost (none registered; refused at start if any ever are).
import type { MercuriusDriverConfig } from '@nestjs/mercurius';
import { MercuriusDriver } from '@nestjs/mercurius';
import type { FastifyInstance } from 'fastify';
import mercurius from 'mercurius';

type Hooks = NonNullable<MercuriusDriverConfig['hooks']>;

export class DeferredMercuriusDriver extends MercuriusDriver {
  override async start(options: MercuriusDriverConfig): Promise<void> {
    const { plugins, hooks, ...mercuriusOptions } = options;
    if (plugins?.length)
      throw new Error('DeferredMercuriusDriver: mercurius plugins are not wired');
    if (this.resolverDecoratorHost?.hasRequestHooks())
      throw new Error('DeferredMercuriusDriver: resolver request hooks are not wired');
    const app = this.httpAdapterHost.httpAdapter.getInstance<FastifyInstance>();
    // Queued, not awaited (see the header).
    void app.register(mercurius, mercuriusOptions as never);
    void app.register(async (instance) => addHooks(instance, hooks ?? {}));
  }
}

function addHooks(instance: FastifyInstance, hooks: Hooks): void {
  for (const [name, fns] of Object.entries(hooks)) {
    if (!fns) continue;
    for (const fn of Array.isArray(fns) ? fns : [fns])
      (instance.graphql.addHook as (name: string, fn: unknown) => void)(name, fn);
  }
}
