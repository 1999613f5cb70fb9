export { ConfigError, loadConfig, env, type ConfigProblem } from './config';
