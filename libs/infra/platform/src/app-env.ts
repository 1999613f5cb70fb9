// The environment every Atelier service reads. Defined in @atelier/config (framework-free,
// so the Ponder indexer shares it without NestJS); re-exported here for the Nest apps.
export { serviceEnv } from '@atelier/config';
