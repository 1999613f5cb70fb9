import { deadLetterTopic } from './dead-letter';
import { KafkaError } from './errors';

describe('dead-letter topics', () => {
  it('one per consumer group, and a name Kafka would reject is a typed error', () => {
    expect(deadLetterTopic('projection.trades')).toBe('projection.trades.dlq');
    expect(() => deadLetterTopic('group with spaces')).toThrow(KafkaError);
    expect(() => deadLetterTopic('x'.repeat(250))).toThrow(
      expect.objectContaining({ code: 'KAFKA.INVALID_TOPIC_NAME' }),
    );
  });
});
