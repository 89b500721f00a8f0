/**
 * A bucket's accumulator is written by one batch and read whole by every window holding the bucket (12 times for a
 * 1-hour window sliding by 5 minutes); the store never looks inside it. As `json` it is kept as the text the daemon
 * wrote, checked on the way in and handed back as is, instead of `jsonb`, which Postgres rebuilds into its binary
 * form on every write and turns back into text on every read (docs/benchmarks.md, "Sustained ingest").
 */
export const MIGRATION_0005_BUCKET_JSON = `
ALTER TABLE vigil_buckets ALTER COLUMN accumulator TYPE json USING accumulator::json;
`;
