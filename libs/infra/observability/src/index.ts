export { createLogger, PinoNestLogger, type Logger } from './logger';
export { createMetrics, type AppMetrics } from './metrics';
export { OpsModule, APP_METRICS, type OpsOptions } from './ops.module';
export { instrumentFastify } from './http-metrics';
