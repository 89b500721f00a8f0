import { VigilError } from '@vigil/core';

export interface DecodeOptions {
  /**
   * A message value larger than this is dead-lettered as `VIGIL_DECODE_TOO_LARGE` without being parsed, so one
   * absurd message cannot stall a partition or exhaust memory.
   * @defaultValue 1 MiB (1,048,576 bytes)
   */
  readonly maxMessageBytes?: number;
  /**
   * A dead letter keeps at most this many bytes of the message value (and of its key); `rawBytes` keeps the
   * original size.
   * @defaultValue 64 KiB (65,536 bytes)
   */
  readonly maxDeadLetterBytes?: number;
  /**
   * A prediction whose event time is further than this past the clock is dead-lettered
   * (`VIGIL_DECODE_OUT_OF_RANGE`): one bad producer clock would otherwise move the watermark years ahead and
   * close every window at once. Absent: no bound (files of any period can be replayed).
   */
  readonly maxFutureMs?: number;
  /** The clock `maxFutureMs` is measured from. @defaultValue Date.now */
  readonly now?: () => number;
}

export interface CompiledDecodeOptions {
  readonly maxMessageBytes: number;
  readonly maxDeadLetterBytes: number;
  readonly maxFutureMs?: number;
  readonly now: () => number;
}

export const DECODE_DEFAULTS: CompiledDecodeOptions = Object.freeze({
  maxMessageBytes: 1024 * 1024,
  maxDeadLetterBytes: 64 * 1024,
  now: Date.now,
});

/** Applies the defaults and refuses, all problems at once, limits that are not positive integers. */
export function compileDecodeOptions(options: DecodeOptions | CompiledDecodeOptions = {}): CompiledDecodeOptions {
  const limits = {
    maxMessageBytes: options.maxMessageBytes ?? DECODE_DEFAULTS.maxMessageBytes,
    maxDeadLetterBytes: options.maxDeadLetterBytes ?? DECODE_DEFAULTS.maxDeadLetterBytes,
  };
  const problems: string[] = [];
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0)
      problems.push(`${name}: expected a positive integer, got ${String(value)}`);
  }
  if (options.maxFutureMs !== undefined && !(Number.isFinite(options.maxFutureMs) && options.maxFutureMs >= 0)) {
    problems.push(`maxFutureMs: expected zero or more milliseconds, got ${String(options.maxFutureMs)}`);
  }
  const compiled: CompiledDecodeOptions = {
    ...limits,
    ...(options.maxFutureMs !== undefined ? { maxFutureMs: options.maxFutureMs } : {}),
    now: options.now ?? DECODE_DEFAULTS.now,
  };
  if (problems.length > 0) {
    throw new VigilError('VIGIL_CONFIG_INVALID', `invalid decode options: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  return Object.freeze(compiled);
}
