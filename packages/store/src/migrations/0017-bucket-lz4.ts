/**
 * A bucket's accumulator is most of the database at fleet scale: ~16 KB of JSON a bucket (30 features' histograms,
 * mostly zeros), a bucket per model and 5-minute slide, stored uncompressed since migration 0007 because pglz cost
 * more of Postgres's time than it saved. lz4 costs about what storing it uncompressed does (measured on the fleet
 * benchmark's buckets: inserting 1,459 accumulators took 448–595 ms with lz4, 585–674 ms uncompressed, 1,087–1,206 ms
 * with pglz) and stores 3.8 KB of the 15.9 (docs/storage.md, docs/benchmarks.md "Metric storage").
 *
 * Only where the server has lz4 (PostgreSQL 14+ built with it, as Debian's is). PGlite has no lz4: its accumulators
 * stay uncompressed (SQLSTATE 0A000 is caught). Accumulators already stored are rewritten so that they are
 * compressed too; their `updated_at` is left alone, so no window is analysed again because of it.
 */
export const MIGRATION_0017_BUCKET_LZ4 = `
DO $$
BEGIN
  ALTER TABLE vigil_buckets ALTER COLUMN accumulator SET COMPRESSION lz4;
  ALTER TABLE vigil_buckets ALTER COLUMN accumulator SET STORAGE EXTENDED;
  UPDATE vigil_buckets SET accumulator = accumulator::text::json;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END
$$;
`;
