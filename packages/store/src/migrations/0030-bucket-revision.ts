/**
 * Each bucket's revision: a number that every write of the row changes (a random start when the row is inserted, one
 * more at every update), so that a daemon that cached the accumulator it wrote can tell, when it next locks the row,
 * whether it is still the row's (packages/store/src/batch/bucket-cache.ts, decision 0052). Rows written before have
 * 0, which no cache holds. Adding a column with a constant default does not rewrite the table.
 */
export const MIGRATION_0030_BUCKET_REVISION = `
ALTER TABLE vigil_buckets ADD COLUMN revision bigint NOT NULL DEFAULT 0;
`;
