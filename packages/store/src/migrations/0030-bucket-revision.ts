/**
 * Each bucket's revision: a number that every write of the row changes, so that a daemon that cached the accumulator
 * it wrote can tell, when it next locks the row, whether it is still the row's (packages/store/src/batch/bucket-cache.ts,
 * decision 0052). The trigger makes it so whoever writes: one more at every update, and a random start (below 2⁶²)
 * for a row inserted without one, so that a bucket deleted by retention and inserted again does not take up the
 * revisions of the row before it. A daemon of an earlier version sharing the database (a rolling upgrade) writes rows
 * without knowing of the column; the trigger still moves their revision, so a newer daemon's cache never takes its
 * stale copy for the row. Rows written before have 0, which no cache holds. Adding a column with a constant default
 * does not rewrite the table.
 */
export const MIGRATION_0030_BUCKET_REVISION = `
ALTER TABLE vigil_buckets ADD COLUMN revision bigint NOT NULL DEFAULT 0;

CREATE FUNCTION vigil_bucket_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    NEW.revision := OLD.revision + 1;
  ELSIF NEW.revision = 0 THEN
    NEW.revision := floor(random() * 4611686018427387904)::bigint | 1;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER vigil_bucket_revision BEFORE INSERT OR UPDATE ON vigil_buckets
  FOR EACH ROW EXECUTE FUNCTION vigil_bucket_revision();
`;
