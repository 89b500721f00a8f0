/**
 * Bucket accumulators in a compact binary form (decision 0055): `packed` holds the accumulator packed (each key
 * once, counts as varints) and deflated by the daemon, ~3.5 KB a bucket of ~40 events where its JSON took ~6 KB
 * once lz4 had it (docs/storage.md). `STORAGE EXTERNAL`: the bytes are compressed already, so Postgres moves a large
 * value out of line without trying to compress it again.
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
ALTER TABLE vigil_buckets ALTER COLUMN packed SET STORAGE EXTERNAL;
ALTER TABLE vigil_buckets ALTER COLUMN accumulator DROP NOT NULL;
`;
