// Topic names of the market's Kafka contract. One topic per stream category
// (`market.<category>`), keyed by stream name: every event of one aggregate lands on one
// partition, in append order, while a consumer subscribes only to the categories it needs.
import { categoryOf, CodedError } from '@atelier/kernel';

/** A stream's category: its name before the first '-' (the event store's own rule, from @atelier/kernel). */
export { categoryOf };

export const MARKET_TOPIC_PREFIX = 'market';

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export class TopicNameError extends CodedError<'TOPIC.INVALID_NAME'> {
  override readonly name = 'TopicNameError';
  constructor(readonly topic: string) {
    super(
      'TOPIC.INVALID_NAME',
      `'${topic}' is not a valid Kafka topic name (letters, digits, '.', '_', '-'; at most 249)`,
      { topic },
    );
  }
}

export function assertTopicName(topic: string): string {
  if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') throw new TopicNameError(topic);
  return topic;
}

/** market.<category>; `prefix` lets tests and tenants use their own namespace. */
export function marketTopic(category: string, prefix: string = MARKET_TOPIC_PREFIX): string {
  return assertTopicName(`${prefix}.${category}`);
}

/** An outbox routing table: each of these stream categories to market.<category>. */
export function marketRoutes(
  categories: readonly string[],
  prefix: string = MARKET_TOPIC_PREFIX,
): Record<string, string> {
  return Object.fromEntries(categories.map((c) => [c, marketTopic(c, prefix)]));
}
