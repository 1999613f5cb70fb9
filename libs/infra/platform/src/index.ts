export { serviceEnv } from './app-env';
export { runHttpApp, EXIT_CONFIG, type HttpAppContext, type HttpAppSpec } from './run-http-app';
