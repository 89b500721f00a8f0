/**
 * The prediction index takes a row per event and is probed twice per event (the runner's duplicate look-up, then
 * the INSERT's conflict check), so its key comparisons are a large part of what Postgres does while ingesting
 * (docs/benchmarks.md, "Sustained ingest"). Under the database's default collation (C.UTF-8 on the project's
 * server; any ICU or glibc locale elsewhere) each comparison of the text key goes through strcoll; under "C" it is
 * a memcmp. The key only needs equality and a stable lock order, never a human sort order, so the index's `model`
 * and `id` become `COLLATE "C"`, and so do the orphan labels' (joined to the index on the same two columns: an
 * index serves a comparison only under its own collation, so both sides of that join must agree). Statements that
 * compare these columns with a parameter pick the column's collation, so none needs a COLLATE clause. The keys
 * are rebuilt with the tables.
 *
 * A bucket's accumulator (tens of KiB of JSON, written by nearly every batch, read whole by every window holding
 * the bucket) is stored out of line without compression: pglz spent more of Postgres's time than the few KiB a
 * bucket it saves (a few hundred buckets a model, beside the index's million rows).
 */
export const MIGRATION_0007_INGEST_KEYS_C_COLLATION = `
ALTER TABLE vigil_prediction_index
  ALTER COLUMN model TYPE text COLLATE "C",
  ALTER COLUMN id    TYPE text COLLATE "C";
ALTER TABLE vigil_orphan_labels
  ALTER COLUMN model TYPE text COLLATE "C",
  ALTER COLUMN id    TYPE text COLLATE "C";
ALTER TABLE vigil_buckets ALTER COLUMN accumulator SET STORAGE EXTERNAL;
`;
