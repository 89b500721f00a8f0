/**
 * `retention.buckets` deletes the buckets that start before its limit, in batches of a bounded size, once an hour.
 * The primary key leads with the model, so without this index each batch would read the whole table (~1.5 MB per
 * model-day) to find them. An entry is ~30 bytes against a bucket's ~5 KB.
 */
export const MIGRATION_0022_BUCKET_START_INDEX = `
CREATE INDEX vigil_buckets_start ON vigil_buckets (bucket_start);
`;
