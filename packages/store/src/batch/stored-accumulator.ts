import { deflateSync, inflateSync } from 'node:zlib';
import { packJson, unpackJson, VigilError } from '@vigil/core';

/**
 * A bucket's accumulator as `vigil_buckets.packed` keeps it (migration 0032, decision 0055): packed
 * ({@link packJson}: each key once, counts as varints) and then deflated at level 1, with zlib's header and checksum.
 * ~3.5 KB a bucket of ~40 events, where the JSON text was ~19 KB and ~5.5 KB once Postgres's lz4 had it; the column
 * is `STORAGE EXTERNAL`, so Postgres does not try to compress it again.
 */
export function storedAccumulator(value: unknown): Uint8Array {
  return deflateSync(packJson(value), { level: 1 });
}

/** The accumulator `bytes` (a `packed` column's value, or {@link storedAccumulator}'s) keeps. */
export function accumulatorOf<A>(bytes: Uint8Array, where: () => string): A {
  let packed: Buffer;
  try {
    packed = inflateSync(bytes);
  } catch (error) {
    throw new VigilError(
      'VIGIL_INTERNAL',
      `the stored accumulator of ${where()} is damaged: ${(error as Error).message}`,
    );
  }
  return unpackJson(packed) as A;
}
