export { stack, stackEnv, repoRoot, type StackEnv } from './stack';
export { waitFor, getJson } from './wait';
