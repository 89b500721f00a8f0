import type { VigilErrorCode } from '@vigil/core';
import type { CompiledDecodeOptions } from './decode-options';
import type { RawMessage } from './raw-message';

/**
 * A message that could not be decoded, with what the dead-letter store needs to list it and replay it after a fix
 * (docs/events.md, "Bad input").
 */
export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The message key, kept so that a replay lands on the same partition; truncated like `raw`. */
  readonly key: Buffer | null;
  readonly timestamp: string | undefined;
  /** The configured model the event names, once that much could be read; null before. */
  readonly model: string | null;
  readonly code: VigilErrorCode;
  /** What is wrong and where, e.g. `field "features.age": expected a number, got "high"`. */
  readonly reason: string;
  /** The value's first `maxDeadLetterBytes` bytes (empty for a null value). */
  readonly raw: Buffer;
  /** The value's original size in bytes; larger than `raw.length` when it was truncated. */
  readonly rawBytes: number;
}

/**
 * Why a message was refused. Decoders return it rather than throw: bad input is expected, not exceptional, and a
 * flood of it should not pay for a stack trace per message.
 */
export class DecodeFailure {
  constructor(
    readonly code: VigilErrorCode,
    readonly reason: string,
  ) {}
}

const MAX_REASON_LENGTH = 500;

export function toDeadLetter(
  message: RawMessage,
  failure: DecodeFailure,
  options: CompiledDecodeOptions,
  model: string | null = null,
): DeadLetter {
  const value = message.value;
  const reason =
    failure.reason.length > MAX_REASON_LENGTH ? `${failure.reason.slice(0, MAX_REASON_LENGTH - 1)}…` : failure.reason;
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key === null ? null : copyPrefix(message.key, options.maxDeadLetterBytes),
    timestamp: message.timestamp,
    model,
    code: failure.code,
    reason,
    raw: value === null ? Buffer.alloc(0) : copyPrefix(value, options.maxDeadLetterBytes),
    rawBytes: value === null ? 0 : value.length,
  };
}

/**
 * A copy, not a view: Kafka clients hand out values that are slices of a whole fetch response, and a dead letter
 * held until the next commit would otherwise pin that response in memory.
 */
function copyPrefix(bytes: Buffer, limit: number): Buffer {
  return Buffer.from(bytes.subarray(0, Math.min(limit, bytes.length)));
}
