/**
 * A prediction whose event carried its label is labelled from the start: no label will join it (a later one is a
 * duplicate), so its index row is read again only for its key (an id counts once), its version, its times (expiry,
 * retention) and whether it is labelled. The store now writes NULL for its bucket, score, prediction and group values
 * (decision 0054: ~48 bytes less a row, and the group values, which can be personal data, not kept at all). `score`
 * and `prediction` were nullable already; `bucket_start` and `groups` become so. Dropping NOT NULL only changes the
 * catalogue: no row is read or rewritten, and the rows stored before keep their values.
 */
export const MIGRATION_0031_PREDICTION_INDEX_SLIM_ROWS = `
ALTER TABLE vigil_prediction_index ALTER COLUMN bucket_start DROP NOT NULL, ALTER COLUMN groups DROP NOT NULL;
`;
