/**
 * Bucket accumulators in a compact binary form (decision 0055): `packed` holds the accumulator packed by the daemon
 * (each key once, counts as varints; ~8 KB a bucket of ~40 events where its JSON text was ~19 KB), which Postgres
 * compresses with lz4 where the server has it (as 0017 did for the JSON; PGlite has no lz4 and uses pglz):
 * ~4.5 KB stored where the JSON took ~6 KB (docs/storage.md).
 *
 * Nothing is converted: a row stored before keeps its JSON in `accumulator` until a batch next writes it, which
 * sets `packed` and clears `accumulator`. Readers take the JSON when a row has it, else `packed`: a daemon of an
 * earlier version writing during a rolling upgrade sets the JSON and leaves `packed` as it was, and its write is the
 * row's. It cannot read a `packed` row, though: its batch would find the accumulator null and fail, rolling back,
 * rather than count anything wrongly; stop such daemons before starting this version on their database.
 * Adding a nullable column and dropping a NOT NULL change only the catalogue.
 */
export const MIGRATION_0032_BUCKET_PACKED = `
ALTER TABLE vigil_buckets ADD COLUMN packed bytea;
ALTER TABLE vigil_buckets ALTER COLUMN accumulator DROP NOT NULL;
DO $$
BEGIN
  ALTER TABLE vigil_buckets ALTER COLUMN packed SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END
$$;
`;
