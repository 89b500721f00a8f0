/**
 * A Kafka message as the decoders see it: the fields every Kafka client gives, without the client's own types, so
 * decoding is testable without a broker and the Kafka client stays in one file (docs/decisions/0001, "one home per
 * dependency").
 */
export interface RawMessage {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit; kept as the decimal string the clients give. */
  readonly offset: string;
  /** The model id by convention (docs/events.md); decoding reads the model from the value, not the key. */
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Broker or producer time, epoch milliseconds as a decimal string. */
  readonly timestamp?: string;
}
