// The typed configuration of a Nest service: the variables every service reads (serviceEnv),
// its HTTP port and its own database, as `<PREFIX>_PORT` and `<PREFIX>_DATABASE_URL`, plus
// whatever else the app names. Framework-free; validated once at bootstrap by loadConfig.
import { z } from 'zod';
import { databaseUrl, env, loadConfig } from '@atelier/config';
import { serviceEnv } from './app-env';

type ServiceShape<P extends string> = typeof serviceEnv & {
  [K in `${P}_PORT`]: ReturnType<typeof env.port>;
} & { [K in `${P}_DATABASE_URL`]: ReturnType<typeof databaseUrl> };

export interface ServiceConfigSpec<P extends string, X extends z.ZodRawShape> {
  /** Names the app in a configuration error ('Invalid configuration for gateway'). */
  readonly app: string;
  /** Upper-case variable prefix, e.g. 'GATEWAY' for GATEWAY_PORT and GATEWAY_DATABASE_URL. */
  readonly prefix: P;
  readonly port: { readonly default: number; readonly describe: string };
  /** The app's own further variables. */
  readonly extra?: X;
}

export function serviceConfig<P extends string, X extends z.ZodRawShape = Record<never, never>>(
  spec: ServiceConfigSpec<P, X>,
) {
  const shape = {
    ...serviceEnv,
    [`${spec.prefix}_PORT`]: env.port(spec.port.default).describe(spec.port.describe),
    [`${spec.prefix}_DATABASE_URL`]: databaseUrl(spec.app),
    ...spec.extra,
  } as ServiceShape<P> & X; // computed keys: TypeScript cannot name them, the cast does
  const schema = z.object(shape);
  return {
    schema,
    load: (e: NodeJS.ProcessEnv = process.env): z.infer<typeof schema> =>
      loadConfig(spec.app, schema, e),
  };
}
