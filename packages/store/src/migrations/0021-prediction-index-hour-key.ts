/**
 * The prediction index is the part of the database that grows with events (~250 bytes an event, docs/storage.md),
 * and its index on `ts` was 30 of them: a B-tree entry per row (an 8-byte key, its tuple header and line pointer),
 * read only by retention's `DELETE … WHERE ts < limit` once an hour. It becomes an index on the event time's hour,
 * `ts / 3600000`: the rows of one hour share a key, which PostgreSQL's B-tree deduplication stores once with a list
 * of row pointers (6 bytes a row). Retention asks for the hours up to the limit's and rechecks `ts` on those rows.
 */
export const MIGRATION_0021_PREDICTION_INDEX_HOUR_KEY = `
DROP INDEX vigil_prediction_index_ts;
CREATE INDEX vigil_prediction_index_ts_hour ON vigil_prediction_index ((ts / 3600000));
`;
