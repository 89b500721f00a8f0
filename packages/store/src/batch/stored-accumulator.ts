import { packJson, unpackJson, VigilError } from '@vigil/core';

/**
 * A bucket's accumulator as `vigil_buckets.packed` keeps it (migration 0032, decision 0055): packed
 * ({@link packJson}: each key once, counts as varints), ~8 KB a bucket of ~40 events where the JSON text was
 * ~19 KB; Postgres compresses it (lz4 where the server has it).
 */
export function storedAccumulator(value: unknown): Uint8Array {
  return packJson(value);
}

/** The accumulator `bytes` (a `packed` column's value, or {@link storedAccumulator}'s) keeps. */
export function accumulatorOf<A>(bytes: Uint8Array, where: () => string): A {
  try {
    return unpackJson(bytes) as A;
  } catch (error) {
    throw new VigilError(
      'VIGIL_INTERNAL',
      `the stored accumulator of ${where()} is damaged: ${(error as Error).message}`,
    );
  }
}
