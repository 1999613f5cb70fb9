export { createLogger, PinoNestLogger, type Logger } from './logger';
export { createMetrics, type AppMetrics } from './metrics';
export { abortable, type DependencyCheck } from './dependency-check';
export { OpsModule, APP_METRICS, type OpsOptions } from './ops.module';
export { instrumentFastify } from './http-metrics';
