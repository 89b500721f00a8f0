import { packJson, unpackJson, VigilError } from '@vigil/core';
import { toIso, toMs } from '../values';

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

/**
 * A bucket row's accumulator: its JSON when it has one (a row no batch has written since migration 0032, or one a
 * daemon of an earlier version wrote, leaving `packed` as it was), else its `packed` bytes.
 */
export function storedValue<A>(row: {
  model: string;
  version: string;
  bucket_start: unknown;
  packed: Uint8Array | null;
  accumulator: A | null;
}): A {
  const where = (): string => `bucket ${row.model}/${row.version}@${toIso(toMs(row.bucket_start), 'bucket_start')}`;
  if (row.accumulator !== null) return row.accumulator;
  if (row.packed === null) throw new VigilError('VIGIL_INTERNAL', `${where()} has no accumulator`);
  return accumulatorOf<A>(row.packed, where);
}
