// The demo bot's configuration, from the environment the stack scripts export (infra/bin/env.sh),
// validated once at start.
import { z } from 'zod';

const schema = z.object({
  GATEWAY_URL: z.string().url().optional(),
  GATEWAY_PORT: z.coerce.number().int().positive().default(3000),
  RPC_URL: z.string().url(),
  ATELIER_DEPLOYMENTS: z.string().min(1),
  BOT_PORT: z.coerce.number().int().min(0).default(3102),
  /** Time between rounds. */
  BOT_INTERVAL_MS: z.coerce.number().int().min(100).default(4_000),
  /** Seed of the traders' random choices: a run is reproducible. */
  BOT_SEED: z.coerce.number().int().default(7),
  BOT_TAKE_PROBABILITY: z.coerce.number().min(0).max(1).default(0.5),
  BOT_QUOTE_PROBABILITY: z.coerce.number().min(0).max(1).default(0.3),
  /** Rounds to play before exiting; 0: until stopped. */
  BOT_ROUNDS: z.coerce.number().int().min(0).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type BotConfig = z.infer<typeof schema> & { readonly gatewayUrl: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`demo bot configuration: ${problems.join('; ')}`);
  }
  const c = parsed.data;
  return { ...c, gatewayUrl: c.GATEWAY_URL ?? `http://127.0.0.1:${c.GATEWAY_PORT}` };
}
