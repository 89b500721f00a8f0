/**
 * The prediction index is written once per event and is most of what a batch sends and Postgres stores
 * (docs/benchmarks.md, "Sustained ingest"). Its three times become epoch milliseconds (bigint), which the daemon
 * sends as plain integers instead of ISO-8601 strings that Postgres parses three times a row, and the raw group
 * attribute values become the JSON text the daemon already writes, read back only by the label join, instead of
 * jsonb that Postgres parses and rebuilds for every row. Existing rows are converted in place.
 */
export const MIGRATION_0004_PREDICTION_INDEX_MS = `
ALTER TABLE vigil_prediction_index ALTER COLUMN groups DROP DEFAULT;
ALTER TABLE vigil_prediction_index
  ALTER COLUMN ts           TYPE bigint USING round(extract(epoch FROM ts) * 1000)::bigint,
  ALTER COLUMN bucket_start TYPE bigint USING round(extract(epoch FROM bucket_start) * 1000)::bigint,
  ALTER COLUMN expires_at   TYPE bigint USING round(extract(epoch FROM expires_at) * 1000)::bigint,
  ALTER COLUMN groups       TYPE text   USING groups::text;
ALTER TABLE vigil_prediction_index ALTER COLUMN groups SET DEFAULT '{}';
`;
