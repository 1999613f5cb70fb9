export { kafkaHealthCheck } from './health';
