// The order stream's part of the gateway's typed config (spread into config.ts's `extra`).
import { z } from 'zod';

export const orderStreamEnv = {
  ORDER_STREAM_KEEPALIVE_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(120_000)
    .default(15_000)
    .describe('interval of the keep-alive comments on an idle order stream, ms'),
};
