export { readTable } from './files/read-table';
export { readTables } from './files/read-tables';
export type { ReadRequest } from './files/read-tables';
export type { ReadTableOptions, ReadTableResult } from './files/read-table-options';
