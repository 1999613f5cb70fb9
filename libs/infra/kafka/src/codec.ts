// What the Kafka library needs to know about a message format, and nothing more: each
// messages library (market.*, chain.*) supplies a codec for its own envelope, so producers,
// consumers and projections stay free of any one domain's types.
import type { CodedError } from '@atelier/kernel';

/** One message as it goes on the wire: partition key, validated bytes, headers. */
export interface EncodedMessage {
  /** Kafka key: messages with one key keep their order (one partition). */
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A message format. `encode` validates before it serialises (a producer never puts on a
 * topic what its consumers would reject); `decode` parses at the boundary and throws a
 * poison error (`isPoison`) for bytes that can never become an envelope, so consumers
 * dead-letter them instead of retrying.
 */
export interface EnvelopeCodec<E> {
  /** The envelope schema this codec writes, e.g. 'atelier.envelope/v1'. */
  readonly schema: string;
  encode(envelope: E): EncodedMessage;
  decode(value: Buffer | string | null | undefined): E;
  /** The message id consumers deduplicate by. */
  id(envelope: E): string;
  /** True for an error `decode` throws for invalid bytes (never for a bug elsewhere). */
  isPoison(error: unknown): error is CodedError;
}
