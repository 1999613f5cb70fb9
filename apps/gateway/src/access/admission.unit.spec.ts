// The admission interceptor (idempotency keys, daily quotas) sits on each write route, not
// globally (a global one costs every read an rxjs pipeline): this spec finds every controller of
// the gateway and fails if a write route (POST, PUT, PATCH, DELETE) lacks it.
import { RequestMethod } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AdmissionInterceptor } from './admission.interceptor';

const WRITES = new Set([
  RequestMethod.POST,
  RequestMethod.PUT,
  RequestMethod.PATCH,
  RequestMethod.DELETE,
]);

/** Every `*.controller.ts` under the gateway's src. */
function controllerFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? controllerFiles(join(dir, e.name))
      : e.name.endsWith('.controller.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

describe('admission on every write route', () => {
  it('finds the write routes and each carries AdmissionInterceptor', async () => {
    const writes: string[] = [];
    const missing: string[] = [];
    for (const file of controllerFiles(join(__dirname, '..'))) {
      const mod = (await import(file)) as Record<string, unknown>;
      for (const value of Object.values(mod)) {
        if (typeof value !== 'function' || Reflect.getMetadata(PATH_METADATA, value) === undefined)
          continue; // not a controller
        const proto = (value as { prototype: Record<string, unknown> }).prototype;
        for (const name of Object.getOwnPropertyNames(proto)) {
          const handler = proto[name];
          if (typeof handler !== 'function' || name === 'constructor') continue;
          const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
          if (method === undefined || !WRITES.has(method)) continue;
          const route = `${(value as { name: string }).name}.${name}`;
          writes.push(route);
          const interceptors = [
            ...((Reflect.getMetadata(INTERCEPTORS_METADATA, value) as unknown[]) ?? []),
            ...((Reflect.getMetadata(INTERCEPTORS_METADATA, handler) as unknown[]) ?? []),
          ];
          if (!interceptors.includes(AdmissionInterceptor)) missing.push(route);
        }
      }
    }
    // The two writes the gateway has today; a new one shows up here and must carry it too.
    expect(writes.sort()).toEqual([
      'CancelOrdersHttpController.cancel',
      'SubmitOrdersHttpController.submit',
    ]);
    expect(missing).toEqual([]);
  });
});
