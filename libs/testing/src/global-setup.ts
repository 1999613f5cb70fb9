// Jest global setup for int and e2e specs: the real parts they talk to are up (idempotent:
// under `npm test` they already are) and their addresses are in process.env.
import { stack, stackEnv } from './stack';

export default async function globalSetup(): Promise<void> {
  stack('start', 'postgres', 'kafka', 'anvil', 'contracts');
  Object.assign(process.env, stackEnv(), { ATELIER_STACK: process.env['ATELIER_STACK'] ?? 'test' });
}
