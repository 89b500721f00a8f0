/**
 * The prediction index is what traffic costs (~230 bytes an event, docs/storage.md), and 149 of them were its heap
 * row. Two things in that row held no information:
 *
 * - **alignment padding.** PostgreSQL aligns each 8-byte column to 8 bytes; the index's three text columns came
 *   first and `groups` sat between two doubles, so a row carried 9 bytes of padding, and the row length is itself
 *   rounded up to 8. The fixed-width columns now come first, the texts after them.
 * - **`labelled_at`** (8 bytes a labelled row). Nothing reads the time: the label join only asks whether the
 *   prediction is labelled, and a prediction is labelled exactly when its `label` is set (both were always written
 *   together, by the INSERT of an event that carried its label and by the join's UPDATE). `label IS NOT NULL` is
 *   the flag now.
 *
 * 144 → 128 bytes a row (tuple header included), measured with pg_column_size on rows shaped like the fleet
 * benchmark's.
 *
 * The primary key becomes `(id, model)`: the same uniqueness and the same probes (every statement gives both
 * columns), but where the key's pages fill up. Led by the model, each model's new ids went into the middle of the
 * B-tree, behind the model's last id; a page split there leaves the left half at 50 % for good (the key measured
 * 63–68 bytes an event). Led by the id, ids that grow with time (sequences, ULIDs, UUIDv7, time-prefixed ids) are
 * inserted at the B-tree's right edge, where PostgreSQL splits a page 90/10: 41 bytes an event for 100,000 such ids
 * of 100 models. Random ids (UUIDv4) land anywhere in both orders (89 → 87 bytes). PostgreSQL cannot reorder columns in place, so the table is rebuilt: the old one renamed, its rows copied into a
 * new one of the old name, the old one dropped, the keys built again under their old names. A row labelled without a label (no code path writes
 * one) would keep its labelled state as NaN.
 */
export const MIGRATION_0024_PREDICTION_INDEX_COMPACT_ROWS = `
ALTER TABLE vigil_prediction_index RENAME TO vigil_prediction_index_0021;
CREATE TABLE vigil_prediction_index (
  ts            bigint           NOT NULL,
  bucket_start  bigint           NOT NULL,
  expires_at    bigint           NOT NULL,
  score         double precision,
  prediction    double precision,
  label         double precision,
  model         text COLLATE "C" NOT NULL,
  id            text COLLATE "C" NOT NULL,
  version       text             NOT NULL,
  groups        text             NOT NULL DEFAULT '{}'
);
INSERT INTO vigil_prediction_index (ts, bucket_start, expires_at, score, prediction, label, model, id, version, groups)
SELECT ts, bucket_start, expires_at, score, prediction,
  CASE WHEN label IS NULL AND labelled_at IS NOT NULL THEN 'NaN'::double precision ELSE label END,
  model, id, version, groups
FROM vigil_prediction_index_0021;
-- The old table's keys go with it, freeing their names; the new ones are built once, over the copied rows.
DROP TABLE vigil_prediction_index_0021;
ALTER TABLE vigil_prediction_index ADD CONSTRAINT vigil_prediction_index_pkey PRIMARY KEY (id, model);
CREATE INDEX vigil_prediction_index_expiry ON vigil_prediction_index (expires_at);
CREATE INDEX vigil_prediction_index_ts_hour ON vigil_prediction_index ((ts / 3600000));
`;
