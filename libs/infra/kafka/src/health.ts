// Kafka readiness: a short-lived admin connection that must list the cluster's brokers.
// Ephemeral on purpose: a cached connection can report healthy from stale metadata
// after the broker went away, and can stay broken after it came back.
import { Kafka, logLevel } from 'kafkajs';
import type { DependencyCheck } from '@atelier/health';

export function kafkaHealthCheck(
  brokers: readonly string[],
  clientId = 'atelier-health',
): DependencyCheck {
  return {
    name: 'kafka',
    async check(signal) {
      const kafka = new Kafka({
        clientId,
        brokers: [...brokers],
        connectionTimeout: 1000,
        requestTimeout: 2000,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      const disconnect = () => void admin.disconnect().catch(() => undefined);
      signal.addEventListener('abort', disconnect, { once: true });
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return {
          brokers: cluster.brokers.length,
          controller: cluster.controller,
          clusterId: cluster.clusterId,
        };
      } finally {
        signal.removeEventListener('abort', disconnect);
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
