/** The streaming daemon: label join, orphan labels, window bookkeeping, watermarks (issue 3). */
export const MIGRATION_0002_STREAM = `
CREATE TABLE vigil_stream_placeholder (id integer PRIMARY KEY);
`;
