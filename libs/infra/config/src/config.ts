// Typed configuration from the environment, validated once at bootstrap.
// A bad or missing variable names itself and says how to fix it, instead of surfacing
// later as an undefined somewhere deep in a connection library.
import { z } from 'zod';
import { CodedError } from '@atelier/kernel';

export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
  readonly hint?: string;
}

/** `CONFIG.INVALID`: never reaches a client; a service exits 78 on it before binding a port. */
export class ConfigError extends CodedError<'CONFIG.INVALID'> {
  override readonly name = 'ConfigError';
  constructor(
    readonly app: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      'CONFIG.INVALID',
      `Invalid configuration for ${app}:\n` +
        problems
          .map((p) => `  - ${p.variable}: ${p.problem}${p.hint ? `. Expected: ${p.hint}` : ''}`)
          .join('\n'),
      { app, problems },
    );
  }
}

/**
 * Parses `env` with a zod object whose keys are environment variable names.
 * Each field's `.describe()` text is used as the fix-it hint.
 */
export function loadConfig<S extends z.ZodObject>(
  app: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(root)');
    const field = schema.shape[variable] as z.ZodType | undefined;
    const received = env[variable];
    const problem = received === undefined || received === '' ? 'is not set' : issue.message;
    return { variable, problem, hint: field?.description };
  });
  throw new ConfigError(app, problems);
}

/** Building blocks shared by every app's schema. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback),
  url: (fallback?: string) => (fallback ? z.url().default(fallback) : z.url()),
  /** Comma-separated host:port list. */
  brokers: () =>
    z
      .string()
      .min(1)
      .transform((s) =>
        s
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'each broker must be host:port')).min(1)),
  logLevel: () =>
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};
