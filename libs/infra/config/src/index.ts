export { ConfigError, loadConfig, env, type ConfigProblem } from './config';
export { serviceEnv, databaseUrl } from './service-env';
