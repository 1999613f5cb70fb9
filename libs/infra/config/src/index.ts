export { ConfigError, loadConfig, env } from './config';
