// The one place a kafkajs client is built, so every process gets the same timeouts, the
// Java-compatible partitioner (a key lands on the same partition as with any other client)
// and logs through pino.
import { Kafka, type KafkaConfig } from 'kafkajs';
import type { Logger } from '@atelier/observability';
import { kafkaLogLevel, pinoLogCreator } from './logging';

export interface KafkaClientOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly logger: Logger;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Extra kafkajs settings (ssl, sasl) for a real cluster. */
  readonly extra?: Omit<KafkaConfig, 'clientId' | 'brokers' | 'logLevel' | 'logCreator'>;
}

export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka({
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    ...options.extra,
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: kafkaLogLevel(options.logger),
    logCreator: pinoLogCreator(options.logger),
  });
}
